import { describe, expect, it } from 'vitest';
import { descrHasObject, parsePyLiteral } from '../../src/scan/formats/py-literal.js';
import { ParseError } from '../../src/core/errors.js';

describe('Python literal parser (.npy headers)', () => {
  it('reads the dictionaries numpy writes and the spellings ast.literal_eval accepts', () => {
    const d = parsePyLiteral("{'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), }") as Map<
      string,
      unknown
    >;
    expect(d.get('descr')).toBe('<f8');
    expect(d.get('fortran_order')).toBe(false);
    expect(d.get('shape')).toEqual({ tuple: [3, 4] });
    expect(parsePyLiteral("u'|' 'O'")).toBe('|O');
    expect(parsePyLiteral("'\\x4f'")).toBe('O');
    expect(parsePyLiteral("'\\117'")).toBe('O');
    expect(parsePyLiteral("('|O')")).toBe('|O');
    expect(parsePyLiteral('(1,)')).toEqual({ tuple: [1] });
    expect(parsePyLiteral('()')).toEqual({ tuple: [] });
  });

  it('refuses what it cannot read instead of guessing', () => {
    expect(() => parsePyLiteral("'\\N{LATIN CAPITAL LETTER O}'")).toThrow(ParseError);
    expect(() => parsePyLiteral("{'a': __import__('os')}")).toThrow(ParseError);
    expect(() => parsePyLiteral('['.repeat(100))).toThrow(ParseError);
  });

  it('recognises object dtypes however they are spelled, including inside structured dtypes', () => {
    for (const d of ['O', '|O', 'O8', 'object', '=object_']) expect(descrHasObject(d), d).toBe(true);
    for (const d of ['<f8', '|u1', 'int64', 'V16']) expect(descrHasObject(d), d).toBe(false);
    expect(descrHasObject([{ tuple: ['a', '<i4'] }, { tuple: ['b', 'object'] }])).toBe(true);
    expect(descrHasObject([{ tuple: ['a', '<i4'] }, { tuple: ['b', '<f8', { tuple: [2] }] }])).toBe(false);
  });
});
