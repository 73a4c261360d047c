/**
 * Predictions for fairness checks: from a column of the data (labels, or scores with a threshold) or by running a
 * binary classifier in ONNX format through onnxruntime-node.
 *
 * ONNX models take ONE float32 input of shape [N, F]. The F features come from a feature spec (JSON, next to the
 * model as `<model>.features.json` by default): its `features` list, in order, maps data columns to input columns:
 * `numeric` → (x − mean) / std (one input column), `onehot` → one input column per category (1 for the row's
 * category, 0 for the others; unknown or missing values give all zeros). See docs/fairness.md.
 */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { BulwarkError, UsageError } from '../../core/errors.js';
import type { Cell, Table } from '../data/table.js';

/** Predictions as class labels, plus the positive-class score where the source has one. */
export interface Predictions {
  /** The predicted class label of each row (a value comparable with the label column's values). */
  labels: Cell[];
  /** P(positive class) or the score column, where available. */
  scores?: Float64Array;
  /** Where the predictions came from. */
  source:
    | { kind: 'column'; column: string; threshold?: number }
    | { kind: 'onnx'; model: string; output: string; threshold: number };
  /** Milliseconds spent (ONNX: session creation + inference). */
  ms?: number;
}

export interface ColumnPredictionOptions {
  /** Scores at or above this become `positive`, the others `negative`. Without it the column holds labels. */
  threshold?: number;
  /** Label given to scores >= threshold (default 1). */
  positive?: Cell;
  /** Label given to scores < threshold (default 0). */
  negative?: Cell;
}

/** Predictions taken from a column: its values as labels, or numeric scores cut at `threshold`. */
export function predictionsFromColumn(
  table: Table,
  column: string,
  opts: ColumnPredictionOptions = {},
): Predictions {
  const values = table.column(column);
  if (opts.threshold === undefined) return { labels: values, source: { kind: 'column', column } };
  const t = opts.threshold;
  if (!Number.isFinite(t)) throw new UsageError(`threshold must be a number, got ${t}`);
  const pos = opts.positive ?? 1;
  const neg = opts.negative ?? 0;
  const scores = new Float64Array(values.length);
  const labels: Cell[] = new Array<Cell>(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v !== 'number') {
      throw new UsageError(
        `prediction column '${column}' row ${i + 1} is ${v === null ? 'empty' : `not a number (${typeof v})`}; a --threshold needs numeric scores in every row`,
      );
    }
    scores[i] = v;
    labels[i] = v >= t ? pos : neg;
  }
  return { labels, scores, source: { kind: 'column', column, threshold: t } };
}

// ---------------------------------------------------------------------------------------------------------------
// Feature spec

export interface NumericFeature {
  column: string;
  type: 'numeric';
  mean?: number;
  std?: number;
  /** Value used for a missing cell (default: mean, i.e. 0 after standardising). */
  fill?: number;
}
export interface OneHotFeature {
  column: string;
  type: 'onehot';
  categories: Array<string | number | boolean>;
}
export type FeatureSpecEntry = NumericFeature | OneHotFeature;

export interface FeatureSpec {
  version: 1;
  /** Model input name (default: the model's only input). */
  input?: string;
  features: FeatureSpecEntry[];
  output?: {
    /** Output tensor to read (default: `probabilities`, else the first float output). */
    name?: string;
    /** `probabilities` [N,C] or [N]; `logits` [N,C] (softmax) or [N,1]/[N] (sigmoid); `label` [N] class indices/labels. */
    kind?: 'probabilities' | 'logits' | 'label';
  };
  /** Class label of each output index (default: 0..C−1). */
  classes?: Cell[];
  /** The class whose probability is compared with `threshold` (default: the last class). */
  positiveClass?: Cell;
  /** Decision threshold on P(positiveClass) (default 0.5). */
  threshold?: number;
}

const MAX_SPEC_BYTES = 4 * 1024 * 1024;
const MAX_WIDTH = 100_000;

/** Reads and validates a feature spec file. */
export async function loadFeatureSpec(file: string): Promise<FeatureSpec> {
  let text: string;
  try {
    const st = await stat(file);
    if (st.size > MAX_SPEC_BYTES)
      throw new UsageError(`feature spec ${file} is larger than 4 MiB; is it the right file?`);
    text = await readFile(file, 'utf8');
  } catch (err) {
    if (err instanceof BulwarkError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new UsageError(
        `feature spec ${file} not found; pass --features SPEC.json (see docs/fairness.md)`,
      );
    }
    throw new UsageError(`cannot read feature spec ${file} (${code ?? String(err)})`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new UsageError(`feature spec ${file} is not valid JSON; fix the file (see docs/fairness.md)`);
  }
  return validateFeatureSpec(raw, path.basename(file));
}

export function validateFeatureSpec(raw: unknown, name = 'feature spec'): FeatureSpec {
  const bad = (what: string): never => {
    throw new UsageError(`${name}: ${what}; see docs/fairness.md for the feature spec format`);
  };
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) bad('must be a JSON object');
  const o = raw as Record<string, unknown>;
  if (o.version !== 1) bad('version must be 1');
  if (!Array.isArray(o.features) || o.features.length === 0) bad('features must be a non-empty array');
  let width = 0;
  (o.features as unknown[]).forEach((f, i) => {
    if (!f || typeof f !== 'object') bad(`features[${i}] must be an object`);
    const e = f as Record<string, unknown>;
    if (typeof e.column !== 'string' || !e.column) bad(`features[${i}].column must be a column name`);
    if (e.type === 'numeric') {
      for (const k of ['mean', 'std', 'fill'] as const) {
        if (e[k] !== undefined && (typeof e[k] !== 'number' || !Number.isFinite(e[k])))
          bad(`features[${i}].${k} must be a number`);
      }
      if (e.std === 0) bad(`features[${i}].std must not be 0`);
      width += 1;
    } else if (e.type === 'onehot') {
      if (!Array.isArray(e.categories) || e.categories.length === 0)
        bad(`features[${i}].categories must be a non-empty array`);
      for (const c of e.categories as unknown[]) {
        if (!['string', 'number', 'boolean'].includes(typeof c))
          bad(`features[${i}].categories must hold strings, numbers or booleans`);
      }
      width += (e.categories as unknown[]).length;
    } else bad(`features[${i}].type must be 'numeric' or 'onehot'`);
  });
  if (width > MAX_WIDTH) bad(`more than ${MAX_WIDTH} input columns`);
  if (
    o.threshold !== undefined &&
    (typeof o.threshold !== 'number' || !(o.threshold >= 0 && o.threshold <= 1))
  ) {
    bad('threshold must be a number in [0, 1]');
  }
  if (o.classes !== undefined && !Array.isArray(o.classes)) bad('classes must be an array');
  const out = o.output as Record<string, unknown> | undefined;
  if (out !== undefined) {
    if (typeof out !== 'object' || out === null) bad('output must be an object');
    if (out.kind !== undefined && !['probabilities', 'logits', 'label'].includes(out.kind as string)) {
      bad("output.kind must be 'probabilities', 'logits' or 'label'");
    }
    if (out.name !== undefined && typeof out.name !== 'string') bad('output.name must be a string');
  }
  return o as unknown as FeatureSpec;
}

/** Number of model input columns the spec produces. */
export function featureWidth(spec: FeatureSpec): number {
  let w = 0;
  for (const f of spec.features) w += f.type === 'numeric' ? 1 : f.categories.length;
  return w;
}

/** Encodes the table into a row-major float32 matrix [rowCount, featureWidth(spec)]. */
export function encodeFeatures(table: Table, spec: FeatureSpec): Float32Array {
  const n = table.rowCount;
  const width = featureWidth(spec);
  const x = new Float32Array(n * width);
  let j = 0;
  for (const f of spec.features) {
    const col = table.column(f.column);
    if (f.type === 'numeric') {
      const mean = f.mean ?? 0;
      const std = f.std ?? 1;
      const fill = f.fill ?? mean;
      for (let i = 0; i < n; i++) {
        const v = col[i];
        let num: number;
        if (typeof v === 'number') num = v;
        else if (v === null) num = fill;
        else if (typeof v === 'boolean') num = v ? 1 : 0;
        else {
          throw new UsageError(
            `feature column '${f.column}' row ${i + 1} is not a number; mark it "type": "onehot" in the feature spec or fix the data`,
          );
        }
        x[i * width + j] = (num - mean) / std;
      }
      j += 1;
    } else {
      const index = new Map<Cell, number>();
      f.categories.forEach((c, k) => {
        index.set(c, k);
        // CSV readers type whole columns: let "1" in the spec match 1 in the data and vice versa.
        if (typeof c === 'number') index.set(String(c), k);
      });
      for (let i = 0; i < n; i++) {
        const v = col[i];
        const k =
          v === null
            ? undefined
            : (index.get(v) ?? (typeof v === 'number' ? index.get(String(v)) : undefined));
        if (k !== undefined) x[i * width + j + k] = 1;
      }
      j += f.categories.length;
    }
  }
  return x;
}

// ---------------------------------------------------------------------------------------------------------------
// ONNX

export interface OnnxPredictOptions {
  spec: FeatureSpec;
  /** Rows per inference call (default 4096). */
  batchSize?: number;
  /** Overrides spec.threshold. */
  threshold?: number;
  /** ORT intra-op threads (default 1). */
  threads?: number;
}

type Ort = typeof import('onnxruntime-node');
type OrtSession = import('onnxruntime-node').InferenceSession;
type OrtTensor = import('onnxruntime-node').Tensor;

let ortPromise: Promise<Ort> | undefined;
async function loadOrt(): Promise<Ort> {
  ortPromise ??= import('onnxruntime-node').catch((err: unknown) => {
    ortPromise = undefined;
    throw new BulwarkError(
      'E_UNSUPPORTED',
      `onnxruntime-node could not be loaded (${(err as Error).message}); reinstall with onnxruntime-node-install=skip in .npmrc`,
    );
  });
  return ortPromise;
}

/** Opens an ONNX model and checks it has one float input [N, F] with F matching the spec. Exported for tests. */
export async function openOnnxClassifier(
  model: string,
  spec: FeatureSpec,
  threads = 1,
): Promise<{ session: OrtSession; input: string; outputs: string[] }> {
  const ort = await loadOrt();
  const name = path.basename(model);
  try {
    const st = await stat(model);
    if (!st.isFile()) throw new UsageError(`${model} is not a file; pass an .onnx model`);
  } catch (err) {
    if (err instanceof BulwarkError) throw err;
    throw new UsageError(`model ${model} not found; check --model`);
  }
  let session: OrtSession;
  try {
    session = await ort.InferenceSession.create(model, {
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      executionProviders: ['cpu'],
      graphOptimizationLevel: 'all',
    });
  } catch (err) {
    throw new BulwarkError(
      'E_UNSUPPORTED',
      `${name}: onnxruntime cannot load the model (${oneLine(err)}); check it is a valid ONNX model`,
    );
  }
  const inputs = session.inputMetadata;
  if (inputs.length !== 1) {
    await session.release();
    throw new BulwarkError(
      'E_UNSUPPORTED',
      `${name}: the model has ${inputs.length} inputs (${session.inputNames.join(', ')}); only models with one float tensor input [N, F] are supported`,
    );
  }
  const meta = inputs[0] as import('onnxruntime-node').InferenceSession.ValueMetadata;
  if (!meta.isTensor || meta.type !== 'float32') {
    await session.release();
    const t = meta.isTensor ? `${meta.type} tensor` : 'non-tensor value';
    throw new BulwarkError(
      'E_UNSUPPORTED',
      `${name}: input '${meta.name}' is a ${t}; only a float32 tensor [N, F] is supported (encode strings with a feature spec)`,
    );
  }
  if (spec.input !== undefined && spec.input !== meta.name) {
    await session.release();
    throw new UsageError(
      `${name}: the feature spec names input '${spec.input}' but the model's input is '${meta.name}'`,
    );
  }
  const width = featureWidth(spec);
  const shape = meta.shape;
  const last = shape.length ? shape[shape.length - 1] : undefined;
  if (
    shape.length !== 2 ||
    (typeof last === 'number' && last !== width) ||
    (typeof shape[0] === 'number' && shape[0] > 0)
  ) {
    await session.release();
    throw new BulwarkError(
      'E_UNSUPPORTED',
      `${name}: input '${meta.name}' has shape [${shape.join(', ')}] but the feature spec produces [N, ${width}]; the model needs a dynamic batch axis and ${width} features`,
    );
  }
  return { session, input: meta.name, outputs: [...session.outputNames] };
}

function oneLine(err: unknown): string {
  return String(err instanceof Error ? err.message : err)
    .split('\n')[0]!
    .slice(0, 300);
}

/** Runs a binary (or multi-class) ONNX classifier over the table in batches and returns class labels and scores. */
export async function predictOnnx(
  model: string,
  table: Table,
  opts: OnnxPredictOptions,
): Promise<Predictions> {
  const t0 = performance.now();
  const ort = await loadOrt();
  const spec = opts.spec;
  const name = path.basename(model);
  const threshold = opts.threshold ?? spec.threshold ?? 0.5;
  const batch = Math.max(1, Math.min(opts.batchSize ?? 4096, 1 << 20));
  const x = encodeFeatures(table, spec);
  const width = featureWidth(spec);
  const { session, input, outputs } = await openOnnxClassifier(model, spec, opts.threads ?? 1);
  try {
    const wanted = spec.output?.name;
    if (wanted !== undefined && !outputs.includes(wanted)) {
      throw new UsageError(
        `${name}: no output '${wanted}' (outputs: ${outputs.join(', ')}); fix output.name in the feature spec`,
      );
    }
    const n = table.rowCount;
    const labels: Cell[] = new Array<Cell>(n);
    const scores = new Float64Array(n);
    let outName = '';
    let kind: 'probabilities' | 'logits' | 'label' | undefined = spec.output?.kind;
    for (let start = 0; start < n; start += batch) {
      const end = Math.min(n, start + batch);
      const feed = new ort.Tensor('float32', x.subarray(start * width, end * width), [end - start, width]);
      let res: Record<string, OrtTensor>;
      try {
        res = (await session.run({ [input]: feed })) as Record<string, OrtTensor>;
      } catch (err) {
        throw new BulwarkError(
          'E_UNSUPPORTED',
          `${name}: inference failed (${oneLine(err)}); check the feature spec matches the model`,
        );
      }
      if (!outName) {
        ({ outName, kind } = pickOutput(name, res, wanted, kind));
      }
      decode(
        name,
        res[outName] as OrtTensor,
        kind as 'probabilities' | 'logits' | 'label',
        spec,
        threshold,
        start,
        end,
        labels,
        scores,
      );
    }
    return {
      labels,
      scores: kind === 'label' ? undefined : scores,
      source: { kind: 'onnx', model, output: outName, threshold },
      ms: performance.now() - t0,
    };
  } finally {
    await session.release();
  }
}

function pickOutput(
  name: string,
  res: Record<string, OrtTensor>,
  wanted: string | undefined,
  kind: 'probabilities' | 'logits' | 'label' | undefined,
): { outName: string; kind: 'probabilities' | 'logits' | 'label' } {
  const isTensor = (v: unknown): v is OrtTensor => !!v && typeof v === 'object' && 'dims' in v && 'type' in v;
  const names = Object.keys(res);
  let outName = wanted;
  if (!outName) {
    // sklearn-style (skl2onnx): label + probabilities; torch-style: one float output of logits.
    if (isTensor(res.probabilities) && res.probabilities.type === 'float32') outName = 'probabilities';
    else outName = names.find((k) => isTensor(res[k]) && (res[k] as OrtTensor).type === 'float32');
    if (!outName) outName = names.find((k) => isTensor(res[k]));
  }
  const t = outName ? res[outName] : undefined;
  if (!outName || !isTensor(t)) {
    throw new BulwarkError(
      'E_UNSUPPORTED',
      `${name}: no tensor output to read (outputs: ${names.join(', ')}); sklearn models must be exported with zipmap=False`,
    );
  }
  if (!kind) {
    if (t.type !== 'float32' && t.type !== 'float64') kind = 'label';
    else if (outName === 'probabilities' || outName.toLowerCase().includes('prob')) kind = 'probabilities';
    else kind = 'logits';
  }
  return { outName, kind };
}

function decode(
  name: string,
  t: OrtTensor,
  kind: 'probabilities' | 'logits' | 'label',
  spec: FeatureSpec,
  threshold: number,
  start: number,
  end: number,
  labels: Cell[],
  scores: Float64Array,
): void {
  const rows = end - start;
  const dims = t.dims;
  const data = t.data as ArrayLike<number | bigint | string>;
  const classes = spec.classes;
  const classLabel = (k: number): Cell => (classes ? (classes[k] ?? k) : k);
  if (kind === 'label') {
    if (dims[0] !== rows || data.length !== rows) {
      throw new BulwarkError(
        'E_UNSUPPORTED',
        `${name}: label output has shape [${dims.join(', ')}], expected [${rows}]`,
      );
    }
    for (let i = 0; i < rows; i++) {
      const v = data[i];
      const k = typeof v === 'bigint' ? Number(v) : v;
      labels[start + i] = typeof k === 'number' && classes ? classLabel(k) : (k as Cell);
    }
    return;
  }
  const c = dims.length === 1 ? 1 : dims.length === 2 ? dims[1]! : -1;
  if (dims[0] !== rows || c < 1 || data.length !== rows * c) {
    throw new BulwarkError(
      'E_UNSUPPORTED',
      `${name}: output has shape [${dims.join(', ')}]; expected [${rows}, C] or [${rows}]`,
    );
  }
  const nClasses = Math.max(c, 2);
  let pos = nClasses - 1;
  if (spec.positiveClass !== undefined) {
    const k = classes
      ? classes.indexOf(spec.positiveClass)
      : typeof spec.positiveClass === 'number'
        ? spec.positiveClass
        : -1;
    if (k < 0 || k >= nClasses)
      throw new UsageError(
        `${name}: positiveClass ${JSON.stringify(spec.positiveClass)} is not one of the model's classes`,
      );
    pos = k;
  }
  for (let i = 0; i < rows; i++) {
    let p: number;
    if (c === 1) {
      const z = Number(data[i]);
      const p1 = kind === 'logits' ? 1 / (1 + Math.exp(-z)) : z;
      p = pos === 1 ? p1 : 1 - p1;
    } else if (kind === 'logits') {
      let max = -Infinity;
      for (let k = 0; k < c; k++) max = Math.max(max, Number(data[i * c + k]));
      let sum = 0;
      for (let k = 0; k < c; k++) sum += Math.exp(Number(data[i * c + k]) - max);
      p = Math.exp(Number(data[i * c + pos]) - max) / sum;
    } else p = Number(data[i * c + pos]);
    scores[start + i] = p;
    if (nClasses === 2) labels[start + i] = classLabel(p >= threshold ? pos : 1 - pos);
    else {
      // Multi-class: the arg-max class.
      let best = 0;
      for (let k = 1; k < c; k++) if (Number(data[i * c + k]) > Number(data[i * c + best])) best = k;
      labels[start + i] = classLabel(best);
    }
  }
}
