import { defineRule, defineRuleFamily } from '../../../core/rules.js';

defineRuleFamily(
  'keras',
  `Keras models come as \`.keras\` archives (a ZIP with \`config.json\`, \`metadata.json\` and \`model.weights.h5\`),
as legacy HDF5 files (\`.h5\`/\`.hdf5\`, the model architecture in the root attribute \`model_config\`, the compile
settings in \`training_config\`), and as layer metadata inside TensorFlow SavedModels (\`keras_metadata.pb\`). All
are recognised by content: a JSON document is a Keras config when its shape says so (\`module\`/\`class_name\`/
\`config\`/\`registered_name\`, or a \`Sequential\`/\`Functional\`/\`Model\` with \`layers\`), an HDF5 file by its
superblock signature (at offset 0 or after a user block). HDF5 is read with a real HDF5 library (h5wasm) in a
separate worker thread with a time limit; files on disk are read in place, never copied.

Loading a Keras config is not inert. \`Lambda\` layers carry marshalled Python bytecode that \`marshal.loads\` turns
into a function (CVE-2024-3660); Keras 3 resolves every \`module\` + \`class_name\` pair with \`importlib\`
(CVE-2025-1550) and calls the result with arguments taken from \`inbound_nodes\` or \`arguments\`; functions inside
Keras itself can download files (\`get_file\`, CVE-2025-8747), switch safe mode off
(\`enable_unsafe_deserialization\`, CVE-2025-9906) or load further models; \`TorchModuleWrapper\` feeds embedded
bytes to \`torch.load(weights_only=False)\` (CVE-2025-49655); lookup layers read their \`vocabulary\` from any path or
URL (CVE-2025-12058); and \`safe_mode\` is ignored for HDF5 files (CVE-2025-9905).

### What Bulwark checks

- The **whole** config is walked, not only the top-level layer list: nested \`Sequential\`/\`Functional\` models,
  wrappers (\`TimeDistributed\`, \`Bidirectional\`), \`inbound_nodes\` arguments, Lambda \`arguments\`, initializers,
  optimizer and loss configs, and every nested \`config\` object, with bounds on depth and node count.
- **Lambda bytecode** (Keras 2 \`function\` triples, Keras 3 \`__lambda__\` objects, \`output_shape\` and \`mask\`
  functions, and base64 code objects hidden in any other string) is decoded with a bounded reader of the CPython
  \`marshal\` format (Python 2.7 and 3.6–3.13 code-object layouts); the code is never executed. Every code object
  (nested ones included) is reported with the names it references and its string constants. Code that references
  process, file, network, import or introspection machinery (\`os\`, \`system\`, \`subprocess\`, \`eval\`, \`exec\`,
  \`__import__\`, \`getattr\`, \`open\`, \`tf.io\`…) is malicious; any other Lambda code is suspicious, because it still
  runs on load (always for HDF5, and for \`.keras\` whenever \`safe_mode\` is off or bypassed).
- **Object references**: every \`module\` / \`class_name\` / \`registered_name\` is resolved. References into Keras'
  own namespaces (\`keras\`, \`keras.src\`, \`tf_keras\`, \`tensorflow\`, \`keras_hub\`, \`keras_nlp\`, \`keras_cv\`) are
  accepted except for the known gadgets; anything else is classified with the same policy as pickle globals:
  denylisted or standard-library callables (\`os.system\`, \`subprocess.run\`, \`builtins.exec\`,
  \`importlib.import_module\`…) are malicious, other packages (custom objects whose code must be importable) are
  suspicious.
- **Keras-internal gadgets**: \`get_file\` (with the URL it would fetch), \`enable_unsafe_deserialization\`,
  \`set_global_attribute\`, \`load_model\`/\`load_weights\`, \`TFSMLayer\`, \`func_load\`, \`extract_archive\` and
  similar, and TensorFlow file/Python ops reached through \`TFOpLambda\` (\`io.write_file\`, \`py_function\`…).
- **TorchModuleWrapper**: the embedded \`torch.save\` blob is decoded and analysed like a file, so the pickle and
  archive rules report what \`torch.load\` would run.
- **Path- and URL-valued fields** that Keras reads at load time (\`vocabulary\`, \`idf_weights\`, \`merges\`,
  \`proto\`, \`filepath\`…).
- **HDF5 structure**: external links (which make h5py open other files), user blocks (analysed as content).`,
);

const SUPPLY_CHAIN = { atlas: ['AML.T0010.003', 'AML.T0011.000'], owaspMl: ['ML06'] };
const FAMILY = 'keras';

export const KERAS_LAMBDA_DANGEROUS = defineRule({
  id: 'BW-KERAS-001',
  name: 'lambda-dangerous-code',
  family: FAMILY,
  title: 'Lambda bytecode references process, file, network or import machinery',
  description:
    'A Lambda layer (or another function slot) holds marshalled Python bytecode that references names such as os, system, subprocess, eval, exec, __import__, getattr or open. Keras turns the bytes into a function with marshal.loads and calls it when the model is loaded or first run: always for HDF5 files (safe_mode is ignored, CVE-2025-9905) and for .keras files whenever safe_mode is off or bypassed.',
  severity: 'critical',
  impact: 'malicious',
  confidence: 'high',
  remediation:
    'Do not load this model. Rebuild the model from source code you trust and save it without Lambda layers (use a registered custom layer instead).',
  references: { ...SUPPLY_CHAIN, cve: ['CVE-2024-3660'], cwe: ['CWE-94', 'CWE-502'] },
});

export const KERAS_LAMBDA_CODE = defineRule({
  id: 'BW-KERAS-002',
  name: 'lambda-code',
  family: FAMILY,
  title: 'Lambda layer carries Python bytecode',
  description:
    'A Lambda layer holds marshalled Python bytecode. Nothing in it references known-dangerous names, but it is arbitrary code that runs on load (HDF5) or once safe_mode is off (.keras). The names and constants it uses are listed in the finding for review.',
  severity: 'high',
  impact: 'suspicious',
  confidence: 'medium',
  remediation:
    'Review the listed names and constants. Prefer registered custom layers (code you ship and review) over Lambda layers, and load .keras files with safe_mode=True.',
  references: { ...SUPPLY_CHAIN, cve: ['CVE-2024-3660'], cwe: ['CWE-94'] },
});

export const KERAS_UNSAFE_MODULE = defineRule({
  id: 'BW-KERAS-003',
  name: 'unsafe-module-reference',
  family: FAMILY,
  title: 'Config references a dangerous module or function outside Keras',
  description:
    "An object in the config names a module and class or function outside Keras' own namespaces that is denylisted or part of the standard library (os.system, subprocess.run, builtins.exec, importlib.import_module…). Keras 3 imports the module and retrieves the attribute, and Functional models and Lambda layers call it with arguments from the config (CVE-2025-1550, also in safe mode before Keras 3.9).",
  severity: 'critical',
  impact: 'malicious',
  confidence: 'high',
  remediation:
    'Do not load this model. Upgrade Keras to 3.9 or later, and obtain the model from a trusted source.',
  references: { ...SUPPLY_CHAIN, cve: ['CVE-2025-1550'], cwe: ['CWE-94', 'CWE-502'] },
});

export const KERAS_SAFE_MODE_BYPASS = defineRule({
  id: 'BW-KERAS-004',
  name: 'safe-mode-bypass',
  family: FAMILY,
  title: 'Config switches Keras safe mode off',
  description:
    'The config references enable_unsafe_deserialization, set_global_attribute, deserialize_keras_object or func_load: Keras-internal functions that, called during loading, disable safe_mode so that later Lambda layers run, or turn strings into code (CVE-2025-9906).',
  severity: 'critical',
  impact: 'malicious',
  confidence: 'high',
  remediation: 'Do not load this model. Upgrade Keras to 3.11 or later.',
  references: { ...SUPPLY_CHAIN, cve: ['CVE-2025-9906'], cwe: ['CWE-693', 'CWE-502'] },
});

export const KERAS_DOWNLOAD_GADGET = defineRule({
  id: 'BW-KERAS-005',
  name: 'download-gadget',
  family: FAMILY,
  title: 'Config calls get_file to download content',
  description:
    'The config references keras.utils.get_file (or its internal alias). Called during loading with arguments from the config, it downloads attacker-chosen content to the local cache, or overwrites files, even in safe mode (CVE-2025-8747).',
  severity: 'high',
  impact: 'malicious',
  confidence: 'high',
  remediation: 'Do not load this model. Upgrade Keras to 3.11 or later.',
  references: { ...SUPPLY_CHAIN, cve: ['CVE-2025-8747'], cwe: ['CWE-918', 'CWE-502'] },
});

export const KERAS_FILE_GADGET = defineRule({
  id: 'BW-KERAS-006',
  name: 'file-or-model-loading-gadget',
  family: FAMILY,
  title: 'Config calls a Keras or TensorFlow function that loads models or touches files',
  description:
    'The config references a function or layer that loads another model or weights file (load_model, load_weights, TFSMLayer, saved_model.load), reads or writes files (load_img, save_img, extract_archive, tf.io), loads native code (load_op_library) or calls Python inside a graph (py_function, numpy_function). Reached through a Lambda, TFOpLambda, Functional node or argument, it performs attacker-chosen I/O at load time; a nested load_model can run a second, unscanned model with safe_mode=False.',
  severity: 'high',
  impact: 'malicious',
  confidence: 'high',
  remediation:
    'Do not load this model. Models must not load other files or run I/O when they are deserialised.',
  references: { ...SUPPLY_CHAIN, cve: ['CVE-2025-9906'], cwe: ['CWE-73', 'CWE-502'] },
});

export const KERAS_TORCH_WRAPPER = defineRule({
  id: 'BW-KERAS-007',
  name: 'torch-module-wrapper',
  family: FAMILY,
  title: 'TorchModuleWrapper layer embeds a torch.save blob',
  description:
    'TorchModuleWrapper.from_config passes the embedded bytes to torch.load(weights_only=False), which unpickles them: arbitrary code execution, also in safe mode before Keras 3.11.3 (CVE-2025-49655). The blob is decoded and analysed as a file; findings inside it are reported under the pickle and archive rules.',
  severity: 'high',
  impact: 'suspicious',
  confidence: 'high',
  remediation:
    'Load only models whose TorchModuleWrapper layers come from a trusted source; upgrade Keras to 3.11.3 or later so that safe mode refuses them.',
  references: { ...SUPPLY_CHAIN, cve: ['CVE-2025-49655'], cwe: ['CWE-502'] },
});

export const KERAS_EXTERNAL_RESOURCE = defineRule({
  id: 'BW-KERAS-008',
  name: 'external-resource-field',
  family: FAMILY,
  title: 'Layer field read at load time holds a file path or URL',
  description:
    'A field that Keras resolves when the layer is built (StringLookup/IntegerLookup/TextVectorization vocabulary or idf_weights, tokenizer vocabulary, merges or proto files, TFSMLayer filepath…) holds an absolute path, a path that climbs with "..", a home-directory path or a URL. Loading reads the local file or fetches the URL through tf.io.gfile, also in safe mode: local file disclosure into the model, or server-side request forgery (CVE-2025-12058). Relative paths are reported as suspicious.',
  severity: 'high',
  impact: 'malicious',
  confidence: 'high',
  remediation:
    'Do not load this model. Vocabularies and other assets must be stored inside the model (lists or assets/), not referenced by path or URL.',
  references: { ...SUPPLY_CHAIN, cve: ['CVE-2025-12058'], cwe: ['CWE-73', 'CWE-918'] },
});

export const KERAS_CUSTOM_OBJECT = defineRule({
  id: 'BW-KERAS-009',
  name: 'custom-object',
  family: FAMILY,
  title: 'Config references custom code outside Keras',
  description:
    'An object in the config is a registered custom object ("package>Name") or names a module outside Keras and the known-dangerous lists. Loading needs that code installed and imports it (Keras 3 before 3.9 imports any named module), so the model is only as trustworthy as that package.',
  severity: 'medium',
  impact: 'suspicious',
  confidence: 'medium',
  remediation:
    'Check that the named package is one you trust and have installed from a trusted source; otherwise do not load the model.',
  references: { ...SUPPLY_CHAIN, cve: ['CVE-2025-1550'], cwe: ['CWE-829'] },
});

export const KERAS_TF_OP = defineRule({
  id: 'BW-KERAS-010',
  name: 'tfoplambda-dangerous-op',
  family: FAMILY,
  title: 'TFOpLambda layer calls a TensorFlow file, process or Python function',
  description:
    'A TFOpLambda/SlicingOpLambda layer (Keras 2 wrapper around a TensorFlow API symbol) names a function that reads or writes files (io.read_file, io.write_file, io.gfile), runs Python inside the graph (py_function, numpy_function), loads native libraries or other models. It runs whenever the model is loaded and called.',
  severity: 'high',
  impact: 'malicious',
  confidence: 'high',
  remediation: 'Do not load this model; rebuild it from trusted code.',
  references: { ...SUPPLY_CHAIN, cwe: ['CWE-73', 'CWE-94'] },
});

export const KERAS_CONFIG_UNANALYSED = defineRule({
  id: 'BW-KERAS-011',
  name: 'config-not-analysed',
  family: FAMILY,
  title: 'Keras config or code object could not be fully analysed',
  description:
    'A Keras config could not be parsed, was cut off at a depth or size limit, or a Lambda code object could not be decoded. What could not be read cannot be checked, so the file is inconclusive.',
  severity: 'medium',
  impact: 'inconclusive',
  confidence: 'high',
  remediation:
    'Re-export the model with a current Keras release; if the file is legitimate and large, raise the limits.',
  references: { ...SUPPLY_CHAIN },
});

export const KERAS_H5_UNREADABLE = defineRule({
  id: 'BW-KERAS-012',
  name: 'hdf5-not-analysed',
  family: FAMILY,
  title: 'HDF5 file could not be read',
  description:
    'The file has an HDF5 signature but the HDF5 reader failed (corrupt or hostile structure, unsupported feature, time limit), or the embedded HDF5 content exceeds the size Bulwark copies for analysis. A Keras model_config it may hold was not checked, so the file is inconclusive.',
  severity: 'medium',
  impact: 'inconclusive',
  confidence: 'high',
  remediation:
    'Check that the file is complete; re-save it with h5py/Keras. Scan large .keras archives after extracting them so the weights file is read in place.',
  references: { ...SUPPLY_CHAIN },
});

export const KERAS_H5_EXTERNAL_LINK = defineRule({
  id: 'BW-KERAS-013',
  name: 'hdf5-external-link',
  family: FAMILY,
  title: 'HDF5 file links to objects in other files',
  description:
    'The HDF5 file holds external links. h5py follows them when Keras walks the groups, opening the named file (any path) with the HDF5 library. Keras never writes external links.',
  severity: 'medium',
  impact: 'suspicious',
  confidence: 'high',
  remediation: 'Re-save the weights into a self-contained file; do not load files that point elsewhere.',
  references: { ...SUPPLY_CHAIN, cwe: ['CWE-73'] },
});
