import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { Option, type Command } from 'commander';
import { BulwarkError, UsageError, VerificationError } from '../../core/errors.js';
import { MAX_BUNDLE_BYTES } from '../../provenance/bundle.js';
import {
  isModelSignaturePredicate,
  verifyModelStatement,
  verifySignedStatement,
  type ModelVerification,
} from '../../provenance/oms/verify-model.js';
import { createVerifier } from '../../provenance/signing/dispatch.js';
import type { SignerIdentity, SigningMethod } from '../../provenance/signing/types.js';
import { defaultSignaturePath } from '../../provenance/verify-on-load.js';
import { safeText } from '../../report/util.js';
import { ExitCode } from '../exit-codes.js';
import { writeStream, type CliIo } from '../io.js';
import type { RegisterCommand } from './index.js';
import { collect } from '../options.js';
import { omsModelOptions, type OmsModelOptions } from './oms-options.js';

export interface VerifyCommandOptions extends OmsModelOptions {
  ignoreUnsignedFiles: boolean;
  publicKey?: string;
  identity?: string;
  identityRegex?: string;
  identityProvider?: string;
  trustConfig?: string;
}

/** Exit code of a failed verification: the bundle could not be read as one → 2; anything else → 1. */
export function verificationExitCode(err: VerificationError): number {
  return err.reason === 'malformed-bundle' ? ExitCode.Inconclusive : ExitCode.Findings;
}

async function readTrustFile(file: string, cwd: string, flag: string): Promise<Buffer> {
  try {
    return await readFile(path.resolve(cwd, file));
  } catch (err) {
    throw new UsageError(
      `${flag} ${safeText(file)} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'}); check the path`,
    );
  }
}

function describeSigner(s: SignerIdentity): string {
  if (s.method === 'key') return `key ${s.keyHint ?? '(no hint)'}`;
  const parts = [`${s.method} ${s.subject ?? '(unknown subject)'}`];
  if (s.issuer) parts.push(`issuer ${s.issuer}`);
  if (s.tlogIndex) parts.push(`log index ${s.tlogIndex}`);
  return parts.join(', ');
}

async function fail(
  io: CliIo,
  format: 'text' | 'json',
  code: number,
  reason: string,
  message: string,
  details: Record<string, unknown> = {},
): Promise<number> {
  if (format === 'json')
    await writeStream(
      io.stdout,
      `${JSON.stringify({ verified: false, reason, message, details }, null, 2)}\n`,
    );
  else await writeStream(io.stderr, `bulwark: verification failed (${reason}): ${safeText(message)}\n`);
  return code;
}

/**
 * `bulwark verify key|certificate|sigstore MODEL`: verifies the model's signature and files. Exit 0 verified,
 * 1 verification failed, 2 the bundle or model could not be read, 3 usage.
 */
export async function verifyCommand(
  method: SigningMethod,
  model: string,
  opts: VerifyCommandOptions,
  io: CliIo,
): Promise<number> {
  const format = opts.format;
  const modelPath = path.resolve(io.cwd, model);
  // Trust inputs first: a missing key is a usage error whatever the state of the model.
  let verifier;
  if (method === 'key') {
    if (!opts.publicKey) throw new UsageError('bulwark verify key needs --public-key FILE');
    verifier = createVerifier('key', {
      publicKey: await readTrustFile(opts.publicKey, io.cwd, '--public-key'),
    });
  } else if (method === 'certificate') {
    const roots = await Promise.all(
      opts.certificateChain.map((c) => readTrustFile(c, io.cwd, '--certificate-chain')),
    );
    verifier = createVerifier('certificate', roots.length ? { certificateChain: roots } : {});
  } else {
    if (!opts.identityProvider)
      throw new UsageError('bulwark verify sigstore needs --identity-provider ISSUER');
    if (!opts.identity && !opts.identityRegex)
      throw new UsageError('bulwark verify sigstore needs --identity (or --identity-regex)');
    verifier = createVerifier('sigstore', {
      sigstore: {
        issuer: opts.identityProvider,
        ...(opts.identity ? { identity: opts.identity } : {}),
        ...(opts.identityRegex ? { identityRegex: opts.identityRegex } : {}),
        ...(opts.trustConfig ? { trustedRootPath: path.resolve(io.cwd, opts.trustConfig) } : {}),
      },
    });
  }

  try {
    await stat(modelPath);
  } catch {
    return fail(io, format, ExitCode.Inconclusive, 'unreadable', `model path ${model} does not exist`);
  }
  const signaturePath = opts.signature
    ? path.resolve(io.cwd, opts.signature)
    : await defaultSignaturePath(modelPath);
  let bundle: Buffer;
  try {
    const st = await stat(signaturePath);
    if (st.size > MAX_BUNDLE_BYTES)
      return fail(
        io,
        format,
        ExitCode.Inconclusive,
        'malformed-bundle',
        `signature ${signaturePath} is too large to be a signature bundle`,
      );
    bundle = await readFile(signaturePath);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    return fail(
      io,
      format,
      ExitCode.Inconclusive,
      'unreadable',
      `signature ${signaturePath} cannot be read (${code}); pass --signature FILE`,
    );
  }

  try {
    const signed = await verifySignedStatement(bundle, verifier);
    if (!isModelSignaturePredicate(signed.statement.predicateType)) {
      return await verifyAttestation(signed.statement, signed.envelope.signer, modelPath, format, io);
    }
    const result = await verifyModelStatement(modelPath, signed, {
      signaturePath,
      ignorePaths: opts.ignorePaths.map((p) => path.resolve(io.cwd, p)),
      ignoreGitPaths: opts.ignoreGitPaths,
      ignoreUnsignedFiles: opts.ignoreUnsignedFiles,
      allowEmpty: opts.allowEmpty,
    });
    await printVerified(result, signaturePath, format, io);
    return ExitCode.Clean;
  } catch (err) {
    if (err instanceof VerificationError)
      return fail(io, format, verificationExitCode(err), err.reason, err.message, err.details);
    if (err instanceof BulwarkError && (err.code === 'E_IO' || err.code === 'E_NOT_FOUND'))
      return fail(io, format, ExitCode.Inconclusive, 'unreadable', err.message);
    throw err;
  }
}

async function printVerified(
  r: ModelVerification,
  signaturePath: string,
  format: 'text' | 'json',
  io: CliIo,
) {
  if (format === 'json') {
    await writeStream(
      io.stdout,
      `${JSON.stringify(
        {
          verified: true,
          signature: signaturePath,
          signer: r.signer,
          modelName: r.modelName,
          ...(r.rootDigest ? { rootDigest: `sha256:${r.rootDigest}` } : {}),
          predicateType: r.predicateType,
          files: r.files,
          resources: r.resources,
          serialization: { method: r.method, hashType: r.hashType },
          compat: r.compat,
          warnings: r.warnings,
        },
        null,
        2,
      )}\n`,
    );
    return;
  }
  const root = r.rootDigest ? `, root sha256:${r.rootDigest}` : '';
  const lines = [
    `Verified ${safeText(r.modelName)}: ${r.files} file${r.files === 1 ? '' : 's'} (${r.resources} ${r.method === 'shards' ? 'shards' : 'resources'}, ${r.hashType})${root}`,
    `Signed by ${safeText(describeSigner(r.signer))}`,
  ];
  if (r.compat.length) lines.push(`Accepted historical format: ${r.compat.join(', ')}`);
  await writeStream(io.stdout, `${lines.join('\n')}\n`);
  for (const w of r.warnings) await writeStream(io.stderr, `bulwark: warning: ${safeText(w)}\n`);
}

async function verifyAttestation(
  statement: Parameters<typeof import('../../provenance/attest/verify.js').checkAttestation>[0],
  signer: SignerIdentity,
  modelPath: string,
  format: 'text' | 'json',
  io: CliIo,
): Promise<number> {
  let check;
  try {
    const { checkAttestation } = await import('../../provenance/attest/verify.js');
    check = await checkAttestation(statement, { modelPath });
  } catch (err) {
    if (err instanceof BulwarkError) throw err;
    return fail(
      io,
      format,
      ExitCode.Findings,
      'wrong-predicate-type',
      `the bundle is signed but its statement (${statement.predicateType}) is not a model signature and cannot be checked here`,
    );
  }
  if (!check.ok) {
    const problems = check.problems.map((p) => `${p.code}: ${p.message}`).join('; ');
    return fail(
      io,
      format,
      ExitCode.Findings,
      'attestation',
      `attestation ${check.predicateType} does not hold: ${problems}`,
      {
        predicateType: check.predicateType,
        problems: check.problems,
      },
    );
  }
  if (format === 'json')
    await writeStream(
      io.stdout,
      `${JSON.stringify({ verified: true, attestation: check, signer }, null, 2)}\n`,
    );
  else
    await writeStream(
      io.stdout,
      `Verified attestation ${safeText(check.predicateType)}: ${safeText(check.summary)}\nSigned by ${safeText(describeSigner(signer))}\n`,
    );
  return ExitCode.Clean;
}

function addCommon(cmd: Command): Command {
  return cmd
    .argument('<model>', 'model directory or single model file')
    .option(
      '-s, --signature <file>',
      'the signature bundle (default: MODEL/model.sig, or MODEL.sig for a file)',
    )
    .option(
      '--ignore-paths <path>',
      'leave PATH out of the check (repeatable); added to the paths the signer ignored',
      collect,
      [],
    )
    .option('--no-ignore-git-paths', 'also check .git, .gitattributes, .github and .gitignore')
    .option('--ignore-unsigned-files', 'check only the files the signature lists; ignore other files', false)
    .option('--allow-empty', 'accept a signature that covers no files', false)
    .addOption(
      new Option('-f, --format <format>', 'output format').choices(['text', 'json']).default('text'),
    );
}

function toOptions(o: Record<string, unknown>): VerifyCommandOptions {
  return {
    ...omsModelOptions(o),
    ignoreUnsignedFiles: o.ignoreUnsignedFiles === true,
    publicKey: o.publicKey as string | undefined,
    identity: o.identity as string | undefined,
    identityRegex: o.identityRegex as string | undefined,
    identityProvider: o.identityProvider as string | undefined,
    trustConfig: o.trustConfig as string | undefined,
  };
}

export const registerVerify: RegisterCommand = (program, ctx) => {
  const verify = program
    .command('verify')
    .description(
      'verify a model against its OpenSSF Model Signing (OMS) signature: key, certificate or sigstore',
    )
    .addHelpText(
      'after',
      '\nExit codes: 0 verified, 1 verification failed, 2 signature or model unreadable, 3 usage error.',
    );
  addCommon(verify.command('key').description('verify a signature made with an EC key'))
    .requiredOption('--public-key <file>', "the signer's public key (PEM)")
    .action(async (model: string, o: Record<string, unknown>) => {
      ctx.setExit(await verifyCommand('key', model, toOptions(o), ctx.io));
    });
  addCommon(
    verify.command('certificate').description('verify a signature made with an X.509 certificate chain'),
  )
    .option(
      '--certificate-chain <file>',
      "trusted root certificate(s) (PEM; repeatable; default: Node's CA store)",
      collect,
      [],
    )
    .action(async (model: string, o: Record<string, unknown>) => {
      ctx.setExit(await verifyCommand('certificate', model, toOptions(o), ctx.io));
    });
  addCommon(verify.command('sigstore').description('verify a keyless Sigstore signature (identity + issuer)'))
    .option('--identity <san>', 'expected signer identity (certificate SAN: email or URI)')
    .option('--identity-regex <re>', 'expected signer identity, as a regular expression')
    .option('--identity-provider <issuer>', 'expected OIDC issuer, e.g. https://github.com/login/oauth')
    .option('--trust-config <file>', 'Sigstore trusted_root.json (default: the public-good root)')
    .action(async (model: string, o: Record<string, unknown>) => {
      ctx.setExit(await verifyCommand('sigstore', model, toOptions(o), ctx.io));
    });
};
