import { compressedScanner } from './formats/compressed-scanner.js';
import { ggufScanner } from './formats/gguf/gguf-scanner.js';
import { modelCardScanner } from './formats/hf/model-card-scanner.js';
import { pythonSourceScanner } from './formats/hf/python-scanner.js';
import { jinjaTemplateScanner } from './formats/jinja/template-scanner.js';
import { jsonScanner } from './formats/json/json-scanner.js';
import { kerasH5Scanner } from './formats/keras/h5-scanner.js';
import { numpyScanner } from './formats/numpy.js';
import { onnxScanner } from './formats/onnx/onnx-scanner.js';
import { otherFormatScanners } from './formats/other/identify.js';
import { safetensorsScanner } from './formats/safetensors/safetensors-scanner.js';
import { sevenZipScanner, tarScanner } from './formats/tar-7z-scanners.js';
import { savedModelScanner } from './formats/tensorflow/saved-model-scanner.js';
import { tfliteScanner } from './formats/tensorflow/tflite-scanner.js';
import { zipScanner } from './formats/zip-scanner.js';
import { pickleScanner } from './pickle/scanner.js';
import type { FormatScanner } from './types.js';

/** Every format scanner, chosen per file by content sniffing (highest score wins). */
export const SCANNERS: readonly FormatScanner[] = [
  zipScanner,
  sevenZipScanner,
  numpyScanner,
  compressedScanner,
  tarScanner,
  kerasH5Scanner,
  savedModelScanner,
  tfliteScanner,
  onnxScanner,
  ggufScanner,
  safetensorsScanner,
  jsonScanner,
  jinjaTemplateScanner,
  pythonSourceScanner,
  modelCardScanner,
  ...otherFormatScanners,
  pickleScanner,
];

/** Combined analyzer versions: a cache key for scan results. */
export const SCANNER_VERSION = SCANNERS.map((s) => `${s.id}@${s.version}`).join(',');
