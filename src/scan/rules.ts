import { defineRule, defineRuleFamily } from '../core/rules.js';

defineRuleFamily('general', `Rules that apply to every file, whatever its format.`);

const SUPPLY_CHAIN = { atlas: ['AML.T0010.003'], owaspMl: ['ML06'] };

export const GEN_ANALYSIS_ERROR = defineRule({
  id: 'BW-GEN-001',
  name: 'analysis-error',
  family: 'general',
  title: 'An analysis could not complete',
  description:
    'A format analyser failed on this content (malformed structure, unsupported variant, read error). What was found before the failure is reported; the file is inconclusive, never clean.',
  severity: 'medium',
  impact: 'inconclusive',
  confidence: 'high',
  remediation:
    'Check that the file is complete and in a supported format; report a bug if it is a valid file.',
  references: SUPPLY_CHAIN,
});

export const GEN_LIMIT = defineRule({
  id: 'BW-GEN-002',
  name: 'resource-limit',
  family: 'general',
  title: 'Scan stopped at a resource limit',
  description:
    'A bound was reached (container nesting depth, decompressed size, compression ratio, member count, time). The content beyond the limit was not analysed, so the file is inconclusive.',
  severity: 'medium',
  impact: 'inconclusive',
  confidence: 'high',
  remediation: 'Raise scan.limits in bulwark.yaml if the file is legitimately this large or deep.',
  references: SUPPLY_CHAIN,
});

export const GEN_UNREADABLE = defineRule({
  id: 'BW-GEN-003',
  name: 'unreadable-file',
  family: 'general',
  title: 'File could not be read',
  description: 'The file could not be opened or read (permissions, I/O error, vanished during the scan).',
  severity: 'medium',
  impact: 'inconclusive',
  confidence: 'high',
  remediation: 'Fix the permissions or path and scan again.',
  references: {},
});

export const GEN_POLYGLOT = defineRule({
  id: 'BW-GEN-005',
  name: 'polyglot',
  family: 'general',
  title: 'Content is valid as two formats at once (polyglot)',
  description:
    'The same bytes are recognised by two format analysers (e.g. a pickle at the start and a ZIP found by its end record). Different loaders pick different interpretations — pickle.load reads from the start, torch.load and zipfile look for the end record — which is how payloads hide from tools that check only one. Every interpretation was analysed.',
  severity: 'medium',
  impact: 'suspicious',
  confidence: 'high',
  remediation: 'Do not load this file; legitimate writers never produce polyglots.',
  references: { atlas: ['AML.T0010.003'], owaspMl: ['ML06'] },
});
