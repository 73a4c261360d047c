// PLACEHOLDER: replaced by the onnx scanner (issue 2).
import type { FormatScanner } from '../../types.js';

export const onnxScanner: FormatScanner = {
  id: 'onnx',
  version: '0',
  sniff: () => 0,
  async scan() {},
};
