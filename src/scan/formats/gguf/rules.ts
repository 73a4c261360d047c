import { defineRule, defineRuleFamily } from '../../../core/rules.js';

defineRuleFamily(
  'gguf',
  `GGUF is the single-file model format of llama.cpp, Ollama, LM Studio and llama-cpp-python: a header of typed
metadata key/value pairs and tensor descriptors, followed by aligned tensor data. GGUF carries no code, but two
things in it are attack surface:

- **The header.** Counts, string and array lengths, tensor dimensions and offsets are read by C/C++ and Go
  parsers; crafted values have caused heap overflows (integer overflow in allocation sizes, e.g. CVE-2024-21802)
  and out-of-bounds reads of process memory (CVE-2026-7482, "Bleeding Llama" in Ollama).
- **\`tokenizer.chat_template\`**, a Jinja2 program rendered on every request. Rendered without a sandbox it runs
  commands (CVE-2024-34359 in llama-cpp-python); see the [template rules](template.md).

Bulwark parses only the header (versions 1–3, little- and big-endian) through bounded random-access reads and
never reads tensor data. Every count and length is checked against the bytes left in the file before anything is
read or allocated; the header is bounded to 256 MiB, array nesting to 4 levels, dimensions to GGML_MAX_DIMS (4).
Tensor byte sizes are computed from the ggml type's block size and checked for overflow, alignment
(\`general.alignment\`, default 32), overlap, gaps and the end of the file. A value that no GGUF writer produces
and that exceeds both the file and any real header (a count of 2^62, a string of 2^63 bytes, 5 dimensions, a
dimension product that overflows 64 bits, tensor data outside the file) is reported as malicious; a file that
simply ends early is inconclusive. Every \`tokenizer.chat_template\` and \`tokenizer.chat_template.<name>\` value
is analysed with the template rules, and other metadata strings that contain Jinja delimiters are scanned for
injection payloads. Architecture, name, file type (quantisation) and tensor types are reported as information.`,
);

const FAMILY = 'gguf';
const SUPPLY_CHAIN = { atlas: ['AML.T0010.003', 'AML.T0011.000'], owaspMl: ['ML06'] };

export const GGUF_MALFORMED = defineRule({
  id: 'BW-GGUF-001',
  name: 'malformed-header',
  family: FAMILY,
  title: 'GGUF header is malformed or truncated',
  description:
    'The header does not follow the GGUF specification (unsupported version, unknown value or tensor type, invalid alignment, dimension not a multiple of the block size, overlong tensor name) or the file ends inside it. Loaders refuse such files; the header was not fully analysed, so the file is inconclusive.',
  severity: 'medium',
  impact: 'inconclusive',
  confidence: 'high',
  remediation: 'Re-download or re-convert the model with llama.cpp or gguf-py.',
  references: SUPPLY_CHAIN,
});

export const GGUF_IMPLAUSIBLE = defineRule({
  id: 'BW-GGUF-002',
  name: 'implausible-size-field',
  family: FAMILY,
  title: 'GGUF header declares impossible counts, lengths or dimensions',
  description:
    'A count, string length, array length or tensor shape is larger than the file and than any real header (e.g. 2^62 metadata pairs), has more than GGML_MAX_DIMS (4) dimensions, or makes a size computation overflow 64 bits. No GGUF writer produces these values; they target integer-overflow and buffer-overflow bugs in GGUF parsers.',
  severity: 'high',
  impact: 'malicious',
  confidence: 'medium',
  remediation:
    'Do not load this file; update llama.cpp / Ollama / gguf-py to a release with header bounds checks.',
  references: { ...SUPPLY_CHAIN, cve: ['CVE-2024-21802'], cwe: ['CWE-190', 'CWE-787', 'CWE-789'] },
});

export const GGUF_OUT_OF_BOUNDS = defineRule({
  id: 'BW-GGUF-003',
  name: 'tensor-out-of-bounds',
  family: FAMILY,
  title: 'GGUF tensor data lies outside the file',
  description:
    'A tensor offset plus its byte size points past the end of the file (or overflows), and the layout is not that of a file cut short. Loaders that trust the offsets read outside their buffer or mapping and leak process memory.',
  severity: 'high',
  impact: 'malicious',
  confidence: 'medium',
  remediation: 'Do not load this file.',
  references: { ...SUPPLY_CHAIN, cve: ['CVE-2026-7482'], cwe: ['CWE-125'] },
});

export const GGUF_OVERLAP = defineRule({
  id: 'BW-GGUF-004',
  name: 'tensor-overlap',
  family: FAMILY,
  title: 'GGUF tensors overlap',
  description:
    'Two tensors share bytes of the data section. Writers lay tensors out one after another; aliased tensors let one write corrupt another and are a building block of memory-corruption exploits.',
  severity: 'high',
  impact: 'malicious',
  confidence: 'medium',
  remediation: 'Do not load this file.',
  references: { ...SUPPLY_CHAIN, cwe: ['CWE-119'] },
});

export const GGUF_MISALIGNED = defineRule({
  id: 'BW-GGUF-005',
  name: 'tensor-misaligned',
  family: FAMILY,
  title: 'GGUF tensor offset is not aligned',
  description:
    'A tensor offset is not a multiple of the file alignment (`general.alignment`, default 32). Writers always align; llama.cpp refuses such files, and loaders that map the file crash on unaligned vector loads. The file was crafted or damaged.',
  severity: 'medium',
  impact: 'suspicious',
  confidence: 'high',
  remediation: 'Re-convert the model with llama.cpp or gguf-py.',
  references: SUPPLY_CHAIN,
});

export const GGUF_DUPLICATE = defineRule({
  id: 'BW-GGUF-006',
  name: 'duplicate-entry',
  family: FAMILY,
  title: 'GGUF metadata key or tensor name appears twice',
  description:
    'The header repeats a metadata key or tensor name. Parsers disagree on which copy wins (first, last, or refuse), so a tool can be shown one value while the runtime uses another — for example a benign chat template followed by a malicious one. Every copy was analysed.',
  severity: 'medium',
  impact: 'suspicious',
  confidence: 'high',
  remediation: 'Re-convert the model; check every copy of the repeated entry.',
  references: SUPPLY_CHAIN,
});

export const GGUF_TRUNCATED = defineRule({
  id: 'BW-GGUF-007',
  name: 'truncated-data',
  family: FAMILY,
  title: 'GGUF tensor data section is cut short',
  description:
    'The header is complete and the tensors are laid out contiguously, but the file ends before the last tensor does (an incomplete download or copy). Loaders refuse it; the file is inconclusive.',
  severity: 'medium',
  impact: 'inconclusive',
  confidence: 'high',
  remediation: 'Download the file again and compare its size and checksum with the published ones.',
  references: SUPPLY_CHAIN,
});

export const GGUF_HIDDEN_DATA = defineRule({
  id: 'BW-GGUF-008',
  name: 'hidden-data',
  family: FAMILY,
  title: 'GGUF file holds bytes no tensor refers to',
  description:
    'There are unreferenced bytes between tensors or after the data section (beyond alignment padding). Writers do not leave them; they can hide a second payload (e.g. an appended pickle or archive). Trailing bytes are analysed like a file of their own.',
  severity: 'low',
  impact: 'suspicious',
  confidence: 'medium',
  remediation: 'Check where the file came from; re-convert it with llama.cpp or gguf-py.',
  references: SUPPLY_CHAIN,
});

export const GGUF_INFO = defineRule({
  id: 'BW-GGUF-009',
  name: 'model-info',
  family: FAMILY,
  title: 'GGUF model description',
  description:
    'Architecture, name, file type (quantisation), tensor count and tensor types read from the header, for inventory and review.',
  severity: 'info',
  impact: 'none',
  confidence: 'high',
  remediation: 'None needed.',
  references: {},
});

export const GGUF_LIMIT = defineRule({
  id: 'BW-GGUF-010',
  name: 'header-limit',
  family: FAMILY,
  title: 'GGUF header exceeds an analysis bound',
  description:
    'The header is larger than 256 MiB, nests arrays deeper than 4 levels, or holds more than 64 chat templates. What lies beyond the bound was not analysed, so the file is inconclusive. Real headers are a few megabytes (vocabularies included) with one to three chat templates.',
  severity: 'medium',
  impact: 'inconclusive',
  confidence: 'high',
  remediation: 'Inspect the file by other means; a header this large is unusual.',
  references: SUPPLY_CHAIN,
});
