// PLACEHOLDER: replaced by the model-card scanner (issue 2).
import type { FormatScanner } from '../../types.js';

export const modelCardScanner: FormatScanner = {
  id: 'model-card',
  version: '0',
  sniff: () => 0,
  async scan() {},
};
