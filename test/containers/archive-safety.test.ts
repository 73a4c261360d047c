import { describe, expect, it } from 'vitest';

import {
  hardlinkEscapes,
  isUnsafeMemberPath,
  symlinkEscapes,
} from '../../src/scan/containers/archive-safety.js';

describe('isUnsafeMemberPath', () => {
  it('accepts ordinary relative paths', () => {
    for (const p of [
      'a',
      'a/b/c.pkl',
      'archive/data.pkl',
      'a/./b',
      'dir/',
      '..a',
      'a..',
      'a/..b/c',
      '.hidden',
    ]) {
      expect(isUnsafeMemberPath(p), p).toBeNull();
    }
  });
  it('classifies unsafe paths', () => {
    const cases: Array<[string, string]> = [
      ['../x', 'traversal'],
      ['a/../../x', 'traversal'],
      ['a\\..\\..\\x', 'traversal'],
      ['..', 'traversal'],
      ['a/.. /x', 'traversal'],
      ['/etc/passwd', 'absolute'],
      ['\\windows\\x', 'absolute'],
      ['\\\\server\\share\\x', 'absolute'],
      ['//server/share', 'absolute'],
      ['C:\\x', 'drive'],
      ['c:x', 'drive'],
      ['D:/x', 'drive'],
      ['a\0b', 'nul'],
    ];
    for (const [p, kind] of cases) expect(isUnsafeMemberPath(p), JSON.stringify(p)).toBe(kind);
  });
});

describe('symlinkEscapes', () => {
  it('stays inside', () => {
    expect(symlinkEscapes('a/b/link', '../c')).toBe(false);
    expect(symlinkEscapes('a/b/link', '../../c')).toBe(false);
    expect(symlinkEscapes('link', 'target')).toBe(false);
    expect(symlinkEscapes('a/link', './x/../y')).toBe(false);
  });
  it('escapes', () => {
    expect(symlinkEscapes('a/b/link', '../../../c')).toBe(true);
    expect(symlinkEscapes('link', '../x')).toBe(true);
    expect(symlinkEscapes('link', '/etc/passwd')).toBe(true);
    expect(symlinkEscapes('link', 'C:\\Windows')).toBe(true);
    expect(symlinkEscapes('link', '\\\\server\\share')).toBe(true);
    expect(symlinkEscapes('a/link', 'x/../../..')).toBe(true);
    expect(symlinkEscapes('../link', 'x')).toBe(true);
    expect(symlinkEscapes('link', 'a\0b')).toBe(true);
  });
  it('hard links resolve from the archive root', () => {
    expect(hardlinkEscapes('a/b')).toBe(false);
    expect(hardlinkEscapes('../b')).toBe(true);
  });
});
