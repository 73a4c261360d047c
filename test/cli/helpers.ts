import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const CLI = path.join(ROOT, 'dist', 'cli', 'main.js');
/** Third-party sample corpora, read in place from the shared folder beside the repository (never copied). */
export const CORPORA = path.resolve(ROOT, '..', 'shared', 'corpora');
export const PICKLESCAN_DATA = path.join(CORPORA, 'picklescan', 'tests', 'data');

const LOCK = path.join(ROOT, 'node_modules', '.cache', 'bulwark-test-build.lock');

async function newestMtime(dir: string): Promise<number> {
  let newest = 0;
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? await newestMtime(p) : (await stat(p)).mtimeMs);
  }
  return newest;
}

async function upToDate(): Promise<boolean> {
  if (!existsSync(CLI)) return false;
  const built = statSync(CLI).mtimeMs;
  const sources = Math.max(
    await newestMtime(path.join(ROOT, 'src')),
    statSync(path.join(ROOT, 'package.json')).mtimeMs,
  );
  return built >= sources;
}

/**
 * Runs `npm run build` (tsc) unless dist/ is newer than src/. Test files run in parallel workers, so a lock
 * directory makes sure only one of them builds at a time.
 */
export async function ensureBuilt(): Promise<void> {
  mkdirSync(path.dirname(LOCK), { recursive: true });
  const deadline = Date.now() + 120_000;
  while (true) {
    try {
      mkdirSync(LOCK);
      break;
    } catch {
      // A lock older than two minutes is left over from a killed run.
      if (existsSync(LOCK) && Date.now() - statSync(LOCK).mtimeMs > 120_000)
        rmSync(LOCK, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${LOCK}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  try {
    if (await upToDate()) return;
    try {
      await promisify(execFile)(
        process.execPath,
        [path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'],
        {
          cwd: ROOT,
          maxBuffer: 16 * 1024 * 1024,
        },
      );
    } catch (err) {
      // tsc still emits JavaScript when another part of the tree has a type error; the tests judge the result.
      if (!existsSync(CLI)) throw err;
    }
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built CLI as a child process (stdin closed, no TTY). */
export function runCli(
  args: string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const env = { ...process.env, ...opts.env };
    delete env.NO_COLOR;
    delete env.BULWARK_DEBUG;
    for (const [k, v] of Object.entries(opts.env ?? {})) if (v !== undefined) env[k] = v;
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: opts.cwd ?? ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
