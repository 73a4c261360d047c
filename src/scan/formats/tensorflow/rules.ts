import { defineRule, defineRuleFamily } from '../../../core/rules.js';

defineRuleFamily(
  'tensorflow',
  `TensorFlow models are graphs of operations ("ops"). Loading a SavedModel (\`tf.saved_model.load\`,
\`keras.models.load_model\` on a SavedModel directory, TF Serving) restores the graph and its function library;
running a signature then runs every op reached. Most ops compute on tensors, but some touch the host: they read,
list or write files, open network connections, call back into Python, or abort the process. A graph file cannot
carry native code, so an op that TensorFlow does not ship is a custom op that needs a kernel library; its name is
all the scanner can judge.

Bulwark parses the protobuf itself (no TensorFlow needed), lazily: it walks \`saved_model.pb\` (SavedModel →
MetaGraphDef → GraphDef → NodeDef, and every FunctionDef in the library), frozen \`GraphDef\` files, TF1
\`.meta\` files and the text forms TensorFlow also loads (\`saved_model.pbtxt\`, graph \`.pbtxt\`), lists every op of every graph and function, and classifies each against the list of op names
TensorFlow registers (\`tf.raw_ops\`). Constant string inputs are resolved so that findings name the path an op
would touch. Ops that only compute on tensors are not reported even when other scanners list them (DecodeRaw,
DecodeJpeg/DecodePng, queues, in-graph lookup-table imports, Print/PrintV2 to stderr, Assert): they touch nothing
on the host. Checkpoint ops (SaveV2, RestoreV2, MergeV2Checkpoints…) appear in every SavedModel's saver functions
(\`__inference__traced_save_N\`, \`__inference__traced_restore_N\`) and TF1 \`save/\` scopes; only uses outside that
pattern are reported. \`keras_metadata.pb\` and the Keras metadata embedded in the object graph are parsed and
handed to the Keras config analysis. TensorBundle variable files (\`variables.index\`, an SSTable, and
\`variables.data-*\`, raw tensor bytes) are identified; TensorFlow never executes anything from them.

TensorFlow Lite models (FlatBuffers with the \`TFL3\` identifier) are read with a bounded FlatBuffer reader:
custom operators (\`custom_code\`) need native kernels; \`Flex\`-prefixed ones run TensorFlow ops through the Flex
delegate and are judged with the TensorFlow op policy (using the op named in the embedded NodeDef); metadata
entries are listed, and metadata buffers that hold an archive, a pickle or a compressed stream are analysed as
members (an archive appended after the FlatBuffer is found by its end record and analysed as a ZIP).`,
);

const SUPPLY_CHAIN = { atlas: ['AML.T0010.003', 'AML.T0011.000'], owaspMl: ['ML06'] };
const DOC = 'tensorflow';

export const TF_PYTHON_OP = defineRule({
  id: 'BW-TF-001',
  name: 'python-callback-op',
  family: DOC,
  title: 'Graph calls back into Python',
  description:
    "The graph contains PyFunc, PyFuncStateless or EagerPyFunc. When the op runs, TensorFlow calls the Python function registered under the op's token in the loading process; a model that relies on it expects code outside the file to run, and the op is the hook used to smuggle Python execution into graphs.",
  severity: 'critical',
  impact: 'malicious',
  confidence: 'high',
  remediation:
    'Do not load or serve this model. Re-export it without tf.py_function / tf.numpy_function, or rebuild it from trusted code.',
  references: { ...SUPPLY_CHAIN, cwe: ['CWE-94'] },
});

export const TF_FILE_WRITE_OP = defineRule({
  id: 'BW-TF-002',
  name: 'file-write-op',
  family: DOC,
  title: 'Graph writes files on the host',
  description:
    'An op writes files when the graph runs: WriteFile, TFRecord/dataset writers, summary writers, PrintV2 with a file:// output stream, debug ops dumping to file:// URLs, on-disk dataset caches. A model has no reason to write host files at inference; the paths can overwrite configuration, plant code or fill the disk.',
  severity: 'high',
  impact: 'malicious',
  confidence: 'high',
  remediation:
    'Do not run this model. Remove the op from the graph or obtain the model from a trusted source.',
  references: { ...SUPPLY_CHAIN, cwe: ['CWE-73'] },
});

export const TF_FILE_READ_OP = defineRule({
  id: 'BW-TF-003',
  name: 'file-read-op',
  family: DOC,
  title: 'Graph reads or lists host files',
  description:
    'An op reads or lists files when the graph runs (ReadFile, MatchingFiles, ImmutableConst memory-mapping, checkpoint remapping, proto codecs loading descriptors from files). Its output can flow to the model outputs, exfiltrating local files (keys, credentials) through inference results.',
  severity: 'high',
  impact: 'malicious',
  confidence: 'high',
  remediation: 'Do not serve this model. Remove the op or obtain the model from a trusted source.',
  references: { ...SUPPLY_CHAIN, cwe: ['CWE-73', 'CWE-200'] },
});

export const TF_NETWORK_OP = defineRule({
  id: 'BW-TF-004',
  name: 'network-op',
  family: DOC,
  title: 'Graph opens network connections',
  description:
    'An op connects to a network address when the graph runs (tf.data service datasets, dataset registration, distributed save, debug ops streaming to grpc:// URLs). Inputs and tensors can be sent to an attacker-chosen host.',
  severity: 'high',
  impact: 'malicious',
  confidence: 'high',
  remediation: 'Do not serve this model. Remove the op or obtain the model from a trusted source.',
  references: { ...SUPPLY_CHAIN, cwe: ['CWE-200'] },
});

export const TF_CHECKPOINT_IO = defineRule({
  id: 'BW-TF-005',
  name: 'checkpoint-io-outside-saver',
  family: DOC,
  title: 'Checkpoint read/write op outside the saver',
  description:
    'SaveV2, RestoreV2, MergeV2Checkpoints and their TF1 forms appear in every SavedModel, but only in the saver functions (__inference__traced_save_N / __inference__traced_restore_N) or the TF1 save/ scope. Elsewhere they read or write files at inference (MergeV2Checkpoints also deletes its inputs). With a constant path chosen by the file the finding is high and malicious; with a path supplied by the caller it needs review.',
  severity: 'medium',
  impact: 'suspicious',
  confidence: 'medium',
  remediation:
    'Check why a serving function reads or writes checkpoints; re-export the model with tf.saved_model.save.',
  references: { ...SUPPLY_CHAIN, cwe: ['CWE-73'] },
});

export const TF_DATA_READER = defineRule({
  id: 'BW-TF-006',
  name: 'input-pipeline-reader',
  family: DOC,
  title: 'Graph contains an input-pipeline file reader',
  description:
    'Dataset and queue reader ops (TFRecordDataset, TextLineDataset, WholeFileReader, SqlDataset…) read files. They are normal in TF1 training graphs but unusual in a serving graph; check which files they read.',
  severity: 'medium',
  impact: 'suspicious',
  confidence: 'medium',
  remediation: 'Export inference graphs without the input pipeline, or confirm the paths the readers use.',
  references: SUPPLY_CHAIN,
});

export const TF_UNSAFE_ASSET_PATH = defineRule({
  id: 'BW-TF-007',
  name: 'unsafe-asset-path',
  family: DOC,
  title: 'Asset or vocabulary path escapes the model directory',
  description:
    'An AssetFileDef filename, or the constant file name of a vocabulary/lookup-table initialiser, is absolute, a URL, or climbs out of the model directory with "..". Loading the model reads that host file into the graph (path traversal).',
  severity: 'high',
  impact: 'malicious',
  confidence: 'high',
  remediation: 'Do not load this model. Asset paths must be relative names inside the assets/ directory.',
  references: { ...SUPPLY_CHAIN, cwe: ['CWE-22'] },
});

export const TF_PROCESS_OP = defineRule({
  id: 'BW-TF-008',
  name: 'process-abort-op',
  family: DOC,
  title: 'Graph can terminate the process',
  description:
    'The Abort op terminates the serving process when it runs (denial of service). Ordinary models use Assert instead.',
  severity: 'medium',
  impact: 'suspicious',
  confidence: 'medium',
  remediation: 'Check why the graph aborts; remove the op.',
  references: { ...SUPPLY_CHAIN, cwe: ['CWE-400'] },
});

export const TF_SHELL_OP = defineRule({
  id: 'BW-TF-009',
  name: 'command-execution-op',
  family: DOC,
  title: 'Graph uses a custom op named like a command runner',
  description:
    'An op that TensorFlow does not ship is named like a command or code runner (ShellExecute, ExecuteOp, SystemConfig…). It runs whatever its kernel library implements once that library is loaded; nothing legitimate ships such ops in models.',
  severity: 'high',
  impact: 'malicious',
  confidence: 'medium',
  remediation: 'Do not load the model or any kernel library that came with it.',
  references: { ...SUPPLY_CHAIN, cwe: ['CWE-78'] },
});

export const TF_UNKNOWN_OP = defineRule({
  id: 'BW-TF-010',
  name: 'unknown-op',
  family: DOC,
  title: 'Graph uses an op that TensorFlow does not ship',
  description:
    'The op is neither a TensorFlow op (tf.raw_ops, XLA/TPU and internal ops) nor a function of the graph library. It is a custom op implemented by a native kernel library that must be loaded before the model (tf.load_op_library, TF-Text, TF-Addons…). Review which library provides it.',
  severity: 'medium',
  impact: 'suspicious',
  confidence: 'medium',
  remediation:
    'Identify the library that registers the op and trust it explicitly; otherwise do not load its kernel library.',
  references: SUPPLY_CHAIN,
});

export const TF_MALFORMED = defineRule({
  id: 'BW-TF-011',
  name: 'malformed-model',
  family: DOC,
  title: 'TensorFlow / TFLite file is malformed',
  description:
    'The protobuf or FlatBuffer structure is invalid (truncated, lengths or offsets out of range, wrong wire types) or an embedded document (Keras metadata JSON) does not parse. What was read before the error is reported; the rest could not be analysed.',
  severity: 'medium',
  impact: 'inconclusive',
  confidence: 'high',
  remediation: 'Re-download or re-export the model; report a bug if TensorFlow loads it.',
  references: SUPPLY_CHAIN,
});

export const TF_INVENTORY = defineRule({
  id: 'BW-TF-012',
  name: 'graph-inventory',
  family: DOC,
  title: 'TensorFlow graph inventory',
  description:
    'Informational: the graphs and functions found and every op they use, with counts, so the result can be reviewed.',
  severity: 'info',
  impact: 'none',
  confidence: 'high',
  remediation: 'None needed.',
  references: {},
});

export const TFL_CUSTOM_OP = defineRule({
  id: 'BW-TF-013',
  name: 'tflite-custom-op',
  family: DOC,
  title: 'TFLite model uses a custom operator',
  description:
    'A TFLite operator code names a custom op (custom_code) that is not built into the TFLite runtime. The interpreter can only run it with a native kernel registered by the application; the model depends on code outside the file.',
  severity: 'medium',
  impact: 'suspicious',
  confidence: 'medium',
  remediation: 'Check which library implements the custom op and that you trust it.',
  references: SUPPLY_CHAIN,
});

export const TFL_FLEX_OP = defineRule({
  id: 'BW-TF-014',
  name: 'tflite-flex-op',
  family: DOC,
  title: 'TFLite model runs TensorFlow ops through the Flex delegate',
  description:
    'Informational: Flex ops run a TensorFlow kernel inside TFLite (the select-TF-ops runtime). Each is judged with the TensorFlow op policy; host-facing ones are reported with the TensorFlow rules.',
  severity: 'info',
  impact: 'none',
  confidence: 'high',
  remediation: 'None needed for ordinary tensor ops.',
  references: {},
});

export const TFL_METADATA = defineRule({
  id: 'BW-TF-015',
  name: 'tflite-metadata',
  family: DOC,
  title: 'TFLite model metadata',
  description:
    'Informational: the metadata entries of the model (name and buffer size), e.g. min_runtime_version, TFLITE_METADATA, CONVERSION_METADATA.',
  severity: 'info',
  impact: 'none',
  confidence: 'high',
  remediation: 'None needed.',
  references: {},
});

export const TFL_EMBEDDED = defineRule({
  id: 'BW-TF-016',
  name: 'tflite-embedded-content',
  family: DOC,
  title: 'TFLite metadata embeds an archive or serialised object',
  description:
    'A metadata buffer holds a ZIP archive, pickle or compressed stream. TFLite itself does not execute it, but tooling that unpacks metadata may; it was analysed as a member and its findings are reported with the member path.',
  severity: 'low',
  impact: 'none',
  confidence: 'high',
  remediation: 'Check the embedded content; associated files should be labels or vocabularies.',
  references: SUPPLY_CHAIN,
});
