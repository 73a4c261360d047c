#!/usr/bin/env node
/**
 * Generates src/governance/catalogs/data/atlas-<version>.json, the shipped MITRE ATLAS catalog, from the official
 * dist/ATLAS.yaml (default: ../shared/data/atlas/dist/ATLAS.yaml beside the repository).
 *
 * Facts only (ids, names, tactic membership, maturity, mitigation → technique links, dates) come from ATLAS; every
 * description comes from Bulwark's own map src/governance/catalogs/data/atlas-descriptions.json. The same loader as
 * `bulwark frameworks import atlas` is used (lenient: the known v5.6.0 defect is repaired and reported), so run
 * `npm run build` first.
 *
 * Usage: npm run build && node scripts/gen-atlas-catalog.mjs [path/to/ATLAS.yaml]
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const input = path.resolve(
  process.argv[2] ?? path.join(ROOT, '..', 'shared', 'data', 'atlas', 'dist', 'ATLAS.yaml'),
);
const { importAtlasFile } = await import(
  path.join(ROOT, 'dist', 'governance', 'catalogs', 'import-atlas.js')
);

const result = await importAtlasFile(input, { lenient: true });
for (const r of result.repairs) console.error(`repaired ${r.entry} ${r.field}: ${r.message}`);
if (result.undescribed.length) {
  console.error(
    `no Bulwark description for: ${result.undescribed.join(', ')}; add them to atlas-descriptions.json`,
  );
  process.exit(1);
}
const out = path.join(ROOT, 'src', 'governance', 'catalogs', 'data', `atlas-${result.catalog.version}.json`);
// Formatted as the repository's prettier config would, so `prettier --check` stays clean.
const prettier = await import('prettier');
const text = await prettier.format(JSON.stringify(result.catalog), {
  ...((await prettier.resolveConfig(out)) ?? {}),
  filepath: out,
});
writeFileSync(out, text);
const c = result.counts;
console.log(
  `${path.relative(ROOT, out)}: ATLAS ${result.catalog.version}, ${c.tactics} tactics, ${c.techniques} techniques (${c.topLevel} top-level, ${c.subTechniques} sub-techniques), ${c.mitigations} mitigations`,
);
