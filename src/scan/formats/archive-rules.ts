import { defineRule, defineRuleFamily } from '../../core/rules.js';

defineRuleFamily(
  'pytorch',
  `PyTorch files are recognised by content: ZIP checkpoints (\`<prefix>/data.pkl\` plus raw tensor storages that
are never read), legacy stacked-pickle checkpoints (all five pickles are analysed, whatever the magic number
says), and TorchScript archives (\`code/\` + \`constants.pkl\`), whose pickles are analysed with TorchScript's own
\`__torch__\` class namespace allowed.`,
);

defineRuleFamily(
  'archive',
  `Containers are opened by content, never by extension: ZIP (including PyTorch checkpoints and \`.npz\`), tar,
7z, gzip, bzip2, xz, lzma and zlib (including joblib's \`compress=\` variants), recursively up to a depth limit,
with limits on members, decompressed size and compression ratio. The ZIP reader is as tolerant as PyTorch's:
it ignores CRCs and flag bits, reads data at the local header's own offsets, and finds members that exist only in
local headers — then reports every disagreement, because each is a known scanner bypass. Members are selected
by content. Member names are never used to write files, and links are never followed.`,
);

const REFS = { atlas: ['AML.T0010.003'], owaspMl: ['ML06'] };
const FAMILY = 'archive';

export const ARC_PATH_TRAVERSAL = defineRule({
  id: 'BW-ARC-001',
  name: 'path-traversal',
  family: FAMILY,
  title: 'Archive member path escapes the extraction directory (zip-slip)',
  description:
    'A member name is absolute, has a drive letter or NUL byte, or climbs out with "..". Extracting the archive writes outside the target directory (overwriting code, configs or SSH keys). Bulwark never extracts by name.',
  severity: 'high',
  impact: 'malicious',
  confidence: 'high',
  remediation:
    'Do not extract this archive with tools that trust member names; rebuild it from trusted sources.',
  references: { ...REFS, cwe: ['CWE-22'] },
});

export const ARC_SYMLINK = defineRule({
  id: 'BW-ARC-002',
  name: 'symlink-member',
  family: FAMILY,
  title: 'Archive member is a symbolic or hard link',
  description:
    'The archive holds a link. Extraction creates it, and later members or loaders may read or write through it. Bulwark reports it and never follows it; a link whose target leaves the archive is treated as an attack.',
  severity: 'high',
  impact: 'suspicious',
  confidence: 'high',
  remediation: 'Remove links from model archives; ship the files themselves.',
  references: { ...REFS, cwe: ['CWE-59'] },
});

export const ARC_BOMB = defineRule({
  id: 'BW-ARC-003',
  name: 'decompression-bomb',
  family: FAMILY,
  title: 'Decompression exceeds the size or ratio limit',
  description:
    'A member inflates beyond the configured absolute size or compression ratio (a decompression bomb), or the file as a whole produced more decompressed bytes than allowed. Decompression stopped; the rest is not analysed.',
  severity: 'high',
  impact: 'inconclusive',
  confidence: 'high',
  remediation:
    'If the archive is legitimate, raise scan.limits.maxDecompressedBytes / maxCompressionRatio in bulwark.yaml.',
  references: { ...REFS, cwe: ['CWE-409'] },
});

export const ARC_ENCRYPTED = defineRule({
  id: 'BW-ARC-004',
  name: 'encrypted-member',
  family: FAMILY,
  title: 'Encrypted member cannot be analysed',
  description:
    'The member is encrypted (or its data cannot be decoded as its header claims). Its content was not analysed, so the file is inconclusive, never clean.',
  severity: 'medium',
  impact: 'inconclusive',
  confidence: 'high',
  remediation: 'Scan the decrypted content, or do not load what cannot be inspected.',
  references: REFS,
});

export const ARC_STRUCTURE_ANOMALY = defineRule({
  id: 'BW-ARC-005',
  name: 'structure-anomaly',
  family: FAMILY,
  title: 'Archive structure disagrees with itself',
  description:
    'The local header and central directory disagree (names, sizes), a CRC is wrong, flag bits claim encryption that is not there, or members exist only in local headers; or a compressed stream (gzip, zlib, LZ4, xz, …) has a wrong checksum, a declared size that differs from its content, or data after its end. PyTorch and other loaders ignore some of these fields while strict parsers reject the file — the parser differential behind CVE-2025-1944, CVE-2025-1945 and CVE-2025-10156. Bulwark reads the data the way the loaders do and reports the disagreement.',
  severity: 'medium',
  impact: 'suspicious',
  confidence: 'high',
  remediation: 'Re-create the archive with a standard tool; tampered headers are an evasion technique.',
  references: { ...REFS, cve: ['CVE-2025-1944', 'CVE-2025-1945', 'CVE-2025-10156'] },
});

export const ARC_UNSUPPORTED = defineRule({
  id: 'BW-ARC-006',
  name: 'unsupported-member',
  family: FAMILY,
  title: 'Member uses a compression method Bulwark cannot decode',
  description:
    'The member is compressed with a method Bulwark does not implement; its content was not analysed.',
  severity: 'medium',
  impact: 'inconclusive',
  confidence: 'high',
  remediation: 'Re-pack the archive with deflate or store.',
  references: REFS,
});

export const ARC_CORRUPT = defineRule({
  id: 'BW-ARC-007',
  name: 'corrupt-archive',
  family: FAMILY,
  title: 'Archive is corrupt or truncated',
  description:
    'The archive structure could not be read completely. Members read before the damage were analysed; the file is inconclusive.',
  severity: 'medium',
  impact: 'inconclusive',
  confidence: 'high',
  remediation: 'Re-download the file.',
  references: REFS,
});

export const TORCH_SCRIPT = defineRule({
  id: 'BW-TORCH-001',
  name: 'torchscript-code',
  family: 'pytorch',
  title: 'TorchScript archive carries code',
  description:
    'The archive is a TorchScript model: torch.jit.load compiles and runs the TorchScript source in its code/ directory. TorchScript cannot import Python modules, but it runs whatever operators the program calls. The pickles inside were analysed; the code files are listed as evidence.',
  severity: 'info',
  impact: 'none',
  confidence: 'high',
  remediation:
    'Load TorchScript only from trusted sources; prefer weights (safetensors) plus reviewed model code.',
  references: REFS,
});

export const TORCH_SCRIPT_SUSPICIOUS = defineRule({
  id: 'BW-TORCH-002',
  name: 'torchscript-dangerous-call',
  family: 'pytorch',
  title: 'TorchScript code calls an operator that loads libraries or touches files',
  description:
    'The TorchScript source calls operators that load native libraries, read or write files or run Python callbacks (torch.ops.load_library, torch.classes, aten::save/load, prim::PythonOp…).',
  severity: 'high',
  impact: 'suspicious',
  confidence: 'medium',
  remediation: 'Review the TorchScript code before loading the model.',
  references: REFS,
});
