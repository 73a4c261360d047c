import path from 'node:path';
import { LimitError, ParseError } from '../../../core/errors.js';
import type { ByteSource } from '../../source.js';
import type { FormatScanner, ScanContext, SniffInput } from '../../types.js';
import { analyzeKerasConfig } from '../keras/config-analyzer.js';
import { ProtoReader, WIRE_LEN, type ProtoField } from '../protobuf/wire.js';
import { detectTf, type TfKind } from './detect.js';
import { GraphCollector } from './graph-walk.js';
import { reportGraph } from './graph-report.js';
import { TF_MALFORMED } from './rules.js';
import { textGraphKind, walkTextGraph } from './text-graph.js';

/** Largest text-format graph parsed (`saved_model.pbtxt`). */
const MAX_TEXT_GRAPH = 256 * 1024 * 1024;
/** Largest Keras metadata document parsed (a model config; real ones are far smaller). */
const MAX_KERAS_JSON = 64 * 1024 * 1024;
/** LevelDB/TensorFlow table magic number 0xdb4775248b80fb57, little endian, in the last 8 bytes of an SSTable. */
const TABLE_MAGIC = [0x57, 0xfb, 0x80, 0x8b, 0x24, 0x75, 0x47, 0xdb];

const FORMAT: Record<TfKind, string> = {
  'saved-model': 'tf-savedmodel',
  'meta-graph': 'tf-metagraph',
  'graph-def': 'tf-graphdef',
  'keras-metadata': 'keras-metadata',
  fingerprint: 'tf-fingerprint',
  'bundle-index': 'tf-tensorbundle-index',
  'bundle-data': 'tf-tensorbundle-data',
};

function contentName(ctx: ScanContext): string {
  return ctx.location.inner?.at(-1) ?? path.basename(ctx.location.file);
}

function reader(source: ByteSource, ctx: ScanContext): ProtoReader {
  return new ProtoReader(source, { onProgress: () => ctx.checkDeadline() });
}

/** Reports a parse error as a malformed-file finding; other errors propagate to the engine. */
function malformed(ctx: ScanContext, what: string, err: unknown): void {
  if (err instanceof ParseError) {
    ctx.report(TF_MALFORMED, {
      message: `${what} is malformed: ${err.message}; the rest of the file was not analysed`,
      offset: err.offset,
      evidence: { error: err.message },
    });
    return;
  }
  throw err;
}

async function scanGraphFile(source: ByteSource, ctx: ScanContext, kind: TfKind): Promise<void> {
  const r = reader(source, ctx);
  const gc = new GraphCollector(r);
  const what = kind === 'saved-model' ? 'SavedModel' : kind === 'meta-graph' ? 'MetaGraphDef' : 'GraphDef';
  let failure: unknown;
  try {
    if (kind === 'saved-model') await gc.savedModel(0, source.size);
    else if (kind === 'meta-graph') await gc.metaGraph({ offset: 0, end: source.size }, 0, 'meta_graph');
    else await gc.graphDef({ offset: 0, end: source.size }, 0, gc.newScope('graph', 'graph'));
  } catch (err) {
    failure = err;
  }
  // Whatever was collected is reported, also when the walk stopped early.
  reportGraph(ctx, gc, what);
  for (const m of gc.kerasMetadata)
    await analyzeKerasJson(ctx, m.json, `${contentName(ctx)} (object graph ${m.identifier})`);
  if (failure !== undefined) {
    if (failure instanceof LimitError) throw failure;
    malformed(ctx, what, failure);
    return;
  }
  ctx.addAnalysis(`tf-graph:${gc.graphs} graphs, ${gc.functions} functions, ${gc.nodes} nodes`);
}

/** Text-format SavedModel / MetaGraphDef / GraphDef (`.pbtxt`), which TensorFlow loads like the binary form. */
async function scanTextGraph(source: ByteSource, ctx: ScanContext, kind: string): Promise<void> {
  const what = `${kind === 'saved-model' ? 'SavedModel' : kind === 'meta-graph' ? 'MetaGraphDef' : 'GraphDef'} (text format)`;
  if (source.size > MAX_TEXT_GRAPH)
    throw new LimitError(
      'pbtxtBytes',
      `text-format graph of ${source.size} bytes is larger than ${MAX_TEXT_GRAPH}`,
    );
  const text = Buffer.from(await source.read(0, source.size)).toString('utf8');
  const gc = new GraphCollector(reader(source, ctx));
  let failure: unknown;
  try {
    walkTextGraph(text, gc);
  } catch (err) {
    failure = err;
  }
  reportGraph(ctx, gc, what);
  if (failure !== undefined) {
    malformed(ctx, what, failure);
    return;
  }
  ctx.addAnalysis(`tf-graph-text:${gc.graphs} graphs, ${gc.functions} functions, ${gc.nodes} nodes`);
}

async function analyzeKerasJson(ctx: ScanContext, json: string, source: string): Promise<void> {
  let doc: unknown;
  try {
    doc = JSON.parse(json);
  } catch (err) {
    ctx.report(TF_MALFORMED, {
      message: `Keras metadata of ${source} is not valid JSON (${(err as Error).message}); Keras cannot load it and it was not analysed`,
      severity: 'low',
      evidence: { source },
    });
    return;
  }
  await analyzeKerasConfig(doc, ctx, { source });
}

/** keras_metadata.pb: SavedMetadata { 1: repeated SavedObject { 3: node_path, 4: identifier, 5: metadata } }. */
async function scanKerasMetadata(source: ByteSource, ctx: ScanContext): Promise<void> {
  const r = reader(source, ctx);
  const docs: { path: string; identifier: string; json: string }[] = [];
  let total = 0;
  let failure: unknown;
  try {
    await r.walk(0, source.size, 0, (n) => {
      if (n.no !== 1 || n.wire !== WIRE_LEN) return undefined;
      let nodePath = '';
      let identifier = '';
      let meta: ProtoField | undefined;
      return r
        .message(n, 0, (f) => {
          if (f.wire !== WIRE_LEN) return undefined;
          if (f.no === 3) return r.withString(f, 1024, (v) => (nodePath = v));
          if (f.no === 4) return r.withString(f, 256, (v) => (identifier = v));
          if (f.no === 5) meta = f;
          return undefined;
        })
        .then(async () => {
          if (!meta || meta.length === 0) return;
          total += meta.length;
          if (total > MAX_KERAS_JSON)
            throw new LimitError(
              'kerasMetadata',
              `keras_metadata.pb holds more than ${MAX_KERAS_JSON} bytes of JSON`,
            );
          docs.push({ path: nodePath, identifier, json: await r.string(meta, meta.length) });
        });
    });
  } catch (err) {
    failure = err;
  }
  const name = contentName(ctx);
  for (const d of docs) await analyzeKerasJson(ctx, d.json, `${name}:${d.path || d.identifier || '?'}`);
  if (failure !== undefined) {
    if (failure instanceof LimitError) throw failure;
    malformed(ctx, 'keras_metadata.pb', failure);
    return;
  }
  ctx.addAnalysis(`keras-metadata:${docs.length} objects`);
}

async function scanBundleIndex(source: ByteSource, ctx: ScanContext): Promise<void> {
  const tail = await source.read(source.size - 8, 8);
  if (!TABLE_MAGIC.every((b, i) => tail[i] === b)) {
    ctx.report(TF_MALFORMED, {
      message:
        'TensorBundle index (variables.index) does not end with the table magic number: truncated or not an index',
      offset: source.size - 8,
    });
    return;
  }
  ctx.addAnalysis('tensorbundle-index: SSTable of tensor locations (holds no code)');
}

async function scanFingerprint(source: ByteSource, ctx: ScanContext): Promise<void> {
  const r = reader(source, ctx);
  try {
    await r.walk(0, source.size, 0, () => undefined);
  } catch (err) {
    malformed(ctx, 'fingerprint.pb', err);
    return;
  }
  ctx.addAnalysis('tf-fingerprint: hashes only');
}

/**
 * TensorFlow SavedModel and graph files: `saved_model.pb`, frozen GraphDef `.pb`, TF1 `.meta` MetaGraphDef,
 * `keras_metadata.pb`, `fingerprint.pb` and TensorBundle variables (`variables.index`, `variables.data-*`).
 */
export const savedModelScanner: FormatScanner = {
  id: 'tf-savedmodel',
  version: '1',
  sniff(input: SniffInput): number {
    const d = detectTf(input.head, input.size, input.name);
    if (d) return d.score;
    return textGraphKind(input.head) ? 60 : 0;
  },
  async scan(source: ByteSource, ctx: ScanContext): Promise<void> {
    const head = await source.read(0, Math.min(source.size, 4096));
    const d = detectTf(head, source.size, contentName(ctx));
    if (!d) {
      const text = textGraphKind(head);
      if (text) {
        ctx.addFormat(`${FORMAT[text]}-text`);
        return scanTextGraph(source, ctx, text);
      }
      ctx.report(TF_MALFORMED, { message: 'content is not a recognisable TensorFlow protobuf file' });
      return;
    }
    ctx.addFormat(FORMAT[d.kind]);
    switch (d.kind) {
      case 'saved-model':
      case 'meta-graph':
      case 'graph-def':
        return scanGraphFile(source, ctx, d.kind);
      case 'keras-metadata':
        return scanKerasMetadata(source, ctx);
      case 'bundle-index':
        return scanBundleIndex(source, ctx);
      case 'fingerprint':
        return scanFingerprint(source, ctx);
      case 'bundle-data':
        ctx.addAnalysis('tensorbundle-data: raw tensor bytes, read by offset from the index (holds no code)');
        return;
    }
  },
};
