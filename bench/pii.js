// PII detection benchmark (not a test). Runs against the built library in dist/ (`npm run build` first).
//
// Accuracy: precision, recall and F1 per entity type on presidio-research `synth_dataset_v2.json` (1,500 records,
// MIT), with two span-matching rules (see src/trust/privacy/pii-eval.ts):
//   exact    predicted [start, end) equals the gold span, same (mapped) type
//   overlap  same type, intersection >= 50% of the longer of the two spans
// on all records, on the even-indexed records (used while tuning the patterns) and on the odd-indexed records
// (held out). The corpus is template-based, so the held-out split guards against fitting individual values, not
// against fitting the templates; treat the numbers as an upper bound for real data.
// Label mapping: DOMAIN_NAME -> URL, GPE -> LOCATION; other labels map to themselves; labels without a Bulwark
// counterpart (STREET_ADDRESS, ORGANIZATION, DATE_TIME, TITLE, AGE, NRP, ZIP_CODE) are not scored, but a
// prediction on them still counts as a false positive of the predicted type.
//
// Throughput: records per second of the full engine vs a baseline measured in the same run: the same regexes
// alone (no validators, no context, no threshold, no overlap resolution). Best of 3 runs of 5 passes each.
//
// Options (environment):
//   BULWARK_PII_DATASET   path of synth_dataset_v2.json (default ../shared/data/presidio-research/data/...)
//   BULWARK_BENCH_DIR     output dir (default bench/out); results in <dir>/pii.json

import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..');
const lib = path.join(ROOT, 'dist/trust/privacy/index.js');
if (!existsSync(lib)) {
  console.error('bench/pii: dist/trust/privacy/index.js not found; run `npm run build` first.');
  process.exit(3);
}
const { PiiAnalyzer, evaluatePii } = await import(pathToFileURL(lib).href);

const candidates = [
  process.env.BULWARK_PII_DATASET,
  path.resolve(ROOT, '..', 'shared', 'data', 'presidio-research', 'data', 'synth_dataset_v2.json'),
  path.resolve(ROOT, '..', 'shared', 'data', 'presidio-research', 'synth_dataset_v2.json'),
].filter(Boolean);
const DATASET = candidates.find((p) => existsSync(p));
if (!DATASET) {
  console.error(`bench/pii: dataset not found (tried ${candidates.join(', ')}); set BULWARK_PII_DATASET.`);
  process.exit(3);
}
const OUT_DIR = path.resolve(process.env.BULWARK_BENCH_DIR ?? path.join(HERE, 'out'));
const records = JSON.parse(readFileSync(DATASET, 'utf8'));

const PATTERN_TYPES = [
  'CREDIT_CARD',
  'IBAN_CODE',
  'EMAIL_ADDRESS',
  'IP_ADDRESS',
  'URL',
  'US_SSN',
  'PHONE_NUMBER',
  'US_DRIVER_LICENSE',
];
const analyzer = new PiiAnalyzer();
const names = new PiiAnalyzer({ entities: ['PERSON', 'LOCATION'] });

const splits = {
  all: records,
  even: records.filter((_, i) => i % 2 === 0),
  odd: records.filter((_, i) => i % 2 === 1),
};
const accuracy = {};
for (const [name, recs] of Object.entries(splits)) accuracy[name] = evaluatePii(analyzer, recs);
const namesAccuracy = evaluatePii(names, records);

function throughput(fn) {
  let best = Infinity;
  for (let run = 0; run < 3; run++) {
    const t = process.hrtime.bigint();
    for (let pass = 0; pass < 5; pass++) for (const r of records) fn(r.full_text);
    best = Math.min(best, Number(process.hrtime.bigint() - t) / 1e9);
  }
  return (5 * records.length) / best;
}
const fullRate = throughput((s) => analyzer.analyze(s));
const rawRate = throughput((s) => analyzer.analyze(s, { raw: true }));

const fmt = (x) => (x === null || x === undefined ? '—' : x.toFixed(3));
const rows = [];
rows.push(
  '| Entity type | Gold spans | P exact | R exact | F1 exact | P overlap | R overlap | R held-out (odd) | ≥ 0.95 P and R |',
);
rows.push('|---|---:|---:|---:|---:|---:|---:|---:|:---:|');
for (const t of PATTERN_TYPES) {
  const e = accuracy.all.exact[t];
  const o = accuracy.all.overlap[t];
  const h = accuracy.odd.exact[t];
  const ok = (e.precision ?? 0) >= 0.95 && (e.recall ?? 0) >= 0.95 ? 'yes' : 'no';
  rows.push(
    `| ${t} | ${e.tp + e.fn} | ${fmt(e.precision)} | ${fmt(e.recall)} | ${fmt(e.f1)} | ${fmt(o.precision)} | ${fmt(o.recall)} | ${fmt(h.recall)} | ${ok} |`,
  );
}
for (const t of ['PERSON', 'LOCATION']) {
  const e = namesAccuracy.exact[t];
  const o = namesAccuracy.overlap[t];
  rows.push(
    `| ${t} (opt-in dictionary) | ${e.tp + e.fn} | ${fmt(e.precision)} | ${fmt(e.recall)} | ${fmt(e.f1)} | ${fmt(o.precision)} | ${fmt(o.recall)} | — | no |`,
  );
}
const otherFp = Object.entries(accuracy.all.exact)
  .filter(([t]) => !PATTERN_TYPES.includes(t))
  .reduce((n, [, s]) => n + s.fp, 0);

console.log(`PII benchmark: ${path.basename(DATASET)} (${records.length} records)\n`);
console.log(rows.join('\n'));
console.log(
  `\nFalse positives of entity types the corpus does not label (national ids, NHS, crypto, MAC, secrets): ${otherFp}`,
);
console.log(
  `\nThroughput: full engine ${fullRate.toFixed(0)} records/s; regex-only baseline ${rawRate.toFixed(0)} records/s; ratio ${(fullRate / rawRate).toFixed(2)}x`,
);

mkdirSync(OUT_DIR, { recursive: true });
const out = {
  dataset: path.basename(DATASET),
  records: records.length,
  node: process.version,
  accuracy,
  namesAccuracy,
  otherTypesFalsePositives: otherFp,
  throughput: { fullRecordsPerSec: fullRate, regexOnlyRecordsPerSec: rawRate, ratio: fullRate / rawRate },
  table: rows.join('\n'),
};
writeFileSync(path.join(OUT_DIR, 'pii.json'), `${JSON.stringify(out, null, 2)}\n`);
console.log(`\nResults: ${path.relative(ROOT, path.join(OUT_DIR, 'pii.json'))}`);
