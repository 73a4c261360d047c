import { ParseError } from '../../core/errors.js';
import { defineRule, defineRuleFamily } from '../../core/rules.js';
import { scanPickleStream } from '../pickle/scanner.js';
import { SliceSource, type ByteSource } from '../source.js';
import type { FormatScanner, ScanContext, SniffInput } from '../types.js';

defineRuleFamily(
  'numpy',
  `\`.npy\` files are parsed from their header. Numeric arrays need no further analysis (only the header is read).
Object arrays carry a pickle after the header, which is analysed with the pickle rules.`,
);

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

export const NPY_MALFORMED = defineRule({
  id: 'BW-NPY-001',
  name: 'malformed-npy',
  family: 'numpy',
  title: 'Malformed NumPy .npy header',
  description:
    'The .npy header is not a valid format-1/2/3 header (bad version, length or dictionary). numpy.load rejects it, but the bytes were not analysed either.',
  severity: 'medium',
  impact: 'inconclusive',
  confidence: 'high',
  remediation: 'Re-export the array with numpy.save.',
  references: { atlas: ['AML.T0010.003'], owaspMl: ['ML06'] },
});

export const NPY_OBJECT_ARRAY = defineRule({
  id: 'BW-NPY-002',
  name: 'object-array',
  family: 'numpy',
  title: 'NumPy object array (pickled payload)',
  description:
    'The array has an object dtype, so its data is a pickle that numpy.load(allow_pickle=True) unpickles. The pickle was analysed; this finding only records that loading needs allow_pickle.',
  severity: 'info',
  impact: 'none',
  confidence: 'high',
  remediation: 'Store numeric arrays without object dtype so numpy.load can keep allow_pickle=False.',
  references: { atlas: ['AML.T0010.003'], owaspMl: ['ML06'], cve: ['CVE-2019-6446'] },
});

export interface NpyHeader {
  version: number;
  descr: string;
  fortranOrder: boolean;
  shape: number[];
  dataOffset: number;
  hasObject: boolean;
}

export function isNpy(head: Uint8Array): boolean {
  return head.length >= 8 && MAGIC.every((b, i) => head[i] === b);
}

/** Parses the header of a .npy file from its first bytes. Throws ParseError when it is malformed. */
export function parseNpyHeader(head: Uint8Array, size: number): NpyHeader {
  if (!isNpy(head)) throw new ParseError('not a .npy file (bad magic)', 0);
  const major = head[6];
  if (major < 1 || major > 3) throw new ParseError(`unsupported .npy version ${major}.${head[7]}`, 6);
  const lenBytes = major === 1 ? 2 : 4;
  if (head.length < 8 + lenBytes) throw new ParseError('truncated .npy header', 8);
  const hlen =
    major === 1
      ? head[8] | (head[9] << 8)
      : (head[8] | (head[9] << 8) | (head[10] << 16) | (head[11] << 24)) >>> 0;
  const start = 8 + lenBytes;
  const dataOffset = start + hlen;
  if (dataOffset > size) throw new ParseError(`.npy header length ${hlen} runs past the end of the file`, 8);
  if (dataOffset > head.length) throw new ParseError(`.npy header longer than ${head.length} bytes`, 8);
  const text = Buffer.from(head.subarray(start, dataOffset)).toString(major === 3 ? 'utf8' : 'latin1');
  const descrM = /['"]descr['"]\s*:\s*(?:'([^']*)'|"([^"]*)"|(\[.*\]))\s*,/s.exec(text);
  const fortranM = /['"]fortran_order['"]\s*:\s*(True|False)/.exec(text);
  const shapeM = /['"]shape['"]\s*:\s*\(([^)]*)\)/.exec(text);
  if (!descrM || !fortranM || !shapeM)
    throw new ParseError('.npy header dictionary lacks descr, fortran_order or shape', start);
  const descr = descrM[1] ?? descrM[2] ?? descrM[3];
  const shape = shapeM[1]
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => Number(s.replace(/L$/, '')));
  if (shape.some((n) => !Number.isInteger(n) || n < 0))
    throw new ParseError('.npy shape is not a tuple of sizes', start);
  // Object dtype: "|O", "O", "|O8", or a structured descr with an 'O' field.
  const hasObject = descrM[3] !== undefined ? /['"][|<>=]?O\d*['"]/.test(descr) : /^[|<>=]?O\d*$/.test(descr);
  return { version: major, descr, fortranOrder: fortranM[1] === 'True', shape, dataOffset, hasObject };
}

export const numpyScanner: FormatScanner = {
  id: 'numpy',
  version: '1',
  sniff(input: SniffInput): number {
    return isNpy(input.head) ? 90 : 0;
  },
  async scan(source: ByteSource, ctx: ScanContext): Promise<void> {
    ctx.addFormat('numpy');
    const head = await source.read(0, 64 * 1024);
    let h: NpyHeader;
    try {
      h = parseNpyHeader(head, source.size);
    } catch (err) {
      if (err instanceof ParseError) {
        ctx.report(NPY_MALFORMED, { message: err.message, offset: err.offset });
        return;
      }
      throw err;
    }
    if (!h.hasObject) {
      ctx.addAnalysis('npy-header');
      return;
    }
    ctx.report(NPY_OBJECT_ARRAY, {
      message: `object array (descr ${h.descr}, shape (${h.shape.join(', ')})): its data is a pickle`,
      offset: h.dataOffset,
    });
    const payload = new SliceSource(source, h.dataOffset, source.size - h.dataOffset);
    await scanPickleStream(payload, ctx, { baseOffset: h.dataOffset });
  },
};
