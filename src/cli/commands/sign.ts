import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { Option, type Command } from 'commander';
import { BulwarkError, UsageError } from '../../core/errors.js';
import { bundleToJson, signModel } from '../../provenance/oms/sign-model.js';
import { OMS_HASH_TYPES, type OmsHashType } from '../../provenance/oms/types.js';
import { createCertificateSigner } from '../../provenance/signing/certificate.js';
import { createKeySigner } from '../../provenance/signing/key.js';
import type { EnvelopeSigner, SigningMethod } from '../../provenance/signing/types.js';
import { defaultSignaturePath } from '../../provenance/verify-on-load.js';
import { safeText } from '../../report/util.js';
import { ExitCode } from '../exit-codes.js';
import { writeFileAtomic, writeStream, type CliIo } from '../io.js';
import { recordEvent } from '../../provenance/tlog/log.js';
import type { RegisterCommand } from './index.js';
import { registerVerify } from './verify.js';
import { collect } from '../options.js';
import { omsModelOptions, type OmsModelOptions } from './oms-options.js';

export interface SignCommandOptions extends OmsModelOptions {
  allowSymlinks: boolean;
  hashType: OmsHashType;
  serialization: 'files' | 'shards';
  shardSize?: string;
  /** Transparency log directory to record the signing event in (`bulwark log init DIR` first). */
  log?: string;
  // key / certificate
  privateKey?: string;
  passwordEnv?: string;
  signingCertificate?: string;
  // sigstore
  identityToken?: string;
  fulcioUrl?: string;
  rekorUrl?: string;
  tsaUrl?: string;
}

async function readInput(file: string, cwd: string, what: string, flag: string): Promise<Buffer> {
  const abs = path.resolve(cwd, file);
  try {
    const st = await stat(abs);
    if (!st.isFile()) throw new UsageError(`${flag} ${safeText(file)} is not a file; pass the ${what} file`);
    if (st.size > 4 * 1024 * 1024)
      throw new UsageError(`${flag} ${safeText(file)} is too large to be a ${what}`);
    return await readFile(abs);
  } catch (err) {
    if (err instanceof BulwarkError) throw err;
    throw new UsageError(
      `${flag} ${safeText(file)} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'}); check the path`,
    );
  }
}

async function makeSigner(
  method: SigningMethod,
  opts: SignCommandOptions,
  io: CliIo,
): Promise<EnvelopeSigner> {
  const passphrase = opts.passwordEnv !== undefined ? io.env[opts.passwordEnv] : undefined;
  if (opts.passwordEnv !== undefined && passphrase === undefined)
    throw new UsageError(
      `--password-env ${safeText(opts.passwordEnv)}: that environment variable is not set`,
    );
  if (method === 'key' || method === 'certificate') {
    if (!opts.privateKey) throw new UsageError(`bulwark sign ${method} needs --private-key FILE`);
    const key = await readInput(opts.privateKey, io.cwd, 'private key', '--private-key');
    if (method === 'key') return createKeySigner(key, passphrase === undefined ? {} : { passphrase });
    if (!opts.signingCertificate)
      throw new UsageError(
        'bulwark sign certificate needs --signing-certificate FILE (the leaf certificate)',
      );
    const leaf = await readInput(opts.signingCertificate, io.cwd, 'certificate', '--signing-certificate');
    const chain = await Promise.all(
      opts.certificateChain.map((c) => readInput(c, io.cwd, 'certificate', '--certificate-chain')),
    );
    return createCertificateSigner({
      privateKey: key,
      ...(passphrase === undefined ? {} : { passphrase }),
      signingCertificate: leaf,
      certificateChain: chain,
    });
  }
  const token = opts.identityToken ?? io.env.SIGSTORE_ID_TOKEN;
  if (!token)
    throw new UsageError(
      'bulwark sign sigstore needs an OIDC identity token: pass --identity-token or set SIGSTORE_ID_TOKEN',
    );
  const { createSigstoreSigner } = await import('../../provenance/sigstore/index.js');
  return createSigstoreSigner({
    identityToken: token,
    ...(opts.fulcioUrl ? { fulcioURL: opts.fulcioUrl } : {}),
    ...(opts.rekorUrl ? { rekorURL: opts.rekorUrl } : {}),
    ...(opts.tsaUrl ? { tsaURL: opts.tsaUrl } : {}),
  });
}

function parseShardSize(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v) || !Number.isSafeInteger(Number(v)) || Number(v) <= 0)
    throw new UsageError(`--shard-size ${safeText(v)} is not a positive whole number of bytes`);
  return Number(v);
}

/** `bulwark sign key|certificate|sigstore MODEL`: hashes, signs and writes the bundle atomically; returns the exit code. */
export async function signCommand(
  method: SigningMethod,
  model: string,
  opts: SignCommandOptions,
  io: CliIo,
): Promise<number> {
  const modelPath = path.resolve(io.cwd, model);
  try {
    await stat(modelPath);
  } catch {
    throw new UsageError(`model path ${safeText(model)} does not exist; check the path`);
  }
  if (!OMS_HASH_TYPES.includes(opts.hashType))
    throw new UsageError(`--hash-type ${safeText(opts.hashType)} is not one of ${OMS_HASH_TYPES.join(', ')}`);
  const shardSize = parseShardSize(opts.shardSize);
  const signaturePath = opts.signature
    ? path.resolve(io.cwd, opts.signature)
    : await defaultSignaturePath(modelPath);
  const signer = await makeSigner(method, opts, io);
  const signed = await signModel(modelPath, signer, {
    signaturePath,
    allowEmpty: opts.allowEmpty,
    ignorePaths: opts.ignorePaths.map((p) => path.resolve(io.cwd, p)),
    ignoreGitPaths: opts.ignoreGitPaths,
    allowSymlinks: opts.allowSymlinks,
    hashType: opts.hashType,
    method: opts.serialization,
    ...(shardSize !== undefined ? { shardSize } : {}),
    modelName: path.basename(modelPath),
  });
  try {
    await writeFileAtomic(signaturePath, bundleToJson(signed.bundle));
  } catch (err) {
    await writeStream(
      io.stderr,
      `bulwark: error: cannot write the signature ${safeText(signaturePath)} (${(err as NodeJS.ErrnoException).code ?? String(err)}); check the directory exists and is writable\n`,
    );
    return ExitCode.Inconclusive;
  }
  const m = signed.manifest;
  let logged: { index: number } | undefined;
  if (opts.log) {
    const vmat = signed.bundle.verificationMaterial;
    const cert = vmat.certificate?.rawBytes ?? vmat.x509CertificateChain?.certificates[0]?.rawBytes;
    logged = await recordEvent(path.resolve(io.cwd, opts.log), {
      type: 'sign',
      subject: m.modelName,
      subjectDigest: `sha256:${m.rootDigest}`,
      bundleDigest: `sha256:${createHash('sha256').update(bundleToJson(signed.bundle)).digest('hex')}`,
      signer:
        vmat.publicKey?.hint ??
        (cert
          ? `certificate sha256:${createHash('sha256').update(Buffer.from(cert, 'base64')).digest('hex')}`
          : method),
      details: { method, signature: path.basename(signaturePath), resources: m.resources.length },
    });
  }
  const files = new Set(
    m.resources.map((r) => (m.serialization.method === 'shards' ? r.name.replace(/:\d+:\d+$/, '') : r.name)),
  ).size;
  const vm = signed.bundle.verificationMaterial;
  if (opts.format === 'json') {
    await writeStream(
      io.stdout,
      `${JSON.stringify(
        {
          signed: true,
          method,
          signature: signaturePath,
          modelName: m.modelName,
          rootDigest: `sha256:${m.rootDigest}`,
          resources: m.resources.length,
          files,
          bytes: m.bytes,
          serialization: m.serialization,
          ...(vm.publicKey?.hint ? { keyHint: vm.publicKey.hint } : {}),
          ...(logged ? { logIndex: logged.index } : {}),
        },
        null,
        2,
      )}\n`,
    );
  } else {
    const by = vm.publicKey?.hint ? ` with key ${vm.publicKey.hint.slice(0, 16)}…` : ` (${method})`;
    await writeStream(
      io.stdout,
      `Signed ${safeText(m.modelName)}: ${files} file${files === 1 ? '' : 's'}, ${m.bytes} bytes, root sha256:${m.rootDigest}${by}\nSignature written to ${safeText(signaturePath)}\n${logged ? `Recorded in the transparency log at index ${logged.index}\n` : ''}`,
    );
  }
  return ExitCode.Clean;
}

function addCommon(cmd: Command): Command {
  return cmd
    .argument('<model>', 'model directory or single model file')
    .option(
      '-s, --signature <file>',
      'where to write the signature (default: MODEL/model.sig, or MODEL.sig for a file)',
    )
    .option(
      '--ignore-paths <path>',
      'leave PATH out of the signature (repeatable; a directory leaves out its subtree)',
      collect,
      [],
    )
    .option('--no-ignore-git-paths', 'also sign .git, .gitattributes, .github and .gitignore')
    .option('--allow-symlinks', 'hash the targets of symbolic links (default: a symlink is an error)', false)
    .addOption(
      new Option('--hash-type <type>', 'digest of each file or shard')
        .choices([...OMS_HASH_TYPES])
        .default('sha256'),
    )
    .addOption(
      new Option('--serialization <method>', 'one digest per file, or per shard')
        .choices(['files', 'shards'])
        .default('files'),
    )
    .option('--shard-size <bytes>', 'shard size for --serialization shards (default 1000000000)')
    .option('--allow-empty', 'sign a model with no files (the OMS spec forbids it)', false)
    .option(
      '--log <dir>',
      'record the signing event in this transparency log (created with `bulwark log init`)',
    )
    .addOption(
      new Option('-f, --format <format>', 'output format').choices(['text', 'json']).default('text'),
    );
}

function toOptions(o: Record<string, unknown>): SignCommandOptions {
  return {
    ...omsModelOptions(o),
    allowSymlinks: o.allowSymlinks === true,
    hashType: (o.hashType as OmsHashType) ?? 'sha256',
    serialization: (o.serialization as 'files' | 'shards') ?? 'files',
    shardSize: o.shardSize as string | undefined,
    log: o.log as string | undefined,
    privateKey: o.privateKey as string | undefined,
    passwordEnv: o.passwordEnv as string | undefined,
    signingCertificate: o.signingCertificate as string | undefined,
    identityToken: o.identityToken as string | undefined,
    fulcioUrl: o.fulcioUrl as string | undefined,
    rekorUrl: o.rekorUrl as string | undefined,
    tsaUrl: o.tsaUrl as string | undefined,
  };
}

export const registerSign: RegisterCommand = (program, ctx) => {
  const sign = program
    .command('sign')
    .description('sign a model with OpenSSF Model Signing (OMS): key, certificate or sigstore (keyless)');
  addCommon(sign.command('key').description('sign with an EC private key (P-256, P-384 or P-521)'))
    .requiredOption('--private-key <file>', 'EC private key (PEM)')
    .option('--password-env <var>', 'read the private key password from environment variable VAR')
    .action(async (model: string, o: Record<string, unknown>) => {
      ctx.setExit(await signCommand('key', model, toOptions(o), ctx.io));
    });
  addCommon(
    sign.command('certificate').description('sign with a private key and its X.509 certificate chain'),
  )
    .requiredOption('--private-key <file>', 'EC private key (PEM) of the signing certificate')
    .requiredOption('--signing-certificate <file>', 'the signing (leaf) certificate (PEM)')
    .option('--certificate-chain <file>', 'intermediate certificate(s) (PEM; repeatable)', collect, [])
    .option('--password-env <var>', 'read the private key password from environment variable VAR')
    .action(async (model: string, o: Record<string, unknown>) => {
      ctx.setExit(await signCommand('certificate', model, toOptions(o), ctx.io));
    });
  addCommon(
    sign.command('sigstore').description('sign keyless with Sigstore (Fulcio certificate, Rekor log entry)'),
  )
    .option('--identity-token <jwt>', 'OIDC identity token (default: $SIGSTORE_ID_TOKEN)')
    .option('--fulcio-url <url>', 'Fulcio instance (default: public good)')
    .option('--rekor-url <url>', 'Rekor instance (default: public good)')
    .option('--tsa-url <url>', 'RFC 3161 timestamp authority (default: none)')
    .action(async (model: string, o: Record<string, unknown>) => {
      ctx.setExit(await signCommand('sigstore', model, toOptions(o), ctx.io));
    });
};

/** Registers `bulwark sign` and `bulwark verify` (one registrar for the OMS commands). */
export const registerSignVerify: RegisterCommand = (program, ctx) => {
  registerSign(program, ctx);
  registerVerify(program, ctx);
};
