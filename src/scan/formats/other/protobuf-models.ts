import { ParseError } from '../../../core/errors.js';
import type { ByteSource } from '../../source.js';
import type { FormatScanner, ScanContext, SniffInput } from '../../types.js';
import { FMT_COREML_CUSTOM, FMT_EXTERNAL_REF, FMT_MALFORMED, FMT_PADDLE_OP } from './rules.js';
import { WindowReader, pbFields, pbString, type PbField } from './window-reader.js';

const MAX_NESTING = 32;

/** Reads a varint from a byte array; returns [value, next index] or undefined. */
function varintAt(b: Uint8Array, i: number): [number, number] | undefined {
  let v = 0;
  let mul = 1;
  for (let k = 0; k < 10 && i + k < b.length; k++) {
    v += (b[i + k] & 0x7f) * mul;
    mul *= 128;
    if ((b[i + k] & 0x80) === 0) return [v, i + k + 1];
  }
  return undefined;
}

function printable(b: Uint8Array): boolean {
  if (!b.length) return false;
  for (const c of b) if (c < 0x20 || c === 0x7f) return false;
  return true;
}

// ---------------------------------------------------------------------------------------------------------- CoreML

/** CoreML Model oneof field numbers (Model.proto) → type name, for the analysis summary. */
const COREML_TYPES: Record<number, string> = {
  200: 'pipelineClassifier',
  201: 'pipelineRegressor',
  202: 'pipeline',
  300: 'glmRegressor',
  301: 'supportVectorRegressor',
  302: 'treeEnsembleRegressor',
  303: 'neuralNetworkRegressor',
  304: 'bayesianProbitRegressor',
  400: 'glmClassifier',
  401: 'supportVectorClassifier',
  402: 'treeEnsembleClassifier',
  403: 'neuralNetworkClassifier',
  404: 'kNearestNeighborsClassifier',
  500: 'neuralNetwork',
  501: 'itemSimilarityRecommender',
  502: 'mlProgram',
  555: 'customModel',
  556: 'linkedModel',
  560: 'classConfidenceThresholding',
  600: 'oneHotEncoder',
  601: 'imputer',
  602: 'featureVectorizer',
  603: 'dictVectorizer',
  604: 'scaler',
  606: 'categoricalMapping',
  607: 'normalizer',
  609: 'arrayFeatureExtractor',
  610: 'nonMaximumSuppression',
  900: 'identity',
  2000: 'textClassifier',
  2001: 'wordTagger',
  2002: 'visionFeaturePrint',
  2003: 'soundAnalysisPreprocessing',
  2004: 'gazetteer',
  2005: 'wordEmbedding',
  2006: 'audioFeaturePrint',
  3000: 'serializedModel',
};

/**
 * A CoreML spec starts with specificationVersion (field 1, a small varint) and the model description (field 2),
 * whose first member is an input (field 1) or output (field 10) feature description starting with its name.
 */
export function sniffCoreml(h: Uint8Array): boolean {
  if (h.length < 8 || h[0] !== 0x08 || h[1] < 1 || h[1] > 12 || h[2] !== 0x12) return false;
  const dl = varintAt(h, 3);
  if (!dl || dl[0] < 4) return false;
  let i = dl[1];
  if (h[i] !== 0x0a && h[i] !== 0x52) return false;
  const fl = varintAt(h, i + 1);
  if (!fl) return false;
  // The FeatureDescription: name (1, printable), optional shortDescription (2, printable), type (3, a FeatureType
  // whose first field is one of its type cases 1-8, length-delimited).
  const end = Math.min(h.length, fl[1] + fl[0]);
  i = fl[1];
  let named = false;
  while (i < end) {
    const tag = h[i];
    const l = varintAt(h, i + 1);
    if (!l) return false;
    const body = h.subarray(l[1], Math.min(h.length, l[1] + l[0]));
    if (tag === 0x0a || tag === 0x12) {
      if (l[0] > 4096 || (l[0] > 0 && !printable(body))) return false;
      if (tag === 0x0a) named = l[0] > 0;
    } else if (tag === 0x1a) {
      const inner = body[0];
      return (
        named &&
        (l[0] === 0 || (inner !== undefined && (inner & 7) === 2 && inner >> 3 >= 1 && inner >> 3 <= 8))
      );
    } else return false;
    i = l[1] + l[0];
  }
  return false;
}

interface CoremlFindings {
  types: string[];
  custom: { kind: string; className: string; layer?: string }[];
  linked: { fileName: string; searchPath: string }[];
  layers: number;
}

async function walkCoremlModel(
  r: WindowReader,
  start: number,
  end: number,
  depth: number,
  out: CoremlFindings,
): Promise<void> {
  if (depth > MAX_NESTING) throw new ParseError(`models nested deeper than ${MAX_NESTING}`, start);
  for await (const f of pbFields(r, start, end)) {
    if (f.field >= 200 && COREML_TYPES[f.field] && out.types.length < 100)
      out.types.push(COREML_TYPES[f.field]);
    if (f.wire !== 2) continue;
    switch (f.field) {
      case 200:
      case 201:
        for await (const p of pbFields(r, f.pos, f.end))
          if (p.field === 1 && p.wire === 2) await walkPipeline(r, p, depth, out);
        break;
      case 202:
        await walkPipeline(r, f, depth, out);
        break;
      case 303:
      case 403:
      case 500:
        await walkNeuralNetwork(r, f, depth, out);
        break;
      case 555: {
        let className = '';
        for await (const c of pbFields(r, f.pos, f.end))
          if (c.field === 10) className = await pbString(r, c, 512);
        out.custom.push({ kind: 'customModel', className });
        break;
      }
      case 556: {
        for await (const lf of pbFields(r, f.pos, f.end)) {
          if (lf.field !== 1 || lf.wire !== 2) continue;
          const link = { fileName: '', searchPath: '' };
          for await (const p of pbFields(r, lf.pos, lf.end)) {
            if (p.wire !== 2 || (p.field !== 1 && p.field !== 2)) continue;
            let v = '';
            for await (const s of pbFields(r, p.pos, p.end))
              if (s.field === 1) v = await pbString(r, s, 1024);
            if (p.field === 1) link.fileName = v;
            else link.searchPath = v;
          }
          if (out.linked.length < 50) out.linked.push(link);
        }
        break;
      }
    }
  }
}

async function walkPipeline(r: WindowReader, f: PbField, depth: number, out: CoremlFindings): Promise<void> {
  for await (const m of pbFields(r, f.pos, f.end))
    if (m.field === 1 && m.wire === 2) await walkCoremlModel(r, m.pos, m.end, depth + 1, out);
}

async function walkNeuralNetwork(
  r: WindowReader,
  f: PbField,
  depth: number,
  out: CoremlFindings,
): Promise<void> {
  if (depth > MAX_NESTING) throw new ParseError(`networks nested deeper than ${MAX_NESTING}`, f.pos);
  for await (const layer of pbFields(r, f.pos, f.end)) {
    if (layer.field !== 1 || layer.wire !== 2) continue;
    out.layers++;
    let name = '';
    for await (const lf of pbFields(r, layer.pos, layer.end)) {
      if (lf.wire !== 2) continue;
      if (lf.field === 1) name = await pbString(r, lf, 256);
      else if (lf.field === 500) {
        let className = '';
        for await (const c of pbFields(r, lf.pos, lf.end))
          if (c.field === 10) className = await pbString(r, c, 512);
        if (out.custom.length < 200) out.custom.push({ kind: 'custom layer', className, layer: name });
      } else if (lf.field === 605 || lf.field === 615) {
        // branch (ifBranch = 1, elseBranch = 2) and loop (conditionNetwork = 3, bodyNetwork = 4) hold networks
        for await (const sub of pbFields(r, lf.pos, lf.end))
          if (sub.wire === 2 && (lf.field === 605 ? sub.field <= 2 : sub.field === 3 || sub.field === 4))
            await walkNeuralNetwork(r, sub, depth + 1, out);
      }
    }
  }
}

export const coremlScanner: FormatScanner = {
  id: 'coreml',
  version: '1',
  sniff(input: SniffInput): number {
    // Below the engine's strong-claim threshold: a protobuf this short a prefix never causes a polyglot report.
    return sniffCoreml(input.head) ? 35 : 0;
  },
  async scan(source: ByteSource, ctx: ScanContext): Promise<void> {
    ctx.addFormat('coreml');
    const r = new WindowReader(source);
    const out: CoremlFindings = { types: [], custom: [], linked: [], layers: 0 };
    try {
      await walkCoremlModel(r, 0, source.size, 0, out);
    } catch (err) {
      if (!(err instanceof ParseError)) throw err;
      ctx.report(FMT_MALFORMED, {
        message: `CoreML model could not be parsed: ${err.message}`,
        offset: err.offset,
      });
      return;
    }
    for (const c of out.custom)
      ctx.report(FMT_COREML_CUSTOM, {
        message:
          c.kind === 'customModel'
            ? `CoreML custom model implemented by native class ${JSON.stringify(c.className)}`
            : `CoreML custom layer ${JSON.stringify(c.layer ?? '')} implemented by native class ${JSON.stringify(c.className)}`,
        evidence: c,
      });
    for (const l of out.linked) {
      const escapes =
        /(?:^|[\\/])\.\.(?:[\\/]|$)/.test(l.fileName) || /^(?:[\\/]|[A-Za-z]:[\\/])/.test(l.fileName);
      ctx.report(FMT_EXTERNAL_REF, {
        message: `CoreML linked model loads ${JSON.stringify(l.fileName)}${l.searchPath ? ` (search path ${JSON.stringify(l.searchPath)})` : ''}`,
        severity: escapes ? 'high' : 'low',
        evidence: { ...l, escapes },
      });
    }
    ctx.addAnalysis(
      `coreml:${[...new Set(out.types)].join('+') || 'model'}${out.layers ? `, ${out.layers} layers` : ''}`,
    );
  },
};

// ---------------------------------------------------------------------------------------------------- PaddlePaddle

/** Operators that run Python callbacks, touch files or talk to the network. */
const PADDLE_HOST_OPS = new Map<string, string>([
  ['py_func', 'calls a Python function registered in the running process'],
  ['save', 'writes a file'],
  ['save_combine', 'writes a file'],
  ['load', 'reads a file'],
  ['load_combine', 'reads a file'],
  ['read_file', 'reads a file named at run time'],
  ['checkpoint_notify', 'sends checkpoint notifications over the network'],
  ['send', 'sends tensors over the network'],
  ['recv', 'receives tensors over the network'],
  ['send_barrier', 'network synchronisation'],
  ['fetch_barrier', 'network synchronisation'],
  ['listen_and_serv', 'opens a network server'],
  ['prefetch', 'fetches rows over the network'],
  ['distributed_lookup_table', 'fetches rows over the network'],
]);

/** ProgramDesc: blocks (field 1) → BlockDesc idx = 0 (field 1), parent_idx = -1 (field 2, ten-byte varint). */
export function sniffPaddle(h: Uint8Array): boolean {
  if (h.length < 16 || h[0] !== 0x0a) return false;
  const l = varintAt(h, 1);
  if (!l || l[0] < 12) return false;
  const i = l[1];
  if (h[i] !== 0x08 || h[i + 1] !== 0x00 || h[i + 2] !== 0x10) return false;
  for (let k = 0; k < 9; k++) if (h[i + 3 + k] !== 0xff) return false;
  return h[i + 12] === 0x01 && (h[i + 13] === 0x1a || h[i + 13] === 0x22 || h[i + 13] === 0x28);
}

export const paddleScanner: FormatScanner = {
  id: 'paddle',
  version: '1',
  sniff(input: SniffInput): number {
    return sniffPaddle(input.head) ? 50 : 0;
  },
  async scan(source: ByteSource, ctx: ScanContext): Promise<void> {
    ctx.addFormat('paddle-program');
    const r = new WindowReader(source);
    const opTypes = new Map<string, number>();
    const hostOps: { type: string; block: number; attrs: Record<string, string> }[] = [];
    let blocks = 0;
    try {
      for await (const b of pbFields(r, 0, source.size)) {
        if (b.field !== 1 || b.wire !== 2) continue;
        const block = blocks++;
        for await (const op of pbFields(r, b.pos, b.end)) {
          if (op.field !== 4 || op.wire !== 2) continue;
          ctx.checkDeadline();
          let type = '';
          const attrs: Record<string, string> = {};
          for await (const of of pbFields(r, op.pos, op.end)) {
            if (of.field === 3 && of.wire === 2) type = await pbString(r, of, 256);
            else if (of.field === 4 && of.wire === 2) {
              let name = '';
              let s: string | undefined;
              for await (const a of pbFields(r, of.pos, of.end)) {
                if (a.field === 1 && a.wire === 2) name = await pbString(r, a, 256);
                else if ((a.field === 5 || a.field === 8) && a.wire === 2 && s === undefined)
                  s = await pbString(r, a, 1024);
              }
              if (
                s !== undefined &&
                /path|file|endpoint|server/i.test(name) &&
                Object.keys(attrs).length < 20
              )
                attrs[name] = s;
            }
          }
          opTypes.set(type, (opTypes.get(type) ?? 0) + 1);
          if (PADDLE_HOST_OPS.has(type) && hostOps.length < 100) hostOps.push({ type, block, attrs });
        }
      }
    } catch (err) {
      if (!(err instanceof ParseError)) throw err;
      ctx.report(FMT_MALFORMED, {
        message: `PaddlePaddle program could not be parsed: ${err.message}`,
        offset: err.offset,
      });
      return;
    }
    for (const h of hostOps)
      ctx.report(FMT_PADDLE_OP, {
        message: `operator ${h.type} in block ${h.block} ${PADDLE_HOST_OPS.get(h.type)}${
          Object.keys(h.attrs).length
            ? ` (${Object.entries(h.attrs)
                .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
                .join(', ')})`
            : ''
        }`,
        evidence: h,
      });
    ctx.addAnalysis(
      `paddle-program:${blocks} blocks, ${[...opTypes.values()].reduce((a, b) => a + b, 0)} operators`,
    );
  },
};
