#!/usr/bin/env node
// Writes docs/rules/<family>.md from the rule registry (run `npm run build` first): one page per rule family.
// The prose intro of each family lives here; the rule tables come from the rules' own metadata, so docs and code
// cannot drift (test/docs.test.ts checks that every rule id is documented).
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
await import(path.join(root, 'dist/scan/engine.js'));
const { allRules } = await import(path.join(root, 'dist/core/rules.js'));

const INTRO = {
  pickle: `Pickle is Python's object serialisation. Loading a pickle runs a small stack machine whose instructions can
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
  archive: `Containers are opened by content, never by extension: ZIP (including PyTorch checkpoints and \`.npz\`), tar,
7z, gzip, bzip2, xz, lzma and zlib (including joblib's \`compress=\` variants), recursively up to a depth limit,
with limits on members, decompressed size and compression ratio. The ZIP reader is as tolerant as PyTorch's:
it ignores CRCs and flag bits, reads data at the local header's own offsets, and finds members that exist only in
local headers — then reports every disagreement, because each is a known scanner bypass. Members are selected
by content. Member names are never used to write files, and links are never followed.`,
  numpy: `\`.npy\` files are parsed from their header. Numeric arrays need no further analysis (only the header is read).
Object arrays carry a pickle after the header, which is analysed with the pickle rules.`,
  pytorch: `PyTorch files are recognised by content: ZIP checkpoints (\`<prefix>/data.pkl\` plus raw tensor storages that
are never read), legacy stacked-pickle checkpoints (all five pickles are analysed, whatever the magic number
says), and TorchScript archives (\`code/\` + \`constants.pkl\`), whose pickles are analysed with TorchScript's own
\`__torch__\` class namespace allowed.`,
  general: `Rules that apply to every file, whatever its format.`,
};

const byFamily = new Map();
for (const r of allRules()) {
  if (!byFamily.has(r.family)) byFamily.set(r.family, []);
  byFamily.get(r.family).push(r);
}
const dir = path.join(root, 'docs/rules');
mkdirSync(dir, { recursive: true });
const index = ['# Rules', '', 'Every finding names a rule with a stable id. One page per family:', ''];
for (const [family, rules] of [...byFamily].sort()) {
  const lines = [`# ${family} rules`, '', INTRO[family] ?? '', '', '## Rules', ''];
  lines.push('| id | name | severity | verdict impact | ATLAS | OWASP ML |', '|---|---|---|---|---|---|');
  for (const r of rules)
    lines.push(
      `| [${r.id}](#${r.id.toLowerCase()}) | ${r.name} | ${r.severity} | ${r.impact} | ${(r.references.atlas ?? []).join(', ')} | ${(r.references.owaspMl ?? []).join(', ')} |`,
    );
  for (const r of rules) {
    lines.push('', `### ${r.id}`, '', `**${r.title}** (\`${r.name}\`)`, '', r.description, '');
    lines.push(
      `- Default severity: ${r.severity}; confidence: ${r.confidence}; effect on the file verdict: ${r.impact}`,
    );
    const refs = Object.entries(r.references)
      .filter(([, v]) => v && v.length)
      .map(([k, v]) => `${k}: ${v.join(', ')}`);
    if (refs.length) lines.push(`- References: ${refs.join('; ')}`);
    lines.push(`- Remediation: ${r.remediation}`);
  }
  writeFileSync(path.join(dir, `${family}.md`), `${lines.join('\n')}\n`);
  index.push(`- [${family}](${family}.md): ${rules.map((r) => r.id).join(', ')}`);
}
writeFileSync(path.join(dir, 'README.md'), `${index.join('\n')}\n`);
console.log(`wrote ${byFamily.size} rule pages to docs/rules/`);
