import { Option, type Command } from 'commander';
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

export interface NumberBounds {
  int?: boolean;
  min?: number;
  max?: number;
}

function describeBounds(b: NumberBounds): string {
  const kind = b.int ? 'an integer' : 'a number';
  if (b.min !== undefined && b.max !== undefined) return `${kind} from ${b.min} to ${b.max}`;
  if (b.min !== undefined) return `${kind} ≥ ${b.min}`;
  if (b.max !== undefined) return `${kind} ≤ ${b.max}`;
  return kind;
}

/**
 * A numeric option within inclusive bounds, optionally an integer (a safe one: at most 2^53 − 1):
 * `--k must be an integer ≥ 1, got "0"` (exit 3).
 */
export function boundedNumber(flag: string, v: string, bounds?: NumberBounds): number;
export function boundedNumber(flag: string, v: string | undefined, bounds?: NumberBounds): number | undefined;
export function boundedNumber(
  flag: string,
  v: string | undefined,
  bounds: NumberBounds = {},
): number | undefined {
  const { int, min, max } = bounds;
  return numberOption(
    flag,
    v,
    (n) =>
      (!int || Number.isSafeInteger(n)) && (min === undefined || n >= min) && (max === undefined || n <= max),
    describeBounds(bounds),
  );
}

/** `--input-format`, `--delimiter` and `--max-rows` for commands that read tables (CSV, JSON Lines, Parquet). */
export function addTableInputOptions(cmd: Command, maxRowsHelp = 'read at most N rows'): Command {
  return cmd
    .addOption(
      new Option('--input-format <format>', 'data format (default: from extension/content)').choices([
        'csv',
        'jsonl',
        'parquet',
      ]),
    )
    .option('--delimiter <char>', 'CSV delimiter (default: sniffed from the header)')
    .option('--max-rows <n>', maxRowsHelp);
}
