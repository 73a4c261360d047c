/**
 * The whole train-free check behind `bulwark fairness`: read the needed columns, get predictions (column or ONNX
 * model), compute every metric, turn thresholds into findings.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import path from 'node:path';
import { UsageError } from '../../core/errors.js';
import type { Cell, ReadTableOptions, Table, TableFormat } from '../data/table.js';
import { readTable } from '../data/table.js';
import {
  loadFeatureSpec,
  predictionsFromColumn,
  predictOnnx,
  type FeatureSpec,
  type Predictions,
} from '../predict/index.js';
import { fairnessFindings, type FairnessThresholds } from './findings.js';
import {
  assessFairness,
  defaultFavorable,
  knnFeaturesFromColumns,
  knnFeaturesFromSpec,
  type FairnessInput,
} from './index.js';
import { FAIRNESS_REPORT_SCHEMA, type FairnessReport } from './report.js';

export interface FairnessCheckOptions {
  data: string;
  sensitive: string[];
  label: string;
  /** Prediction column (labels, or scores with `threshold`). */
  prediction?: string;
  /** ONNX model; its feature spec is `features` or `<model without .onnx>.features.json`. */
  model?: string;
  features?: string;
  /** Score threshold for `prediction`, or the model's decision threshold (overrides the spec). */
  threshold?: number;
  favorable?: Cell;
  privileged?: Record<string, Cell[]>;
  unprivileged?: Record<string, Cell[]>;
  weights?: string;
  minGroupSize?: number;
  bootstrap?: { samples: number; seed: number; confidence?: number };
  /** k-NN consistency: over the model's spec features, or these columns. */
  consistency?: { columns?: string[]; k?: number; sample?: number; seed?: number };
  thresholds?: Partial<FairnessThresholds>;
  read?: Pick<ReadTableOptions, 'format' | 'delimiter' | 'maxRows' | 'signal'>;
  /** Shown as the data file in the report and findings (default: `data`). */
  displayName?: string;
  /** Shown as the model path in the report (default: `model`). */
  displayModel?: string;
  toolVersion?: string;
}

/** `<dir>/<name>.features.json` for `<dir>/<name>.onnx`. */
export function defaultSpecPath(model: string): string {
  return path.join(path.dirname(model), `${path.basename(model).replace(/\.onnx$/i, '')}.features.json`);
}

export async function fairnessCheck(o: FairnessCheckOptions): Promise<FairnessReport> {
  if ((o.prediction === undefined) === (o.model === undefined)) {
    throw new UsageError('give exactly one of --prediction COL and --model MODEL.onnx');
  }
  if (o.sensitive.length === 0) throw new UsageError('--sensitive needs at least one column');
  let spec: FeatureSpec | undefined;
  let specPath: string | undefined;
  if (o.model !== undefined) {
    specPath = o.features ?? defaultSpecPath(o.model);
    spec = await loadFeatureSpec(specPath);
  } else if (o.features !== undefined) {
    throw new UsageError('--features needs --model');
  }
  const wanted = new Set<string>([...o.sensitive, o.label]);
  if (o.prediction) wanted.add(o.prediction);
  if (o.weights) wanted.add(o.weights);
  if (spec) for (const f of spec.features) wanted.add(f.column);
  for (const c of o.consistency?.columns ?? []) wanted.add(c);

  const t0 = performance.now();
  const table: Table = await readTable(o.data, { ...o.read, columns: [...wanted] });
  const t1 = performance.now();
  let preds: Predictions;
  if (o.model !== undefined) {
    preds = await predictOnnx(o.model, table, { spec: spec!, threshold: o.threshold });
  } else {
    const labelValues = table.column(o.label);
    // Scores cut at a threshold become the favorable label (or 1/0 when no favorable value is known yet).
    const fav = o.favorable ?? defaultFavorable(labelValues);
    const other = labelValues.find((v) => v !== null && String(v) !== String(fav)) ?? 0;
    preds = predictionsFromColumn(table, o.prediction!, {
      threshold: o.threshold,
      positive: fav,
      negative: other,
    });
  }
  const t2 = performance.now();

  let weights: Float64Array | undefined;
  if (o.weights) {
    const col = table.column(o.weights);
    weights = new Float64Array(col.length);
    col.forEach((v, i) => {
      if (typeof v !== 'number')
        throw new UsageError(
          `weights column '${o.weights}' row ${i + 1} is not a number; fix the column or drop --weights`,
        );
      weights![i] = v;
    });
  }
  const input: FairnessInput = {
    labels: table.column(o.label),
    predictions: preds.labels,
    sensitive: o.sensitive.map((name) => ({ name, values: table.column(name) })),
    favorable: o.favorable,
    privileged: o.privileged,
    unprivileged: o.unprivileged,
    weights,
    minGroupSize: o.minGroupSize,
    bootstrap: o.bootstrap,
  };
  if (o.consistency) {
    const features = o.consistency.columns?.length
      ? knnFeaturesFromColumns(table, o.consistency.columns)
      : spec
        ? knnFeaturesFromSpec(table, spec)
        : undefined;
    if (!features)
      throw new UsageError('--consistency needs --model (its feature spec) or --consistency-features COLS');
    input.consistency = {
      features,
      k: o.consistency.k,
      sample: o.consistency.sample,
      seed: o.consistency.seed,
    };
  }
  const result = assessFairness(input);
  const display = o.displayName ?? o.data;
  const findings = fairnessFindings(result, display, o.thresholds);
  const t3 = performance.now();

  const format: TableFormat = table.source?.format ?? 'csv';
  let predictions: FairnessReport['input']['predictions'];
  if (preds.source.kind === 'onnx') {
    const sha256 = await sha256File(o.model!);
    predictions = {
      kind: 'onnx',
      model: o.displayModel ?? o.model!,
      sha256,
      features: specPath!,
      output: preds.source.output,
      threshold: preds.source.threshold,
    };
  } else {
    predictions = { kind: 'column', column: preds.source.column };
    if (preds.source.threshold !== undefined) predictions.threshold = preds.source.threshold;
  }
  const report: FairnessReport = {
    $schema: FAIRNESS_REPORT_SCHEMA,
    version: 1,
    tool: { name: 'bulwark', version: o.toolVersion ?? '0.0.0' },
    input: {
      file: display,
      format,
      rows: table.rowCount,
      label: o.label,
      favorable: result.favorable,
      predictions,
      sensitive: o.sensitive,
      ...(o.weights ? { weights: o.weights } : {}),
    },
    timings_ms: { read: round(t1 - t0), predict: round(t2 - t1), metrics: round(t3 - t2) },
    result,
    findings,
  };
  return report;
}

async function sha256File(file: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(file) as AsyncIterable<Buffer>) h.update(chunk);
  return h.digest('hex');
}

const round = (v: number): number => Math.round(v * 100) / 100;
