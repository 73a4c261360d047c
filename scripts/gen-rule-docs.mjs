#!/usr/bin/env node
// Writes docs/rules/<family>.md from the rule registry (run `npm run build` first): one page per rule family.
// The prose intro of each family lives here; the rule tables come from the rules' own metadata, so docs and code
// cannot drift (test/docs.test.ts checks that every rule id is documented).
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
await import(path.join(root, 'dist/all-rules.js'));
const { allRules, ruleFamilyIntro } = await import(path.join(root, 'dist/core/rules.js'));

const byFamily = new Map();
for (const r of allRules()) {
  if (!byFamily.has(r.family)) byFamily.set(r.family, []);
  byFamily.get(r.family).push(r);
}
const dir = path.join(root, 'docs/rules');
mkdirSync(dir, { recursive: true });
const index = ['# Rules', '', 'Every finding names a rule with a stable id. One page per family:', ''];
for (const [family, rules] of [...byFamily].sort()) {
  const lines = [`# ${family} rules`, '', ruleFamilyIntro(family) ?? '', '', '## Rules', ''];
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
