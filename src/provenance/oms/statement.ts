import { INTOTO_STATEMENT_V1, OMS_PREDICATE_V1, type InTotoStatement } from '../bundle.js';
import type { ModelManifest, OmsResource, OmsSerialization } from './types.js';

/** The `predicate` of an OMS v1.0 statement (`https://model_signing/signature/v1.0`). */
export interface OmsPredicate {
  resources: OmsResource[];
  serialization: OmsSerialization;
}

/**
 * Builds the in-toto statement `model_signing` 1.x signs for a manifest: one subject (model name + SHA-256 root
 * digest) and the OMS predicate with the resources in manifest order and the serialization parameters.
 */
export function manifestToStatement(manifest: ModelManifest): InTotoStatement<OmsPredicate> {
  const s = manifest.serialization;
  const serialization: OmsSerialization = {
    allow_symlinks: s.allow_symlinks,
    method: s.method,
    hash_type: s.hash_type,
    ignore_paths: [...s.ignore_paths],
  };
  if (s.method === 'shards') serialization.shard_size = s.shard_size;
  return {
    _type: INTOTO_STATEMENT_V1,
    subject: [{ name: manifest.modelName, digest: { sha256: manifest.rootDigest } }],
    predicateType: OMS_PREDICATE_V1,
    predicate: {
      resources: manifest.resources.map((r) => ({ algorithm: r.algorithm, name: r.name, digest: r.digest })),
      serialization,
    },
  };
}

/**
 * The DSSE payload bytes for a statement, written the way `model_signing` writes them (protobuf `MessageToJson` over a
 * `Struct`, i.e. Python `json.dumps(indent=2, ensure_ascii=True)`): two-space indentation, `", "`/`": "` separators
 * with line breaks, non-ASCII escaped as `\uXXXX`, no trailing newline, and every number written as a Python float
 * (`shard_size` becomes `8.0`). Key order is the statement's own insertion order; `manifestToStatement` uses the
 * order of the reference vectors.
 */
export function statementPayload(statement: InTotoStatement): Buffer {
  return Buffer.from(pyJson(statement, ''), 'utf8');
}

/** Python `json.dumps(value, indent=2, ensure_ascii=True)` with numbers as Python floats (as protobuf `Struct` does). */
export function pyJson(value: unknown, indent: string): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') return pyFloat(value);
  if (typeof value === 'string') return pyString(value);
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    return `[\n${value.map((v) => inner + pyJson(v, inner)).join(',\n')}\n${indent}]`;
  }
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    if (entries.length === 0) return '{}';
    return `{\n${entries.map(([k, v]) => `${inner}${pyString(k)}: ${pyJson(v, inner)}`).join(',\n')}\n${indent}}`;
  }
  throw new TypeError(`cannot serialise a ${typeof value} into a statement`);
}

/** Python `repr(float(n))` for finite numbers (`8` → `8.0`, `1e16` → `1e+16`, `0.5` → `0.5`). */
export function pyFloat(n: number): string {
  if (!Number.isFinite(n)) throw new TypeError('statements cannot hold NaN or Infinity');
  if (Object.is(n, -0)) return '-0.0';
  const abs = Math.abs(n);
  if (abs !== 0 && (abs >= 1e16 || abs < 1e-4)) {
    // Python switches to exponent notation at 1e16 and below 1e-4; mantissa digits as the shortest repr.
    const [mant, exp] = n.toExponential().split('e');
    const e = Number(exp);
    return `${mant}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
  }
  const s = String(n);
  if (s.includes('e')) {
    // JS uses exponents only from 1e21 or below 1e-6, both handled above.
    return s;
  }
  return s.includes('.') ? s : `${s}.0`;
}

/** Python `json` string encoding with `ensure_ascii=True`. */
export function pyString(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x22) out += '\\"';
    else if (c === 0x5c) out += '\\\\';
    else if (c === 0x0a) out += '\\n';
    else if (c === 0x0d) out += '\\r';
    else if (c === 0x09) out += '\\t';
    else if (c === 0x08) out += '\\b';
    else if (c === 0x0c) out += '\\f';
    else if (c < 0x20 || c > 0x7e) out += `\\u${c.toString(16).padStart(4, '0')}`;
    else out += s[i];
  }
  return `${out}"`;
}
