import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { allRules } from '../../src/core/rules.js';
import { ruleDocsPath } from '../../src/report/links.js';
import { ROOT } from './helpers.js';

beforeAll(async () => {
  // Importing the engine registers every scanner's rules.
  await import('../../src/all-rules.js');
});

describe('rule documentation', () => {
  it('every rule has a "## <ID>" section in docs/rules/<family>.md (the SARIF helpUri anchor)', () => {
    const missingPages = new Set<string>();
    const missingSections: string[] = [];
    for (const rule of allRules()) {
      const file = path.join(ROOT, ruleDocsPath(rule));
      if (!existsSync(file)) {
        missingPages.add(ruleDocsPath(rule));
        continue;
      }
      if (!new RegExp(`^#+ ${rule.id}\\s*$`, 'm').test(readFileSync(file, 'utf8')))
        missingSections.push(`${rule.id} in ${ruleDocsPath(rule)}`);
    }
    expect([...missingPages]).toEqual([]);
    expect(missingSections).toEqual([]);
  });

  it('every command has a page in docs/cli', async () => {
    const { COMMAND_MODULES } = await import('../../src/cli/commands/index.js');
    // `policy` is documented with `gate`.
    const pageOf: Record<string, string> = { policy: 'gate' };
    for (const name of ['scan', 'rules', ...COMMAND_MODULES.flatMap((m) => m.names)])
      expect(existsSync(path.join(ROOT, 'docs', 'cli', `${pageOf[name] ?? name}.md`)), name).toBe(true);
  });

  it('the docs the README and CLI point at exist', () => {
    for (const doc of [
      'docs/exit-codes.md',
      'docs/output-formats.md',
      'docs/configuration.md',
      'docs/errors.md',
      'docs/compatibility.md',
      'docs/architecture.md',
      'docs/cli/scan.md',
      'docs/cli/rules.md',
      'docs/schema/scan-report.schema.json',
    ])
      expect(existsSync(path.join(ROOT, doc)), doc).toBe(true);
  });
});
