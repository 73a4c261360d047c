import { describe, expect, it } from 'vitest';
import { toJson } from '../../src/report/json.js';
import { sampleReport } from './sample.js';
import { reportValidator } from './validators.js';

describe('toJson', () => {
  it('writes the report object, valid against docs/schema/scan-report.schema.json', () => {
    const text = toJson(sampleReport());
    expect(text.endsWith('\n')).toBe(true);
    const parsed = JSON.parse(text);
    const result = reportValidator()(parsed);
    expect(result.errors).toBe('No errors');
    expect(result.valid).toBe(true);
    expect(parsed.schemaVersion).toBe('1.0');
    expect(parsed.files).toHaveLength(5);
  });

  it('writes bigints as decimal strings and bytes as hex', () => {
    const report = sampleReport();
    report.files[1].findings[0].evidence = {
      big: 2n ** 70n,
      raw: new Uint8Array([0xde, 0xad]),
      buf: Buffer.from('hi'),
    };
    const parsed = JSON.parse(toJson(report));
    expect(parsed.files[1].findings[0].evidence).toEqual({
      big: '1180591620717411303424',
      raw: 'dead',
      buf: '6869',
    });
  });

  it('indents with 2 spaces by default and writes one line with indent 0', () => {
    expect(toJson(sampleReport())).toContain('\n  "schemaVersion"');
    expect(toJson(sampleReport(), { indent: 0 }).trimEnd()).not.toContain('\n');
  });

  it('the schema rejects a report with a wrong verdict, a missing field or an unknown field', () => {
    const validate = reportValidator();
    const bad1 = JSON.parse(toJson(sampleReport()));
    bad1.files[0].verdict = 'safe';
    expect(validate(bad1).valid).toBe(false);
    const bad2 = JSON.parse(toJson(sampleReport()));
    delete bad2.summary;
    expect(validate(bad2).valid).toBe(false);
    const bad3 = JSON.parse(toJson(sampleReport()));
    bad3.files[0].findings = [{ ...bad3.files[1].findings[0], extra: 1 }];
    expect(validate(bad3).valid).toBe(false);
  });
});
