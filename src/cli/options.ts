import { UsageError } from '../core/errors.js';

/** Commander helper for repeatable options: `--x a --x b` → `['a', 'b']`. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/**
 * Parses a numeric option. `ok` says which values are allowed and `what` describes them for the one-line usage
 * error (exit 3): `--eps must be a number in (0, 1], got "x"`.
 */
export function numberOption(flag: string, v: string, ok: (n: number) => boolean, what: string): number;
export function numberOption(
  flag: string,
  v: string | undefined,
  ok: (n: number) => boolean,
  what: string,
): number | undefined;
export function numberOption(
  flag: string,
  v: string | undefined,
  ok: (n: number) => boolean,
  what: string,
): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || !ok(n))
    throw new UsageError(`${flag} must be ${what}, got ${JSON.stringify(v)}`);
  return n;
}
