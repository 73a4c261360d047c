import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, truncate, writeFile, copyFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BulwarkError, LimitError, ParseError, UsageError } from '../../src/core/errors.js';
import { detectFormat, readTable, streamRows, type Cell } from '../../src/trust/data/table.js';

const ROOT = path.resolve(__dirname, '../..');
const FIX = path.join(ROOT, 'fixtures', 'trust');
const ADULT = path.resolve(ROOT, '..', 'shared', 'data', 'adult', 'data', 'adult.csv');
/** A Parquet file written by pyarrow (parquet-cpp), shipped in Debian's python3-pandas test data; read in place. */
const PYARROW_PARQUET = '/usr/lib/python3/dist-packages/pandas/tests/io/data/parquet/simple.parquet';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'bulwark-data-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function tmp(name: string, content: string | Buffer): Promise<string> {
  const p = path.join(dir, name);
  await writeFile(p, content);
  return p;
}

async function collect(
  file: string,
  opts?: Parameters<typeof streamRows>[1],
): Promise<Array<Record<string, Cell>>> {
  const out: Array<Record<string, Cell>> = [];
  for await (const r of streamRows(file, opts)) out.push(r);
  return out;
}

describe('UCI Adult (ARX copy, ;-separated)', () => {
  it('reads 30,162 rows with the delimiter sniffed and numeric columns typed', async () => {
    const t = await readTable(ADULT);
    expect(t.rowCount).toBe(30162);
    expect(t.columns).toEqual([
      'sex',
      'age',
      'race',
      'marital-status',
      'education',
      'native-country',
      'workclass',
      'occupation',
      'salary-class',
    ]);
    expect(t.row(0)).toMatchObject({ sex: 'Male', age: 39, race: 'White', 'salary-class': '<=50K' });
    const age = t.column('age');
    expect(age.every((v) => typeof v === 'number')).toBe(true);
    const sex = t.column('sex');
    expect(sex.filter((v) => v === 'Female').length).toBe(9782);
    expect(t.column('salary-class').filter((v) => v === '>50K').length).toBe(7508);
  });

  it('reads only the requested columns, in file order, and stops at maxRows', async () => {
    const t = await readTable(ADULT, { columns: ['salary-class', 'sex'], maxRows: 100 });
    expect(t.columns).toEqual(['sex', 'salary-class']);
    expect(t.rowCount).toBe(100);
    expect(() => t.column('age')).toThrow(UsageError);
  });

  it('streams the same rows as readTable', async () => {
    const rows = await collect(ADULT, { maxRows: 500 });
    const t = await readTable(ADULT, { maxRows: 500 });
    expect(rows.length).toBe(500);
    for (const i of [0, 1, 250, 499]) expect(rows[i]).toEqual(t.row(i));
  });
});

describe('the same sample as CSV, JSON Lines and Parquet (fixtures/trust)', () => {
  const files = ['adult-sample.csv', 'adult-sample.jsonl', 'adult-sample.parquet'].map((f) =>
    path.join(FIX, f),
  );

  it('sniffs each format', async () => {
    expect(await Promise.all(files.map(detectFormat))).toEqual(['csv', 'jsonl', 'parquet']);
    // Without an extension the content decides.
    for (const [f, want] of [
      [files[1]!, 'jsonl'],
      [files[2]!, 'parquet'],
      [files[0]!, 'csv'],
    ] as const) {
      const copy = path.join(dir, `noext-${want}`);
      await copyFile(f, copy);
      expect(await detectFormat(copy)).toBe(want);
      expect((await readTable(copy)).rowCount).toBe(200);
    }
  });

  it('gives identical tables, with the null in row 3', async () => {
    const [csv, jsonl, pq] = await Promise.all(files.map((f) => readTable(f)));
    expect(csv!.rowCount).toBe(200);
    expect(jsonl!.columns).toEqual(csv!.columns);
    expect(pq!.columns).toEqual(csv!.columns);
    for (const c of csv!.columns) {
      expect(jsonl!.column(c), c).toEqual(csv!.column(c));
      expect(pq!.column(c), c).toEqual(csv!.column(c));
    }
    expect(csv!.row(3).occupation).toBeNull();
    expect(csv!.row(1)).toMatchObject({ id: 150, age: 28, sex: 'Female', score: 0.057463, pred: 0 });
  });

  it('streams every format (Parquet across its two row groups)', async () => {
    const csv = await readTable(files[0]!);
    for (const f of files) {
      const rows = await collect(f);
      expect(rows.length, f).toBe(200);
      expect(rows[199], f).toEqual(csv.row(199));
      expect(rows[128], f).toEqual(csv.row(128));
    }
    const some = await collect(files[2]!, { columns: ['id', 'sex'], maxRows: 130 });
    expect(some.length).toBe(130);
    expect(some[129]).toEqual({ id: csv.row(129).id, sex: csv.row(129).sex });
  });

  it('reads only requested Parquet columns and rows', async () => {
    const t = await readTable(files[2]!, { columns: ['score', 'id'], maxRows: 150 });
    expect(t.columns).toEqual(['score', 'id']);
    expect(t.rowCount).toBe(150);
    await expect(readTable(files[2]!, { columns: ['nope'] })).rejects.toThrow(
      /column 'nope' not found.*available columns: id, sex/,
    );
  });

  it.skipIf(!existsSync(PYARROW_PARQUET))(
    'reads a Parquet file written by pyarrow (Debian pandas test data)',
    async () => {
      const t = await readTable(PYARROW_PARQUET);
      expect(t.columns).toEqual(['A', 'B']);
      expect(t.column('A')).toEqual([1, 2, 3]);
      expect(t.column('B')).toEqual(['foo', 'foo', 'foo']);
    },
  );
});

describe('CSV details', () => {
  it('handles quotes, BOM, CRLF, empty fields and keeps leading-zero codes as strings', async () => {
    const f = await tmp('q.csv', '\uFEFFname,zip,score,note\r\n"Doe, J",007,1.5,"say ""hi"""\r\nX,010,,\r\n');
    const t = await readTable(f);
    expect(t.columns).toEqual(['name', 'zip', 'score', 'note']);
    expect(t.column('name')).toEqual(['Doe, J', 'X']);
    expect(t.column('zip')).toEqual(['007', '010']);
    expect(t.column('score')).toEqual([1.5, null]);
    expect(t.column('note')).toEqual(['say "hi"', null]);
  });

  it('types a column as numbers only when every value is numeric', async () => {
    const t = await readTable(await tmp('mix.csv', 'a,b\n1,1\n2,x\n-3.5e2,2\n'));
    expect(t.column('a')).toEqual([1, 2, -350]);
    expect(t.column('b')).toEqual(['1', 'x', '2']);
  });

  it('keeps a column named __proto__ as data (no prototype change)', async () => {
    const f = await tmp('proto.csv', '__proto__,b\nx,2\n');
    const t = await readTable(f);
    const row = t.row(0);
    expect(Object.keys(row)).toEqual(['__proto__', 'b']);
    expect(Object.getPrototypeOf(row)).toBe(Object.prototype);
    expect((await collect(f))[0]!.b).toBe(2);
    const j = await tmp('proto.jsonl', '{"__proto__":{"polluted":true},"a":1}\n');
    const rows = await collect(j);
    expect(Object.getPrototypeOf(rows[0])).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.keys(rows[0]!)).toEqual(['__proto__', 'a']);
  });

  it('uses an explicit delimiter', async () => {
    const t = await readTable(await tmp('p.txt', 'a|b\n1|2\n'), { delimiter: '|' });
    expect(t.row(0)).toEqual({ a: 1, b: 2 });
  });

  it('reports a wrong field count with the line number', async () => {
    const f = await tmp('bad.csv', 'a,b\n1,2\n3\n');
    await expect(readTable(f)).rejects.toThrow(ParseError);
    await expect(readTable(f)).rejects.toThrow(/bad\.csv at line 3: wrong number of fields/);
  });

  it('reports a stray quote inside an unquoted field', async () => {
    await expect(readTable(await tmp('sq.csv', 'a,b\nx"y,2\n'))).rejects.toThrow(
      /sq\.csv at line 2: a quote inside an unquoted field/,
    );
  });

  it('reports an unclosed quote', async () => {
    await expect(readTable(await tmp('uq.csv', 'a,b\n"1,2\n'))).rejects.toThrow(
      /quoted field is never closed/,
    );
  });

  it('rejects duplicate and empty header names', async () => {
    await expect(readTable(await tmp('dup.csv', 'a,a\n1,2\n'))).rejects.toThrow(/duplicate column name 'a'/);
    await expect(readTable(await tmp('emp.csv', 'a,,c\n1,2,3\n'))).rejects.toThrow(/header field 2 is empty/);
  });

  it('bounds the record size', async () => {
    const f = await tmp('big.csv', `a,b\n"${'x'.repeat(5000)}",1\n`);
    await expect(readTable(f, { maxRecordBytes: 1000 })).rejects.toThrow(LimitError);
  });

  it('errors on an empty file and a missing file', async () => {
    await expect(readTable(await tmp('empty.csv', ''))).rejects.toThrow(/empty file/);
    const err = await readTable(path.join(dir, 'nope.csv')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BulwarkError);
    expect((err as BulwarkError).code).toBe('E_NOT_FOUND');
  });

  it('stops when the signal aborts', async () => {
    const ac = new AbortController();
    ac.abort(new Error('stop now'));
    await expect(readTable(ADULT, { signal: ac.signal })).rejects.toThrow('stop now');
  });
});

describe('JSON Lines details', () => {
  it('unions keys in order of appearance, fills missing with null, stringifies nested values', async () => {
    const f = await tmp('a.jsonl', '{"a":1,"b":"x"}\n\n{"b":"y","c":[1,2],"d":true}\n{"a":null}');
    const t = await readTable(f);
    expect(t.columns).toEqual(['a', 'b', 'c', 'd']);
    expect(t.rowCount).toBe(3);
    expect(t.column('a')).toEqual([1, null, null]);
    expect(t.column('c')).toEqual([null, '[1,2]', null]);
    expect(t.column('d')).toEqual([null, true, null]);
  });

  it('names the bad line', async () => {
    await expect(readTable(await tmp('b.jsonl', '{"a":1}\n{"a":\n'))).rejects.toThrow(
      /b\.jsonl line 2: not valid JSON/,
    );
    await expect(readTable(await tmp('c.jsonl', '{"a":1}\n[1,2]\n'))).rejects.toThrow(
      /line 2: not a JSON object/,
    );
  });

  it('bounds the line length without buffering the whole line', async () => {
    const f = await tmp('long.jsonl', `{"a":1}\n{"a":"${'y'.repeat(300_000)}"}\n`);
    const err = await readTable(f, { maxRecordBytes: 100_000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LimitError);
    expect((err as Error).message).toMatch(/long\.jsonl line 2: line longer than the line size limit/);
  });
});

describe('Parquet details', () => {
  it('rejects a truncated file with a clear error', async () => {
    const f = path.join(dir, 'trunc.parquet');
    await copyFile(path.join(FIX, 'adult-sample.parquet'), f);
    await truncate(f, 5000);
    await expect(readTable(f)).rejects.toThrow(/trunc\.parquet: not a readable Parquet file/);
    const junk = await tmp('junk.parquet', Buffer.from('PAR1 not really'));
    await expect(readTable(junk)).rejects.toThrow(ParseError);
  });

  it('reads the committed fixture bytes unchanged (generator is deterministic)', async () => {
    const bytes = await readFile(path.join(FIX, 'adult-sample.parquet'));
    expect(bytes.subarray(0, 4).toString()).toBe('PAR1');
    expect(bytes.subarray(-4).toString()).toBe('PAR1');
  });
});
