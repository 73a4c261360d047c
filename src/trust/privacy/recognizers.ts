/**
 * Built-in recognizers: regex candidates (compiled once, bounded quantifiers only, so matching is linear in the
 * input) plus validators (checksums, validity rules) plus context words, in the manner of Microsoft Presidio's
 * PatternRecognizer. Scores are in [0, 1]; a validator may set the score, drop the candidate, or trim its end.
 */
import { isIP } from 'node:net';
import {
  digitsOnly,
  eip55,
  IBAN_LENGTHS,
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
} from './checksums.js';

export type EntityKind = 'pii' | 'secret';

/** What a validator says about one candidate. */
export type Validation =
  /** Keep the candidate with its pattern's base score. */
  | undefined
  /** Drop the candidate. */
  | false
  /** Keep it with this score. */
  | number
  /** Keep it with this score (or the base score); drop `skip` leading characters, then keep `length` characters. */
  | { score?: number; length?: number; skip?: number };

export interface PatternSpec {
  /** Short pattern name shown in results, e.g. "visa-16". */
  name: string;
  /** Global regex; must only use bounded quantifiers. The `v` named group, when present, is the value's span. */
  regex: RegExp;
  /** Base score before validation and context. */
  score: number;
}

export interface Recognizer {
  /** Entity type, e.g. CREDIT_CARD. Several recognizers may share one. */
  entity: string;
  kind: EntityKind;
  /** One-line description for docs. */
  description: string;
  /** What the validator checks, for docs ("Luhn", "mod-97", …); absent if none. */
  validator?: string;
  patterns: PatternSpec[];
  /** Lower-case context words; one of them within the window before the match raises the score. */
  context?: string[];
  /** Context words that count in the two words right after the match ("555 0100 office"). */
  suffixContext?: string[];
  /** `groups` are the regex's named groups (e.g. `k`, the key of an assignment). */
  validate?: (value: string, pattern: string, groups: Record<string, string | undefined>) => Validation;
  /** Off unless asked for by name (names and locations). */
  optIn?: boolean;
}

function re(source: string, flags = ''): RegExp {
  return new RegExp(source, `gd${flags}`);
}

const CARD_CONTEXT = [
  'credit',
  'card',
  'cards',
  'visa',
  'mastercard',
  'amex',
  'cc',
  'debit',
  'discover',
  'jcb',
];
CARD_CONTEXT.push('diners', 'maestro', 'payment', 'expiry', 'cvv');

function validateCard(value: string): Validation {
  const seps = value.match(/[ -]/g);
  if (seps && new Set(seps).size > 1) return false;
  const digits = digitsOnly(value);
  if (digits.length < 12 || digits.length > 19) return false;
  if (!/[1-6]/.test(digits[0]) || /^(\d)\1+$/.test(digits)) return false;
  if (seps) {
    const groups = value.split(/[ -]/);
    if (
      groups[0].length !== 4 ||
      groups.some((g, i) => g.length < (i === groups.length - 1 ? 1 : 4) || g.length > 6)
    )
      return false;
  }
  return luhn(digits) ? 1 : false;
}

function validateIban(value: string): Validation {
  const country = value.slice(0, 2).toUpperCase();
  const want = IBAN_LENGTHS[country];
  if (want === undefined) return false;
  // Take exactly the country's number of characters; spaces may only separate groups of four.
  let n = 0;
  let i = 0;
  for (; i < value.length && n < want; i++) {
    if (value[i] === ' ') {
      if (n % 4 !== 0) return false;
      continue;
    }
    n++;
  }
  if (n !== want) return false;
  const candidate = value.slice(0, i);
  const next = value[i];
  if (next !== undefined && next !== ' ') return false;
  return validIban(candidate) ? { score: 1, length: i } : false;
}

const TLD_RE = /^[a-z]{2,24}$/i;

function validateEmail(value: string): Validation {
  const at = value.indexOf('@');
  const local = value.slice(0, at);
  let domain = value.slice(at + 1);
  let length = value.length;
  while (domain.endsWith('.') || domain.endsWith('-')) {
    domain = domain.slice(0, -1);
    length--;
  }
  if (local.startsWith('.') || local.endsWith('.') || local.includes('..')) return false;
  const labels = domain.split('.');
  if (labels.length < 2 || !TLD_RE.test(labels[labels.length - 1])) return false;
  if (labels.some((l) => l.length === 0 || l.startsWith('-') || l.endsWith('-'))) return false;
  return { score: 1, length };
}

function validateUrl(value: string): Validation {
  let v = value;
  // Trailing punctuation belongs to the sentence; a closing bracket only if it has no opening partner.
  while (v.length > 0) {
    const last = v[v.length - 1];
    if ('.,;:!?\'"*'.includes(last)) v = v.slice(0, -1);
    else if (')]}>'.includes(last)) {
      const open = { ')': '(', ']': '[', '}': '{', '>': '<' }[last]!;
      if (v.split(open).length - 1 < v.split(last).length - 1) v = v.slice(0, -1);
      else break;
    } else break;
  }
  const host =
    /^(?:[a-z][a-z0-9+.-]{0,15}:\/\/)?(?:[^@/?#\s]{0,256}@)?([^/?#:\s]{1,253})/i.exec(v)?.[1] ?? '';
  if (!(host.includes('.') || host === 'localhost' || host.startsWith('['))) return false;
  if (host.includes('.') && !isIP(host)) {
    const tld = host.split('.').pop() ?? '';
    if (!TLD_RE.test(tld)) return false;
  }
  return { score: 0.85, length: v.length };
}

const DATE_LIKE = /^(?:\d{4}[-./]\d{1,2}[-./]\d{1,2}|\d{1,2}[-./]\d{1,2}[-./](?:\d{2}|\d{4}))$/;

function validatePhone(value: string): Validation {
  const main = value.replace(/\s?(?:x|ext\.?\s?)\d{1,6}$/i, '');
  const digits = digitsOnly(main);
  if (digits.length < 7 || digits.length > 15) return false;
  if (DATE_LIKE.test(main) || /^(\d)\1+$/.test(digits)) return false;
  if (/^(?:\d{1,3}\.){3}\d{1,3}$/.test(main)) return false;
  const groups = main.split(/[^0-9]+/).filter(Boolean);
  if (main.startsWith('+') || (main.startsWith('00') && groups.length > 1))
    return digits.length >= 9 ? 0.7 : 0.4;
  if (
    /^(?:\(\d{3}\) ?|\d{3}[-. ])\d{3}[-. ]\d{4}$/.test(main) ||
    /^(?:001|1)[-. ]\d{3}[-. ]\d{3}[-. ]\d{4}$/.test(main)
  )
    return value.length > main.length ? 0.7 : 0.6;
  if (groups.length === 1) return 0.15;
  // Three or more digit groups (national formats such as 0680 298 70 63, 71-33-52-22) with one separator kind.
  const seps = new Set(main.match(/[^0-9]+/g));
  if (groups.length >= 3 && seps.size === 1 && digits.length >= 8 && groups.every((g) => g.length >= 2))
    return 0.5;
  return 0.3;
}

function validateSsn(value: string): Validation {
  if (!validSsn(value)) return false;
  return /[- .]/.test(value) ? 0.5 : 0.2;
}

function validateItin(value: string): Validation {
  if (!validItin(value)) return false;
  return /[- ]/.test(value) ? 0.5 : 0.2;
}

function validateNhs(value: string): Validation {
  if (!validNhs(value)) return false;
  return value.includes('-') ? 0.3 : 0.5;
}

function validateJwt(value: string): Validation {
  const header = value.slice(0, value.indexOf('.'));
  try {
    const parsed = JSON.parse(Buffer.from(header, 'base64url').toString('utf8')) as unknown;
    if (parsed && typeof parsed === 'object' && ('alg' in parsed || 'typ' in parsed)) return undefined;
  } catch {
    // not JSON
  }
  return false;
}

const SECRET_KEY_WORDS =
  /(?:secret|token|passw(?:or)?d|pwd|api[_.-]?key|apikey|access[_.-]?key|auth|credential|private[_.-]?key|signing[_.-]?key|client[_.-]?secret|session[_.-]?key)/i;
const PLACEHOLDER =
  /^(?:x+|\*+|<.*>|\$\{.*\}|changeme|change_me|your[_-].*|example.*|dummy.*|test.*|null|none|true|false)$/i;

/** Minimum Shannon entropy (bits per character) of a generic secret value. */
export const GENERIC_SECRET_MIN_ENTROPY = 3.5;

function validateGenericSecret(
  value: string,
  pattern: string,
  groups: Record<string, string | undefined>,
): Validation {
  if (pattern === 'secret-assignment' && !SECRET_KEY_WORDS.test(groups.k ?? '')) return false;
  if (PLACEHOLDER.test(value)) return false;
  if (/^\d+$/.test(value) || /^[a-z]+$/i.test(value)) return false;
  if (shannonEntropy(value) < GENERIC_SECRET_MIN_ENTROPY) return false;
  return undefined;
}

/** Built-in recognizers, in priority order (earlier wins a tie in score and length). */
export const RECOGNIZERS: readonly Recognizer[] = Object.freeze([
  // ------------------------------------------------------------------ secrets (kind 'secret')
  {
    entity: 'PRIVATE_KEY',
    kind: 'secret',
    description: 'PEM private key header (RSA, EC, DSA, OPENSSH, ENCRYPTED, PGP …)',
    patterns: [
      {
        name: 'pem-private-key',
        regex: re('-----BEGIN (?:[A-Z0-9]{1,20} ){0,3}PRIVATE KEY(?: BLOCK)?-----'),
        score: 1,
      },
    ],
  },
  {
    entity: 'AWS_ACCESS_KEY_ID',
    kind: 'secret',
    description: 'AWS access key id (AKIA/ASIA/… + 16 base32 characters)',
    patterns: [
      {
        name: 'aws-key-id',
        regex: re('\\b(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|APKA)[A-Z2-7]{16}\\b'),
        score: 0.95,
      },
    ],
  },
  {
    entity: 'AWS_SECRET_ACCESS_KEY',
    kind: 'secret',
    description:
      'AWS secret access key (40 base64 characters) assigned to an aws_secret_access_key-like name',
    patterns: [
      {
        name: 'aws-secret-assignment',
        regex: re(
          '(?:aws_?secret_?(?:access_?)?key|secret_?access_?key)["\']?\\s{0,4}(?::=|=>|[:=])\\s{0,4}["\']?(?<v>[A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])',
          'i',
        ),
        score: 0.95,
      },
    ],
  },
  {
    entity: 'GITHUB_TOKEN',
    kind: 'secret',
    description: 'GitHub token (ghp_/gho_/ghu_/ghs_/ghr_ classic, github_pat_ fine-grained)',
    patterns: [
      { name: 'github-classic', regex: re('\\bgh[pousr]_[A-Za-z0-9]{36,251}\\b'), score: 0.95 },
      {
        name: 'github-fine-grained',
        regex: re('\\bgithub_pat_[A-Za-z0-9]{20,40}_[A-Za-z0-9]{40,100}\\b'),
        score: 0.95,
      },
    ],
  },
  {
    entity: 'SLACK_TOKEN',
    kind: 'secret',
    description: 'Slack token (xoxb-, xoxp-, xoxa-, xoxo-, xoxs-, xoxr-) or incoming-webhook URL',
    patterns: [
      {
        name: 'slack-token',
        regex: re('\\bxox[abposr]-(?:[A-Za-z0-9]{1,40}-){1,6}[A-Za-z0-9]{1,64}\\b'),
        score: 0.9,
      },
      {
        name: 'slack-webhook',
        regex: re('https://hooks\\.slack\\.com/services/T[A-Z0-9]{6,12}/B[A-Z0-9]{6,12}/[A-Za-z0-9]{16,32}'),
        score: 0.95,
      },
    ],
  },
  {
    entity: 'STRIPE_KEY',
    kind: 'secret',
    description: 'Stripe secret or restricted key (sk_live_, rk_live_; test keys lower)',
    patterns: [
      { name: 'stripe-live', regex: re('\\b(?:sk|rk)_live_[A-Za-z0-9]{16,247}\\b'), score: 0.95 },
      { name: 'stripe-test', regex: re('\\b(?:sk|rk)_test_[A-Za-z0-9]{16,247}\\b'), score: 0.6 },
    ],
  },
  {
    entity: 'GOOGLE_API_KEY',
    kind: 'secret',
    description: 'Google API key (AIza + 35 characters)',
    patterns: [
      { name: 'google-api-key', regex: re('\\bAIza[0-9A-Za-z_-]{35}(?![0-9A-Za-z_-])'), score: 0.9 },
    ],
  },
  {
    entity: 'OPENAI_API_KEY',
    kind: 'secret',
    description: 'OpenAI API key (sk-…, sk-proj-…; the T3BlbkFJ marker raises the score)',
    validator: 'marker / entropy',
    patterns: [
      {
        name: 'openai-key',
        regex: re('\\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,300}(?![A-Za-z0-9_-])'),
        score: 0.6,
      },
    ],
    validate: (v) => (v.includes('T3BlbkFJ') ? 0.95 : shannonEntropy(v) >= 4 ? undefined : false),
  },
  {
    entity: 'JWT',
    kind: 'secret',
    description: 'JSON Web Token: three base64url parts whose first decodes to a JSON header with alg/typ',
    validator: 'header JSON',
    patterns: [
      {
        name: 'jwt',
        regex: re('\\beyJ[A-Za-z0-9_-]{5,2048}\\.eyJ[A-Za-z0-9_-]{5,8192}\\.[A-Za-z0-9_-]{0,2048}'),
        score: 0.9,
      },
    ],
    validate: validateJwt,
  },
  {
    entity: 'GENERIC_SECRET',
    kind: 'secret',
    description: `High-entropy value (≥ ${GENERIC_SECRET_MIN_ENTROPY} bits/char, ≥ 16 chars) assigned to a name like password/secret/token/api_key, or an Authorization Bearer token`,
    validator: 'Shannon entropy',
    patterns: [
      {
        name: 'secret-assignment',
        regex: re(
          `(?<![A-Za-z0-9_])(?<k>[A-Za-z_][A-Za-z0-9_.-]{0,63})["']?\\s{0,4}(?::=|=>|[:=])\\s{0,4}["'\`]?(?<v>[A-Za-z0-9+/=_.~-]{16,512})`,
          'i',
        ),
        score: 0.7,
      },
      { name: 'bearer', regex: re('\\bBearer\\s{1,4}(?<v>[A-Za-z0-9._~+/-]{20,2048}=*)'), score: 0.75 },
    ],
    validate: validateGenericSecret,
  },
  // ------------------------------------------------------------------ PII with checksums
  {
    entity: 'CREDIT_CARD',
    kind: 'pii',
    description: 'Payment card number, 12–19 digits, first digit 1–6, groups of 4+ when separated',
    validator: 'Luhn',
    patterns: [{ name: 'card', regex: re('(?<![\\w+-])\\d(?:[ -]?\\d){11,18}(?![\\d]|-\\d)'), score: 0.3 }],
    context: CARD_CONTEXT,
    validate: validateCard,
  },
  {
    entity: 'IBAN_CODE',
    kind: 'pii',
    description: 'International Bank Account Number, optionally in groups of four',
    validator: 'country length + ISO 7064 mod-97',
    patterns: [{ name: 'iban', regex: re('\\b[A-Za-z]{2}\\d{2}(?: ?[A-Za-z0-9]){11,30}'), score: 0.5 }],
    context: ['iban', 'bank', 'account', 'transfer', 'wire', 'sepa', 'swift', 'bic'],
    validate: validateIban,
  },
  {
    entity: 'CRYPTO',
    kind: 'pii',
    description: 'Crypto wallet: Bitcoin base58 (P2PKH/P2SH), Bitcoin bech32/bech32m, Ethereum 0x-hex',
    validator: 'Base58Check double SHA-256, bech32/bech32m checksum, EIP-55 (mixed case)',
    patterns: [
      { name: 'btc-base58', regex: re('\\b[13][1-9A-HJ-NP-Za-km-z]{25,34}\\b'), score: 0.3 },
      {
        name: 'btc-bech32',
        regex: re('\\b(?:bc1|tb1|BC1|TB1)[02-9ac-hj-np-zAC-HJ-NP-Z]{6,87}\\b'),
        score: 0.3,
      },
      { name: 'eth', regex: re('\\b0x[0-9a-fA-F]{40}\\b'), score: 0.6 },
    ],
    context: ['wallet', 'btc', 'bitcoin', 'eth', 'ethereum', 'crypto', 'address', 'send', 'pay'],
    validate: (v, p) => {
      if (p === 'btc-base58') return validBase58Check(v) ? 1 : false;
      if (p === 'btc-bech32') return validBech32Address(v) ? 1 : false;
      const r = eip55(v);
      return r === 'valid' ? 1 : r === 'invalid' ? false : undefined;
    },
  },
  {
    entity: 'US_SSN',
    kind: 'pii',
    description:
      'US Social Security Number (3-2-4 digits with a consistent delimiter, or 9 digits with context)',
    validator: 'SSA validity rules (area/group/serial, known invalid numbers)',
    patterns: [
      { name: 'ssn', regex: re('(?<![\\d-])\\d{3}([- .]?)\\d{2}\\1\\d{4}(?![\\d]|-\\d)'), score: 0.5 },
    ],
    context: ['ssn', 'ssns', 'social', 'security', 'ss#', 'ssid'],
    validate: validateSsn,
  },
  {
    entity: 'US_ITIN',
    kind: 'pii',
    description: 'US Individual Taxpayer Identification Number (9XX-XX-XXXX)',
    validator: 'middle group in 50–65, 70–88, 90–92, 94–99',
    patterns: [
      {
        name: 'itin',
        regex: re('(?<![\\d-])9\\d{2}([- ]?)(?:5\\d|6[0-5]|7\\d|8[0-8]|9[0-24-9])\\1\\d{4}(?![\\d]|-\\d)'),
        score: 0.5,
      },
    ],
    context: ['itin', 'taxpayer', 'tax', 'individual', 'tin'],
    validate: validateItin,
  },
  {
    entity: 'UK_NHS',
    kind: 'pii',
    description: 'UK NHS number (10 digits, 3-3-4)',
    validator: 'mod-11 check digit',
    patterns: [
      { name: 'nhs', regex: re('(?<![\\d-])\\d{3}([- ]?)\\d{3}\\1\\d{4}(?![\\d]|-\\d)'), score: 0.5 },
    ],
    context: ['nhs', 'health', 'patient', 'hospital', 'medical', 'national'],
    validate: validateNhs,
  },
  {
    entity: 'ES_NIF',
    kind: 'pii',
    description: 'Spanish DNI/NIF (8 digits + check letter)',
    validator: 'mod-23 check letter',
    patterns: [{ name: 'dni', regex: re('\\b\\d{8}-?[A-Za-z]\\b'), score: 0.5 }],
    context: ['dni', 'nif', 'documento', 'identidad', 'fiscal'],
    validate: (v) => (validSpanishId(v) ? 0.9 : false),
  },
  {
    entity: 'ES_NIE',
    kind: 'pii',
    description: 'Spanish foreigner id NIE (X/Y/Z + 7 digits + check letter)',
    validator: 'mod-23 check letter',
    patterns: [{ name: 'nie', regex: re('\\b[XYZxyz]-?\\d{7}-?[A-Za-z]\\b'), score: 0.5 }],
    context: ['nie', 'extranjero', 'identidad'],
    validate: (v) => (validSpanishId(v) ? 0.9 : false),
  },
  {
    entity: 'IT_FISCAL_CODE',
    kind: 'pii',
    description: 'Italian codice fiscale (16 characters, omocodia letters accepted)',
    validator: 'odd/even table check character',
    patterns: [
      {
        name: 'codice-fiscale',
        regex: re(
          '\\b[A-Za-z]{6}[0-9LMNPQRSTUVlmnpqrstuv]{2}[A-Za-z][0-9LMNPQRSTUVlmnpqrstuv]{2}[A-Za-z][0-9LMNPQRSTUVlmnpqrstuv]{3}[A-Za-z]\\b',
        ),
        score: 0.3,
      },
    ],
    context: ['codice', 'fiscale', 'cf', 'tax'],
    validate: (v) => (validItalianFiscalCode(v) ? 1 : false),
  },
  {
    entity: 'PL_PESEL',
    kind: 'pii',
    description: 'Polish PESEL (11 digits encoding the birth date)',
    validator: 'weighted mod-10 check digit + valid date',
    patterns: [{ name: 'pesel', regex: re('(?<![\\d-])\\d{11}(?![\\d]|-\\d)'), score: 0.3 }],
    context: ['pesel', 'numer', 'identyfikacyjny'],
    validate: (v) => (validPesel(v) ? 0.5 : false),
  },
  {
    entity: 'FI_PERSONAL_ID',
    kind: 'pii',
    description: 'Finnish henkilötunnus (DDMMYY, century sign, 3 digits, check character)',
    validator: 'mod-31 check character + valid date',
    patterns: [{ name: 'hetu', regex: re('\\b\\d{6}[-+A-FU-Ya-fu-y]\\d{3}[0-9A-Ya-y]\\b'), score: 0.3 }],
    context: ['henkilötunnus', 'hetu', 'sotu', 'personal'],
    validate: (v) => (validHetu(v) ? 0.9 : false),
  },
  {
    entity: 'NL_BSN',
    kind: 'pii',
    description: 'Dutch burgerservicenummer (9 digits; weak without context)',
    validator: '11-proef',
    patterns: [
      { name: 'bsn', regex: re('(?<![\\d-])\\d{9}(?![\\d]|-\\d)'), score: 0.3 },
      { name: 'bsn-dotted', regex: re('(?<![\\d.])\\d{4}\\.\\d{2}\\.\\d{3}(?![\\d]|\\.\\d)'), score: 0.3 },
    ],
    context: ['bsn', 'burgerservicenummer', 'sofinummer', 'sofi'],
    validate: (v) => (validBsn(v) ? 0.3 : false),
  },
  // ------------------------------------------------------------------ structural PII
  {
    entity: 'EMAIL_ADDRESS',
    kind: 'pii',
    description: 'E-mail address (RFC 5322 subset; alphabetic TLD)',
    validator: 'label and TLD syntax',
    patterns: [
      {
        name: 'email',
        regex: re(
          '(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\\.[A-Za-z0-9-]{1,63}){1,8}',
        ),
        score: 0.5,
      },
    ],
    context: ['email', 'e-mail', 'mail', 'contact'],
    validate: validateEmail,
  },
  {
    entity: 'IP_ADDRESS',
    kind: 'pii',
    description: 'IPv4 or IPv6 address',
    validator: 'node:net isIP',
    patterns: [
      { name: 'ipv4', regex: re('(?<![\\d.])(?:\\d{1,3}\\.){3}\\d{1,3}(?!\\.?\\d)'), score: 0.6 },
      {
        name: 'ipv6',
        regex: re(
          '(?<![0-9A-Za-z:])(?:[0-9A-Fa-f]{0,4}:){2,7}(?:(?:\\d{1,3}\\.){3}\\d{1,3}|[0-9A-Fa-f]{1,4})?(?![0-9A-Za-z:])',
        ),
        score: 0.6,
      },
    ],
    context: ['ip', 'address', 'host', 'server', 'client', 'ipv4', 'ipv6', 'addr'],
    validate: (v, p) => (isIP(v) === (p === 'ipv4' ? 4 : 6) ? undefined : false),
  },
  {
    entity: 'MAC_ADDRESS',
    kind: 'pii',
    description: 'MAC address (six hex pairs with : or -, or Cisco xxxx.xxxx.xxxx)',
    validator: 'not all-zero',
    patterns: [
      {
        name: 'mac',
        regex: re(
          '(?<![0-9A-Za-z:-])[0-9A-Fa-f]{2}([:-])[0-9A-Fa-f]{2}(?:\\1[0-9A-Fa-f]{2}){4}(?![0-9A-Za-z]|[:-][0-9A-Fa-f])',
        ),
        score: 0.6,
      },
      { name: 'mac-cisco', regex: re('\\b[0-9A-Fa-f]{4}\\.[0-9A-Fa-f]{4}\\.[0-9A-Fa-f]{4}\\b'), score: 0.5 },
    ],
    context: ['mac', 'hardware', 'ethernet', 'wifi', 'device', 'bssid'],
    validate: (v) => (/^[0.:-]+$/.test(v) ? false : /[a-f]/i.test(v) ? 0.8 : 0.45),
  },
  {
    entity: 'URL',
    kind: 'pii',
    description: 'URL with a scheme (http, https, ftp) or starting with www.',
    validator: 'host and TLD syntax; trailing punctuation trimmed',
    patterns: [
      { name: 'url', regex: re('\\b(?:https?|ftp)://[^\\s<>"\'`{}|\\\\^]{1,2048}', 'i'), score: 0.6 },
      {
        name: 'www',
        regex: re(
          '(?<!://)\\bwww\\.[A-Za-z0-9-]{1,63}(?:\\.[A-Za-z0-9-]{1,63}){1,8}(?:[/?#][^\\s<>"\'`{}|\\\\^]{0,2048})?',
          'i',
        ),
        score: 0.5,
      },
    ],
    context: ['url', 'website', 'site', 'link', 'web', 'page', 'homepage'],
    validate: validateUrl,
  },
  // ------------------------------------------------------------------ weak patterns (need context)
  {
    entity: 'US_PASSPORT',
    kind: 'pii',
    description: 'US passport number (9 digits, or a letter + 8 digits); weak, needs context',
    patterns: [{ name: 'us-passport', regex: re('(?<![\\w-])(?:[A-Z]\\d{8}|\\d{9})(?![\\w-])'), score: 0.2 }],
    context: ['passport', 'passports', 'travel', 'document'],
  },
  {
    entity: 'US_DRIVER_LICENSE',
    kind: 'pii',
    description:
      'US driver licence (state formats: letter + digits, 6–14 digits, grouped digits); weak, needs context',
    patterns: [
      {
        name: 'us-dl',
        regex: re('(?<![\\w-])(?:[A-Z]{1,2}\\d{3,14}|\\d{6,14}|\\d{3,4}-\\d{2,3}-\\d{3,4})(?![\\w-])'),
        score: 0.2,
      },
    ],
    context: ['driver', 'drivers', 'license', 'licence', 'licenses', 'dl', 'driving', 'permit', 'dmv'],
  },
  {
    entity: 'PHONE_NUMBER',
    kind: 'pii',
    description:
      'Phone number: international (+CC / 00CC), NANP (xxx) xxx-xxxx, or grouped national numbers; groups without + or NANP shape need context',
    validator: '7–15 digits, not a date, format-dependent score',
    patterns: [
      {
        name: 'phone',
        regex: re(
          '(?<![\\w+/.-])(?:\\+\\d{1,3}[ .-]?|00\\d{1,3}[ .-])?(?:\\(\\d{1,5}\\)[ .-]?)?\\d{1,12}(?:(?:[ .-]|[ .-]?\\(\\d{1,4}\\)[ .-]?)\\d{1,8}){0,6}(?:[ ]?(?:x|ext\\.? ?)\\d{1,6})?(?![\\w/]|[.-]\\d)',
          'i',
        ),
        score: 0.3,
      },
    ],
    context: [
      'phone',
      'telephone',
      'tel',
      'mobile',
      'cell',
      'cellphone',
      'call',
      'fax',
      'contact',
      'reach',
      'sms',
    ],
    suffixContext: ['office', 'fax', 'mobile', 'desk', 'home', 'work', 'cell', 'phone', 'tel', 'landline'],
    validate: validatePhone,
  },
] satisfies Recognizer[]);

/** Entity types of the built-in recognizers (pattern-based; PERSON/LOCATION come from the optional name module). */
export const ENTITY_TYPES: readonly string[] = [...new Set(RECOGNIZERS.map((r) => r.entity))];
