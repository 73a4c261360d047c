// PLACEHOLDER: replaced by the python-source scanner (issue 2).
import type { FormatScanner } from '../../types.js';

export const pythonSourceScanner: FormatScanner = {
  id: 'python-source',
  version: '0',
  sniff: () => 0,
  async scan() {},
};
