import { existsSync } from 'node:fs';
import { copyFile, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../src/cli/program.js';
import { readTable } from '../../src/trust/data/table.js';
import { loadFeatureSpec, predictOnnx } from '../../src/trust/predict/index.js';
import { rocAuc } from '../../src/trust/privacy/membership.js';
import { fakeIo } from '../cli/fakes.js';
import { ensureBuilt, ROOT, runCli as runBuilt } from '../cli/helpers.js';

const FIX = path.join(ROOT, 'fixtures', 'trust', 'privacy');
const ADULT = path.resolve(ROOT, '..', 'shared', 'data', 'adult', 'data');
const ONE_LINE_ERROR = /^bulwark: error: [^\n]+\n$/;

// Built at run time so that no credential-shaped literal is committed.
const AWS_ID = ['AKIA', 'IOSFODNN7', 'EXAMPLE'].join('');
const GH = `ghp_${'Zx9Yw8Vu7T'.repeat(3)}Ab12Cd`;

let dir: string;

/** Runs the CLI in-process (same program, parsing and exit codes as the bin); one test below runs the built bin. */
async function runCli(
  args: string[],
  opts: { env?: NodeJS.ProcessEnv } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const io = fakeIo(ROOT, { env: opts.env ?? {} });
  const code = await run(args, io);
  return { code, stdout: io.stdout.text, stderr: io.stderr.text };
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'bulwark-privacy-'));
  await writeFile(
    path.join(dir, 'config.txt'),
    `# deployment notes\naws_access_key_id = ${AWS_ID}\ngithub token ${GH}\nowner: ops@example.com\n`,
  );
  // Losses: members lower than non-members (leaky model), and an indistinguishable pair.
  const members = ['loss', ...Array.from({ length: 400 }, (_, i) => ((i * 37) % 100) / 400)].join('\n');
  const non = ['loss', ...Array.from({ length: 400 }, (_, i) => 0.2 + ((i * 53) % 100) / 200)].join('\n');
  const same = ['loss', ...Array.from({ length: 400 }, (_, i) => ((i * 53) % 100) / 100)].join('\n');
  await writeFile(path.join(dir, 'members.csv'), `${members}\n`);
  await writeFile(path.join(dir, 'non.csv'), `${non}\n`);
  await writeFile(path.join(dir, 'same1.csv'), `${same}\n`);
  await writeFile(path.join(dir, 'same2.csv'), `${same}\n`);
  await copyFile(path.join(FIX, 'customers.csv'), path.join(dir, 'customers.csv'));
}, 180_000);

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('bulwark privacy pii', () => {
  it('built bin: findings exit 1, JSON on stdout', async () => {
    await ensureBuilt();
    const r = await runBuilt(['privacy', 'pii', path.join(FIX, 'notes.txt'), '-f', 'json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
    expect(Object.keys(JSON.parse(r.stdout).counts).sort()).toEqual([
      'CREDIT_CARD',
      'CRYPTO',
      'EMAIL_ADDRESS',
      'PHONE_NUMBER',
      'UK_NHS',
    ]);
  }, 180_000);

  it('CSV: per-column summary, findings, exit 1', async () => {
    const r = await runCli(['privacy', 'pii', path.join(FIX, 'customers.csv'), '--format', 'json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
    const j = JSON.parse(r.stdout);
    expect(j.rows).toBe(6);
    expect(j.counts.EMAIL_ADDRESS).toEqual({ kind: 'pii', matches: 4, rows: 4 });
    expect(j.counts.CREDIT_CARD.matches).toBe(3);
    const email = j.columns.find((c: { column: string }) => c.column === 'email');
    expect(email).toMatchObject({ rowsWithPii: 4, nonEmpty: 4 });
    expect(email.share).toBeCloseTo(4 / 6, 12);
    const f = j.findings.find((x: { evidence: { entity: string } }) => x.evidence.entity === 'CREDIT_CARD');
    expect(f).toMatchObject({ ruleId: 'BW-PRIV-001', severity: 'high' });
    expect(f.evidence.frameworks).toMatchObject({ euAiAct: ['Art. 10'], nistAiRmf: ['MEASURE 2.10'] });
    // No value in clear anywhere in the report.
    expect(r.stdout).not.toContain('4012 8888 8888 1881');
    expect(r.stdout).not.toContain('maria.schmidt@example.com');
  });

  it('secrets are reported with a masked preview only, never in clear', async () => {
    const r = await runCli(['privacy', 'pii', path.join(dir, 'config.txt')]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('AWS_ACCESS_KEY_ID');
    expect(r.stdout).toContain('GITHUB_TOKEN');
    expect(r.stdout).toContain('BW-PRIV-002');
    expect(r.stdout + r.stderr).not.toContain(AWS_ID);
    expect(r.stdout + r.stderr).not.toContain(GH);
    const j = JSON.parse(
      (await runCli(['privacy', 'pii', path.join(dir, 'config.txt'), '-f', 'json'])).stdout,
    );
    const gh = j.occurrences.find((o: { entity: string }) => o.entity === 'GITHUB_TOKEN');
    expect(gh).toMatchObject({ row: 3, preview: 'ghp_…', kind: 'secret' });
    expect(JSON.stringify(j)).not.toContain(GH.slice(4));
    const off = await runCli(['privacy', 'pii', path.join(dir, 'config.txt'), '--no-secrets', '-f', 'json']);
    expect(Object.keys(JSON.parse(off.stdout).counts)).toEqual(['EMAIL_ADDRESS']);
  });

  it('--redact writes a same-format copy atomically', async () => {
    const out = path.join(dir, 'customers.redacted.csv');
    const r = await runCli(['privacy', 'pii', path.join(dir, 'customers.csv'), '--redact', out, '-o', path.join(dir, 'r.json'), '-f', 'json']); // prettier-ignore
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    const red = await readFile(out, 'utf8');
    expect(red.split('\n')[0]).toBe('id,name,email,phone,card,iban,note');
    expect(red).toContain('"SSN <US_SSN>, prefers e-mail"');
    expect(red).not.toMatch(/@example\.(com|org|es|pl)/);
    expect((await readdir(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    const masked = path.join(dir, 'notes.masked.txt');
    await runCli([
      'privacy',
      'pii',
      path.join(FIX, 'notes.txt'),
      '--redact',
      masked,
      '--redact-mode',
      'mask',
    ]);
    const lines = (await readFile(masked, 'utf8')).split('\n');
    expect(lines[1]).toBe(`Customer wrote from ${'*'.repeat(20)} about card ${'*'.repeat(19)}.`);
    expect(lines[5]).toBe('Invalid card 4012-8888-8888-1882 must not be reported.');
    const hashed = path.join(dir, 'records.hashed.jsonl');
    const h = await runCli(
      ['privacy', 'pii', path.join(FIX, 'records.jsonl'), '--redact', hashed, '--redact-mode', 'hash'],
      {
        env: { BULWARK_REDACT_SALT: 'pepper' },
      },
    );
    expect(h.code).toBe(1);
    const first = JSON.parse((await readFile(hashed, 'utf8')).split('\n')[0]);
    expect(first.user.email).toMatch(/^<EMAIL_ADDRESS:[0-9a-f]{16}>$/);
    expect(first.text).toBe('ship to Rome');
  });

  it('exit 0 on clean data, 3 on usage errors, 2 on malformed input', async () => {
    await writeFile(path.join(dir, 'clean.txt'), 'nothing here\nat all\n');
    expect((await runCli(['privacy', 'pii', path.join(dir, 'clean.txt')])).code).toBe(0);
    const bad = await runCli(['privacy', 'pii', path.join(dir, 'clean.txt'), '--entities', 'NOPE']);
    expect(bad.code).toBe(3);
    expect(bad.stderr).toMatch(ONE_LINE_ERROR);
    const noSalt = await runCli(['privacy', 'pii', path.join(dir, 'clean.txt'), '--redact', path.join(dir, 'x.txt'), '--redact-mode', 'hash']); // prettier-ignore
    expect(noSalt.code).toBe(3);
    expect((await runCli(['privacy', 'pii', path.join(dir, 'missing.csv')])).code).toBe(3);
    await writeFile(path.join(dir, 'bad.jsonl'), '{"a":1}\n{oops\n');
    const malformed = await runCli(['privacy', 'pii', path.join(dir, 'bad.jsonl')]);
    expect(malformed.code).toBe(2);
    expect(malformed.stderr).toMatch(/line 2 is not valid JSON/);
  });
});

describe.skipIf(!existsSync(path.join(ADULT, 'adult.csv')))('bulwark privacy kanon', () => {
  it('Adult at level 0: 1,690 classes, 543 singletons, exit 1', async () => {
    const r = await runCli([
      'privacy', 'kanon', path.join(ADULT, 'adult.csv'),
      '--qi', 'sex', '--qi', 'age', '--qi', 'race', '--qi', 'marital-status', '--k', '5', '-f', 'json',
    ]); // prettier-ignore
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
    const j = JSON.parse(r.stdout);
    expect(j).toMatchObject({ classes: 1690, singletons: 543, k: 1 });
    expect(j.findings[0]).toMatchObject({ ruleId: 'BW-PRIV-003' });
    expect(j.findings[0].evidence.frameworks.iso42001).toContain('A.7.4');
  });

  it('generalised with hierarchies reaches k = 3 (exit 0 for --k 3); ℓ target violated (exit 1)', async () => {
    const qi = [
      '--qi', `sex=${path.join(ADULT, 'adult_hierarchy_sex.csv')}:0`,
      '--qi', `age=${path.join(ADULT, 'adult_hierarchy_age.csv')}:2`,
      '--qi', `race=${path.join(ADULT, 'adult_hierarchy_race.csv')}:1`,
      '--qi', `marital-status=${path.join(ADULT, 'adult_hierarchy_marital-status.csv')}:1`,
    ]; // prettier-ignore
    const ok = await runCli(['privacy', 'kanon', path.join(ADULT, 'adult.csv'), ...qi, '--k', '3']);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/equivalence classes\s+32/);
    const l = await runCli(['privacy', 'kanon', path.join(ADULT, 'adult.csv'), ...qi, '--k', '3', '--sensitive', 'occupation', '--l', '3', '-f', 'json']); // prettier-ignore
    expect(l.code).toBe(1);
    expect(JSON.parse(l.stdout).findings.map((f: { ruleId: string }) => f.ruleId)).toEqual(['BW-PRIV-004']);
    const badLevel = await runCli(['privacy', 'kanon', path.join(ADULT, 'adult.csv'), '--qi', `race=${path.join(ADULT, 'adult_hierarchy_race.csv')}:5`]); // prettier-ignore
    expect(badLevel.code).toBe(3);
  });
});

describe('bulwark privacy membership', () => {
  it('leaky losses: finding BW-PRIV-005, exit 1', async () => {
    const r = await runCli([
      'privacy', 'membership', '--members', path.join(dir, 'members.csv'), '--non-members', path.join(dir, 'non.csv'),
      '--score-column', 'loss', '-f', 'json',
    ]); // prettier-ignore
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
    const j = JSON.parse(r.stdout);
    expect(j.auc).toBeGreaterThan(0.9);
    expect(j.findings[0]).toMatchObject({ ruleId: 'BW-PRIV-005' });
    // Wrong orientation gives the complementary AUC.
    const flipped = await runCli([
      'privacy', 'membership', '--members', path.join(dir, 'members.csv'), '--non-members', path.join(dir, 'non.csv'),
      '--score-column', 'loss', '--higher-is-member', '-f', 'json',
    ]); // prettier-ignore
    expect(JSON.parse(flipped.stdout).auc).toBeCloseTo(1 - j.auc, 12);
  });

  it('--model: per-sample losses of an ONNX classifier (true labels vs flipped labels)', async () => {
    const lines = (await readFile(path.join(ROOT, 'fixtures', 'trust', 'adult-sample.csv'), 'utf8'))
      .trim()
      .split('\n');
    const col = lines[0].split(',').indexOf('salary-class');
    const flip = (l: string) => {
      const f = l.split(',');
      f[col] = f[col] === '>50K' ? '<=50K' : '>50K';
      return f.join(',');
    };
    await writeFile(path.join(dir, 'adult-members.csv'), `${lines.join('\n')}\n`);
    await writeFile(
      path.join(dir, 'adult-flipped.csv'),
      `${[lines[0], ...lines.slice(1).map(flip)].join('\n')}\n`,
    );
    const model = path.join(ROOT, 'fixtures', 'trust', 'adult-logreg.onnx');
    const r = await runCli([
      'privacy', 'membership', '--members', path.join(dir, 'adult-members.csv'), '--non-members', path.join(dir, 'adult-flipped.csv'),
      '--model', model, '--label-column', 'salary-class', '-f', 'json',
    ]); // prettier-ignore
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
    const j = JSON.parse(r.stdout);
    expect(j).toMatchObject({ members: 200, nonMembers: 200, higherIsMember: false });
    // Independent computation: P(>50K) from the prediction module, loss = −ln P(true label).
    const table = await readTable(path.join(dir, 'adult-members.csv'));
    const spec = await loadFeatureSpec(path.join(ROOT, 'fixtures', 'trust', 'adult-logreg.features.json'));
    const p = (await predictOnnx(model, table, { spec })).scores!;
    const y = table.column('salary-class').map((v) => v === '>50K');
    const lossTrue = y.map((pos, i) => -Math.log(pos ? p[i] : 1 - p[i]));
    const lossFlip = y.map((pos, i) => -Math.log(pos ? 1 - p[i] : p[i]));
    expect(j.auc).toBeCloseTo(
      rocAuc(
        lossTrue.map((x) => -x),
        lossFlip.map((x) => -x),
      ),
      12,
    );
    expect(j.auc).toBeGreaterThan(0.7);
    const bad = await runCli(['privacy', 'membership', '--members', path.join(dir, 'adult-members.csv'), '--non-members', path.join(dir, 'adult-flipped.csv'), '--model', model]); // prettier-ignore
    expect(bad.code).toBe(3);
    expect(bad.stderr).toMatch(/--label-column/);
  });

  it('indistinguishable scores: AUC 0.5, exit 0; missing column: exit 3', async () => {
    const r = await runCli([
      'privacy', 'membership', '--members', path.join(dir, 'same1.csv'), '--non-members', path.join(dir, 'same2.csv'),
      '--score-column', 'loss',
    ]); // prettier-ignore
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/ROC AUC\s+0\.5000/);
    const bad = await runCli(['privacy', 'membership', '--members', path.join(dir, 'same1.csv'), '--non-members', path.join(dir, 'same2.csv'), '--score-column', 'nope']); // prettier-ignore
    expect(bad.code).toBe(3);
  });
});
