import { defineRule, defineRuleFamily } from '../../../core/rules.js';

defineRuleFamily(
  'formats',
  `Model formats beyond pickle, PyTorch, Keras, TensorFlow, ONNX, GGUF and safetensors. Each is recognised by
content (never by extension alone) and recorded in the file's \`formats\`. Formats whose loaders can run code or
touch the host are analysed; the others are identified and an informational finding (BW-FMT-001) says what was and
was not analysed. Identified-only formats do not change the verdict: their loaders read data (trees, weights,
parameters), not code.

| Format | Recognised by | Analysis |
|---|---|---|
| PMML | XML with a \`<PMML>\` root | bounded XML tokenizer (no entity resolution, no network): DOCTYPE external entities and external DTDs (XXE), XInclude, entity-expansion bombs |
| OpenVINO IR | XML with a \`<net name=… version=…>\` root | same XML checks; layers whose opset is not a standard \`opsetN\` (custom operations need extension libraries), URL or traversal paths in layer data |
| other XML | a DOCTYPE declaring entities, or an XInclude | XXE and XInclude checks |
| Hydra / NeMo configs | YAML with \`_target_\` keys or \`!!python/\` tags (\`model_config.yaml\` inside \`.nemo\` tar archives) | parsed with a safe schema and an alias limit; every \`_target_\` (and NeMo's top-level \`target\`) is resolved against the pickle policy, including attribute aliases such as \`nemo.x.os.system\`; in a NeMo config, targets outside NeMo/PyTorch/Lightning/Megatron are malicious (CVE-2025-23304); \`!!python/\` tags run code under PyYAML's unsafe loaders |
| skops | \`schema.json\` in a \`.skops\` zip (a JSON analyzer) | every type and function the schema names is classified like a pickle global: outside skops' trusted set → suspicious, dangerous (os, builtins.eval, subprocess…) → malicious |
| TorchServe \`.mar\` | \`MAR-INF/MANIFEST.json\` (a JSON analyzer) | handler and model files reported; the handler is Python the server runs (the \`.py\` members are analysed by the Python source scanner) |
| CoreML \`.mlmodel\` | protobuf \`Model\` with a small \`specificationVersion\` and a feature description | custom models and custom layers (native code the app must supply), linked model files |
| PaddlePaddle \`.pdmodel\` | protobuf \`ProgramDesc\` (block 0 with parent -1) | operator types: \`py_func\`, file and network operators |
| Flax / msgpack | msgpack map with string keys | extension types other than flax.serialization's ndarray/complex/scalar codes, object dtypes |
| XGBoost | JSON \`{"learner", "version"}\`, UBJSON, legacy \`binf\`/\`bs64\` | identified only |
| LightGBM | text model starting \`tree\\nversion=v\` | identified only |
| CatBoost | \`CBM1\` magic | identified only |
| R serialized (\`.rds\`, \`.rda\`) | \`X\\n\` / \`RDX2\`/\`RDX3\` (after gzip/bzip2/xz, which the archive layer removes) | XDR object walk without building anything: unevaluated promises (code that runs when the value is first used, CVE-2024-27322) and active bindings; closures and byte code counted (the walk stops at byte code, said in an info finding); ASCII/native variants identified only |
| Torch7 (\`.t7\`) | Lua torch serialization header | identified only (Lua's \`torch.load\` can restore functions; Python readers do not run code) |

Files whose content matches none of the scanners are listed as skipped with the reason.`,
);

const REFS = { atlas: ['AML.T0010.003'], owaspMl: ['ML06'] };
const CODE_REFS = { atlas: ['AML.T0010.003', 'AML.T0011.000'], owaspMl: ['ML06'] };
const FAMILY = 'formats';

export const FMT_IDENTIFIED = defineRule({
  id: 'BW-FMT-001',
  name: 'identified-not-analysed',
  family: FAMILY,
  title: 'Model format identified; content not analysed further',
  description:
    'The file was recognised as a model format whose loader reads data rather than code (trees, weights, parameters). The finding says what was checked and what was not. It does not change the verdict.',
  severity: 'info',
  impact: 'none',
  confidence: 'high',
  remediation: 'No action needed; load such files with the library that wrote them, from sources you trust.',
  references: REFS,
});

export const FMT_XXE = defineRule({
  id: 'BW-FMT-002',
  name: 'xml-external-entity',
  family: FAMILY,
  title: 'XML model declares external entities or an external DTD (XXE)',
  description:
    'The DOCTYPE declares an entity (or parameter entity) with SYSTEM/PUBLIC identifiers, or references an external DTD. XML parsers that resolve them read local files (file:///etc/passwd) or make network requests (SSRF, out-of-band exfiltration) while the model is loaded. Model files never need a DTD.',
  severity: 'high',
  impact: 'malicious',
  confidence: 'high',
  remediation:
    'Do not load this file. Remove the DOCTYPE; load XML models only with parsers that disable DTDs and external entities.',
  references: { ...CODE_REFS, cwe: ['CWE-611'] },
});

export const FMT_XINCLUDE = defineRule({
  id: 'BW-FMT-003',
  name: 'xml-xinclude',
  family: FAMILY,
  title: 'XML model uses XInclude',
  description:
    'The document uses XInclude (the http://www.w3.org/2001/XInclude namespace). Parsers with XInclude processing pull other files or URLs into the model while loading it.',
  severity: 'high',
  impact: 'malicious',
  confidence: 'high',
  remediation: 'Do not load this file; remove the xi:include elements.',
  references: { ...CODE_REFS, cwe: ['CWE-611'] },
});

export const FMT_ENTITY_EXPANSION = defineRule({
  id: 'BW-FMT-004',
  name: 'xml-entity-expansion',
  family: FAMILY,
  title: 'XML model declares nested or numerous internal entities',
  description:
    'The DOCTYPE declares entities that reference other entities, or very many entities: the "billion laughs" pattern that exhausts the memory of parsers that expand them.',
  severity: 'medium',
  impact: 'suspicious',
  confidence: 'high',
  remediation: 'Remove the DOCTYPE; model files never need entity declarations.',
  references: { ...REFS, cwe: ['CWE-776'] },
});

export const FMT_MALFORMED = defineRule({
  id: 'BW-FMT-005',
  name: 'malformed-model',
  family: FAMILY,
  title: 'Recognised model file could not be parsed',
  description:
    'The content was recognised as one of these formats but is malformed, truncated or beyond a resource bound, so the analysis did not complete. The file is inconclusive.',
  severity: 'medium',
  impact: 'inconclusive',
  confidence: 'high',
  remediation: 'Re-download the file; if it is valid, report a bug with a sample.',
  references: REFS,
});

export const FMT_OPENVINO_CUSTOM = defineRule({
  id: 'BW-FMT-006',
  name: 'openvino-custom-operation',
  family: FAMILY,
  title: 'OpenVINO IR uses custom (non-standard) operations',
  description:
    'Layers declare an operation set outside the standard opsetN sets. Running the model requires loading an extension library (native code) that implements them; the model cannot load it by itself, but whoever ships the model will ask for it.',
  severity: 'medium',
  impact: 'suspicious',
  confidence: 'medium',
  remediation: 'Check where the extension library comes from; load only extensions you build or trust.',
  references: REFS,
});

export const FMT_EXTERNAL_REF = defineRule({
  id: 'BW-FMT-007',
  name: 'external-reference',
  family: FAMILY,
  title: 'Model references an external file or URL',
  description:
    'A layer attribute, linked-model entry or similar field names a URL, an absolute path or a path that climbs out with "..". Loaders that follow it read files outside the model directory or fetch remote content.',
  severity: 'medium',
  impact: 'suspicious',
  confidence: 'medium',
  remediation: 'Check the reference; ship referenced files next to the model with relative names.',
  references: { ...REFS, cwe: ['CWE-22'] },
});

export const FMT_COREML_CUSTOM = defineRule({
  id: 'BW-FMT-008',
  name: 'coreml-custom-code',
  family: FAMILY,
  title: 'CoreML model needs custom code (custom model or custom layers)',
  description:
    'The model is a CustomModel or has CustomLayerParams layers. CoreML runs them by instantiating the named Objective-C/Swift class, which the application must provide: the model only works together with native code from its author.',
  severity: 'medium',
  impact: 'suspicious',
  confidence: 'high',
  remediation: 'Review the class names and the code that implements them before shipping the model.',
  references: CODE_REFS,
});

export const FMT_SKOPS_UNTRUSTED = defineRule({
  id: 'BW-FMT-009',
  name: 'skops-untrusted-type',
  family: FAMILY,
  title: 'skops file uses a type outside the trusted set',
  description:
    "schema.json names a type or function that is neither one of skops' default trusted types nor on Bulwark's allowlist. skops.io.load refuses it unless the caller trusts it explicitly (and trusting what get_untrusted_types returns trusts it blindly); once trusted, loading imports and calls it.",
  severity: 'medium',
  impact: 'suspicious',
  confidence: 'medium',
  remediation: 'Review each type; pass only reviewed types to skops.io.load(trusted=...).',
  references: { ...CODE_REFS, cwe: ['CWE-502'] },
});

export const FMT_SKOPS_DANGEROUS = defineRule({
  id: 'BW-FMT-010',
  name: 'skops-dangerous-type',
  family: FAMILY,
  title: 'skops file names a dangerous type or function',
  description:
    'schema.json names a callable on the denylist (os, subprocess, builtins.eval/exec, nested loaders…). If the caller trusts it, loading the file calls it with attacker-chosen arguments.',
  severity: 'critical',
  impact: 'malicious',
  confidence: 'high',
  remediation: 'Do not load this file and do not trust its types.',
  references: { ...CODE_REFS, cwe: ['CWE-502'] },
});

export const FMT_TORCHSERVE = defineRule({
  id: 'BW-FMT-011',
  name: 'torchserve-handler',
  family: FAMILY,
  title: 'TorchServe archive runs a handler',
  description:
    'The .mar manifest names the handler TorchServe runs for this model (a built-in handler or a Python file in the archive), the model file and the serialized weights. A custom handler is arbitrary Python executed by the server; its source is analysed by the Python source scanner. Unsafe member paths in the manifest are reported separately.',
  severity: 'info',
  impact: 'none',
  confidence: 'high',
  remediation:
    'Review custom handler code before registering the model; register archives only from trusted sources.',
  references: CODE_REFS,
});

export const FMT_HYDRA_DANGEROUS = defineRule({
  id: 'BW-FMT-012',
  name: 'hydra-target-dangerous',
  family: FAMILY,
  title: 'Config instantiates a dangerous or foreign target (Hydra _target_)',
  description:
    "A `_target_` (or NeMo's model `target`) names a callable that hydra.utils.instantiate imports and calls with arguments from the config: a denied callable (os.system, subprocess, builtins.eval, nested loaders, attribute aliases such as nemo.x.os.system), or, in a NeMo model config, anything outside the NeMo, PyTorch, Lightning and Megatron namespaces. Restoring the .nemo file runs it (CVE-2025-23304).",
  severity: 'critical',
  impact: 'malicious',
  confidence: 'high',
  remediation:
    'Do not restore this model. Upgrade NeMo (targets are validated since 2.3.2) and review every _target_.',
  references: { ...CODE_REFS, cve: ['CVE-2025-23304'], cwe: ['CWE-94'] },
});

export const FMT_HYDRA_UNKNOWN = defineRule({
  id: 'BW-FMT-013',
  name: 'hydra-target-unknown',
  family: FAMILY,
  title: 'Config instantiates a target outside known ML namespaces',
  description:
    'A Hydra `_target_` in a config that is not a NeMo model config names a callable outside the namespaces ML configs normally instantiate. hydra.utils.instantiate imports and calls it; review it.',
  severity: 'medium',
  impact: 'suspicious',
  confidence: 'medium',
  remediation: 'Check that the target is your own code or a library you trust.',
  references: { ...CODE_REFS, cwe: ['CWE-94'] },
});

export const FMT_YAML_PYTHON_TAG = defineRule({
  id: 'BW-FMT-014',
  name: 'yaml-python-tag',
  family: FAMILY,
  title: 'YAML config uses Python object tags',
  description:
    "The YAML uses !!python/object, !!python/object/apply, !!python/name or !!python/module tags. PyYAML's unsafe loaders (yaml.load with Loader=Loader/UnsafeLoader/FullLoader in old versions, yaml.unsafe_load) import and call the named Python objects while parsing.",
  severity: 'critical',
  impact: 'malicious',
  confidence: 'high',
  remediation: 'Do not load this file with an unsafe YAML loader; use yaml.safe_load.',
  references: { ...CODE_REFS, cwe: ['CWE-502'] },
});

export const FMT_MSGPACK_EXT = defineRule({
  id: 'BW-FMT-015',
  name: 'msgpack-unexpected-ext',
  family: FAMILY,
  title: 'msgpack checkpoint carries unexpected extension types',
  description:
    'The msgpack data uses extension type codes that flax.serialization does not write (it writes ndarray, complex and numpy scalar codes), or an ndarray with an object dtype. A custom ext_hook in the loading code decides what such data becomes.',
  severity: 'medium',
  impact: 'suspicious',
  confidence: 'medium',
  remediation: 'Check which tool wrote the file; restore it only with flax.serialization.',
  references: REFS,
});

export const FMT_PADDLE_OP = defineRule({
  id: 'BW-FMT-016',
  name: 'paddle-host-operator',
  family: FAMILY,
  title: 'PaddlePaddle program uses Python, file or network operators',
  description:
    'The program contains py_func (calls a Python function registered in the running process), file operators (save, load, save_combine, load_combine with file_path attributes) or network operators (send, recv, listen_and_serv). Running the program performs host I/O.',
  severity: 'medium',
  impact: 'suspicious',
  confidence: 'high',
  remediation: 'Inference programs do not need these operators; re-export the model with paddle.jit.save.',
  references: REFS,
});

export const FMT_R_CODE_ON_ACCESS = defineRule({
  id: 'BW-FMT-017',
  name: 'r-code-on-access',
  family: FAMILY,
  title: 'R data runs code when a value is used (promise or active binding)',
  description:
    'The R serialized data contains an unevaluated promise (an expression plus an environment) or an active binding. readRDS/load restore them as they are, and the expression or function runs as soon as the value is used: arbitrary R code, including system(). Data never needs either.',
  severity: 'critical',
  impact: 'malicious',
  confidence: 'high',
  remediation:
    'Do not load this file in R. Upgrade to R >= 4.4.0, which refuses promises in serialized data.',
  references: { ...CODE_REFS, cve: ['CVE-2024-27322'], cwe: ['CWE-502'] },
});
