import { defineRule, defineRuleFamily } from '../../../core/rules.js';

defineRuleFamily(
  'onnx',
  `ONNX models are protobuf \`ModelProto\` messages: a graph of operator nodes, initializer tensors, nested
subgraphs (If/Loop/Scan attributes), model-local functions (\`FunctionProto\`) and optional training graphs. An ONNX
file cannot carry Python or native code; the risks are what a runtime does with it: operators whose
implementation is Python (onnxruntime-extensions \`PyOp\`, ORT training \`PythonOp\`), custom operator domains
that need a native library, tensors stored in **external data** files whose \`location\` is joined to the model
directory (path traversal: CVE-2022-25882, the nested \`subdir/../../\` bypass CVE-2024-27318, symbolic links that
point outside the directory), and tensor shapes that declare far more memory than the file holds.

Bulwark parses the protobuf itself, lazily: the structure is walked and large fields (\`raw_data\`, typed data)
are skipped without being read, so a multi-gigabyte model is analysed by reading its structure only. Every node of
every graph, subgraph (recursively, bounded), function and training graph is checked; every tensor (initializers,
sparse initializers, Constant and attribute tensors) has its declared size and external-data location checked.
External-data locations are normalised (\`/\` and \`\\\`, \`.\` and \`..\`, drive letters, UNC paths, URLs) and, for
a model on disk, resolved with \`realpath\` to catch symbolic links; the target is never opened or read.`,
);

const SUPPLY_CHAIN = { atlas: ['AML.T0010.003', 'AML.T0011.000'], owaspMl: ['ML06'] };
const DOC = 'onnx';

export const ONNX_PYTHON_OP = defineRule({
  id: 'BW-ONNX-001',
  name: 'python-operator',
  family: DOC,
  title: 'Graph uses a Python-implemented operator',
  description:
    'A node runs an operator implemented in Python: onnxruntime-extensions Python custom ops (ai.onnx.contrib PyOp), ONNX Runtime training PythonOp/PythonOpGrad, or any op named PyOp/PyFunc/Python*. The runtime calls Python code registered in the loading process, looked up by names chosen by the file.',
  severity: 'critical',
  impact: 'malicious',
  confidence: 'high',
  remediation: 'Do not run this model. Export it without Python operators.',
  references: { ...SUPPLY_CHAIN, cwe: ['CWE-94'] },
});

export const ONNX_EXTERNAL_TRAVERSAL = defineRule({
  id: 'BW-ONNX-002',
  name: 'external-data-path-traversal',
  family: DOC,
  title: 'External data location escapes the model directory',
  description:
    "A tensor's external_data location is absolute, a drive-letter/UNC path or URL, climbs out of the model directory with `..` (also nested, e.g. `subdir/../../`), or resolves through a symbolic link to a file outside the directory. onnx.load / ONNX Runtime read that host file into the tensor, exposing it through model outputs; tools that save the model write to it.",
  severity: 'high',
  impact: 'malicious',
  confidence: 'high',
  remediation:
    'Do not load this model. External data must be relative file names inside the model directory; upgrade onnx to ≥ 1.16.',
  references: { ...SUPPLY_CHAIN, cve: ['CVE-2022-25882', 'CVE-2024-27318'], cwe: ['CWE-22', 'CWE-59'] },
});

export const ONNX_CUSTOM_DOMAIN = defineRule({
  id: 'BW-ONNX-003',
  name: 'custom-operator-domain',
  family: DOC,
  title: 'Graph uses a custom operator domain',
  description:
    'Nodes use operators from a domain that neither ONNX nor a known runtime defines, and that no model-local function implements. The runtime must load a native custom-operator library to run them; review which library provides them.',
  severity: 'medium',
  impact: 'suspicious',
  confidence: 'medium',
  remediation: 'Identify and trust the custom-op library before registering it with the runtime.',
  references: SUPPLY_CHAIN,
});

export const ONNX_CONTRIB_DOMAIN = defineRule({
  id: 'BW-ONNX-004',
  name: 'runtime-operator-domain',
  family: DOC,
  title: 'Graph uses runtime-specific operators',
  description:
    'Informational: nodes use operators of a known runtime domain (com.microsoft contrib ops, onnxruntime-extensions ai.onnx.contrib, PyTorch ATen fallback…). They run native code shipped with that runtime.',
  severity: 'info',
  impact: 'none',
  confidence: 'high',
  remediation: 'None needed; the model requires that runtime.',
  references: {},
});

export const ONNX_OVERSIZED_TENSOR = defineRule({
  id: 'BW-ONNX-005',
  name: 'oversized-tensor',
  family: DOC,
  title: 'Tensor declares more data than the file holds',
  description:
    "A tensor's dims × element size exceed the bytes it actually stores (raw or typed data, the external data range or file), or exceed 1 TiB. Runtimes allocate by the declared shape: a few bytes of model can demand terabytes of memory (resource exhaustion).",
  severity: 'medium',
  impact: 'suspicious',
  confidence: 'medium',
  remediation: 'Re-export the model; a valid tensor stores exactly dims × element size bytes.',
  references: { ...SUPPLY_CHAIN, cwe: ['CWE-400', 'CWE-789'] },
});

export const ONNX_EXTERNAL_MISSING = defineRule({
  id: 'BW-ONNX-006',
  name: 'external-data-not-found',
  family: DOC,
  title: 'External data file not found',
  description:
    'A tensor stores its data in an external file that is not next to the model. Repositories may ship it separately; its size and location could not be checked against the file itself.',
  severity: 'low',
  impact: 'none',
  confidence: 'high',
  remediation: 'Scan the directory that holds the model together with its external data files.',
  references: {},
});

export const ONNX_EXTERNAL_RANGE = defineRule({
  id: 'BW-ONNX-007',
  name: 'external-data-out-of-range',
  family: DOC,
  title: 'External data range lies outside its file',
  description:
    "A tensor's external_data offset/length point past the end of the external file, or the location is not a regular file. Loaders fail or read past the intended data.",
  severity: 'medium',
  impact: 'suspicious',
  confidence: 'medium',
  remediation: 'Re-export the model with its external data.',
  references: SUPPLY_CHAIN,
});

export const ONNX_FUNCTIONS = defineRule({
  id: 'BW-ONNX-008',
  name: 'local-functions',
  family: DOC,
  title: 'Model defines local functions',
  description:
    'Informational: the model defines FunctionProto functions (reusable subgraphs, e.g. from torch.onnx.export). Their nodes are analysed like the main graph.',
  severity: 'info',
  impact: 'none',
  confidence: 'high',
  remediation: 'None needed.',
  references: {},
});

export const ONNX_MALFORMED = defineRule({
  id: 'BW-ONNX-009',
  name: 'malformed-model',
  family: DOC,
  title: 'ONNX model is malformed',
  description:
    'The protobuf structure is invalid (truncated, lengths out of range, wrong wire types) or a field holds an impossible value (negative dims, external data without a location). What was read before the error is reported; the rest could not be analysed.',
  severity: 'medium',
  impact: 'inconclusive',
  confidence: 'high',
  remediation: 'Re-download or re-export the model; report a bug if ONNX Runtime loads it.',
  references: SUPPLY_CHAIN,
});

export const ONNX_INVENTORY = defineRule({
  id: 'BW-ONNX-010',
  name: 'model-inventory',
  family: DOC,
  title: 'ONNX model inventory',
  description:
    'Informational: producer, IR version, opsets, graphs, nodes, initializers and operator types, so the result can be reviewed.',
  severity: 'info',
  impact: 'none',
  confidence: 'high',
  remediation: 'None needed.',
  references: {},
});
