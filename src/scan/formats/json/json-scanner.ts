import { defineRule } from '../../../core/rules.js';
import type { ByteSource } from '../../source.js';
import type { FormatScanner, ScanContext, SniffInput } from '../../types.js';
import { hfConfigAnalyzers } from '../hf/config-analyzers.js';
import { kerasConfigAnalyzer } from '../keras/config-analyzer.js';
import { otherJsonAnalyzers } from '../other/json-analyzers.js';
import type { JsonAnalyzer } from './analyzers.js';
import { parsePythonJson } from '../keras/python-json.js';

/** Every JSON analyzer; the JSON scanner picks the best match for each document. */
export const JSON_ANALYZERS: readonly JsonAnalyzer[] = [
  kerasConfigAnalyzer,
  ...hfConfigAnalyzers,
  ...otherJsonAnalyzers,
];

/** Match scores at or above this run even when another analyzer matched better. */
const STRONG_JSON_MATCH = 60;

/** Largest JSON document parsed (configs are small; tokenizer.json files reach tens of MB). */
const MAX_JSON_BYTES = 256 * 1024 * 1024;

export const JSON_MALFORMED = defineRule({
  id: 'BW-GEN-004',
  name: 'malformed-json',
  family: 'general',
  title: 'JSON document cannot be parsed',
  description:
    'The content starts like JSON but does not parse (or is too large to parse). Configs that cannot be read cannot be checked, so the file is inconclusive.',
  severity: 'low',
  impact: 'inconclusive',
  confidence: 'high',
  remediation: 'Fix or re-download the file.',
  references: { atlas: ['AML.T0010.003'], owaspMl: ['ML06'] },
});

function looksLikeJson(head: Uint8Array): boolean {
  let i = 0;
  if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) i = 3; // UTF-8 BOM
  while (i < head.length && (head[i] === 0x20 || head[i] === 0x0a || head[i] === 0x0d || head[i] === 0x09))
    i++;
  if (i >= head.length || (head[i] !== 0x7b && head[i] !== 0x5b)) return false;
  // "{{", "{%" and "{#" open Jinja templates, not JSON objects.
  if (head[i] === 0x7b && (head[i + 1] === 0x7b || head[i + 1] === 0x25 || head[i + 1] === 0x23))
    return false;
  for (let j = i; j < head.length; j++) if (head[j] === 0) return false;
  return true;
}

export const jsonScanner: FormatScanner = {
  id: 'json',
  version: '1',
  sniff(input: SniffInput): number {
    return looksLikeJson(input.head) ? 30 : 0;
  },
  async scan(source: ByteSource, ctx: ScanContext): Promise<void> {
    ctx.addFormat('json');
    if (source.size > MAX_JSON_BYTES) {
      ctx.report(JSON_MALFORMED, {
        message: `JSON document of ${source.size} bytes is larger than ${MAX_JSON_BYTES}; not parsed`,
      });
      return;
    }
    const text = Buffer.from(await source.read(0, source.size))
      .toString('utf8')
      .replace(/^\uFEFF/, '');
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch (err) {
      try {
        // Python's json module writes NaN / Infinity, and Python loaders read them back.
        doc = parsePythonJson(text);
      } catch {
        ctx.report(JSON_MALFORMED, { message: `not valid JSON: ${(err as Error).message}` });
        return;
      }
    }
    const name = ctx.location.inner?.at(-1) ?? ctx.location.file;
    const matches = JSON_ANALYZERS.map((a) => ({ a, score: a.match(doc, name) }))
      .filter((m) => m.score > 0)
      .sort((x, y) => y.score - x.score);
    ctx.addAnalysis('json-parse');
    // The best analyzer, plus any other that is sure of itself: a document can be two things at once
    // (e.g. a Hugging Face config that also carries a Keras model config).
    const run = matches.filter((m, i) => i === 0 || m.score >= STRONG_JSON_MATCH);
    for (const { a } of run) {
      ctx.addFormat(a.id);
      await a.analyze(doc, ctx, { text, name });
      ctx.addAnalysis(a.id);
    }
  },
};
