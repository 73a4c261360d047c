import { describe, expect, it } from 'vitest';
import { decodeEscapes, tokenizePython } from '../../../src/scan/formats/hf/python-tokenizer.js';

const values = (src: string) => tokenizePython(src).tokens.map((t) => (t.type === 'newline' ? '⏎' : t.value));

describe('tokenizePython', () => {
  it('drops comments and keeps logical lines', () => {
    expect(values('import os  # os.system("x")\nx = 1\n')).toEqual(['import', 'os', '⏎', 'x', '=', '1', '⏎']);
  });
  it('joins lines inside brackets and after a backslash', () => {
    expect(values('f(a,\n  b)\nx = 1 + \\\n 2\n')).toEqual([
      'f',
      '(',
      'a',
      ',',
      'b',
      ')',
      '⏎',
      'x',
      '=',
      '1',
      '+',
      '2',
      '⏎',
    ]);
  });
  it('decodes string prefixes, escapes and triple quotes', () => {
    const toks = tokenizePython(
      `a = b"\\x41\\102"\nb = r"\\x41"\nc = '''x\n'y'\n'''\nd = u"\\u0041\\N{BULLET}"\n`,
    ).tokens;
    const strings = toks.filter((t) => t.type === 'string');
    expect(strings.map((s) => s.value)).toEqual(['AB', '\\x41', "x\n'y'\n", 'A\\N{BULLET}']);
    expect(strings.map((s) => s.prefix)).toEqual(['b', 'r', '', 'u']);
  });
  it('marks docstrings and bare string statements, not string arguments', () => {
    const toks = tokenizePython('"""Module doc."""\ndef f():\n    "doc"\n    return g("arg")\n').tokens;
    const strings = toks.filter((t) => t.type === 'string');
    expect(strings.map((s) => [s.value, !!s.docstring])).toEqual([
      ['Module doc.', true],
      ['doc', true],
      ['arg', false],
    ]);
  });
  it('tokenises f-string replacement fields, including nested quotes and format specs', () => {
    const toks = tokenizePython(`x = f"run {os.system('id')} {y!r:>{w}} {{literal}}"\n`).tokens;
    const names = toks.filter((t) => t.type === 'name').map((t) => t.value);
    expect(names).toEqual(['x', 'os', 'system', 'y', 'r', 'w']);
    const s = toks.find((t) => t.type === 'string' && !t.embedded);
    expect(s?.value).toContain('{literal}');
    expect(toks.find((t) => t.value === 'id')?.embedded).toBe(true);
  });
  it('normalises identifiers with NFKC like the interpreter', () => {
    const toks = tokenizePython('ｅｘｅｃ("x")\n').tokens;
    expect(toks[0]).toMatchObject({ type: 'name', value: 'exec' });
  });
  it('is lenient with unterminated strings and stray characters', () => {
    expect(() => tokenizePython('x = "abc\ny = 1 $ ? `\n"""never closed')).not.toThrow();
    const toks = tokenizePython('x = "abc\ny = 1\n').tokens;
    expect(toks.some((t) => t.type === 'name' && t.value === 'y')).toBe(true);
  });
  it('stops at the token limit', () => {
    const r = tokenizePython('x = 1\n'.repeat(1000), { maxTokens: 100 });
    expect(r.truncated).toBe(true);
    expect(r.tokens.length).toBeLessThanOrEqual(100);
  });
  it('decodes octal, hex and unicode escapes', () => {
    expect(decodeEscapes('\\101\\x42\\u0043\\n\\q', false)).toBe('ABC\n\\q');
    expect(decodeEscapes('\\u0043', true)).toBe('\\u0043');
  });
});
