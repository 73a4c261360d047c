import type { GlobalVerdict } from './policy.js';

/**
 * Symbolic values the pickle VM materialises when an analysis needs them (call arguments, BUILD state, tuples).
 * Bulk data (dicts, lists, numbers, strings in containers) stays as cheap tags inside the VM.
 */
export type Box =
  | null
  | boolean
  | number
  | string
  | BytesBox
  | TagBox
  | SymGlobal
  | SymCall
  | SymDict
  | SymList
  | SymOther
  | Box[];

export interface BytesBox {
  t: 'bytes';
  /** Full content when retained; otherwise a prefix. */
  data: Uint8Array;
  length: number;
  complete: boolean;
  bytearray?: boolean;
}

/** A container or scalar whose contents are not tracked. */
export interface TagBox {
  t: 'tag';
  kind: 'dict' | 'list' | 'set' | 'frozenset' | 'float' | 'int' | 'buffer' | 'str';
}

export interface SymGlobal {
  t: 'global';
  module: string;
  name: string;
  verdict: GlobalVerdict;
  offset: number;
  /** Opcode that produced it: GLOBAL, STACK_GLOBAL, INST, EXT. */
  via: string;
}

export interface SymCall {
  t: 'call';
  callee: Box;
  args: Box;
  kwargs?: Box;
  /** REDUCE, INST, OBJ, NEWOBJ, NEWOBJ_EX, BUILD, SETITEM, APPEND… */
  op: string;
  offset: number;
  /** State applied by a later BUILD. */
  state?: Box;
}

/** A dict whose items are tracked (BUILD state, kwargs). */
export interface SymDict {
  t: 'dict';
  entries: [Box, Box][];
  truncated: boolean;
}

/** A list whose items are tracked (call arguments). */
export interface SymList {
  t: 'list';
  items: Box[];
  truncated: boolean;
}

export interface SymOther {
  t: 'persid' | 'ext' | 'unknown';
  detail: Box;
}

export const TAG_DICT: TagBox = { t: 'tag', kind: 'dict' };
export const TAG_LIST: TagBox = { t: 'tag', kind: 'list' };
export const TAG_SET: TagBox = { t: 'tag', kind: 'set' };
export const TAG_FROZENSET: TagBox = { t: 'tag', kind: 'frozenset' };
export const TAG_FLOAT: TagBox = { t: 'tag', kind: 'float' };
export const TAG_INT: TagBox = { t: 'tag', kind: 'int' };
export const TAG_BUFFER: TagBox = { t: 'tag', kind: 'buffer' };

export function isSym(b: Box, t: 'global'): b is SymGlobal;
export function isSym(b: Box, t: 'call'): b is SymCall;
export function isSym(b: Box, t: 'dict'): b is SymDict;
export function isSym(b: Box, t: 'list'): b is SymList;
export function isSym(b: Box, t: string): boolean {
  return typeof b === 'object' && b !== null && !Array.isArray(b) && (b as { t: string }).t === t;
}

const MAX_RENDER = 200;

/** Python-like rendering for evidence, bounded in length and depth. */
export function render(b: Box, depth = 0): string {
  const out = renderInner(b, depth);
  return out.length > MAX_RENDER ? `${out.slice(0, MAX_RENDER)}…` : out;
}

function renderInner(b: Box, depth: number): string {
  if (depth > 4) return '…';
  if (b === null) return 'None';
  if (b === true) return 'True';
  if (b === false) return 'False';
  if (typeof b === 'number') return Number.isInteger(b) ? String(b) : String(b);
  if (typeof b === 'string') return JSON.stringify(b.length > 120 ? `${b.slice(0, 120)}…` : b);
  if (Array.isArray(b)) {
    const items = b.slice(0, 8).map((x) => renderInner(x, depth + 1));
    if (b.length > 8) items.push('…');
    return b.length === 1 ? `(${items[0]},)` : `(${items.join(', ')})`;
  }
  switch (b.t) {
    case 'bytes': {
      const shown = Buffer.from(b.data.subarray(0, 48)).toString('latin1');
      return `b${JSON.stringify(shown)}${b.length > 48 ? `…(${b.length} bytes)` : ''}`;
    }
    case 'tag':
      return `<${b.kind}>`;
    case 'global':
      return `${b.module}.${b.name}`;
    case 'call': {
      const args = Array.isArray(b.args)
        ? b.args.map((x) => renderInner(x, depth + 1)).join(', ')
        : renderInner(b.args, depth + 1);
      return `${renderInner(b.callee, depth + 1)}(${args})`;
    }
    case 'list': {
      const items = b.items.slice(0, 8).map((x) => renderInner(x, depth + 1));
      if (b.truncated || b.items.length > 8) items.push('…');
      return `[${items.join(', ')}]`;
    }
    case 'dict': {
      const items = b.entries
        .slice(0, 8)
        .map(([k, v]) => `${renderInner(k, depth + 1)}: ${renderInner(v, depth + 1)}`);
      if (b.truncated || b.entries.length > 8) items.push('…');
      return `{${items.join(', ')}}`;
    }
    default:
      return `<${b.t}>`;
  }
}
