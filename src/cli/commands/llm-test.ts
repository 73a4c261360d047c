import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { Option } from 'commander';
import { ConfigError, UsageError } from '../../core/errors.js';
import {
  CONVERTERS,
  DETECTORS,
  HttpJsonTarget,
  HttpLlmJudge,
  llmTestText,
  OpenAiTarget,
  PROBES,
  runLlmTest,
  selectConverters,
  selectProbes,
  startVulnerableAssistant,
  WEAKNESS_DESCRIPTIONS,
  WEAKNESSES,
  parseWeaknesses,
  type LlmTarget,
  type LlmTestResult,
} from '../../adversarial/llm/index.js';
import { ExitCode } from '../exit-codes.js';
import { checkOutputPath, writeFileAtomic, writeStream, type CliIo } from '../io.js';
import type { RegisterCommand } from './index.js';
import { boundedNumber, collect } from '../options.js';

export interface LlmTestOptions {
  target: 'openai' | 'http';
  url?: string;
  model?: string;
  apiKeyEnv?: string;
  systemPromptFile?: string;
  requestTemplate?: string;
  responsePath?: string;
  header: string[];
  documentsMode: 'inline' | 'field';
  probes?: string;
  converters?: string;
  attempts?: string;
  concurrency?: string;
  timeout?: string;
  retries?: string;
  maxRequests?: string;
  maxResponseChars?: string;
  maxLatency?: string;
  seed?: string;
  judgeUrl?: string;
  judgeModel?: string;
  judgeApiKeyEnv?: string;
  format: 'text' | 'json';
  output?: string;
  failOnRate: string;
}

const MAX_FILE = 1 << 20;

async function readSmall(io: CliIo, file: string, what: string): Promise<string> {
  const p = path.resolve(io.cwd, file);
  let size: number;
  try {
    size = (await stat(p)).size;
  } catch {
    throw new UsageError(`${what} ${JSON.stringify(file)} does not exist; check the path`);
  }
  if (size > MAX_FILE) throw new ConfigError(`${what} ${JSON.stringify(file)} is larger than 1 MiB`);
  return readFile(p, 'utf8');
}

function apiKeyFrom(io: CliIo, envName: string | undefined, flag: string): string | undefined {
  if (envName === undefined) return undefined;
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(envName))
    throw new UsageError(
      `${flag} takes the NAME of an environment variable (e.g. OPENAI_API_KEY), not a key`,
    );
  const v = io.env[envName];
  if (!v) throw new UsageError(`environment variable ${envName} (from ${flag}) is not set or empty`);
  return v;
}

function parseHeaders(list: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const h of list) {
    const i = h.indexOf(':');
    if (i <= 0)
      throw new UsageError(`--header ${JSON.stringify(h.slice(0, 40))} must look like "Name: value"`);
    out[h.slice(0, i).trim().toLowerCase()] = h.slice(i + 1).trim();
  }
  return out;
}

/** `bulwark llm-test`: runs the probes against a target and reports attack success rates. */
export async function llmTestCommand(opts: LlmTestOptions, io: CliIo): Promise<number> {
  if (!opts.url) throw new UsageError('--url is required (the endpoint to test)');
  if (opts.output) await checkOutputPath(opts.output, io.cwd);
  const failOnRate = Number(opts.failOnRate);
  if (opts.failOnRate.trim() === '' || !(failOnRate >= 0 && failOnRate <= 1))
    throw new UsageError(
      `--fail-on-rate must be a number from 0 to 1, got ${JSON.stringify(opts.failOnRate)}`,
    );
  const probes = selectProbes(opts.probes);
  const converters = selectConverters(opts.converters);
  const apiKey = apiKeyFrom(io, opts.apiKeyEnv, '--api-key-env');
  const concurrency = boundedNumber('--concurrency', opts.concurrency, { int: true, min: 1, max: 64 }) ?? 4;
  const http = {
    headers: parseHeaders(opts.header),
    ...(apiKey ? { apiKey } : {}),
    concurrency,
    ...(opts.timeout !== undefined
      ? { timeoutMs: boundedNumber('--timeout', opts.timeout, { int: true, min: 1 }) }
      : {}),
    ...(opts.retries !== undefined
      ? { retries: boundedNumber('--retries', opts.retries, { int: true, min: 0, max: 10 }) }
      : {}),
    ...(opts.maxRequests !== undefined
      ? { maxRequests: boundedNumber('--max-requests', opts.maxRequests, { int: true, min: 1 }) }
      : {}),
  };
  let target: LlmTarget;
  if (opts.target === 'openai') {
    if (!opts.model) throw new UsageError('--model is required with --target openai');
    if (opts.requestTemplate || opts.responsePath)
      throw new UsageError('--request-template and --response-path belong to --target http');
    target = new OpenAiTarget({
      url: opts.url,
      model: opts.model,
      documentsMode: opts.documentsMode,
      ...http,
    });
  } else {
    if (!opts.requestTemplate || !opts.responsePath)
      throw new UsageError('--target http needs --request-template FILE and --response-path PATH');
    const template = await readSmall(io, opts.requestTemplate, '--request-template');
    target = new HttpJsonTarget({ url: opts.url, template, responsePath: opts.responsePath, ...http });
  }
  const systemPrompt = opts.systemPromptFile
    ? await readSmall(io, opts.systemPromptFile, '--system-prompt-file')
    : undefined;
  let judge: HttpLlmJudge | undefined;
  if (opts.judgeUrl) {
    if (!opts.judgeModel) throw new UsageError('--judge-url needs --judge-model');
    const judgeKey = apiKeyFrom(io, opts.judgeApiKeyEnv, '--judge-api-key-env');
    judge = new HttpLlmJudge({
      url: opts.judgeUrl,
      model: opts.judgeModel,
      ...(judgeKey ? { apiKey: judgeKey } : {}),
    });
  }
  const tty = !!io.stderr.isTTY;
  const result: LlmTestResult = await runLlmTest({
    target,
    probes,
    converters,
    ...(opts.attempts !== undefined
      ? { attempts: boundedNumber('--attempts', opts.attempts, { int: true, min: 1, max: 100 })! }
      : {}),
    concurrency,
    ...(opts.seed !== undefined ? { seed: opts.seed } : {}),
    ...(systemPrompt !== undefined ? { systemPrompt } : {}),
    budgets: {
      ...(opts.maxResponseChars !== undefined
        ? {
            maxResponseChars: boundedNumber('--max-response-chars', opts.maxResponseChars, {
              int: true,
              min: 1,
            }),
          }
        : {}),
      ...(opts.maxLatency !== undefined
        ? { maxLatencyMs: boundedNumber('--max-latency', opts.maxLatency, { int: true, min: 1 }) }
        : {}),
    },
    ...(judge ? { judge, judgeAll: true } : {}),
    redactSecrets: [...(apiKey ? [apiKey] : []), ...Object.values(http.headers)],
    ...(tty
      ? {
          onProgress: (done: number, total: number, id: string) =>
            io.stderr.write(`\r\u001b[2K[${done}/${total}] ${id.slice(0, 70)}`),
        }
      : {}),
  });
  if (tty) io.stderr.write('\r\u001b[2K');
  const out =
    opts.format === 'json' ? `${JSON.stringify(result, null, 2)}\n` : llmTestText(result, { failOnRate });
  if (opts.output) await writeFileAtomic(path.resolve(io.cwd, opts.output), out);
  else await writeStream(io.stdout, out);
  if (result.families.some((f) => f.successRate > failOnRate)) return ExitCode.Findings;
  if (!result.complete) {
    io.stderr.write(`bulwark: llm-test incomplete: ${result.incompleteReason ?? 'stopped early'}\n`);
    return ExitCode.Inconclusive;
  }
  if (result.metrics.errors > 0) {
    io.stderr.write(
      `bulwark: llm-test: ${result.metrics.errors} attempt(s) were rejected by the target; see "error" in the JSON result\n`,
    );
    return ExitCode.Inconclusive;
  }
  return ExitCode.Clean;
}

/** `bulwark llm-test list`: probes, converters, detectors and the vulnerable assistant's weaknesses. */
export async function llmTestListCommand(opts: { json?: boolean }, io: CliIo): Promise<number> {
  const data = {
    probes: PROBES.map((p) => ({
      id: p.id,
      family: p.family,
      goal: p.goal,
      detector: p.detector,
      converts: p.convert,
      owaspLlm: p.owaspLlm,
      atlas: p.atlas,
    })),
    converters: CONVERTERS.map((c) => ({ id: c.id, description: c.description })),
    detectors: [
      ...DETECTORS.map((d) => ({ id: d.id, description: d.description })),
      {
        id: 'judge',
        description: 'an LLM judge behind an OpenAI-compatible endpoint (--judge-url), optional',
      },
    ],
    weaknesses: WEAKNESSES.map((w) => ({ id: w, description: WEAKNESS_DESCRIPTIONS[w] })),
  };
  if (opts.json) {
    await writeStream(io.stdout, `${JSON.stringify(data, null, 2)}\n`);
    return ExitCode.Clean;
  }
  const lines = ['Probes:'];
  for (const p of data.probes)
    lines.push(`  ${p.id.padEnd(40)} ${[...p.owaspLlm, ...p.atlas].join(' ').padEnd(36)} ${p.detector}`);
  lines.push('', 'Converters:');
  for (const c of data.converters) lines.push(`  ${c.id.padEnd(14)} ${c.description}`);
  lines.push('', 'Detectors:');
  for (const d of data.detectors) lines.push(`  ${d.id.padEnd(16)} ${d.description}`);
  lines.push('', 'Vulnerable-assistant weaknesses (llm-test serve-vulnerable --weaknesses):');
  for (const w of data.weaknesses) lines.push(`  ${w.id.padEnd(20)} ${w.description}`);
  await writeStream(io.stdout, `${lines.join('\n')}\n`);
  return ExitCode.Clean;
}

/** `bulwark llm-test serve-vulnerable`: the deterministic vulnerable assistant, until interrupted. */
export async function serveVulnerableCommand(
  opts: { port: string; weaknesses: string; requireKeyEnv?: string },
  io: CliIo,
): Promise<number> {
  const port = boundedNumber('--port', opts.port, { int: true, min: 0, max: 65535 })!;
  const weaknesses = parseWeaknesses(opts.weaknesses);
  const apiKey = apiKeyFrom(io, opts.requireKeyEnv, '--require-key-env');
  const va = await startVulnerableAssistant({ port, weaknesses, ...(apiKey ? { apiKey } : {}) });
  await writeStream(
    io.stdout,
    `vulnerable assistant listening on ${va.baseUrl} (weaknesses: ${weaknesses.join(', ') || 'none (hardened)'}); Ctrl-C to stop\n`,
  );
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await va.close();
  return ExitCode.Clean;
}

export const registerLlmTest: RegisterCommand = (program, ctx) => {
  const cmd = program
    .command('llm-test')
    .description('red-team an LLM endpoint: prompt injection, jailbreaks, leakage, exfiltration, tool misuse')
    .addOption(new Option('--target <kind>', 'target type').choices(['openai', 'http']).default('openai'))
    .option('--url <url>', 'endpoint: OpenAI-compatible base (…/v1) or full URL; for http the POST URL')
    .option('--model <name>', 'model name sent to an OpenAI-compatible endpoint')
    .option(
      '--api-key-env <VAR>',
      'name of the environment variable holding the API key (sent as a bearer token)',
    )
    .option('--system-prompt-file <file>', "your application's system prompt (a canary line is appended)")
    .option(
      '--request-template <file>',
      'http: JSON body template with {{prompt}}, {{messages}}, {{system}}, {{document}}',
    )
    .option('--response-path <path>', 'http: dotted path of the reply text, e.g. choices.0.message.content')
    .option('--header <header>', 'extra request header "Name: value" (repeatable)', collect, [])
    .addOption(
      new Option('--documents-mode <mode>', 'openai: how planted documents are sent')
        .choices(['inline', 'field'])
        .default('inline'),
    )
    .option('--probes <list>', 'families, probe-id prefixes or ids, comma-separated (default: all)')
    .option(
      '--converters <list>',
      'converters, comma-separated, or "all" (default: none = seed prompts only)',
    )
    .option('--attempts <n>', 'attempts per probe variant, for nondeterministic targets (default 1)')
    .option('--concurrency <n>', 'requests in flight at once (default 4)')
    .option('--timeout <ms>', 'per-request timeout in milliseconds (default 30000)')
    .option('--retries <n>', 'retries on 429/5xx/network errors, with back-off and Retry-After (default 3)')
    .option('--max-requests <n>', 'total request budget, retries included (default unlimited)')
    .option('--max-response-chars <n>', 'reply length counted as unbounded consumption (default 20000)')
    .option('--max-latency <ms>', 'reply time counted as unbounded consumption (default 60000)')
    .option('--seed <seed>', 'seed of the canary, marker and converter choices (default random, recorded)')
    .option('--judge-url <url>', 'optional LLM judge: OpenAI-compatible endpoint that confirms successes')
    .option('--judge-model <name>', 'model of the LLM judge')
    .option('--judge-api-key-env <VAR>', 'environment variable holding the judge API key')
    .addOption(new Option('-f, --format <format>', 'output format').choices(['text', 'json']).default('text'))
    .option('-o, --output <file>', 'write the result to FILE (atomically) instead of standard output')
    .option('--fail-on-rate <r>', 'exit 1 when a family succeeds in more than this fraction of attempts', '0')
    .addHelpText(
      'after',
      '\nOnly test systems you are authorised to test.\nExit codes: 0 resisted, 1 a family succeeded above --fail-on-rate, 2 target unreachable or budget exhausted, 3 usage error.',
    )
    .action(async (opts: LlmTestOptions) => {
      ctx.setExit(await llmTestCommand(opts, ctx.io));
    });
  cmd
    .command('list')
    .description('list probes, converters, detectors and vulnerable-assistant weaknesses')
    .option('--json', 'machine-readable output')
    .action(async (opts: { json?: boolean }) => {
      ctx.setExit(await llmTestListCommand(opts, ctx.io));
    });
  cmd
    .command('serve-vulnerable')
    .description(
      'serve the deterministic vulnerable assistant on 127.0.0.1 (OpenAI-compatible) for demos and tests',
    )
    .option('--port <n>', 'port (0 = any free port)', '8787')
    .option('--weaknesses <list>', `comma-separated: ${WEAKNESSES.join(', ')}, all, or hardened`, 'hardened')
    .option('--require-key-env <VAR>', 'require this environment variable’s value as bearer token')
    .action(async (opts: { port: string; weaknesses: string; requireKeyEnv?: string }) => {
      ctx.setExit(await serveVulnerableCommand(opts, ctx.io));
    });
};
