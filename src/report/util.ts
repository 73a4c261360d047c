import type { Location } from '../core/finding.js';

/**
 * Makes untrusted text safe to print on a terminal: control characters (C0, DEL, C1), bidirectional overrides and
 * other invisible format characters are written as \xNN / \u{NNNN} escapes, so a file name or a string taken from
 * a hostile model cannot move the cursor, recolour the screen or reorder what the reader sees. Backslashes are
 * left alone, so Windows paths stay readable.
 */
export function safeText(value: string): string {
  return value.replace(/[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/g, (ch) => {
    const code = ch.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u{${code.toString(16)}}`;
  });
}

/** Separator between nesting levels of an inner path: "outer.tar!/dir/model.pkl". */
export const INNER_SEPARATOR = '!/';

/** The member path inside containers as one string, or undefined for the file itself. */
export function innerPath(location: Location): string | undefined {
  return location.inner && location.inner.length > 0 ? location.inner.join(INNER_SEPARATOR) : undefined;
}

/** 1536 -> "1.5 KiB". */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

/** 1234 -> "1.23 s", 42 -> "42 ms". */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(2)} s`;
  const minutes = Math.floor(ms / 60_000);
  const seconds = Math.round((ms % 60_000) / 1000);
  return `${minutes} min ${seconds} s`;
}

/**
 * JSON.stringify replacer for values that plain JSON cannot hold: bigints become decimal strings, byte arrays (and
 * Node Buffers, which reach the replacer as {type: "Buffer", data: [...]}) become lower-case hex strings, Maps become
 * objects and Sets arrays. Everything else passes through.
 */
export function jsonReplacer(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Uint8Array)
    return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex');
  if (value instanceof Map) return Object.fromEntries(value);
  if (value instanceof Set) return [...value];
  if (isBufferJson(value)) return Buffer.from(value.data).toString('hex');
  return value;
}

function isBufferJson(value: unknown): value is { type: 'Buffer'; data: number[] } {
  if (value === null || typeof value !== 'object') return false;
  const v = value as { type?: unknown; data?: unknown };
  return v.type === 'Buffer' && Array.isArray(v.data) && Object.keys(v).length === 2;
}

/** A deep copy of `value` that holds only plain JSON values (see jsonReplacer). */
export function plainJson<T>(value: T): T {
  return JSON.parse(JSON.stringify(value, jsonReplacer)) as T;
}
