import { createHash } from 'node:crypto';
import type { EvidenceDocument } from '../../governance/evidence.js';
import type { GateResult } from '../../governance/policy/gate.js';
import { jsonReplacer, safeText } from '../util.js';
import type { FrameworkCoverage } from './coverage.js';

/** Everything a renderer needs; built once by renderReport. */
export interface ReportContext {
  evidence: EvidenceDocument;
  gate: GateResult | undefined;
  coverage: FrameworkCoverage[];
  /** The one timestamp of a report (ISO 8601). */
  generatedAt: string;
  /** Version of the Bulwark that wrote the report. */
  toolVersion: string;
}

/** Findings shown per check in HTML and Markdown (the JSON, SARIF and OSCAL reports hold all of them). */
export const MAX_FINDINGS_SHOWN = 500;

export const SEVERITY_ORDER = ['critical', 'high', 'medium', 'low', 'info'] as const;
export const PILLAR_ORDER = ['supply-chain', 'provenance', 'governance', 'trust', 'adversarial'] as const;

/** Human names of the report frameworks. */
export const FRAMEWORK_LABEL: Record<string, string> = {
  euAiAct: 'EU AI Act',
  nistAiRmf: 'NIST AI RMF',
  iso42001: 'ISO/IEC 42001',
  atlas: 'MITRE ATLAS',
  owaspMl: 'OWASP ML Top 10',
  owaspLlm: 'OWASP LLM Top 10',
};

/** Untrusted text made safe for HTML: invisible/control characters escaped (see safeText), then HTML-escaped. */
export function escHtml(value: unknown): string {
  return safeText(String(value)).replace(/[&<>"'`]/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

/** Like escHtml, for a multi-line block (<pre>): line breaks are kept, every other control character is escaped. */
export function escHtmlBlock(value: string): string {
  return value.split('\n').map(escHtml).join('\n');
}

/** Untrusted text made safe for a GitHub Markdown table cell or paragraph: no HTML, no Markdown syntax, one line. */
export function escMd(value: unknown): string {
  return safeText(String(value))
    .replace(/[\\`*{}[\]<>#|~&]|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])/g, (ch) => `&#${ch.charCodeAt(0)};`)
    .replace(/^([-=+]+)/, (m) => m.replace(/./g, (c) => `&#${c.charCodeAt(0)};`));
}

/** Pretty JSON of a value, at most `max` characters (then cut with a note). */
export function prettyJson(value: unknown, max = 2000): string {
  const s = JSON.stringify(value, jsonReplacer, 2) ?? String(value);
  return s.length <= max ? s : `${s.slice(0, max)}\n… (${s.length - max} more characters)`;
}

/** Compact JSON of a value, at most `max` characters. */
export function compactJson(value: unknown, max = 300): string {
  const s = JSON.stringify(value, jsonReplacer) ?? String(value);
  return s.length <= max ? s : `${s.slice(0, max)}…`;
}

/** Location of a finding as one line: file, then container members joined with `!/`, then `@offset`. */
export function locationText(loc: { file: string; inner?: string[]; offset?: number }): string {
  let s = loc.file;
  if (loc.inner?.length) s += `!/${loc.inner.join('!/')}`;
  if (loc.offset !== undefined) s += ` @${loc.offset}`;
  return s;
}

/** The headline: gate outcome when a gate was evaluated, else the scan verdict. */
export function headline(ctx: ReportContext): { label: string; tone: 'good' | 'bad' | 'warn' } {
  if (ctx.gate) {
    const o = ctx.gate.outcome;
    return { label: o.toUpperCase(), tone: o === 'pass' ? 'good' : o === 'fail' ? 'bad' : 'warn' };
  }
  const v = ctx.evidence.summary.verdict;
  return {
    label: v.toUpperCase(),
    tone: v === 'clean' ? 'good' : v === 'malicious' ? 'bad' : 'warn',
  };
}

/** Canonical JSON (sorted keys) for hashing. */
export function canonicalJson(value: unknown): string {
  const plain = JSON.parse(JSON.stringify(value, jsonReplacer) ?? 'null') as unknown;
  const walk = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object')
      return Object.fromEntries(
        Object.keys(v)
          .sort()
          .map((k) => [k, walk((v as Record<string, unknown>)[k])]),
      );
    return v;
  };
  return JSON.stringify(walk(plain));
}

/** RFC 4122 name-based UUID, version 5 (SHA-1). */
export function uuidV5(name: string, namespace: string): string {
  const ns = Buffer.from(namespace.replace(/-/g, ''), 'hex');
  const h = createHash('sha1').update(ns).update(name, 'utf8').digest();
  h[6] = (h[6] & 0x0f) | 0x50;
  h[8] = (h[8] & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

/** Digest of the report input (evidence + gate without its evaluation time): the seed of every report UUID. */
export function contentDigest(ctx: ReportContext): string {
  const gate = ctx.gate ? { ...ctx.gate, evaluatedAt: undefined } : null;
  return createHash('sha256')
    .update(canonicalJson({ evidence: ctx.evidence, gate }))
    .digest('hex');
}
