// PLACEHOLDER: replaced by the jinja-template scanner (issue 2).
import type { FormatScanner } from '../../types.js';

export const jinjaTemplateScanner: FormatScanner = {
  id: 'jinja-template',
  version: '0',
  sniff: () => 0,
  async scan() {},
};
