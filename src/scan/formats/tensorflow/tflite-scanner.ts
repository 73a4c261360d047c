// PLACEHOLDER: replaced by the tflite scanner (issue 2).
import type { FormatScanner } from '../../types.js';

export const tfliteScanner: FormatScanner = {
  id: 'tflite',
  version: '0',
  sniff: () => 0,
  async scan() {},
};
