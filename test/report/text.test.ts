import { describe, expect, it } from 'vitest';
import { safeText } from '../../src/report/util.js';
import { toText, useColor } from '../../src/report/text.js';
import { sampleReport } from './sample.js';

const ANSI = /\u001b\[[0-9;]*m/;

describe('toText', () => {
  it('writes one line per file, findings indented below, skipped files with their reason', () => {
    const lines = toText(sampleReport()).split('\n');
    expect(lines[0]).toBe('CLEAN         models/clean.pkl  [pickle]');
    expect(lines[1]).toBe('MALICIOUS     models/evil model.pkl  [pickle]');
    expect(lines[2]).toBe('    critical  BW-TESTFMT-001  os.system is called with "echo pwned"');
    expect(lines[3].trim()).toBe('at offset 2');
    expect(lines[4]).toBe('SUSPICIOUS    models/weights.zip  [zip, pytorch-zip]');
    expect(lines[5]).toBe('    medium    BW-TESTFMT-002  mypkg.layers.Custom is neither allowed nor denied');
    expect(lines[6].trim()).toBe('in archive/data.pkl at offset 77');
    expect(lines[7]).toBe('INCONCLUSIVE  models/huge.pkl  [pickle]');
    expect(lines).toContain('SKIPPED       models/README.md  no analyser applies to this content');
  });

  it('ends with a summary block', () => {
    const text = toText(sampleReport());
    const summary = text.slice(text.indexOf('Summary'));
    expect(summary).toMatch(/files\s+5 \(1\.0 MiB\)/);
    expect(summary).toMatch(/clean\s+1\n/);
    expect(summary).toMatch(/suspicious\s+1\n/);
    expect(summary).toMatch(/malicious\s+1\n/);
    expect(summary).toMatch(/inconclusive\s+1\n/);
    expect(summary).toMatch(/skipped\s+1\n/);
    expect(summary).toMatch(/findings\s+3 \(1 critical, 0 high, 1 medium, 1 low, 0 info\)/);
    expect(summary).toMatch(/duration\s+1\.23 s/);
  });

  it('has no escape codes unless asked, and colours verdicts when asked', () => {
    expect(toText(sampleReport())).not.toMatch(ANSI);
    const coloured = toText(sampleReport(), { color: true });
    expect(coloured).toMatch(ANSI);
    expect(coloured).toContain('\u001b[31m\u001b[1mMALICIOUS');
  });

  it('in quiet mode lists only files that need attention', () => {
    const text = toText(sampleReport(), { quiet: true });
    expect(text).not.toContain('models/clean.pkl');
    expect(text).not.toContain('README.md');
    expect(text).toContain('models/evil model.pkl');
    expect(text).toContain('Summary');
  });

  it('escapes terminal control sequences from hostile names and messages', () => {
    const report = sampleReport();
    report.files[1].path = 'evil\u001b]0;pwned\u0007.pkl';
    report.files[1].findings[0].message = 'calls \u001b[2J\u202eos.system';
    const text = toText(report, { color: false });
    expect(text).not.toMatch(/[\u0007\u001b\u202e]/);
    expect(text).toContain('evil\\x1b]0;pwned\\x07.pkl');
    expect(text).toContain('calls \\x1b[2J\\u{202e}os.system');
  });

  it('prints a summary even when there are no files', () => {
    const report = sampleReport();
    report.files = [];
    expect(toText(report).startsWith('Summary')).toBe(true);
  });
});

describe('useColor', () => {
  it('needs a TTY and no NO_COLOR', () => {
    expect(useColor({ isTTY: true }, {})).toBe(true);
    expect(useColor({ isTTY: false }, {})).toBe(false);
    expect(useColor({}, {})).toBe(false);
    expect(useColor({ isTTY: true }, { NO_COLOR: '1' })).toBe(false);
    expect(useColor({ isTTY: true }, { NO_COLOR: '' })).toBe(true);
  });
});

describe('safeText', () => {
  it('keeps ordinary text and backslashes', () => {
    expect(safeText('C:\\models\\ü model.pkl')).toBe('C:\\models\\ü model.pkl');
    expect(safeText('a\tb\nc\u0085')).toBe('a\\x09b\\x0ac\\x85');
  });
});
