import { defineRule, defineRuleFamily } from '../../core/rules.js';

defineRuleFamily(
  'pickle',
  `Pickle is Python's object serialisation. Loading a pickle runs a small stack machine whose instructions can
import any Python global and call it, so \`pickle.load\`, \`torch.load(weights_only=False)\`, \`joblib.load\` and
\`numpy.load(allow_pickle=True)\` run whatever the file says. Bulwark never unpickles. It executes every opcode of
protocols 0–5 on a **symbolic** machine: globals are resolved from the symbolic stack and memo (so memo
indirection, decoy strings and type confusion cannot hide them), every call is recorded (REDUCE, INST, OBJ,
NEWOBJ, NEWOBJ_EX, BUILD, item setters on non-containers), concatenated pickles are all analysed, a stream that
breaks after a payload still reports the payload, FRAME/opcode disagreements are detected, and opcodes, memo,
stack, nesting and string sizes are bounded.

### Policy: default-deny

Each imported global is classified, after alias normalisation (\`posix\`/\`nt\` → \`os\`, \`_operator\` → \`operator\`,
\`_pickle\`/\`cPickle\` → \`pickle\`, \`_io\` → \`io\`, \`__builtin__\` → \`builtins\`, \`httplib\` → \`http.client\`):

1. **denied** when the full dotted path, any parent package, or any module reached through a dotted attribute
   name (\`pathlib\` + \`os.system\`) is on the denylist → BW-PKL-001 (malicious);
2. **allowed** when it is on the allowlist of globals real ML files use (PyTorch storages and tensor rebuilders,
   NumPy reconstruction, collections, scikit-learn / XGBoost / LightGBM / transformers / pandas classes…);
3. a **standard-library** global that is not allowlisted is treated as dangerous (the stdlib is where every
   published gadget lives) → BW-PKL-001 with severity high;
4. anything else is **unknown** → BW-PKL-002 (suspicious), naming the global.

An attribute reached through an allowlisted class (an enum member such as \`IntervalStrategy.STEPS\`, a static
method) or bound to an object of an allowlisted class (a scheduler's \`anneal_func\`) is allowed **as a value**:
calling it during the load, or handing it to an allowlisted function that calls its argument
(\`_rebuild_from_type_v2\`, \`copyreg.__newobj__\`), is reported as BW-PKL-001 / BW-PKL-010. Lookups applied to
constants are resolved statically and the global they name is classified instead: \`getattr(<global>, 'NAME')\`
(how Python 3.11.2 pickles enum members) and NumPy's \`_ufunc_reconstruct('numpy', 'log1p')\` (ufuncs before
NumPy 1.20); \`getattr\` used any other way is reported.

Extend both lists in \`bulwark.yaml\` (see [configuration](../configuration.md)):

\`\`\`yaml
pickle:
  allow:
    - mycompany.models.ResNetWrapper     # one class
    - mycompany.layers.*                 # every name in the module
  deny:
    - module: somelib.loaders
      names: [load_remote]
      severity: high
      reason: downloads and unpickles a remote file
\`\`\``,
);

const SUPPLY_CHAIN = { atlas: ['AML.T0010.003', 'AML.T0011.000'], owaspMl: ['ML06'] };
const DOC = 'pickle';

export const PKL_DANGEROUS_GLOBAL = defineRule({
  id: 'BW-PKL-001',
  name: 'dangerous-global',
  family: DOC,
  title: 'Pickle imports a dangerous global',
  description:
    'The pickle imports a callable or module on the denylist (code execution, process, network or file access, nested loaders, resolver trampolines). Loading the file with pickle.load, torch.load(weights_only=False), joblib.load or numpy.load(allow_pickle=True) imports it and usually calls it.',
  severity: 'critical',
  impact: 'malicious',
  confidence: 'high',
  remediation:
    'Do not load this file. Obtain the model from a trusted source, or convert it to a format that cannot carry code (safetensors, ONNX) in a sandbox.',
  references: { ...SUPPLY_CHAIN, cwe: ['CWE-502'] },
});

export const PKL_UNKNOWN_GLOBAL = defineRule({
  id: 'BW-PKL-002',
  name: 'unknown-global',
  family: DOC,
  title: 'Pickle imports a global that is not on the allowlist',
  description:
    'The pickle imports a global that is neither known-safe for ML files nor known-dangerous. Loading imports its module (running module-level code) and may call it. Review it and add it to the allowlist in bulwark.yaml if it is expected.',
  severity: 'medium',
  impact: 'suspicious',
  confidence: 'medium',
  remediation:
    'Check that the named class or function belongs to code you trust; if so allow it in bulwark.yaml (pickle.allow). Prefer weight-only formats.',
  references: { ...SUPPLY_CHAIN, cwe: ['CWE-502'] },
});

export const PKL_UNRESOLVED_GLOBAL = defineRule({
  id: 'BW-PKL-003',
  name: 'unresolved-global',
  family: DOC,
  title: 'Pickle imports a global that cannot be resolved statically',
  description:
    'A STACK_GLOBAL takes its module or name from a value computed at load time (a call result or another global), or an EXT opcode imports through the copyreg extension registry. Benign serialisers never do this; it hides which function is called.',
  severity: 'high',
  impact: 'malicious',
  confidence: 'high',
  remediation: 'Do not load this file.',
  references: { ...SUPPLY_CHAIN, cwe: ['CWE-502'] },
});

export const PKL_GLOBAL_MUTATION = defineRule({
  id: 'BW-PKL-004',
  name: 'global-mutation',
  family: DOC,
  title: 'Pickle modifies an imported module, class or function',
  description:
    'BUILD, SETITEM(S), APPEND(S) or ADDITEMS is applied to an imported global rather than to an object the pickle created. This overwrites attributes of a module or class (e.g. replacing an allowlisted function with eval) so later imports resolve to something else.',
  severity: 'high',
  impact: 'malicious',
  confidence: 'high',
  remediation: 'Do not load this file.',
  references: { ...SUPPLY_CHAIN, cwe: ['CWE-502', 'CWE-915'] },
});

export const PKL_NESTED = defineRule({
  id: 'BW-PKL-005',
  name: 'nested-pickle',
  family: DOC,
  title: 'Pickle loads another pickle from embedded bytes',
  description:
    'Bytes embedded in the stream are passed to a pickle loader (pickle.loads, torch.load, joblib.load…). The embedded pickle was analysed too; its findings are reported with the inner path "<nested-pickle@OFFSET>".',
  severity: 'critical',
  impact: 'malicious',
  confidence: 'high',
  remediation: 'Do not load this file.',
  references: { ...SUPPLY_CHAIN, cwe: ['CWE-502'] },
});

export const PKL_MALFORMED = defineRule({
  id: 'BW-PKL-006',
  name: 'malformed-stream',
  family: DOC,
  title: 'Pickle stream is malformed or truncated',
  description:
    'The stream breaks (invalid opcode, stack underflow, missing memo key, unimportable name, truncated payload). The real loader executes every opcode before the break, so everything before it was analysed and reported; the file is inconclusive, never clean.',
  severity: 'medium',
  impact: 'inconclusive',
  confidence: 'high',
  remediation:
    'Re-download or re-export the file; a deliberately broken stream is a known evasion technique (nullifAI).',
  references: SUPPLY_CHAIN,
});

export const PKL_TRAILING = defineRule({
  id: 'BW-PKL-007',
  name: 'trailing-data',
  family: DOC,
  title: 'Bytes after the end of the pickle',
  description:
    'Data follows the final STOP opcode and is not another pickle. Loaders ignore it, but it is a place to hide a payload for a second-stage loader and a sign of tampering.',
  severity: 'low',
  impact: 'suspicious',
  confidence: 'medium',
  remediation: 'Check where the file came from; re-export it with the original library.',
  references: SUPPLY_CHAIN,
});

export const PKL_FRAME_MISMATCH = defineRule({
  id: 'BW-PKL-008',
  name: 'frame-mismatch',
  family: DOC,
  title: 'FRAME boundaries disagree with opcode boundaries',
  description:
    "An opcode crosses the end of a protocol-4 FRAME (or a FRAME starts inside another). CPython's C and pure-Python unpicklers and pickletools disagree on such streams, which lets a payload hide from scanners built on one of them. Bulwark parses the stream the way the C unpickler does and reports the disagreement.",
  severity: 'high',
  impact: 'suspicious',
  confidence: 'high',
  remediation: 'Do not load this file; pickle writers never produce it.',
  references: SUPPLY_CHAIN,
});

export const PKL_LIMIT = defineRule({
  id: 'BW-PKL-009',
  name: 'resource-limit',
  family: DOC,
  title: 'Pickle analysis stopped at a resource limit',
  description:
    'The stream exceeded a bound (opcodes, memo entries, stack size, nesting, string arena, time). Analysis stopped there, so the file is inconclusive. Raise the limit in bulwark.yaml if the file is legitimately this large.',
  severity: 'medium',
  impact: 'inconclusive',
  confidence: 'high',
  remediation:
    'Raise scan.limits in bulwark.yaml if the file is expected to be this large, or inspect it by other means.',
  references: SUPPLY_CHAIN,
});

export const PKL_DYNAMIC_CALL = defineRule({
  id: 'BW-PKL-010',
  name: 'dynamic-call',
  family: DOC,
  title: 'Pickle calls a value that is not an imported global',
  description:
    'REDUCE/OBJ/NEWOBJ is applied to something other than an imported global (the result of another call, a persistent id, an extension code). Benign serialisers call classes and functions they import; calling a computed value is how attribute-chain gadgets (getattr, attrgetter) run code.',
  severity: 'high',
  impact: 'malicious',
  confidence: 'medium',
  remediation: 'Do not load this file.',
  references: { ...SUPPLY_CHAIN, cwe: ['CWE-502'] },
});

export const PKL_PROTO_ANOMALY = defineRule({
  id: 'BW-PKL-011',
  name: 'protocol-anomaly',
  family: DOC,
  title: 'PROTO opcode in an unusual place',
  description:
    'A PROTO opcode appears after the start of a pickle. Pickle writers emit it only first; hand-made streams use it to confuse tools.',
  severity: 'low',
  impact: 'none',
  confidence: 'medium',
  remediation: 'Check where the file came from.',
  references: SUPPLY_CHAIN,
});
