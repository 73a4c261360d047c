import { randomBytes } from 'node:crypto';
import { open, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { BulwarkError, UsageError } from '../core/errors.js';
import { safeText } from '../report/util.js';

/** The streams and environment a command uses; the bin passes the process's own. */
export interface CliIo {
  stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  stderr: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  env: NodeJS.ProcessEnv;
  cwd: string;
}

export function processIo(): CliIo {
  return { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() };
}

/** Writes and waits until the stream has taken the data. A closed pipe (EPIPE, e.g. `| head`) is not an error. */
export function writeStream(stream: NodeJS.WritableStream, data: string): Promise<void> {
  return new Promise((resolve, reject) => {
    stream.write(data, (err) => {
      if (err && (err as NodeJS.ErrnoException).code !== 'EPIPE') reject(err);
      else resolve();
    });
  });
}

/** Fails early (before a long scan) when --output cannot be written: its directory is missing or it is a directory. */
export async function checkOutputPath(file: string, cwd: string): Promise<void> {
  const target = path.resolve(cwd, file);
  const dir = path.dirname(target);
  const shown = safeText(file);
  try {
    if (!(await stat(dir)).isDirectory())
      throw new UsageError(
        `--output ${shown}: ${safeText(dir)} is not a directory; choose a file in an existing directory`,
      );
  } catch (err) {
    if (err instanceof BulwarkError) throw err;
    throw new UsageError(
      `--output ${shown}: directory ${safeText(dir)} does not exist; create it or choose another path`,
    );
  }
  try {
    if ((await stat(target)).isDirectory())
      throw new UsageError(`--output ${shown} is a directory; give a file name`);
  } catch (err) {
    if (err instanceof BulwarkError) throw err;
    // Not there yet: fine.
  }
}

/**
 * Writes `data` to `file` atomically: a temporary file in the same directory is written, flushed to disk and renamed
 * over the target, so readers see either the old file or the complete new one, never a partial write. The temporary
 * file is removed on failure.
 */
export async function writeFileAtomic(file: string, data: string): Promise<void> {
  const target = path.resolve(file);
  const tmp = path.join(
    path.dirname(target),
    `.${path.basename(target)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`,
  );
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    handle = await open(tmp, 'wx', 0o644);
    await handle.writeFile(data, 'utf8');
    await handle.sync();
    await handle.close();
    handle = undefined;
    await rename(tmp, target);
  } catch (err) {
    await handle?.close().catch(() => undefined);
    await rm(tmp, { force: true }).catch(() => undefined);
    throw err;
  }
}

/**
 * Writes a command's output: to `output` (relative to `cwd`) atomically when given, else to stdout. Returns false
 * after printing the one-line error when the file cannot be written (the command then exits 2: the work was done,
 * its result could not be kept).
 */
export async function emitOutput(io: CliIo, output: string | undefined, text: string): Promise<boolean> {
  if (output === undefined) {
    await writeStream(io.stdout, text);
    return true;
  }
  try {
    await writeFileAtomic(path.resolve(io.cwd, output), text);
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? String(err);
    await writeStream(
      io.stderr,
      `bulwark: error: cannot write ${safeText(output)} (${code}); check the directory is writable and has space\n`,
    );
    return false;
  }
}

/**
 * `emitOutput`, and when the result went to a file, the human-readable `summary` on standard output as well (for
 * commands whose file format is JSON or HTML). Returns false when the file could not be written.
 */
export async function emitReport(
  io: CliIo,
  output: string | undefined,
  text: string,
  summary?: () => string,
): Promise<boolean> {
  if (!(await emitOutput(io, output, text))) return false;
  if (output !== undefined && summary) await writeStream(io.stdout, summary());
  return true;
}
