import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyConsistency, verifyInclusion } from '../../src/provenance/tlog/merkle.js';
import { openCheckpoint, parseVerifierKey } from '../../src/provenance/tlog/note.js';
import { run } from '../../src/cli/program.js';
import { fakeIo } from '../cli/fakes.js';
import { ensureBuilt, runCli as runBuilt } from '../cli/helpers.js';

/** In-process run of the CLI (same parser, commands and exit codes as the binary, without a process start). */
async function runCli(args: string[], opts: { cwd: string }) {
  const io = fakeIo(opts.cwd);
  const code = await run(args, io);
  return { code, stdout: io.stdout.text, stderr: io.stderr.text };
}

let dir: string;
const b = (s: string) => Buffer.from(s, 'base64');

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'bulwark-tlog-cli-'));
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('bulwark log (built binary)', () => {
  it('init, append and verify run as a process with the documented exit codes', async () => {
    await ensureBuilt();
    const init = await runBuilt(['log', 'init', 'B', '--origin', 'example.com/bin', '-f', 'json'], {
      cwd: dir,
    });
    expect(init.code, init.stderr).toBe(0);
    const { verifierKey } = JSON.parse(init.stdout) as { verifierKey: string };
    const app = await runBuilt(['log', 'append', 'B', '--event', '{"type":"scan"}'], { cwd: dir });
    expect(app.code, app.stderr).toBe(0);
    const ok = await runBuilt(['log', 'verify', 'B', '--key', verifierKey], { cwd: dir });
    expect(ok.code, ok.stderr).toBe(0);
    writeFileSync(path.join(dir, 'B', 'leaves.bin'), Buffer.alloc(32));
    const bad = await runBuilt(['log', 'verify', 'B', '--key', verifierKey], { cwd: dir });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(
      /^bulwark: verification failed \(log-rewritten\): entry 0 does not match leaf 0/,
    );
  }, 120_000);
});

describe('bulwark log (in process)', () => {
  it('init, append, checkpoint, prove, consistency, show, verify; a rewrite is caught by an old checkpoint', async () => {
    const init = await runCli(['log', 'init', 'L', '--origin', 'example.com/models'], { cwd: dir });
    expect(init.code, init.stderr).toBe(0);
    const vkey = init.stdout.split('\n').find((l) => l.startsWith('example.com/models+'))!;
    expect(parseVerifierKey(vkey).name).toBe('example.com/models');
    const secret = readFileSync(path.join(dir, 'L', 'signer.key'), 'utf8')
      .trim()
      .split('+')
      .pop()!;
    expect(init.stdout).not.toContain(secret);
    expect(init.stdout).not.toContain('PRIVATE+KEY');

    for (let i = 0; i < 5; i++) {
      const r = await runCli(
        [
          'log',
          'append',
          'L',
          '--event',
          JSON.stringify({ type: 'sign', subject: `m${i}`, signer: 'ci@example.com' }),
          '-f',
          'json',
        ],
        { cwd: dir },
      );
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ index: i, size: i + 1 });
    }
    writeFileSync(
      path.join(dir, 'ev.json'),
      JSON.stringify({ type: 'attest', bundleDigest: `sha256:${'ab'.repeat(32)}` }),
    );
    const fromFile = await runCli(['log', 'append', 'L', '--event-file', 'ev.json'], { cwd: dir });
    expect(fromFile.code, fromFile.stderr).toBe(0);
    expect(fromFile.stdout).toMatch(/^appended entry 5 \(leaf [0-9a-f]{64}\); log size 6\n$/);

    const cp = await runCli(['log', 'checkpoint', 'L', '-o', 'OLD.txt'], { cwd: dir });
    expect(cp.code, cp.stderr).toBe(0);
    const old = readFileSync(path.join(dir, 'OLD.txt'), 'utf8');
    const opened = openCheckpoint(old, [parseVerifierKey(vkey)], 'example.com/models');
    expect(opened.size).toBe(6);
    const printed = await runCli(['log', 'checkpoint', 'L', '--no-save'], { cwd: dir });
    expect(printed.stdout).toBe(old);

    const prove = await runCli(['log', 'prove', 'L', '--index', '2', '-f', 'json'], { cwd: dir });
    expect(prove.code, prove.stderr).toBe(0);
    const p = JSON.parse(prove.stdout) as {
      leafHash: string;
      proof: string[];
      root: string;
      treeSize: number;
    };
    verifyInclusion(2, p.treeSize, b(p.leafHash), p.proof.map(b), opened.root);
    const cons = await runCli(['log', 'consistency', 'L', '--from', '3', '-f', 'json'], { cwd: dir });
    const c = JSON.parse(cons.stdout) as { proof: string[]; root1: string; root2: string };
    verifyConsistency(3, 6, c.proof.map(b), b(c.root1), b(c.root2));

    const show = await runCli(['log', 'show', 'L', '--index', '5', '-f', 'json'], { cwd: dir });
    expect(JSON.parse(show.stdout).event).toMatchObject({ type: 'attest' });

    const ok = await runCli(['log', 'verify', 'L', '--checkpoint', 'OLD.txt', '--key', vkey], { cwd: dir });
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/^OK {2}log example\.com\/models: 6 entries/);
    expect(ok.stdout).toContain('consistent with checkpoint OLD.txt (size 6)');

    // Another key's verifier key: exit 1.
    const other = await runCli(['log', 'init', 'L2', '--origin', 'example.com/models', '-f', 'json'], {
      cwd: dir,
    });
    const otherKey = (JSON.parse(other.stdout) as { verifierKey: string }).verifierKey;
    const wrong = await runCli(['log', 'verify', 'L', '--key', otherKey, '-f', 'json'], { cwd: dir });
    expect(wrong.code).toBe(1);
    expect(JSON.parse(wrong.stdout)).toMatchObject({ ok: false, reason: 'wrong-key' });

    // A rewrite of entry 1 (same length) with its checksum recomputed: exit 1, log-rewritten.
    const entries = path.join(dir, 'L', 'entries.bin');
    const saved = readFileSync(entries);
    writeFileSync(
      entries,
      Buffer.from(saved.toString('latin1').replace('"subject":"m1"', '"subject":"m9"'), 'latin1'),
    );
    const bad = await runCli(['log', 'verify', 'L', '-f', 'json'], { cwd: dir });
    expect(bad.code).toBe(1);
    expect(JSON.parse(bad.stdout)).toMatchObject({ ok: false, reason: 'log-rewritten' });
    expect(bad.stderr).toMatch(/^bulwark: verification failed \(log-rewritten\): entry 1 /);
    writeFileSync(entries, saved);

    // Damaged state: exit 2. Usage errors: exit 3.
    const state = path.join(dir, 'L', 'state.json');
    const goodState = readFileSync(state);
    writeFileSync(state, '{ not json');
    const corrupt = await runCli(['log', 'verify', 'L'], { cwd: dir });
    expect(corrupt.code).toBe(2);
    expect(corrupt.stderr).toMatch(/^bulwark: error: .*state\.json is not valid JSON/);
    writeFileSync(state, goodState);
    expect((await runCli(['log', 'prove', 'L'], { cwd: dir })).code).toBe(3);
    expect((await runCli(['log', 'prove', 'L', '--index', 'x'], { cwd: dir })).code).toBe(3);
    expect((await runCli(['log', 'prove', 'L', '--index', '99'], { cwd: dir })).code).toBe(3);
    expect((await runCli(['log', 'append', 'L'], { cwd: dir })).code).toBe(3);
    expect((await runCli(['log', 'append', 'L', '--event', '{'], { cwd: dir })).code).toBe(3);
    expect((await runCli(['log', 'verify', 'nope'], { cwd: dir })).code).toBe(3);
    expect((await runCli(['log', 'verify', 'L', '--key', 'garbage'], { cwd: dir })).code).toBe(3);
    const badEvent = await runCli(['log', 'append', 'L', '--event', '{"type":"sign","x":1}'], { cwd: dir });
    expect(badEvent.code).toBe(3);
    expect(badEvent.stderr).toMatch(/unknown field "x"/);
    expect((await runCli(['log', 'verify', 'L'], { cwd: dir })).code).toBe(0);
  }, 120_000);
});
