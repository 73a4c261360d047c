import { spawn } from 'node:child_process';
import {
  appendFileSync,
  existsSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BulwarkError, LimitError, ParseError, VerificationError } from '../../src/core/errors.js';
import {
  EMPTY_ROOT,
  leafHash,
  verifyConsistency,
  verifyInclusion,
} from '../../src/provenance/tlog/merkle.js';
import {
  formatCheckpoint,
  openCheckpoint,
  parseSignerKey,
  signNote,
} from '../../src/provenance/tlog/note.js';
import {
  canonicalEvent,
  initLog,
  openLog,
  recordEvent,
  type LogEvent,
} from '../../src/provenance/tlog/log.js';
import { publishState } from '../../src/provenance/tlog/store.js';
import { ensureBuilt, ROOT } from '../cli/helpers.js';

let base: string;
let n = 0;
const fresh = () => path.join(base, `log-${++n}`);
const b = (s: string) => Buffer.from(s, 'base64');

beforeAll(async () => {
  base = await mkdtemp(path.join(tmpdir(), 'bulwark-tlog-'));
});
afterAll(async () => {
  if (base) await rm(base, { recursive: true, force: true });
});

const ev = (i: number): LogEvent => ({
  type: i % 3 === 0 ? 'sign' : i % 3 === 1 ? 'attest' : 'model-promotion',
  time: '2026-01-02T03:04:05.000Z',
  subject: `models/m${i}.safetensors`,
  subjectDigest: `sha256:${(i + 1).toString(16).padStart(64, 'a')}`,
  signer: 'alice@example.com',
});

async function verifyError(p: Promise<unknown>): Promise<VerificationError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(VerificationError);
  return err as VerificationError;
}

describe('durable log: init, append, proofs', () => {
  it('init creates the files, a 0600 signer key and a signed empty checkpoint', async () => {
    const dir = fresh();
    const log = await initLog(dir, { origin: 'bulwark.test/a' });
    expect(log.verifierKey).toMatch(/^bulwark\.test\/a\+[0-9a-f]{8}\+[A-Za-z0-9+/]{44}$/);
    expect(readFileSync(path.join(dir, 'signer.key'), 'utf8')).toMatch(/^PRIVATE\+KEY\+bulwark\.test\/a\+/);
    if (process.platform !== 'win32') expect(statSync(path.join(dir, 'signer.key')).mode & 0o777).toBe(0o600);
    const cp = log.currentCheckpoint();
    expect(cp.size).toBe(0);
    expect(cp.root).toEqual(EMPTY_ROOT);
    expect((await log.verify()).size).toBe(0);
    await expect(initLog(dir)).rejects.toThrow(/already holds a log/);
    await expect(openLog(path.join(base, 'nothing-here'))).rejects.toThrow(/is not a Bulwark log/);
  });

  it('appends, and every inclusion and consistency proof verifies against the signed checkpoints', async () => {
    const dir = fresh();
    const log = await initLog(dir, { origin: 'bulwark.test/b' });
    const checkpoints: string[] = [];
    for (let i = 0; i < 23; i++) {
      const r = await log.append(ev(i));
      expect(r.index).toBe(i);
      expect(r.size).toBe(i + 1);
      expect(r.leafHash).toBe(leafHash(canonicalEvent(ev(i)).bytes).toString('hex'));
      checkpoints.push(r.checkpoint);
    }
    const batch = await log.appendMany([ev(23), ev(24), ev(25)]);
    expect(batch.map((r) => r.index)).toEqual([23, 24, 25]);
    const size = log.size();
    expect(size).toBe(26);
    const head = openCheckpoint(log.state().checkpoint, [log.verifier], 'bulwark.test/b');
    for (const size2 of [1, 2, 3, 4, 7, 8, 13, 16, 17, 23, size]) {
      for (let i = 0; i < size2; i++) {
        const p = log.proveInclusion(i, size2);
        verifyInclusion(i, size2, b(p.leafHash), p.proof.map(b), b(p.root));
        if (size2 === size) expect(b(p.root)).toEqual(head.root);
      }
      for (let size1 = 1; size1 <= size2; size1++) {
        const c = log.proveConsistency(size1, size2);
        verifyConsistency(size1, size2, c.proof.map(b), b(c.root1), b(c.root2));
      }
      // The roots are those of the checkpoints signed at each append.
      if (size2 <= 23) {
        const old = openCheckpoint(checkpoints[size2 - 1], [log.verifier]);
        expect(log.proveConsistency(size2).root1).toBe(old.root.toString('base64'));
      }
    }
    // The entry reads back, canonicalised.
    expect(log.entry(5).event).toEqual(ev(5));
    expect(() => log.proveInclusion(26)).toThrow(/outside/);
    expect(() => log.proveConsistency(0)).toThrow(/between 1 and/);
    const report = await log.verify();
    expect(report).toMatchObject({ size: 26, entries: 26, recovery: [] });
  });

  it('entries are canonicalised, bounded and validated', async () => {
    const a = canonicalEvent({
      type: 'scan',
      time: '2026-01-01T00:00:00Z',
      details: { b: 1, a: [true, null] },
    });
    const c = canonicalEvent({
      details: { a: [true, null], b: 1 },
      time: '2026-01-01T00:00:00Z',
      type: 'scan',
    });
    expect(a.bytes.toString()).toBe(
      '{"details":{"a":[true,null],"b":1},"time":"2026-01-01T00:00:00Z","type":"scan"}',
    );
    expect(c.bytes).toEqual(a.bytes);
    expect(canonicalEvent({ type: 'sign' }).event.time).toMatch(/^\d{4}-\d\d-\d\dT/);
    for (const bad of [
      null,
      [],
      {},
      { type: 'Sign' },
      { type: 'sign', extra: 1 },
      { type: 'sign', subjectDigest: 'sha256:XYZ' },
      { type: 'sign', time: 'yesterday' },
      { type: 'sign', details: [] },
      { type: 'sign', details: { n: Number.NaN } },
    ])
      expect(() => canonicalEvent(bad)).toThrow(ParseError);
    expect(() => canonicalEvent({ type: 'sign', details: { big: 'x'.repeat(1024 * 1024) } })).toThrow(
      LimitError,
    );
    let deep: Record<string, unknown> = {};
    const top = deep;
    for (let i = 0; i < 40; i++) deep = (deep.x = {}) as Record<string, unknown>;
    expect(() => canonicalEvent({ type: 'sign', details: top })).toThrow(LimitError);
  });

  it('recordEvent appends to an existing log', async () => {
    const dir = fresh();
    await initLog(dir, { origin: 'bulwark.test/rec' });
    const r = await recordEvent(dir, { type: 'verify', subjectDigest: `sha256:${'0'.repeat(64)}` });
    expect(r.index).toBe(0);
    expect((await openLog(dir)).size()).toBe(1);
  });
});

describe('tamper detection', () => {
  async function build(count = 10) {
    const dir = fresh();
    const log = await initLog(dir, { origin: 'bulwark.test/t' });
    await log.appendMany(Array.from({ length: count }, (_, i) => ev(i)));
    return { dir, log };
  }

  it('a changed byte in an entry', async () => {
    const { dir, log } = await build();
    const file = path.join(dir, 'entries.bin');
    const buf = readFileSync(file);
    const at = buf.indexOf('m3.safetensors');
    buf[at] = 'M'.charCodeAt(0);
    writeFileSync(file, buf);
    const err = await verifyError(log.verify());
    expect(err.reason).toBe('log-rewritten');
    expect(err.message).toMatch(/entry 3 was changed/);
  });

  it('a changed entry with a recomputed checksum, and a reordering of entries', async () => {
    const { dir, log } = await build();
    const file = path.join(dir, 'entries.bin');
    const buf = readFileSync(file);
    // Walk the records: [u32 len][payload][32-byte leaf hash].
    const recs: Buffer[] = [];
    for (let off = 0; off < buf.length;) {
      const len = buf.readUInt32BE(off);
      recs.push(buf.subarray(off, off + 4 + len + 32));
      off += 4 + len + 32;
    }
    // Same-length change of entry 4 with a fresh checksum.
    const r4 = Buffer.from(recs[4]);
    const len = r4.readUInt32BE(0);
    const payload = Buffer.from(
      r4
        .subarray(4, 4 + len)
        .toString()
        .replace('alice', 'mallo'),
    );
    payload.copy(r4, 4);
    leafHash(payload).copy(r4, 4 + len);
    writeFileSync(file, Buffer.concat([...recs.slice(0, 4), r4, ...recs.slice(5)]));
    const e1 = await verifyError(log.verify());
    expect(e1.reason).toBe('log-rewritten');
    expect(e1.message).toMatch(/entry 4 does not match leaf 4/);
    // Swap entries 1 and 2 (and their leaves): the stored nodes and the signed root no longer match.
    writeFileSync(file, Buffer.concat([recs[0], recs[2], recs[1], ...recs.slice(3)]));
    const leaves = readFileSync(path.join(dir, 'leaves.bin'));
    const swapped = Buffer.concat([
      leaves.subarray(0, 32),
      leaves.subarray(64, 96),
      leaves.subarray(32, 64),
      leaves.subarray(96),
    ]);
    writeFileSync(path.join(dir, 'leaves.bin'), swapped);
    const e2 = await verifyError(log.verify());
    expect(e2.reason).toBe('log-rewritten');
    expect(e2.message).toMatch(/node \(1, 0\)/);
  });

  it('a truncation, and a rollback to an older state behind a saved checkpoint', async () => {
    const { dir, log } = await build();
    const oldState = readFileSync(path.join(dir, 'state.json'), 'utf8');
    await log.append(ev(10));
    await log.checkpoint(); // saved inside the log
    const file = path.join(dir, 'entries.bin');
    const full = readFileSync(file);
    writeFileSync(file, full.subarray(0, full.length - 10));
    expect((await verifyError(log.verify())).message).toMatch(/truncated/);
    writeFileSync(file, full);
    expect((await log.verify()).size).toBe(11);
    // Roll back: an older, validly signed state (size 10) with the files cut to match.
    writeFileSync(path.join(dir, 'state.json'), oldState);
    const e = await verifyError(log.verify());
    expect(e.reason).toBe('log-rewritten');
    expect(e.message).toMatch(/rolled back: checkpoint checkpoints\/000000000011-/);
  });

  it('a full rewrite by the key holder passes on its own, and is caught by a checkpoint saved elsewhere', async () => {
    const { dir, log } = await build(12);
    const saved = (await log.checkpoint({ save: false })).note; // the user keeps this outside the log
    await log.append(ev(12));
    // Attacker with the signer key: rewrites entry 2 and rebuilds every file, then re-signs.
    const events = [...log.records()].map((r) => r.event);
    events[2] = { ...events[2], signer: 'mallory@example.com' };
    const signer = parseSignerKey(readFileSync(path.join(dir, 'signer.key'), 'utf8'));
    const empty = signNote(formatCheckpoint({ origin: log.origin, size: 0, root: EMPTY_ROOT }), signer);
    publishState(dir, { version: 1, size: 0, entriesBytes: 0, checkpoint: empty });
    rmSync(path.join(dir, 'checkpoints'), { recursive: true, force: true });
    await log.appendMany(events);
    // The rewritten log is internally consistent: verify() alone cannot tell.
    const alone = await log.verify();
    expect(alone.size).toBe(13);
    expect(log.entry(2).event.signer).toBe('mallory@example.com');
    // Against the checkpoint the user saved elsewhere, the consistency check fails.
    const e = await verifyError(log.verify({ checkpoints: [{ source: 'OLD.txt', note: saved }] }));
    expect(e.reason).toBe('log-rewritten');
    expect(e.message).toMatch(/not consistent with checkpoint OLD\.txt \(size 12\)/);
  });

  it('a checkpoint signed by another key, or a wrong pinned key', async () => {
    const { log } = await build(3);
    const other = await initLog(fresh(), { origin: 'bulwark.test/t' });
    await other.append(ev(0));
    const foreign = other.state().checkpoint;
    const e = await verifyError(log.verify({ checkpoints: [{ source: 'x', note: foreign }] }));
    expect(e.reason).toBe('wrong-key');
    const e2 = await verifyError(log.verify({ verifierKey: other.verifierKey }));
    expect(e2.reason).toBe('wrong-key');
  });
});

describe('crash safety and locking', () => {
  it('a torn tail is ignored, reported and truncated by the next writer', async () => {
    const dir = fresh();
    const log = await initLog(dir, { origin: 'bulwark.test/torn' });
    await log.appendMany([ev(0), ev(1), ev(2)]);
    const before = readFileSync(path.join(dir, 'entries.bin')).length;
    // An append that died after writing part of a record and a leaf, before publishing.
    appendFileSync(path.join(dir, 'entries.bin'), Buffer.from([0, 0, 1, 0, 0x7b, 0x22]));
    appendFileSync(path.join(dir, 'leaves.bin'), Buffer.alloc(17, 9));
    const reopened = await openLog(dir);
    expect(reopened.recovery.map((t) => t.file).sort()).toEqual(['entries.bin', 'leaves.bin']);
    expect(reopened.size()).toBe(3);
    expect([...reopened.records()]).toHaveLength(3);
    const report = await reopened.verify();
    expect(report.size).toBe(3);
    expect(report.recovery).toHaveLength(2);
    await reopened.append(ev(3));
    expect(readFileSync(path.join(dir, 'leaves.bin')).length).toBe(4 * 32);
    expect(readFileSync(path.join(dir, 'entries.bin')).length).toBeGreaterThan(before);
    expect((await reopened.verify()).recovery).toEqual([]);
  });

  it('a live lock holder blocks a writer; a stale lock (dead pid) is broken', async () => {
    const dir = fresh();
    const log = await initLog(dir, { origin: 'bulwark.test/lock' });
    writeFileSync(path.join(dir, 'lock'), `${process.pid} ${hostname()} now\n`);
    const blocked = await openLog(dir, { lockTimeoutMs: 150 });
    const err = await blocked.append(ev(0)).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(BulwarkError);
    expect((err as Error).message).toMatch(/locked by another writer/);
    // A pid that cannot be alive.
    writeFileSync(path.join(dir, 'lock'), `2147483646 ${hostname()} then\n`);
    await log.append(ev(0));
    expect(existsSync(path.join(dir, 'lock'))).toBe(false);
    // In-process concurrent writers serialise.
    const other = await openLog(dir);
    await Promise.all([log.append(ev(1)), other.append(ev(2)), log.append(ev(3)), other.append(ev(4))]);
    expect(log.size()).toBe(5);
    expect((await log.verify()).size).toBe(5);
  });

  describe('child-process writers (built library)', () => {
    const WRITER = path.join(ROOT, 'test', 'provenance', 'tlog-crash-writer.mjs');
    beforeAll(async () => {
      await ensureBuilt();
    });

    function startWriter(dir: string, max?: number) {
      const child = spawn(process.execPath, [WRITER, dir, ...(max ? [String(max)] : [])], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const acks: number[] = [];
      let stderr = '';
      let buffered = '';
      let onAck: (() => void) | undefined;
      child.stdout.setEncoding('utf8').on('data', (d: string) => {
        buffered += d;
        const lines = buffered.split('\n');
        buffered = lines.pop()!;
        for (const l of lines) if (l.startsWith('ack ')) acks.push(Number(l.slice(4)));
        onAck?.();
      });
      child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      const firstAck = new Promise<void>((resolve) => {
        onAck = () => {
          if (acks.length > 0) resolve();
        };
      });
      return { child, acks, exited, firstAck, stderr: () => stderr };
    }

    it('SIGKILL at random moments: the log opens, verifies, and holds every acknowledged append (at most one more)', async () => {
      const dir = fresh();
      await initLog(dir, { origin: 'bulwark.test/crash' });
      let acked = 0;
      for (let round = 0; round < 6; round++) {
        const w = startWriter(dir);
        await Promise.race([w.firstAck, w.exited]);
        await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 250)));
        w.child.kill('SIGKILL');
        const code = await w.exited;
        expect(code, w.stderr()).toBe(null); // killed, not crashed
        acked += w.acks.length;
        const log = await openLog(dir);
        const size = log.size();
        expect(size).toBeGreaterThanOrEqual(acked);
        expect(size).toBeLessThanOrEqual(acked + 1);
        // An append that published but was killed before its ack still counts from here on.
        acked = size;
        const report = await log.verify();
        expect(report.size).toBe(size);
        const records = [...log.records()];
        expect(records).toHaveLength(size);
        expect(records.every((r, i) => r.index === i && r.event.type === 'sign')).toBe(true);
      }
      expect(acked).toBeGreaterThan(0);
      // Whether a kill lands mid-append (a torn tail, reported as a recovery) depends on timing: typically about half
      // of the rounds here. Each case is covered above whichever way it falls.
    }, 60_000);

    it('two processes appending at once never interleave', async () => {
      const dir = fresh();
      await initLog(dir, { origin: 'bulwark.test/two' });
      const a = startWriter(dir, 25);
      const c = startWriter(dir, 25);
      expect(await a.exited, a.stderr()).toBe(0);
      expect(await c.exited, c.stderr()).toBe(0);
      const all = [...a.acks, ...c.acks].sort((x, y) => x - y);
      expect(all).toEqual(Array.from({ length: 50 }, (_, i) => i));
      const log = await openLog(dir);
      expect((await log.verify()).size).toBe(50);
      expect(readdirSync(dir)).not.toContain('lock');
    }, 60_000);
  });
});
