// PLACEHOLDER: replaced by the keras-h5 scanner (issue 2).
import type { FormatScanner } from '../../types.js';

export const kerasH5Scanner: FormatScanner = {
  id: 'keras-h5',
  version: '0',
  sniff: () => 0,
  async scan() {},
};
