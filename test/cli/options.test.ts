import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/core/errors.js';
import { boundedNumber, collect, numberOption } from '../../src/cli/options.js';

describe('shared CLI option parsers', () => {
  it('collect appends repeated values', () => {
    expect(collect('b', collect('a'))).toEqual(['a', 'b']);
  });

  it('numberOption accepts what `ok` allows and rejects the rest with one line', () => {
    expect(numberOption('--eps', '0.5', (n) => n > 0 && n <= 1, 'a number in (0, 1]')).toBe(0.5);
    expect(numberOption('--eps', undefined, (n) => n > 0, 'positive')).toBeUndefined();
    for (const bad of ['0', '', ' ', 'abc', 'Infinity', '2'])
      expect(() => numberOption('--eps', bad, (n) => n > 0 && n <= 1, 'a number in (0, 1]')).toThrow(
        new UsageError(`--eps must be a number in (0, 1], got ${JSON.stringify(bad)}`),
      );
  });

  it('boundedNumber checks integer and inclusive bounds and says which it wanted', () => {
    expect(boundedNumber('--k', '1', { int: true, min: 1 })).toBe(1);
    expect(boundedNumber('--t', '0.25', { min: 0, max: 1 })).toBe(0.25);
    expect(boundedNumber('--port', '65535', { int: true, min: 0, max: 65535 })).toBe(65535);
    expect(boundedNumber('--seed', undefined, { int: true })).toBeUndefined();
    const cases: [string, Parameters<typeof boundedNumber>[2], string][] = [
      ['0', { int: true, min: 1 }, '--x must be an integer ≥ 1, got "0"'],
      ['1.5', { int: true, min: 1 }, '--x must be an integer ≥ 1, got "1.5"'],
      ['1.01', { min: 0, max: 1 }, '--x must be a number from 0 to 1, got "1.01"'],
      ['-1', { max: 10 }, ''],
      ['11', { max: 10 }, '--x must be a number ≤ 10, got "11"'],
      ['1e300', { int: true, min: 1 }, '--x must be an integer ≥ 1, got "1e300"'],
      ['x', {}, '--x must be a number, got "x"'],
    ];
    for (const [v, b, msg] of cases) {
      if (!msg) {
        expect(boundedNumber('--x', v, b)).toBe(Number(v));
        continue;
      }
      expect(() => boundedNumber('--x', v, b)).toThrow(msg);
    }
  });
});
