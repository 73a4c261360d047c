import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/core/errors.js';
import { maskPreview, PiiAnalyzer, redactText, type PiiMatch } from '../../src/trust/privacy/pii.js';

const analyzer = new PiiAnalyzer();
const spans = (text: string, a = analyzer): [string, number, number][] =>
  a.analyze(text).map((m) => [m.entity, m.start, m.end]);
const types = (text: string, a = analyzer): string[] => a.analyze(text).map((m) => m.entity);

// Secret-shaped strings are assembled at run time so that no credential-looking literal sits in the repository.
const AWS_ID = ['AKIA', 'IOSFODNN7', 'EXAMPLE'].join('');
const GH = `ghp_${'aB3dE5fG7h'.repeat(3)}123456`;
const JWT = [
  Buffer.from('{"alg":"HS256","typ":"JWT"}').toString('base64url'),
  Buffer.from('{"sub":"1234567890","name":"x"}').toString('base64url'),
  'SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c',
].join('.');

describe('PII recognizers', () => {
  it('credit cards: Presidio vectors (three formats, Luhn-invalid rejected)', () => {
    expect(spans('4012888888881881 4012-8888-8888-1881 4012 8888 8888 1881')).toEqual([
      ['CREDIT_CARD', 0, 16],
      ['CREDIT_CARD', 17, 36],
      ['CREDIT_CARD', 37, 56],
    ]);
    expect(types('4012-8888-8888-1882')).toEqual([]);
    expect(types('4012 8888-8888 1881')).toEqual([]); // mixed separators
  });

  it('IBAN with spaces, trimmed to its country length', () => {
    const text = 'pay to GB82 WEST 1234 5698 7654 32 today';
    const [m] = analyzer.analyze(text);
    expect(m.entity).toBe('IBAN_CODE');
    expect(text.slice(m.start, m.end)).toBe('GB82 WEST 1234 5698 7654 32');
    expect(types('pay to GB82 WEST 1234 5698 7654 33')).not.toContain('IBAN_CODE');
  });

  it('US SSN: validity rules and context boost', () => {
    const [m] = analyzer.analyze('my ssn is 536-22-1234');
    expect(m).toMatchObject({ entity: 'US_SSN', score: 0.85, context: true });
    expect(analyzer.analyze('code 536-22-1234')[0]).toMatchObject({ entity: 'US_SSN', score: 0.5 });
    expect(types('my ssn is 666-22-1234')).not.toContain('US_SSN');
    expect(types('my ssn is 078-05-1120')).not.toContain('US_SSN');
    expect(types('my ssn is 536-22.1234')).not.toContain('US_SSN'); // mismatched delimiters
  });

  it('weak patterns need context words within the window', () => {
    expect(types('passport number: 123456789')).toContain('US_PASSPORT');
    expect(types('ticket 123456789 closed')).not.toContain('US_PASSPORT');
    expect(types("my driver's license is F1628235")).toContain('US_DRIVER_LICENSE');
    // The context word is 6 words before: outside the default window of 5, inside a window of 6.
    const far = 'passport one two three four five 123456789';
    expect(types(far)).not.toContain('US_PASSPORT');
    expect(types(far, new PiiAnalyzer({ contextWindow: 6 }))).toContain('US_PASSPORT');
  });

  it('column names act as context', () => {
    expect(analyzer.analyze('123456789', { contextWords: ['passport', 'no'] }).map((m) => m.entity)).toEqual([
      'US_PASSPORT',
    ]);
  });

  it('EU national ids, NHS, ITIN', () => {
    expect(types('DNI 12345678Z')).toEqual(['ES_NIF']);
    expect(types('NIE X1234567L')).toEqual(['ES_NIE']);
    expect(types('CF RSSMRA85T10A562S')).toEqual(['IT_FISCAL_CODE']);
    expect(types('PESEL 44051401359')).toEqual(['PL_PESEL']);
    expect(types('hetu 131052-308T')).toEqual(['FI_PERSONAL_ID']);
    expect(types('BSN 111222333')).toEqual(['NL_BSN']);
    expect(types('NHS number 943 476 5919')).toEqual(['UK_NHS']);
    expect(types('ITIN 912-70-1234')).toEqual(['US_ITIN']);
    expect(types('DNI 12345678A')).toEqual([]);
  });

  it('e-mail, URL, IP, MAC, crypto', () => {
    expect(spans('mail a.b+c@mail.example.co.uk.')).toEqual([['EMAIL_ADDRESS', 5, 29]]);
    const url = 'see https://example.com/a?b=1).';
    const [u] = analyzer.analyze(url);
    expect(url.slice(u.start, u.end)).toBe('https://example.com/a?b=1');
    expect(types('host 192.168.0.1 up')).toEqual(['IP_ADDRESS']);
    expect(types('host 999.168.0.1 up')).toEqual([]);
    expect(types('ip fe80::1ff:fe23:4567:890a')).toEqual(['IP_ADDRESS']);
    expect(types('at 12:30:45 today')).toEqual([]);
    expect(types('mac 00:1A:2B:3C:4D:5E')).toEqual(['MAC_ADDRESS']);
    expect(types('btc 1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa')).toEqual(['CRYPTO']);
    expect(types('btc 1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb')).toEqual([]);
    expect(types('eth 0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed')).toEqual(['CRYPTO']);
    expect(types('eth 0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD')).toEqual([]);
  });

  it('phone numbers: international, NANP, national with context; dates are not phones', () => {
    expect(types('call +44 20 7946 0958')).toEqual(['PHONE_NUMBER']);
    expect(types('(415) 555-0142')).toEqual(['PHONE_NUMBER']);
    expect(types('mobile: 0612 345 678')).toEqual(['PHONE_NUMBER']);
    expect(types('on 2023-04-13 we met')).toEqual([]);
  });

  it('overlaps resolve to the highest score, then the longest span', () => {
    const ms = analyzer.analyze('card 4111 1111 1111 1111');
    expect(ms).toHaveLength(1);
    expect(ms[0]).toMatchObject({ entity: 'CREDIT_CARD', score: 1 });
    for (let i = 1; i < ms.length; i++) expect(ms[i].start).toBeGreaterThanOrEqual(ms[i - 1].end);
  });

  it('secrets are detected in the same pass', () => {
    expect(types(`key ${AWS_ID}`)).toEqual(['AWS_ACCESS_KEY_ID']);
    expect(types(`token=${GH}`)).toEqual(['GITHUB_TOKEN']);
    expect(types(`Authorization: Bearer ${JWT}`)).toEqual(['JWT']);
    expect(types(['-----BEGIN RSA', 'PRIVATE KEY-----'].join(' '))).toEqual(['PRIVATE_KEY']);
    expect(types('password = "Zq8#kP2!vL9xR4tY"'.replace('#', 'h').replace('!', 'j'))).toEqual([
      'GENERIC_SECRET',
    ]);
    expect(types('password = "aaaaaaaaaaaaaaaaaaaa"')).toEqual([]); // low entropy
    expect(types('colour = "Zq8hkP2jvL9xR4tYw"')).toEqual([]); // not a secret-like name
    expect(types(`key ${AWS_ID}`, new PiiAnalyzer({ secrets: false }))).toEqual([]);
  });

  it('entity filter and unknown entities', () => {
    const only = new PiiAnalyzer({ entities: ['email_address'] });
    expect(types('a@b.com 4111111111111111', only)).toEqual(['EMAIL_ADDRESS']);
    expect(() => new PiiAnalyzer({ entities: ['NOPE'] })).toThrow(UsageError);
    expect(() => new PiiAnalyzer({ minScore: 2 })).toThrow(UsageError);
  });

  it('names and locations are opt-in', () => {
    const text = 'Dear Maria Schmidt, welcome to Berlin';
    expect(types(text)).toEqual([]);
    expect(types(text, new PiiAnalyzer({ entities: ['PERSON', 'LOCATION'] }))).toEqual([
      'PERSON',
      'LOCATION',
    ]);
  });

  it('patterns run in linear time on adversarial input', () => {
    const inputs = [
      '1'.repeat(200_000),
      '1 '.repeat(100_000),
      `${'a.'.repeat(50_000)}@`,
      `${'a'.repeat(60_000)}@${'b-'.repeat(30_000)}`,
      'x='.repeat(100_000),
      ':'.repeat(200_000),
      '1-'.repeat(100_000),
      `${'(1) '.repeat(50_000)}`,
    ];
    for (const s of inputs) {
      const t = performance.now();
      analyzer.analyze(s);
      expect(performance.now() - t, s.slice(0, 10)).toBeLessThan(3000);
    }
  });

  it('long text is analysed in windows without losing matches at the edges', () => {
    const pad = 'lorem ipsum '.repeat(6000); // > 64 KiB
    const text = `${pad}mail me: x@example.com ${pad}`;
    const ms = analyzer.analyze(text);
    expect(ms.map((m) => text.slice(m.start, m.end))).toEqual(['x@example.com']);
  });
});

describe('redaction and previews', () => {
  const text = 'mail x@example.com card 4111111111111111';
  const ms: PiiMatch[] = analyzer.analyze(text);

  it('replace, mask, hash', () => {
    expect(redactText(text, ms, 'replace')).toBe('mail <EMAIL_ADDRESS> card <CREDIT_CARD>');
    expect(redactText(text, ms, 'mask')).toBe(`mail ${'*'.repeat(13)} card ${'*'.repeat(16)}`);
    const h1 = redactText(text, ms, 'hash', 's1');
    expect(h1).toMatch(/^mail <EMAIL_ADDRESS:[0-9a-f]{16}> card <CREDIT_CARD:[0-9a-f]{16}>$/);
    expect(redactText(text, ms, 'hash', 's1')).toBe(h1);
    expect(redactText(text, ms, 'hash', 's2')).not.toBe(h1);
    expect(() => redactText(text, ms, 'hash')).toThrow(UsageError);
  });

  it('previews never show a value in clear', () => {
    expect(maskPreview(GH, 'secret')).toBe('ghp_…');
    expect(maskPreview('short', 'secret')).toBe('…');
    expect(maskPreview('4111111111111111', 'pii')).toBe('41************11');
    expect(maskPreview('a@b.c', 'pii')).toBe('*****');
  });
});
