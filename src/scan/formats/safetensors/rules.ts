import { defineRule, defineRuleFamily } from '../../../core/rules.js';

defineRuleFamily(
  'safetensors',
  `safetensors files hold an 8-byte little-endian header length N, N bytes of UTF-8 JSON describing every tensor
(\`dtype\`, \`shape\`, \`data_offsets\` relative to the byte buffer) plus an optional \`__metadata__\` map of strings,
and then the byte buffer. Loading one never runs code. Bulwark recognises the format by content (a plausible header
length followed by a JSON object), reads **only the header** (never the tensor data), and checks it the way the
reference loader does: header length against the file size and the 100,000,000-byte limit, UTF-8 and strict JSON
(duplicate keys included, which \`JSON.parse\` would silently merge), known dtypes (including the sub-byte
\`F4\`/\`F6_*\` and \`F8_*\` types), non-negative integer shapes, dtype × shape = end − begin (in bits for sub-byte
types), offsets in range, and a buffer covered exactly once, in order, with no gaps, overlaps or trailing bytes.
Bytes that no tensor covers are analysed as content of their own (a pickle or archive hidden there is reported by
its own rules). The metadata strings and tensor names are checked for code, shell commands, URLs, base64-encoded
payloads (decoded and analysed like a file), path traversal and control characters.

### Verdicts

- A header that cannot be read at all (length past the end of the file, longer than the reference limit, not UTF-8
  or not JSON) makes the file **inconclusive**: nothing in it was analysed.
- A header that parses but breaks the format's rules (duplicates, bad offsets, dtype/shape mismatches, gaps,
  overlaps) makes the file **suspicious**. The reference loader refuses such files, so nothing executes, but no
  writer produces them: they are crafted or damaged, and lenient or native loaders disagree on what they mean (which
  tensor wins a duplicate name, whether an out-of-range offset reads other memory).
- Code, shell commands (plain or base64-encoded), risky URLs (raw IPs, script or pickle downloads, hosts that are not
  well-known model, code, paper or license sites) and encoded payloads in metadata are **suspicious** (the safetensors
  loader never evaluates metadata, but other tooling may); URLs to well-known sites are listed as information; an encoded payload that is itself malicious (a pickle calling
  \`os.system\`) makes the file **malicious** through the payload's own findings.
- A file with a \`.safetensors\` name that is really a pickle or a ZIP is never treated as safetensors: its content
  decides, and the pickle or archive rules apply.`,
);

const REFS = { atlas: ['AML.T0010.003'], owaspMl: ['ML06'] };
const FAMILY = 'safetensors';

export const ST_HEADER_LENGTH = defineRule({
  id: 'BW-ST-001',
  name: 'header-length-invalid',
  family: FAMILY,
  title: 'safetensors header length does not fit the file',
  description:
    'The 8-byte header length points past the end of the file (or is too small to hold a JSON object). The file is truncated or crafted; its header could not be read, so nothing in it was analysed.',
  severity: 'medium',
  impact: 'inconclusive',
  confidence: 'high',
  remediation: 'Re-download the file from its source and compare its hash with the published one.',
  references: { ...REFS, cwe: ['CWE-130'] },
});

export const ST_HEADER_TOO_LARGE = defineRule({
  id: 'BW-ST-002',
  name: 'header-too-large',
  family: FAMILY,
  title: 'safetensors header is larger than the reference limit',
  description:
    'The header length exceeds 100,000,000 bytes, the limit of the reference implementation, which refuses the file. Oversized headers are used to exhaust the memory of parsers without that limit. The header was not parsed.',
  severity: 'medium',
  impact: 'inconclusive',
  confidence: 'high',
  remediation: 'Do not load this file with lenient loaders; obtain a well-formed copy from a trusted source.',
  references: { ...REFS, cwe: ['CWE-770'] },
});

export const ST_HEADER_INVALID = defineRule({
  id: 'BW-ST-003',
  name: 'header-invalid-json',
  family: FAMILY,
  title: 'safetensors header is not valid UTF-8 JSON',
  description:
    'The header is not valid UTF-8, does not start with "{", or is not strictly valid JSON (the reference parser rejects it). The tensors and metadata could not be analysed.',
  severity: 'medium',
  impact: 'inconclusive',
  confidence: 'high',
  remediation:
    'Re-download the file; if it came from an untrusted source, do not load it with lenient parsers.',
  references: REFS,
});

export const ST_DUPLICATE_KEY = defineRule({
  id: 'BW-ST-004',
  name: 'duplicate-key',
  family: FAMILY,
  title: 'safetensors header repeats a tensor name or key',
  description:
    'The same key appears twice in the header (a tensor name, a metadata key or a tensor field). The format forbids duplicates, and parsers disagree on which one wins (first or last), so two tools can load different weights from the same file: a way to slip altered weights past a review.',
  severity: 'medium',
  impact: 'suspicious',
  confidence: 'high',
  remediation: 'Do not trust this file; regenerate it from the original weights with a conforming writer.',
  references: { ...REFS, cwe: ['CWE-436'] },
});

export const ST_INVALID_ENTRY = defineRule({
  id: 'BW-ST-005',
  name: 'invalid-header-entry',
  family: FAMILY,
  title: 'safetensors header entry does not follow the format',
  description:
    'The header is JSON but not a safetensors header: the top level is not an object, a tensor entry lacks a string dtype, an integer shape or a pair of integer data_offsets, a shape dimension is negative or not an integer, or __metadata__ is not a map of strings. The reference loader refuses the file.',
  severity: 'medium',
  impact: 'suspicious',
  confidence: 'high',
  remediation: 'Regenerate the file with a conforming writer; do not load it with lenient loaders.',
  references: REFS,
});

export const ST_UNKNOWN_DTYPE = defineRule({
  id: 'BW-ST-006',
  name: 'unknown-dtype',
  family: FAMILY,
  title: 'safetensors tensor has an unknown dtype',
  description:
    'A tensor declares a dtype that the safetensors specification does not define, so its size cannot be checked and the reference loader refuses the file.',
  severity: 'medium',
  impact: 'suspicious',
  confidence: 'high',
  remediation: 'Check which tool wrote the file; regenerate it with a standard dtype.',
  references: REFS,
});

export const ST_SIZE_MISMATCH = defineRule({
  id: 'BW-ST-007',
  name: 'dtype-shape-size-mismatch',
  family: FAMILY,
  title: 'safetensors tensor byte length disagrees with its dtype and shape',
  description:
    'end − begin is not dtype size × product(shape) (counted in bits for sub-byte dtypes, which must fill whole bytes), or the product overflows. Native loaders that trust the shape read or write past the tensor.',
  severity: 'medium',
  impact: 'suspicious',
  confidence: 'high',
  remediation:
    'Do not load the file with loaders that skip validation; regenerate it from the original weights.',
  references: { ...REFS, cwe: ['CWE-131'] },
});

export const ST_OUT_OF_RANGE = defineRule({
  id: 'BW-ST-008',
  name: 'offsets-out-of-range',
  family: FAMILY,
  title: 'safetensors tensor offsets are out of range',
  description:
    'A tensor ends before it begins or extends past the end of the byte buffer. Loaders that do not check read memory outside the file mapping (information disclosure or a crash).',
  severity: 'high',
  impact: 'suspicious',
  confidence: 'high',
  remediation: 'Do not load this file; obtain a complete, well-formed copy.',
  references: { ...REFS, cwe: ['CWE-125'] },
});

export const ST_OVERLAP = defineRule({
  id: 'BW-ST-009',
  name: 'overlapping-tensors',
  family: FAMILY,
  title: 'safetensors tensors overlap in the byte buffer',
  description:
    'Two tensors share bytes. Writers never produce this; it makes one region mean two different weights and is rejected by the reference loader.',
  severity: 'medium',
  impact: 'suspicious',
  confidence: 'high',
  remediation: 'Regenerate the file from the original weights.',
  references: REFS,
});

export const ST_UNCOVERED = defineRule({
  id: 'BW-ST-010',
  name: 'uncovered-bytes',
  family: FAMILY,
  title: 'safetensors byte buffer has bytes no tensor covers',
  description:
    'There is a gap between tensors, or bytes after the last tensor. The reference loader refuses such files; the extra bytes are a place to hide a second payload (a pickle or archive appended to weights). The uncovered bytes were analysed as content of their own.',
  severity: 'medium',
  impact: 'suspicious',
  confidence: 'high',
  remediation: 'Check what the extra bytes are; regenerate the file from the original weights.',
  references: REFS,
});

export const ST_METADATA_CODE = defineRule({
  id: 'BW-ST-011',
  name: 'metadata-code',
  family: FAMILY,
  title: 'safetensors metadata or tensor name contains code or shell commands',
  description:
    'A metadata value (or key, or tensor name) contains Python code (exec, eval, __import__, os.system, subprocess, pickle.loads…), a shell command (curl | sh, bash -c, reverse shells) or HTML script. The safetensors loader never evaluates metadata, but training scripts, model hubs and UIs that display or evaluate it can be attacked this way.',
  severity: 'medium',
  impact: 'suspicious',
  confidence: 'medium',
  remediation:
    'Review the metadata; strip it (safetensors metadata is optional) before sharing or loading the file.',
  references: { ...REFS, cwe: ['CWE-94'] },
});

export const ST_METADATA_URL = defineRule({
  id: 'BW-ST-012',
  name: 'metadata-url',
  family: FAMILY,
  title: 'safetensors metadata contains URLs',
  description:
    'Metadata values contain URLs to well-known model hubs, code hosts, papers or license sites (licenses and training sources are common). Listed for review; nothing loads them.',
  severity: 'info',
  impact: 'none',
  confidence: 'high',
  remediation: 'No action needed unless the URLs are unexpected.',
  references: REFS,
});

export const ST_METADATA_RISKY_URL = defineRule({
  id: 'BW-ST-013',
  name: 'metadata-risky-url',
  family: FAMILY,
  title: 'safetensors metadata contains a risky URL',
  description:
    'A metadata URL uses a local-file or script scheme (file:, javascript:), a raw IP address, a paste, tunnel or request-capture service, points at a script, executable or pickle, or names a host that is not a well-known model hub, code host, paper or license site. Tools that follow metadata links would fetch attacker-chosen content.',
  severity: 'low',
  impact: 'suspicious',
  confidence: 'medium',
  remediation: 'Check the URL; do not follow it from automated tooling.',
  references: REFS,
});

export const ST_METADATA_LARGE = defineRule({
  id: 'BW-ST-014',
  name: 'metadata-oversized-value',
  family: FAMILY,
  title: 'safetensors metadata value is very large',
  description:
    'A single metadata value is several megabytes long. Real metadata (framework tags, training parameters, thumbnails) is far smaller; very large values smuggle data inside a weights file.',
  severity: 'low',
  impact: 'suspicious',
  confidence: 'medium',
  remediation: 'Check what the value holds; strip the metadata if it is not needed.',
  references: REFS,
});

export const ST_METADATA_PAYLOAD = defineRule({
  id: 'BW-ST-015',
  name: 'metadata-encoded-payload',
  family: FAMILY,
  title: 'safetensors metadata carries an encoded executable, pickle or archive',
  description:
    'A metadata value is base64 that decodes to a pickle, ZIP, executable or script. The decoded bytes were analysed like a file (their own findings are reported with the inner path); any code that decodes and loads the value runs it.',
  severity: 'medium',
  impact: 'suspicious',
  confidence: 'high',
  remediation: 'Remove the value; never decode and load payloads from model metadata.',
  references: { ...REFS, cwe: ['CWE-502'] },
});

export const ST_TENSOR_NAME = defineRule({
  id: 'BW-ST-016',
  name: 'unsafe-tensor-name',
  family: FAMILY,
  title: 'safetensors tensor name is a path traversal or contains control characters',
  description:
    'A tensor name (or metadata key) climbs out with "..", is an absolute path, or contains control or bidirectional-override characters. Tools that write one file per tensor, or display names, are attacked this way.',
  severity: 'medium',
  impact: 'suspicious',
  confidence: 'high',
  remediation: 'Rename the tensors; do not export this file with tools that use tensor names as paths.',
  references: { ...REFS, cwe: ['CWE-22'] },
});
