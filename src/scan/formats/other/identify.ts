import type { FormatScanner } from '../../types.js';
import { hydraYamlScanner } from './hydra-yaml-scanner.js';
import { identifiedFormatScanners } from './identified-formats.js';
import { msgpackScanner } from './msgpack-scanner.js';
import { coremlScanner, paddleScanner } from './protobuf-models.js';
import { rSerializedScanner } from './r-serialized.js';
import { xmlModelScanner } from './xml-scanner.js';

/**
 * Scanners for the other model families (docs/rules/formats.md): analysed when their loaders can run code or touch
 * the host (XML models, Hydra/NeMo configs, CoreML, PaddlePaddle, Flax msgpack, R serialized data), identified
 * otherwise (XGBoost, LightGBM, CatBoost, Torch7). JSON-based formats (XGBoost JSON, skops schema.json, TorchServe manifests) are
 * JSON analyzers: see ./json-analyzers.ts (otherJsonAnalyzers).
 */
export const otherFormatScanners: FormatScanner[] = [
  xmlModelScanner,
  hydraYamlScanner,
  coremlScanner,
  paddleScanner,
  msgpackScanner,
  rSerializedScanner,
  ...identifiedFormatScanners,
];
