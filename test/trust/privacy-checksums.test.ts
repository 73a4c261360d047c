import fc from 'fast-check';
import { keccak } from 'hash-wasm';
import { describe, expect, it } from 'vitest';
import {
  eip55,
  keccak256,
  luhn,
  shannonEntropy,
  validBase58Check,
  validBech32Address,
  validBsn,
  validHetu,
  validIban,
  validItalianFiscalCode,
  validItin,
  validNhs,
  validPesel,
  validSpanishId,
  validSsn,
} from '../../src/trust/privacy/checksums.js';

describe('checksums', () => {
  it('Luhn accepts test card numbers and rejects a changed digit', () => {
    expect(luhn('4012888888881881')).toBe(true);
    expect(luhn('4111111111111111')).toBe(true);
    expect(luhn('4012888888881882')).toBe(false);
  });

  it('Luhn detects every single-digit change (property)', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[0-9]{15}$/),
        fc.integer({ min: 0, max: 15 }),
        fc.integer({ min: 1, max: 9 }),
        (body, pos, delta) => {
          // Append the check digit that makes it valid.
          let check = 0;
          while (!luhn(body + check)) check++;
          const valid = body + check;
          const d = (Number(valid[pos]) + delta) % 10;
          const changed = valid.slice(0, pos) + d + valid.slice(pos + 1);
          return luhn(valid) && !luhn(changed);
        },
      ),
    );
  });

  it('IBAN: country length and mod-97', () => {
    expect(validIban('GB82 WEST 1234 5698 7654 32')).toBe(true);
    expect(validIban('gb82west12345698765432')).toBe(true);
    expect(validIban('DE89370400440532013000')).toBe(true);
    expect(validIban('DE89370400440532013001')).toBe(false); // checksum
    expect(validIban('DE8937040044053201300')).toBe(false); // DE is 22 long
    expect(validIban('QQ89370400440532013000')).toBe(false); // unknown country
  });

  it('US SSN validity rules', () => {
    expect(validSsn('536-22-1234')).toBe(true);
    for (const bad of [
      '000-12-3456',
      '666-12-3456',
      '912-12-3456',
      '123-00-4567',
      '123-45-0000',
      '078-05-1120',
      '219-09-9999',
      '123-45-6789',
      '987-65-4321',
      '111-11-1111',
    ])
      expect(validSsn(bad), bad).toBe(false);
  });

  it('US ITIN middle-group ranges', () => {
    expect(validItin('912-70-1234')).toBe(true);
    expect(validItin('912-93-1234')).toBe(false);
    expect(validItin('912-49-1234')).toBe(false);
    expect(validItin('812-70-1234')).toBe(false);
  });

  it('UK NHS mod 11', () => {
    expect(validNhs('943 476 5919')).toBe(true);
    expect(validNhs('943 476 5918')).toBe(false);
  });

  it('EU national ids', () => {
    expect(validSpanishId('12345678Z')).toBe(true);
    expect(validSpanishId('12345678A')).toBe(false);
    expect(validSpanishId('X1234567L')).toBe(true);
    expect(validSpanishId('Y1234567L')).toBe(false);
    expect(validItalianFiscalCode('RSSMRA85T10A562S')).toBe(true);
    expect(validItalianFiscalCode('RSSMRA85T10A562T')).toBe(false);
    expect(validPesel('44051401359')).toBe(true);
    expect(validPesel('44051401358')).toBe(false);
    expect(validPesel('44133101351')).toBe(false); // month 13 does not exist
    expect(validHetu('131052-308T')).toBe(true);
    expect(validHetu('131052-308U')).toBe(false);
    expect(validHetu('310252-308T')).toBe(false); // 31 Feb
    expect(validBsn('111222333')).toBe(true);
    expect(validBsn('111222334')).toBe(false);
  });

  it('Bitcoin Base58Check and bech32/bech32m', () => {
    expect(validBase58Check('1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa')).toBe(true);
    expect(validBase58Check('3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy')).toBe(true);
    expect(validBase58Check('1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb')).toBe(false);
    expect(validBech32Address('bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq')).toBe(true);
    expect(validBech32Address('bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0')).toBe(true);
    expect(validBech32Address('bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdr')).toBe(false);
    expect(validBech32Address('bc1qAr0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq')).toBe(false); // mixed case
  });

  it('Keccak-256 agrees with hash-wasm', async () => {
    for (const len of [0, 1, 135, 136, 137, 300]) {
      const data = Buffer.alloc(len, len % 251);
      expect(Buffer.from(keccak256(data)).toString('hex')).toBe(await keccak(data, 256));
    }
  });

  it('EIP-55 checksum of Ethereum addresses', () => {
    expect(eip55('0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed')).toBe('valid');
    expect(eip55('0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359')).toBe('valid');
    expect(eip55('0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD')).toBe('invalid');
    expect(eip55('0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed')).toBe('unchecked');
  });

  it('Shannon entropy', () => {
    expect(shannonEntropy('aaaa')).toBe(0);
    expect(shannonEntropy('abcd')).toBeCloseTo(2, 12);
  });
});
