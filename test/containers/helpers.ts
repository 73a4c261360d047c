import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

import { resolveLimits, type Limits } from '../../src/core/limits.js';
import type { ByteSource } from '../../src/scan/source.js';
import type { Budget } from '../../src/scan/types.js';

export const CORPUS = '/work/shared/corpora/picklescan/tests';
export const hasCorpus = existsSync(`${CORPUS}/data`);

export function ctx(over: Partial<Limits> = {}): { limits: Limits; budget: Budget } {
  return { limits: resolveLimits(over), budget: { decompressed: 0, deadline: Date.now() + 120_000 } };
}

export async function readAll(s: ByteSource): Promise<Buffer> {
  return Buffer.from(await s.read(0, s.size));
}

/** Runs a python3 snippet (stdlib only) with `input` on stdin; returns stdout. */
export function py(code: string, input: Uint8Array | string = ''): Buffer {
  return execFileSync('python3', ['-c', code], { input, maxBuffer: 512 * 1024 * 1024 });
}

/** Rejects if `p` does not settle within `ms`. */
export function within<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`did not finish within ${ms} ms`)), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}
