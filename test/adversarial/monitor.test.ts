import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  monitorDrift,
  parseTimestamp,
  parseWindow,
  type DriftResult,
} from '../../src/adversarial/monitor/monitor.js';
import { defaultStatTest, inferKind } from '../../src/adversarial/monitor/engine.js';
import { escapeHtml, renderDriftHtml } from '../../src/adversarial/monitor/report.js';
import { run } from '../../src/cli/program.js';
import { readTable, type Cell, type Table } from '../../src/trust/data/table.js';
import { loadEvidence } from '../../src/trust/card/evidence.js';
import { fakeIo } from '../cli/fakes.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const ADULT = path.resolve(ROOT, '..', 'shared', 'data', 'adult', 'data', 'adult.csv');
const FIX = path.join(ROOT, 'fixtures', 'monitor');

let dir: string;
let adult: Table;

function csvOf(t: Table, rows: number[]): string {
  const esc = (v: Cell) =>
    v === null ? '' : /[",;\n]/.test(String(v)) ? `"${String(v).replace(/"/g, '""')}"` : String(v);
  const lines = [t.columns.join(',')];
  for (const i of rows) lines.push(t.columns.map((c) => esc(t.column(c)[i] as Cell)).join(','));
  return `${lines.join('\n')}\n`;
}

async function write(name: string, text: string): Promise<string> {
  const p = path.join(dir, name);
  await writeFile(p, text);
  return p;
}

/** mulberry32: a seeded PRNG for the shuffled split. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const range = (a: number, b: number) => Array.from({ length: b - a }, (_, i) => a + i);
const score = (r: DriftResult, col: string) => r.columns.find((c) => c.column === col)!;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'bulwark-monitor-'));
  adult = await readTable(ADULT);
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

/**
 * Reference numbers from scripts/gen-monitor-reference.py (/usr/bin/python3, pandas + scipy 1.10.1, Evidently's
 * legacy stattests re-run as written: ks_2samp, wasserstein_distance / max(np.std, 0.001), jensenshannon on
 * get_binned_data, chisquare with reference-scaled expectations, the proportions Z-test, PSI with the zero fill).
 */
const LARGE_SAME = {
  sex: { jensenshannon: 0.0011017724315284696 },
  age: { wasserstein: 0.021086448426826814 },
  race: { jensenshannon: 0.0038214336533509575 },
  'marital-status': { jensenshannon: 0.00843785421968575 },
  education: { jensenshannon: 0.016439313430149042 },
  'native-country': { jensenshannon: 0.027577499772516386 },
  workclass: { jensenshannon: 0.011145688418194431 },
  occupation: { jensenshannon: 0.012088920814814268 },
  'salary-class': { jensenshannon: 0.0005421887125613282 },
};
const LARGE_SHIFT = {
  sex: { jensenshannon: 0.02097930597895996, psi: 0.0035219169520428186 },
  age: { wasserstein: 1.0070861690145307, psi: 4.496438368879881 },
  race: { jensenshannon: 0.015544094127403872, psi: 0.0019424335688940752 },
  'marital-status': { jensenshannon: 0.2166031622338971, psi: 0.39599674885486086 },
  education: { jensenshannon: 0.0719208066924264, psi: 0.04175149769275514 },
  'native-country': { jensenshannon: 0.051110529318728073, psi: 0.021498330416254 },
  workclass: { jensenshannon: 0.07655877626389272, psi: 0.04708162827190099 },
  occupation: { jensenshannon: 0.06423268210505491, psi: 0.033159296133524974 },
  'salary-class': { jensenshannon: 0.08440626619351135, psi: 0.057232811286990856 },
};
const SMALL_SAME = {
  sex: { z: 1.0, psi: 0.0, jensenshannon: 0.0 },
  age: { ks: 0.8298806869824891, psi: 0.014020113906146003, jensenshannon: 0.04265990236158781 },
  race: { chisquare: 0.04430898461420273, psi: 0.009417261716866318, jensenshannon: 0.03411442470261238 },
  'marital-status': {
    chisquare: 0.006164152786064756,
    psi: 0.016255942024047395,
    jensenshannon: 0.044872135601688026,
  },
  education: {
    chisquare: 0.00027383005476752095,
    psi: 0.03673037535393953,
    jensenshannon: 0.0674344043524087,
  },
  'native-country': { chisquare: 0.0, psi: 0.10799763271003471, jensenshannon: 0.11055008893450306 },
  workclass: { chisquare: 0.0, psi: 0.009633769992959855, jensenshannon: 0.035673821187782534 },
  occupation: {
    chisquare: 3.459264044510494e-8,
    psi: 0.06906679051963878,
    jensenshannon: 0.09255176270850426,
  },
  'salary-class': { z: 0.5662540312849653, psi: 0.0008226043046178459, jensenshannon: 0.010139899319827653 },
};
const SMALL_SHIFT = {
  sex: { z: 0.7846311180549483 },
  age: { ks: 2.7020140809271954e-77 },
  race: { chisquare: 0.011804212024688045 },
  'marital-status': { chisquare: 7.458963244814296e-19 },
  education: { chisquare: 2.5214126493102454e-5 },
  'native-country': { chisquare: 0.0 },
  workclass: { chisquare: 0.0 },
  occupation: { chisquare: 3.558828839043288e-10 },
  'salary-class': { z: 0.00013446490803881161 },
};

function close(actual: number | null, expected: number): void {
  expect(actual).not.toBeNull();
  if (expected === 0) expect(actual).toBeLessThan(1e-300);
  else expect(Math.abs((actual as number) / expected - 1)).toBeLessThan(1e-9);
}

async function compare(
  refRows: number[],
  curRows: number[],
  expected: Record<string, Record<string, number>>,
) {
  const ref = await write(`ref-${refRows.length}-${curRows.length}.csv`, csvOf(adult, refRows));
  const cur = await write(`cur-${refRows.length}-${curRows.length}.csv`, csvOf(adult, curRows));
  const auto = await monitorDrift({ reference: ref, current: cur });
  // One run per forced test (PSI and Jensen–Shannon apply to every column type).
  const forced = new Map<string, DriftResult>();
  for (const tests of Object.values(expected))
    for (const test of Object.keys(tests).slice(1))
      if (!forced.has(test))
        forced.set(test, await monitorDrift({ reference: ref, current: cur, stattest: test as never }));
  for (const [col, tests] of Object.entries(expected)) {
    const [first, value] = Object.entries(tests)[0] as [string, number];
    const c = score(auto, col);
    expect(c.test, col).toBe(first);
    close(c.score, value);
    for (const [test, v] of Object.entries(tests).slice(1)) {
      const f = score(forced.get(test) as DriftResult, col);
      expect(f.test).toBe(test);
      close(f.score, v);
    }
  }
  return auto;
}

describe('Evidently-compatible numbers on Adult', () => {
  const ids = () => range(0, adult.rowCount);
  it('large reference (>1000 rows): even vs odd rows → Wasserstein / Jensen–Shannon, no drift', async () => {
    const r = await compare(
      ids().filter((i) => i % 2 === 0),
      ids().filter((i) => i % 2 === 1),
      LARGE_SAME,
    );
    expect(r.dataset.datasetDrift).toBe(false);
    expect(r.dataset.numberOfDriftedColumns).toBe(0);
    expect(r.findings).toEqual([]);
  });

  it('large reference: current = odd rows with age > 40 → age and marital-status drift, the rest does not', async () => {
    const age = adult.column('age');
    const r = await compare(
      ids().filter((i) => i % 2 === 0),
      ids().filter((i) => i % 2 === 1 && (age[i] as number) > 40),
      LARGE_SHIFT,
    );
    expect(r.dataset.driftedColumns.sort()).toEqual(['age', 'marital-status']);
    expect(r.dataset.datasetDrift).toBe(false); // 2 of 9 < 0.5
    expect(score(r, 'sex').drifted).toBe(false);
    expect(score(r, 'race').drifted).toBe(false);
    expect(
      r.findings
        .filter((f) => f.ruleId === 'BW-DRIFT-002')
        .map((f) => f.evidence?.column)
        .sort(),
    ).toEqual(['age', 'marital-status']);
  });

  it('small reference (≤1000 rows): KS, chi-squared and Z-test as Evidently', async () => {
    await compare(
      range(0, 1600).filter((i) => i % 2 === 0),
      range(1600, 2400),
      SMALL_SAME,
    );
    const age = adult.column('age');
    const r = await compare(
      range(0, 1600).filter((i) => i % 2 === 0),
      range(1600, 2400).filter((i) => (age[i] as number) > 40),
      SMALL_SHIFT,
    );
    expect(score(r, 'age').method).toBe('exact');
    expect(score(r, 'sex').drifted).toBe(false);
    expect(score(r, 'age').drifted).toBe(true);
  });

  it('identical distributions (seeded shuffle, two halves) → no dataset drift', async () => {
    const order = ids();
    const rand = rng(20260326);
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [order[i], order[j]] = [order[j] as number, order[i] as number];
    }
    const half = Math.floor(order.length / 2);
    const ref = await write('shuf-ref.csv', csvOf(adult, order.slice(0, half)));
    const cur = await write('shuf-cur.csv', csvOf(adult, order.slice(half)));
    const r = await monitorDrift({ reference: ref, current: cur });
    expect(r.dataset.datasetDrift).toBe(false);
    expect(r.dataset.numberOfDriftedColumns).toBe(0);
    for (const c of r.columns) expect(c.score as number).toBeLessThan(0.05);
  });
});

describe('selection, typing and windows', () => {
  it('follows Evidently’s default selection table', () => {
    expect(defaultStatTest('numerical', 1000, 6)).toBe('ks');
    expect(defaultStatTest('numerical', 1000, 5)).toBe('chisquare');
    expect(defaultStatTest('numerical', 1000, 2)).toBe('z');
    expect(defaultStatTest('categorical', 500, 2)).toBe('z');
    expect(defaultStatTest('categorical', 500, 3)).toBe('chisquare');
    expect(defaultStatTest('numerical', 1001, 6)).toBe('wasserstein');
    expect(defaultStatTest('numerical', 1001, 4)).toBe('jensenshannon');
    expect(defaultStatTest('categorical', 5000, 40)).toBe('jensenshannon');
    expect(inferKind([1, 2, 3, 1, 2], [])).toBe('categorical');
    expect(inferKind([1, 2, 3, 4, 5, 6], [])).toBe('numerical');
    expect(inferKind([0.5, 1.5, 0.5], [])).toBe('numerical');
    expect(inferKind(['a', 'b'], [])).toBe('categorical');
    expect(inferKind([true, false], [])).toBe('categorical');
    expect(inferKind([0.1, 0.9], [], { prediction: true })).toBe('numerical');
    expect(inferKind([2.5, 7.5], [], { prediction: true })).toBe('categorical');
  });

  it('parses windows and timestamps', () => {
    expect(parseWindow('1d')).toEqual({ ms: 86_400_000 });
    expect(parseWindow('6h')).toEqual({ ms: 21_600_000 });
    expect(parseWindow('500')).toEqual({ rows: 500 });
    expect(parseWindow('500rows')).toEqual({ rows: 500 });
    expect(() => parseWindow('soon')).toThrow(/not a duration/);
    expect(parseTimestamp('2026-03-01T00:00:00Z')).toBe(Date.UTC(2026, 2, 1));
    expect(parseTimestamp(1_772_323_200)).toBe(1_772_323_200_000);
    expect(parseTimestamp(1_772_323_200_000)).toBe(1_772_323_200_000);
    expect(parseTimestamp('yesterday')).toBeUndefined();
  });

  it('inference log: expands features, finds the first drifted day and prediction drift', async () => {
    const r = await monitorDrift({
      reference: path.join(FIX, 'reference.csv'),
      current: path.join(FIX, 'current-log.jsonl'),
      prediction: 'prediction',
      timestamp: 'timestamp',
      window: '1d',
    });
    expect(r.columns.map((c) => c.column)).toEqual(['age', 'income', 'segment']);
    expect(r.windows?.map((w) => w.datasetDrift)).toEqual([false, false, true, true]);
    expect(r.windows?.map((w) => w.predictionDrift)).toEqual([false, false, true, true]);
    expect(r.firstDriftedWindow).toMatchObject({ index: 2, start: '2026-03-03T00:00:00.000Z' });
    expect(r.firstDriftedWindow?.driftedColumns).toContain('income');
    expect(score(r, 'age').drifted).toBe(false);
    expect(r.prediction?.drifted).toBe(true);
    const ids = r.findings.map((f) => f.ruleId);
    expect(ids).toContain('BW-DRIFT-001');
    expect(ids).toContain('BW-DRIFT-003');
    expect(r.metrics).toMatchObject({
      windows: 4,
      driftedWindows: 2,
      firstDriftedWindow: 2,
      predictionDrift: 1,
    });
  });

  it('flat JSON Lines log with epoch-second timestamps, hourly windows', async () => {
    const ref = ['x'];
    for (let i = 0; i < 300; i++) ref.push(String((i * 37) % 101));
    const log: string[] = [];
    const t0 = Date.UTC(2026, 0, 1) / 1000;
    for (let h = 0; h < 5; h++)
      for (let i = 0; i < 120; i++)
        log.push(JSON.stringify({ ts: t0 + h * 3600 + i * 30, x: ((i * 37) % 101) * (h === 3 ? 2 : 1) }));
    const r = await monitorDrift({
      reference: await write('flat-ref.csv', `${ref.join('\n')}\n`),
      current: await write('flat-cur.jsonl', `${log.join('\n')}\n`),
      timestamp: 'ts',
      window: '1h',
    });
    expect(r.columns.map((c) => c.column)).toEqual(['x']);
    expect(r.windows?.map((w) => w.rows)).toEqual([120, 120, 120, 120, 120]);
    expect(r.windows?.map((w) => w.datasetDrift)).toEqual([false, false, false, true, false]);
    expect(r.firstDriftedWindow?.start).toBe('2026-01-01T03:00:00.000Z');
  });

  it('row windows on a flat file with a shift starting at a known row', async () => {
    const lines = ['x,c'];
    const ref = ['x,c'];
    for (let i = 0; i < 400; i++) ref.push(`${(i * 37) % 101},${i % 3 === 0 ? 'a' : 'b'}`);
    for (let i = 0; i < 1000; i++) {
      const shifted = i >= 600;
      lines.push(`${((i * 37) % 101) + (shifted ? 40 : 0)},${shifted ? 'a' : i % 3 === 0 ? 'a' : 'b'}`);
    }
    const r = await monitorDrift({
      reference: await write('rw-ref.csv', `${ref.join('\n')}\n`),
      current: await write('rw-cur.csv', `${lines.join('\n')}\n`),
      window: '200rows',
    });
    expect(r.windows?.map((w) => w.datasetDrift)).toEqual([false, false, false, true, true]);
    expect(r.firstDriftedWindow?.start).toBe('row 601');
  });
});

describe('malformed input', () => {
  it('a monitored column missing from the current data → BW-DRIFT-004, others still tested', async () => {
    const ref = await write('m-ref.csv', 'a,b\n1,x\n2,y\n3,x\n');
    const cur = await write('m-cur.csv', 'a\n1\n2\n3\n');
    const r = await monitorDrift({ reference: ref, current: cur });
    expect(r.missingColumns).toEqual(['b']);
    const f = r.findings.find((x) => x.evidence?.reason === 'missing-column');
    expect(f?.ruleId).toBe('BW-DRIFT-004');
    expect(r.findings.some((x) => x.evidence?.reason === 'too-few-rows')).toBe(true);
  });

  it('non-numeric data in a numeric column → one-line ParseError naming column and row', async () => {
    const ref = await write('n-ref.csv', 'a\n1.5\n2.5\n3.5\n');
    const cur = await write('n-cur.jsonl', '{"a": 1.5}\n{"a": "oops"}\n');
    await expect(monitorDrift({ reference: ref, current: cur })).rejects.toThrow(
      /column 'a' is numerical but row 2 holds a non-numeric value/,
    );
  });

  it('empty file and header-only file', async () => {
    const ok = await write('e-ok.csv', 'a\n1\n');
    await expect(monitorDrift({ reference: await write('e0.csv', ''), current: ok })).rejects.toThrow(
      /empty file/,
    );
    await expect(monitorDrift({ reference: await write('e1.csv', 'a\n'), current: ok })).rejects.toThrow(
      /no data rows/,
    );
  });

  it('bad options are usage errors', async () => {
    const ok = path.join(FIX, 'reference.csv');
    await expect(monitorDrift({ reference: ok, current: ok, window: '1d' })).rejects.toThrow(/--timestamp/);
    await expect(monitorDrift({ reference: ok, current: ok, columns: ['nope'] })).rejects.toThrow(
      /no such column/,
    );
    await expect(
      monitorDrift({ reference: ok, current: ok, columns: ['segment'], columnStattests: { segment: 'ks' } }),
    ).rejects.toThrow(/needs a numerical column/);
    // A global numerical-only test applies to numerical columns; categorical ones keep the default selection.
    const g = await monitorDrift({ reference: ok, current: ok, stattest: 'ks', threshold: 0.01 });
    expect(score(g, 'income')).toMatchObject({ test: 'ks', threshold: 0.01 });
    expect(score(g, 'segment')).toMatchObject({ test: 'chisquare', threshold: 0.05 });
    await expect(monitorDrift({ reference: ok, current: ok, driftShare: 0 })).rejects.toThrow(/drift-share/);
  });

  it('unparseable timestamps are reported with the row', async () => {
    const ref = await write('t-ref.csv', 'a\n1\n2\n');
    const cur = await write('t-cur.csv', 'ts,a\n2026-01-01,1\nnot-a-date,2\n');
    await expect(
      monitorDrift({ reference: ref, current: cur, timestamp: 'ts', window: '1d' }),
    ).rejects.toThrow(/row 2 of timestamp column 'ts'/);
  });
});

describe('CLI and reports', () => {
  const cli = async (args: string[]) => {
    const io = fakeIo(ROOT);
    const code = await run(['monitor', ...args], io);
    return { code, stdout: io.stdout.text, stderr: io.stderr.text };
  };

  it('exit 1 on dataset/prediction drift, 0 without; JSON for the audit importer', async () => {
    const drift = await cli([
      'fixtures/monitor/reference.csv',
      'fixtures/monitor/current-log.jsonl',
      '--prediction',
      'prediction',
      '-f',
      'json',
    ]);
    expect(drift.code).toBe(1);
    const j = JSON.parse(drift.stdout) as DriftResult;
    expect(j.kind).toBe('bulwark.drift');
    expect(j.schemaVersion).toBe(1);
    expect(Array.isArray(j.findings)).toBe(true);
    expect(typeof j.metrics.shareOfDriftedColumns).toBe('number');
    const same = await cli(['fixtures/monitor/reference.csv', 'fixtures/monitor/reference.csv']);
    expect(same.code).toBe(0);
    expect(same.stdout).toMatch(/Dataset drift: \*\*no\*\*/);
  });

  it('the JSON output is importable as audit evidence (findings and numeric metrics)', async () => {
    const out = path.join(dir, 'drift.json');
    const r = await cli([
      'fixtures/monitor/reference.csv',
      'fixtures/monitor/current-log.jsonl',
      '--prediction',
      'prediction',
      '-f',
      'json',
      '-o',
      out,
    ]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^# Drift:/); // the summary still goes to stdout
    const ev = await loadEvidence(out);
    expect(ev.findings.map((f) => f.ruleId)).toEqual(
      expect.arrayContaining(['BW-DRIFT-001', 'BW-DRIFT-002', 'BW-DRIFT-003']),
    );
    const metrics = ev.data.metrics as Record<string, unknown>;
    expect(metrics.datasetDrift).toBe(1);
    expect(metrics.predictionDrift).toBe(1);
  });

  it('per-column --stattest / --threshold and --drift-share', async () => {
    const r = await cli([
      'fixtures/monitor/reference.csv',
      'fixtures/monitor/current-log.jsonl',
      '--columns',
      'age,income',
      '--stattest',
      'income=psi',
      '--threshold',
      'age=0.9',
      '--drift-share',
      '1',
      '-f',
      'json',
    ]);
    const j = JSON.parse(r.stdout) as DriftResult;
    expect(score(j, 'income').test).toBe('psi');
    expect(score(j, 'age').threshold).toBe(0.9);
    expect(score(j, 'age').drifted).toBe(true); // p < 0.9
    expect(j.dataset.datasetDrift).toBe(true);
  });

  it('exit 3 on usage errors, 2 on unreadable input', async () => {
    expect(
      (await cli(['fixtures/monitor/reference.csv', 'fixtures/monitor/reference.csv', '--stattest', 'magic']))
        .code,
    ).toBe(3);
    const bad = await write('bad.jsonl', '{"a": 1}\n{not json\n');
    const r = await cli(['fixtures/monitor/reference.csv', bad]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^bulwark: error: .*not valid JSON/);
  });

  it('HTML report: self-contained, charts, escaped strings', async () => {
    const evil = '<script>alert(1)</script>';
    const ref = await write(
      'h-ref.csv',
      `"${evil}",v\n${range(0, 60)
        .map((i) => `${i % 7 === 0 ? evil : 'a'},${i}`)
        .join('\n')}\n`,
    );
    const cur = await write(
      'h-cur.csv',
      `"${evil}",v\n${range(0, 60)
        .map((i) => `${i % 2 ? evil : 'b'},${i + 30}`)
        .join('\n')}\n`,
    );
    const out = path.join(dir, 'report.html');
    const r = await cli([ref, cur, '-f', 'html', '-o', out]);
    expect(r.code).toBe(1);
    const html = await readFile(out, 'utf8');
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/(src|href)="https?:/);
    expect(html).toContain(escapeHtml(evil));
    expect((html.match(/<svg /g) ?? []).length).toBe(2);
    expect(html).toContain('<style>');
    const windowed = renderDriftHtml(
      await monitorDrift({
        reference: path.join(FIX, 'reference.csv'),
        current: path.join(FIX, 'current-log.jsonl'),
        timestamp: 'timestamp',
        window: '1d',
      }),
    );
    expect(windowed).toContain('<polyline');
    expect(windowed).toMatch(/First drifted window: <b>#3<\/b>/);
  });
});
