import { ParseError } from '../../core/errors.js';
import { descrHasObject, parsePyLiteral } from './py-literal.js';
import { defineRule, defineRuleFamily } from '../../core/rules.js';
import { probePickle, scanPickleStream } from '../pickle/scanner.js';
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
  // numpy reads the header with ast.literal_eval: parse the same literal syntax, not a regex of it.
  const dict = parsePyLiteral(text.replace(/\s+$/, ''));
  if (!(dict instanceof Map)) throw new ParseError('.npy header is not a dictionary', start);
  const descr = dict.get('descr');
  const fortran = dict.get('fortran_order');
  const shapeV = dict.get('shape');
  if (descr === undefined || typeof fortran !== 'boolean' || shapeV === undefined)
    throw new ParseError('.npy header dictionary lacks descr, fortran_order or shape', start);
  const dims = Array.isArray(shapeV)
    ? shapeV
    : shapeV !== null && typeof shapeV === 'object' && 'tuple' in shapeV
      ? shapeV.tuple
      : undefined;
  if (!dims || dims.some((n) => typeof n !== 'number' || !Number.isInteger(n) || n < 0))
    throw new ParseError('.npy shape is not a tuple of sizes', start);
  const shape = dims as number[];
  return {
    version: major,
    descr:
      typeof descr === 'string'
        ? descr
        : JSON.stringify(descr, (_k, v) => (v instanceof Map ? Object.fromEntries(v) : v)),
    fortranOrder: fortran,
    shape,
    dataOffset,
    hasObject: descrHasObject(descr),
  };
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
        // Fail closed: numpy may accept what Bulwark cannot read; if the data section is a pickle, analyse it.
        const major = head[6];
        const lenBytes = major === 1 ? 2 : 4;
        if (head.length >= 8 + lenBytes && (major === 1 || major === 2 || major === 3)) {
          const hlen =
            major === 1
              ? head[8] | (head[9] << 8)
              : (head[8] | (head[9] << 8) | (head[10] << 16) | (head[11] << 24)) >>> 0;
          const dataOffset = 8 + lenBytes + hlen;
          if (dataOffset < source.size) {
            const dataHead = await source.read(dataOffset, 4096);
            if (probePickle(dataHead, source.size - dataOffset).isPickle)
              await scanPickleStream(new SliceSource(source, dataOffset, source.size - dataOffset), ctx, {
                baseOffset: dataOffset,
              });
          }
        }
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
