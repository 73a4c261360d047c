import { Option } from 'commander';
import { GuardServer } from '../../adversarial/guard/server.js';
import { loadPolicy, type GuardPolicy } from '../../adversarial/guard/policy.js';
import { UsageError } from '../../core/errors.js';
import { ExitCode } from '../exit-codes.js';
import { writeStream, type CliIo } from '../io.js';
import type { RegisterCommand } from './index.js';

export interface GuardCommandOptions {
  policy: string;
  check: boolean;
  format: 'text' | 'json';
}

function summary(p: GuardPolicy): Record<string, unknown> {
  return {
    policy: p.file,
    listen: `${p.listen.host}:${p.listen.port}`,
    upstream: { url: p.upstream.url.href, kind: p.upstream.kind },
    clients: p.clients.map((c) => c.id),
    input: Object.fromEntries(Object.entries(p.input).map(([k, v]) => [k, v.mode])),
    output: Object.fromEntries(Object.entries(p.output).map(([k, v]) => [k, v.mode])),
    extraction: p.extraction ? p.extraction.mode : 'off',
    audit: p.audit.path,
    metrics: p.metrics.enabled,
  };
}

/**
 * `bulwark guard`: validates the policy (exit 3 on a bad one); with --check stops there (exit 0), else serves until
 * SIGINT/SIGTERM, then shuts down gracefully (finishes in-flight requests, flushes the audit log) and exits 0.
 */
export async function guardCommand(
  opts: GuardCommandOptions,
  io: CliIo,
  signal?: { wait: Promise<unknown> },
): Promise<number> {
  if (!opts.policy) throw new UsageError('--policy FILE is required');
  const file = opts.policy;
  const policy = await loadPolicy(file, io.env);
  const info = summary(policy);
  if (opts.check) {
    await writeStream(
      io.stdout,
      opts.format === 'json'
        ? `${JSON.stringify({ ok: true, ...info })}\n`
        : `policy ${file} is valid: ${policy.clients.length} client(s), upstream ${policy.upstream.kind} ${policy.upstream.url.href}\n`,
    );
    return ExitCode.Clean;
  }
  const guard = new GuardServer(policy, { log: (l) => io.stderr.write(`${l}\n`) });
  let addr: { host: string; port: number };
  try {
    addr = await guard.start();
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new UsageError(
      `cannot start the guard on ${policy.listen.host}:${policy.listen.port} or open ${policy.audit.path} (${e.code ?? e.message}); check listen and audit.path`,
    );
  }
  await writeStream(
    io.stdout,
    opts.format === 'json'
      ? `${JSON.stringify({ listening: `http://${addr.host}:${addr.port}`, ...info })}\n`
      : `bulwark guard listening on http://${addr.host}:${addr.port} -> ${policy.upstream.url.href}\n`,
  );
  const wait =
    signal?.wait ??
    new Promise<void>((resolve) => {
      process.once('SIGINT', () => resolve());
      process.once('SIGTERM', () => resolve());
    });
  await wait;
  await guard.stop();
  io.stderr.write(`bulwark guard stopped; ${guard.audit.records} audit record(s) written\n`);
  return ExitCode.Clean;
}

export const registerGuard: RegisterCommand = (program, ctx) => {
  program
    .command('guard')
    .description(
      'run the runtime guard: a scanning, rate-limiting, audited reverse proxy in front of a model endpoint',
    )
    .requiredOption('--policy <file>', 'guard policy (YAML); see docs/guard.md')
    .option('--check', 'validate the policy and exit (0 valid, 3 invalid)')
    .addOption(
      new Option('-f, --format <format>', 'output format of the start-up line')
        .choices(['text', 'json'])
        .default('text'),
    )
    .action(async (o: Record<string, unknown>) => {
      ctx.setExit(
        await guardCommand(
          { policy: o.policy as string, check: o.check === true, format: o.format as 'text' | 'json' },
          ctx.io,
        ),
      );
    });
};
