// PLACEHOLDER: replaced by the tf-savedmodel scanner (issue 2).
import type { FormatScanner } from '../../types.js';

export const savedModelScanner: FormatScanner = {
  id: 'tf-savedmodel',
  version: '0',
  sniff: () => 0,
  async scan() {},
};
