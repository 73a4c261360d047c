import { readFile, stat } from 'node:fs/promises';
import { BulwarkError, ParseError } from '../../core/errors.js';
import type { Finding } from '../../core/finding.js';

/** What an evidence file was recognised as. */
export type EvidenceKind =
  | 'scan-report'
  | 'fairness'
  | 'privacy'
  | 'verification'
  | 'signature-bundle'
  | 'cyclonedx-bom'
  | 'spdx'
  | 'attestation'
  | 'other';

export interface EvidenceItem {
  kind: EvidenceKind;
  file: string;
  data: Record<string, unknown>;
  /** Findings the document carries (any Bulwark JSON output with a `findings` list, or a scan report's files). */
  findings: Finding[];
}

const MAX_EVIDENCE_BYTES = 64 << 20;

/** Recognises a parsed JSON document produced by Bulwark or a standard tool. */
export function classifyEvidence(data: Record<string, unknown>): EvidenceKind {
  const kind = typeof data.kind === 'string' ? data.kind : '';
  // Adversarial results keep their own kind (the audit names the check after it).
  if (/membership-attack|extraction|robust|poison|drift|llm|guard/.test(kind)) return 'other';
  if (kind.includes('fairness')) return 'fairness';
  if (
    kind.includes('privacy') ||
    kind.includes('pii') ||
    kind.includes('anonymity') ||
    kind.includes('membership')
  )
    return 'privacy';
  if (kind.includes('verif')) return 'verification';
  if (
    Array.isArray(data.files) &&
    data.summary &&
    (data.tool as { name?: string } | undefined)?.name === 'bulwark'
  )
    return 'scan-report';
  if (data.bomFormat === 'CycloneDX') return 'cyclonedx-bom';
  if (typeof data['@context'] === 'string' && String(data['@context']).includes('spdx')) return 'spdx';
  if (typeof data.mediaType === 'string' && data.mediaType.includes('sigstore.bundle'))
    return 'signature-bundle';
  if (data._type === 'https://in-toto.io/Statement/v1') return 'attestation';
  if (typeof data.schema === 'string') {
    if (data.schema.includes('fairness')) return 'fairness';
    if (data.schema.includes('privacy')) return 'privacy';
  }
  return 'other';
}

/** Findings a document carries: `findings[]` at the top, or per file in a scan report. */
export function evidenceFindings(data: Record<string, unknown>): Finding[] {
  const out: Finding[] = [];
  const take = (list: unknown) => {
    if (!Array.isArray(list)) return;
    for (const f of list)
      if (
        f &&
        typeof f === 'object' &&
        typeof (f as Finding).ruleId === 'string' &&
        typeof (f as Finding).severity === 'string'
      )
        out.push(f as Finding);
  };
  take(data.findings);
  if (Array.isArray(data.files))
    for (const file of data.files)
      if (file && typeof file === 'object') take((file as { findings?: unknown }).findings);
  return out;
}

/** Reads one evidence JSON file (bounded size) and classifies it. */
export async function loadEvidence(file: string): Promise<EvidenceItem> {
  let size: number;
  try {
    size = (await stat(file)).size;
  } catch {
    throw new BulwarkError(
      'E_NOT_FOUND',
      `evidence file ${JSON.stringify(file)} does not exist; check the path`,
    );
  }
  if (size > MAX_EVIDENCE_BYTES)
    throw new ParseError(
      `evidence file ${JSON.stringify(file)} is larger than 64 MiB; pass a Bulwark JSON output`,
    );
  let data: unknown;
  try {
    data = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    throw new ParseError(
      `evidence file ${JSON.stringify(file)} is not JSON (${err instanceof Error ? err.message : String(err)}); pass a Bulwark --format json output`,
    );
  }
  if (!data || typeof data !== 'object' || Array.isArray(data))
    throw new ParseError(`evidence file ${JSON.stringify(file)} is not a JSON object`);
  const obj = data as Record<string, unknown>;
  return { kind: classifyEvidence(obj), file, data: obj, findings: evidenceFindings(obj) };
}
