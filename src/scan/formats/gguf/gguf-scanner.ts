// PLACEHOLDER: replaced by the gguf scanner (issue 2).
import type { FormatScanner } from '../../types.js';

export const ggufScanner: FormatScanner = {
  id: 'gguf',
  version: '0',
  sniff: () => 0,
  async scan() {},
};
