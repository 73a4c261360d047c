import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { Command, Option } from 'commander';
import { parse as parseYaml } from 'yaml';
import { BulwarkError, ConfigError, UsageError, errorMessage } from '../../core/errors.js';
import type { InTotoStatement, SigstoreBundleJson } from '../../provenance/bundle.js';
import {
  attest,
  buildBomStatement,
  buildScanStatement,
  buildTrainingProvenance,
  buildTrainingStatement,
  hashTree,
  loadTrainingRunSpec,
  verifyAttestationBundle,
  verifyLineage,
  type AttestationVerification,
  type LineageLink,
  type LineageResult,
} from '../../provenance/attest/index.js';
import { buildCycloneDxBom } from '../../provenance/bom/cyclonedx.js';
import { buildSpdxDocument } from '../../provenance/bom/spdx.js';
import type { HashOptions, ModelManifest } from '../../provenance/oms/types.js';
import {
  createCertificateSigner,
  createCertificateVerifier,
  createKeySigner,
  createKeyVerifier,
} from '../../provenance/signing/index.js';
import type { EnvelopeSigner, EnvelopeVerifier, SignerIdentity } from '../../provenance/signing/types.js';
import { createSigstoreSigner, createSigstoreVerifier } from '../../provenance/sigstore/index.js';
import type { ScanReport } from '../../scan/types.js';
import { safeText } from '../../report/util.js';
import { ExitCode } from '../exit-codes.js';
import { checkOutputPath, writeFileAtomic, writeStream, type CliIo } from '../io.js';
import type { RegisterCommand } from './index.js';
import { collect } from '../options.js';

const METHODS = ['key', 'certificate', 'sigstore'] as const;
type Method = (typeof METHODS)[number];
const MAX_INPUT_BYTES = 64 * 1024 * 1024;
const MAX_PEM_BYTES = 1024 * 1024;

/** Options every `attest <kind>` command takes. */
export interface AttestSignOptions {
  method: Method;
  privateKey?: string;
  signingCertificate?: string;
  certificateChain: string[];
  identityToken?: string;
  fulcioUrl?: string;
  rekorUrl?: string;
  tsaUrl?: string;
  output?: string;
  statementOnly?: boolean;
  modelName?: string;
  perFileSubjects?: boolean;
  ignorePath: string[];
}

export interface AttestVerifyOptions {
  publicKey?: string;
  certificateChain: string[];
  identity?: string;
  identityRegex?: string;
  identityProvider?: string;
  trustedRoot?: string;
  baseModel?: string;
  dataset: string[];
  ignorePath: string[];
  format: 'text' | 'json';
}

async function readInput(file: string, cwd: string, what: string, max = MAX_INPUT_BYTES): Promise<Buffer> {
  const abs = path.resolve(cwd, file);
  let size: number;
  try {
    const st = await stat(abs);
    if (!st.isFile()) throw new UsageError(`${what} ${safeText(file)} is not a file; name a file`);
    size = st.size;
  } catch (err) {
    if (err instanceof BulwarkError) throw err;
    throw new UsageError(`${what} ${safeText(file)} does not exist; check the path`);
  }
  if (size > max)
    throw new UsageError(`${what} ${safeText(file)} is larger than ${max} bytes; is it the right file?`);
  try {
    return await readFile(abs);
  } catch (err) {
    throw new BulwarkError('E_IO', `cannot read ${what} ${safeText(file)}: ${errorMessage(err)}`);
  }
}

async function readJson(file: string, cwd: string, what: string): Promise<unknown> {
  const buf = await readInput(file, cwd, what);
  try {
    return JSON.parse(buf.toString('utf8'));
  } catch {
    throw new BulwarkError('E_PARSE', `${what} ${safeText(file)} is not JSON; pass the JSON file`);
  }
}

async function checkModel(model: string, cwd: string): Promise<string> {
  if (model.trim() === '')
    throw new UsageError('an empty MODEL path was given; name a model file or directory');
  const abs = path.resolve(cwd, model);
  try {
    await stat(abs);
  } catch {
    throw new UsageError(`model path ${JSON.stringify(safeText(model))} does not exist; check the path`);
  }
  return abs;
}

/** Builds the envelope signer the options ask for. Secrets (keys, tokens) are read, never echoed. */
export async function makeSigner(o: AttestSignOptions, io: CliIo): Promise<EnvelopeSigner> {
  if (o.method === 'sigstore') {
    const token = o.identityToken ?? io.env.SIGSTORE_ID_TOKEN;
    if (!token)
      throw new UsageError(
        '--method sigstore needs an OIDC identity token: pass --identity-token or set SIGSTORE_ID_TOKEN',
      );
    return createSigstoreSigner({
      identityToken: token,
      fulcioURL: o.fulcioUrl,
      rekorURL: o.rekorUrl,
      tsaURL: o.tsaUrl,
    });
  }
  if (!o.privateKey) throw new UsageError(`--method ${o.method} needs --private-key KEY.pem`);
  const key = await readInput(o.privateKey, io.cwd, '--private-key', MAX_PEM_BYTES);
  if (o.method === 'key') {
    if (o.signingCertificate || o.certificateChain.length)
      throw new UsageError('--signing-certificate and --certificate-chain need --method certificate');
    return createKeySigner(key);
  }
  if (!o.signingCertificate)
    throw new UsageError('--method certificate needs --signing-certificate CERT.pem');
  return createCertificateSigner({
    privateKey: key,
    signingCertificate: await readInput(o.signingCertificate, io.cwd, '--signing-certificate', MAX_PEM_BYTES),
    certificateChain: await Promise.all(
      o.certificateChain.map((c) => readInput(c, io.cwd, '--certificate-chain', MAX_PEM_BYTES)),
    ),
  });
}

/** Verifier material, from CLI flags or a lineage file entry. */
export interface VerifierMaterial {
  publicKey?: string;
  certificateChain?: string[];
  identity?: string;
  identityRegex?: string;
  identityProvider?: string;
  trustedRoot?: string;
}

/** Builds a verifier: a public key (key method), trusted roots (certificate method) or an identity (Sigstore). */
export async function makeVerifier(m: VerifierMaterial, cwd: string, where = ''): Promise<EnvelopeVerifier> {
  const chain = m.certificateChain ?? [];
  const given = [
    m.publicKey !== undefined,
    chain.length > 0,
    m.identity !== undefined || m.identityRegex !== undefined,
  ];
  if (given.filter(Boolean).length !== 1)
    throw new UsageError(
      `${where}give exactly one of --public-key (key), --certificate-chain (certificate) or --identity/--identity-regex with --identity-provider (sigstore)`,
    );
  if (m.publicKey !== undefined)
    return createKeyVerifier(await readInput(m.publicKey, cwd, `${where}--public-key`, MAX_PEM_BYTES));
  if (chain.length)
    return createCertificateVerifier({
      trustedRoots: await Promise.all(
        chain.map((c) => readInput(c, cwd, `${where}--certificate-chain`, MAX_PEM_BYTES)),
      ),
    });
  if (!m.identityProvider)
    throw new UsageError(`${where}--identity needs --identity-provider (the OIDC issuer URL)`);
  return createSigstoreVerifier({
    identity: m.identity,
    identityRegex: m.identityRegex,
    issuer: m.identityProvider,
    trustedRootPath: m.trustedRoot === undefined ? undefined : path.resolve(cwd, m.trustedRoot),
  });
}

function hashOptionsFor(
  o: { ignorePath: string[]; modelName?: string },
  cwd: string,
  output?: string,
): HashOptions {
  const ignorePaths = o.ignorePath.map((p) => path.resolve(cwd, p));
  // Never hash the attestation being written into the model directory.
  if (output !== undefined) ignorePaths.push(path.resolve(cwd, output));
  const h: HashOptions = { ignorePaths };
  if (o.modelName !== undefined) h.modelName = o.modelName;
  return h;
}

async function emit(
  statement: InTotoStatement,
  o: AttestSignOptions,
  io: CliIo,
  signer: EnvelopeSigner | undefined,
): Promise<number> {
  const body = signer ? await attest(statement, signer) : statement;
  const text = `${JSON.stringify(body, null, 2)}\n`;
  if (o.output === undefined) await writeStream(io.stdout, text);
  else {
    await writeFileAtomic(path.resolve(io.cwd, o.output), text);
    await writeStream(
      io.stderr,
      `bulwark: wrote ${signer ? `${signer.method}-signed attestation` : 'unsigned statement'} ${statement.predicateType} about ${safeText(statement.subject[0].name ?? '')} sha256:${statement.subject[0].digest.sha256} to ${safeText(o.output)}\n`,
    );
  }
  return ExitCode.Clean;
}

/** Checks options, builds the signer (before any long work) and hashes the model. */
async function prepare(
  model: string,
  o: AttestSignOptions,
  io: CliIo,
): Promise<{ modelAbs: string; signer?: EnvelopeSigner; manifest: ModelManifest; hashOptions: HashOptions }> {
  const modelAbs = await checkModel(model, io.cwd);
  if (o.output !== undefined) await checkOutputPath(o.output, io.cwd);
  const signer = o.statementOnly ? undefined : await makeSigner(o, io);
  const hashOptions = hashOptionsFor(o, io.cwd, o.output);
  const manifest = await hashTree(modelAbs, hashOptions);
  return { modelAbs, signer, manifest, hashOptions };
}

/** `bulwark attest scan MODEL`: scan results as a signed attestation. */
export async function attestScanCommand(
  model: string,
  o: AttestSignOptions & { scanReport?: string },
  io: CliIo,
): Promise<number> {
  const { modelAbs, signer, manifest } = await prepare(model, o, io);
  let report: ScanReport;
  let modelPath = model;
  if (o.scanReport !== undefined)
    report = (await readJson(o.scanReport, io.cwd, '--scan-report')) as ScanReport;
  else {
    const { scan } = await import('../../scan/engine.js');
    report = await scan([modelAbs]);
    modelPath = modelAbs;
  }
  await import('../../all-rules.js');
  const st = buildScanStatement(manifest, report, {
    modelPath,
    cwd: io.cwd,
    perFileSubjects: o.perFileSubjects,
  });
  return emit(st, o, io, signer);
}

/** `bulwark attest bom MODEL`: a CycloneDX (or SPDX 3) BOM as a signed attestation. */
export async function attestBomCommand(
  model: string,
  o: AttestSignOptions & { bom?: string; bomFormat: 'cyclonedx' | 'spdx' },
  io: CliIo,
): Promise<number> {
  const { modelAbs, signer, manifest } = await prepare(model, o, io);
  let bom: unknown;
  if (o.bom !== undefined) bom = await readJson(o.bom, io.cwd, '--bom');
  else {
    const opts = { cwd: io.cwd, manifest, ...(o.modelName ? { name: o.modelName } : {}) };
    const built =
      o.bomFormat === 'spdx'
        ? await buildSpdxDocument(modelAbs, opts)
        : await buildCycloneDxBom(modelAbs, opts);
    for (const w of built.warnings.slice(0, 20))
      await writeStream(io.stderr, `bulwark: warning: ${safeText(w)}\n`);
    bom = built.document;
  }
  const st = buildBomStatement(manifest, bom, { format: o.bomFormat, perFileSubjects: o.perFileSubjects });
  return emit(st, o, io, signer);
}

/** `bulwark attest training MODEL --run SPEC`: SLSA v1 provenance of the run that produced MODEL. */
export async function attestTrainingCommand(
  model: string,
  o: AttestSignOptions & { run: string },
  io: CliIo,
): Promise<number> {
  const specPath = path.resolve(io.cwd, o.run);
  const spec = await loadTrainingRunSpec(specPath);
  const { signer, manifest } = await prepare(model, o, io);
  const provenance = await buildTrainingProvenance(spec, { baseDir: path.dirname(specPath) });
  return emit(
    buildTrainingStatement(manifest, provenance, { perFileSubjects: o.perFileSubjects }),
    o,
    io,
    signer,
  );
}

function signerText(s: SignerIdentity | undefined): string {
  if (!s) return 'unknown';
  if (s.method === 'key') return `key ${s.keyHint ? `${s.keyHint.slice(0, 16)}…` : '(no hint)'}`;
  return `${s.method} ${safeText(s.subject ?? '?')}${s.issuer ? ` (issuer ${safeText(s.issuer)})` : ''}`;
}

function parseDatasets(list: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of list) {
    const i = item.indexOf('=');
    if (i <= 0 || i === item.length - 1) throw new UsageError(`--dataset ${safeText(item)}: use NAME=PATH`);
    out[item.slice(0, i)] = item.slice(i + 1);
  }
  return out;
}

/** Reads a bundle file (Sigstore bundle JSON). */
async function readBundle(file: string, cwd: string, what = 'bundle'): Promise<SigstoreBundleJson> {
  const v = await readJson(file, cwd, what);
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new BulwarkError('E_PARSE', `${what} ${safeText(file)} is not a Sigstore bundle (a JSON object)`);
  return v as SigstoreBundleJson;
}

export function verificationJson(r: AttestationVerification): Record<string, unknown> {
  return {
    ok: r.ok,
    reason: r.reason ?? null,
    message: r.message ?? null,
    signer: r.signer ?? null,
    predicateType: r.check?.predicateType ?? null,
    kind: r.check?.kind ?? null,
    subject: r.statement?.subject ?? null,
    summary: r.check?.summary ?? null,
    checked: r.check?.checked ?? [],
    problems: r.check?.problems ?? [],
    warnings: r.warnings,
  };
}

/** `bulwark attest verify BUNDLE [MODEL]`. */
export async function attestVerifyCommand(
  bundleFile: string,
  model: string | undefined,
  o: AttestVerifyOptions,
  io: CliIo,
): Promise<number> {
  const verifier = await makeVerifier(o, io.cwd);
  const bundle = await readBundle(bundleFile, io.cwd);
  const modelAbs = model === undefined ? undefined : await checkModel(model, io.cwd);
  const datasets = parseDatasets(o.dataset);
  const ignorePaths = [...o.ignorePath.map((p) => path.resolve(io.cwd, p)), path.resolve(io.cwd, bundleFile)];
  const r = await verifyAttestationBundle(bundle, verifier, {
    modelPath: modelAbs,
    baseModelPath: o.baseModel === undefined ? undefined : await checkModel(o.baseModel, io.cwd),
    datasets: Object.keys(datasets).length ? datasets : undefined,
    hashOptions: { ignorePaths },
    cwd: io.cwd,
  });
  if (o.format === 'json') await writeStream(io.stdout, `${JSON.stringify(verificationJson(r), null, 2)}\n`);
  else {
    const lines: string[] = [];
    if (r.ok) {
      lines.push(`OK    ${safeText(r.check!.summary)}`);
      lines.push(`      signed by ${signerText(r.signer)}`);
      if (r.check!.checked.length) lines.push(`      matches ${r.check!.checked.map(safeText).join(', ')}`);
      else lines.push('      no model given: the subject was not compared with files on disk');
    } else {
      lines.push(`FAIL  ${r.reason}: ${safeText(r.message ?? '')}`);
      for (const p of r.check?.problems.slice(1) ?? []) lines.push(`      ${p.code}: ${safeText(p.message)}`);
    }
    for (const w of r.warnings) lines.push(`      warning: ${safeText(w)}`);
    await writeStream(io.stdout, `${lines.join('\n')}\n`);
  }
  return r.ok ? ExitCode.Clean : ExitCode.Findings;
}

interface ChainFileLink extends VerifierMaterial {
  model: string;
  bundle: string;
  label?: string;
  datasets?: Record<string, string>;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Parses a lineage chain file (YAML or JSON). Documented in docs/cli/attest.md. */
export function parseChainFile(
  raw: unknown,
  source: string,
): { links: ChainFileLink[]; requireDatasets: boolean } {
  const bad = (m: string): never => {
    throw new ConfigError(`${source}: ${m}`);
  };
  if (!isObject(raw) || !Array.isArray(raw.links) || raw.links.length === 0)
    bad('must be a mapping with a non-empty "links" list (oldest model first)');
  const r = raw as { links: unknown[]; requireDatasets?: unknown };
  if (r.links.length > 100) bad('more than 100 links');
  if (r.requireDatasets !== undefined && typeof r.requireDatasets !== 'boolean')
    bad('requireDatasets must be true or false');
  const strKeys = [
    'model',
    'bundle',
    'label',
    'publicKey',
    'identity',
    'identityRegex',
    'identityProvider',
    'trustedRoot',
  ];
  const links = r.links.map((l, i): ChainFileLink => {
    if (!isObject(l)) bad(`links[${i}] must be a mapping`);
    const link = l as Record<string, unknown>;
    for (const k of Object.keys(link))
      if (![...strKeys, 'certificateChain', 'datasets'].includes(k))
        bad(`links[${i}]: unknown key "${k.slice(0, 64)}"`);
    for (const k of strKeys)
      if (link[k] !== undefined && (typeof link[k] !== 'string' || link[k] === ''))
        bad(`links[${i}].${k} must be a string`);
    if (link.model === undefined || link.bundle === undefined) bad(`links[${i}] needs model and bundle`);
    let chain: string[] | undefined;
    if (link.certificateChain !== undefined) {
      const c = link.certificateChain;
      chain =
        typeof c === 'string'
          ? [c]
          : Array.isArray(c) && c.every((x) => typeof x === 'string')
            ? (c as string[])
            : bad(`links[${i}].certificateChain must be a path or a list of paths`);
    }
    if (
      link.datasets !== undefined &&
      (!isObject(link.datasets) || !Object.values(link.datasets).every((x) => typeof x === 'string'))
    )
      bad(`links[${i}].datasets must map dataset names to paths`);
    return { ...(link as unknown as ChainFileLink), certificateChain: chain };
  });
  return { links, requireDatasets: r.requireDatasets === true };
}

export function lineageText(r: LineageResult, cwd = process.cwd()): string {
  const lines: string[] = [];
  for (const l of r.links) {
    const status = l.ok ? 'OK  ' : 'FAIL';
    let detail = '';
    if (l.kind === 'training') {
      const checked = l.datasets.filter((d) => d.checked).length;
      detail = ` base ${l.baseDigest ? `sha256:${l.baseDigest.slice(0, 12)}…` : 'none'}, datasets ${checked}/${l.datasets.length} checked`;
    }
    lines.push(
      `${status}  ${l.index + 1}. ${safeText(l.label)} ${safeText(path.relative(cwd, l.modelPath) || '.')} [${l.kind}] ${l.subjectDigest ? `sha256:${l.subjectDigest.slice(0, 12)}…` : ''}${detail}${l.signer ? `; signed by ${signerText(l.signer)}` : ''}`,
    );
    if (!l.ok) lines.push(`      ${l.reason}: ${safeText(l.message ?? '')}`);
  }
  lines.push(
    r.ok
      ? `Lineage verified: ${r.links.length} link(s), every input and output matches.`
      : `Lineage BROKEN at link ${r.broken!.index + 1}: ${r.broken!.reason}.`,
  );
  return `${lines.join('\n')}\n`;
}

/** `bulwark attest lineage CHAIN.yaml`. */
export async function attestLineageCommand(
  chainFile: string,
  o: { format: 'text' | 'json'; requireDatasets?: boolean },
  io: CliIo,
): Promise<number> {
  const text = (await readInput(chainFile, io.cwd, 'chain file', 1024 * 1024)).toString('utf8');
  let raw: unknown;
  try {
    raw = parseYaml(text, { maxAliasCount: 100, prettyErrors: false });
  } catch (err) {
    throw new ConfigError(`${chainFile}: not valid YAML or JSON: ${errorMessage(err).split('\n')[0]}`);
  }
  const parsed = parseChainFile(raw, chainFile);
  const base = path.dirname(path.resolve(io.cwd, chainFile));
  const links: LineageLink[] = [];
  for (const [i, l] of parsed.links.entries()) {
    const where = `${chainFile} links[${i}]: `;
    const modelPath = path.resolve(base, l.model);
    try {
      await stat(modelPath);
    } catch {
      throw new UsageError(
        `${where}model ${safeText(l.model)} does not exist; check the path (relative to the chain file)`,
      );
    }
    const bundleAbs = path.resolve(base, l.bundle);
    links.push({
      modelPath,
      bundle: await readBundle(bundleAbs, base, `${where}bundle`),
      verifier: await makeVerifier(
        { ...l, publicKey: l.publicKey, certificateChain: l.certificateChain, trustedRoot: l.trustedRoot },
        base,
        where,
      ),
      label: l.label ?? path.basename(l.model),
      datasets: l.datasets
        ? Object.fromEntries(Object.entries(l.datasets).map(([k, v]) => [k, path.resolve(base, v)]))
        : undefined,
      hashOptions: { ignorePaths: [bundleAbs] },
    });
  }
  const r = await verifyLineage(links, {
    requireDatasets: o.requireDatasets || parsed.requireDatasets,
    cwd: base,
  });
  await writeStream(
    io.stdout,
    o.format === 'json' ? `${JSON.stringify(r, null, 2)}\n` : lineageText(r, io.cwd),
  );
  return r.ok ? ExitCode.Clean : ExitCode.Findings;
}

function signingOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--method <method>', 'signing method').choices(METHODS).default('key'))
    .option('--private-key <file>', 'EC private key, PEM (key and certificate methods)')
    .option('--signing-certificate <file>', 'certificate method: the signing (leaf) certificate')
    .option(
      '--certificate-chain <file>',
      'certificate method: intermediate certificates (repeatable)',
      collect,
      [],
    )
    .option('--identity-token <token>', 'sigstore method: OIDC identity token (default: $SIGSTORE_ID_TOKEN)')
    .option('--fulcio-url <url>', 'sigstore method: Fulcio URL (default: public good)')
    .option('--rekor-url <url>', 'sigstore method: Rekor URL (default: public good)')
    .option('--tsa-url <url>', 'sigstore method: RFC 3161 timestamp authority (default: none)')
    .option('-o, --output <file>', 'write the bundle to FILE (atomically) instead of standard output')
    .option('--statement-only', 'print the unsigned in-toto statement instead of signing it')
    .option('--model-name <name>', 'subject name (default: the model path’s last component)')
    .option('--per-file-subjects', 'add one subject per model file after the OMS root digest')
    .option('--ignore-path <path>', 'leave PATH out of the model digest (repeatable)', collect, []);
}

function verifyOptions(cmd: Command): Command {
  return cmd
    .option('--public-key <file>', 'key method: the signer’s public key (PEM)')
    .option(
      '--certificate-chain <file>',
      'certificate method: trusted root certificate(s) (repeatable)',
      collect,
      [],
    )
    .option('--identity <identity>', 'sigstore method: expected certificate identity (e-mail or URI)')
    .option('--identity-regex <regex>', 'sigstore method: regular expression the identity must match')
    .option('--identity-provider <url>', 'sigstore method: expected OIDC issuer')
    .option('--trusted-root <file>', 'sigstore method: trusted_root.json (default: public good)');
}

export const registerAttest: RegisterCommand = (program, ctx) => {
  const { io, setExit } = ctx;
  const cmd = program
    .command('attest')
    .description(
      'create and verify signed in-toto attestations about a model: scan results, BOM, training-run provenance, lineage',
    )
    .addHelpText(
      'after',
      '\nExit codes: 0 written / verified, 1 verification failed or lineage broken, 2 inconclusive (unreadable input), 3 usage error, 4 internal error.',
    );

  signingOptions(
    cmd
      .command('scan')
      .description('attest the scan results of MODEL (runs the scan unless --scan-report is given)')
      .argument('<model>', 'model file or directory')
      .option(
        '--scan-report <file>',
        'a `bulwark scan -f json` report of MODEL to attest instead of scanning',
      ),
  ).action(async (model: string, o: AttestSignOptions & { scanReport?: string }) => {
    setExit(await attestScanCommand(model, o, io));
  });

  signingOptions(
    cmd
      .command('bom')
      .description('attest the BOM of MODEL (built unless --bom is given)')
      .argument('<model>', 'model file or directory')
      .option(
        '--bom <file>',
        'an existing CycloneDX JSON (or SPDX 3 JSON-LD with --bom-format spdx) BOM of MODEL',
      )
      .addOption(
        new Option('--bom-format <format>', 'BOM format').choices(['cyclonedx', 'spdx']).default('cyclonedx'),
      ),
  ).action(
    async (model: string, o: AttestSignOptions & { bom?: string; bomFormat: 'cyclonedx' | 'spdx' }) => {
      setExit(await attestBomCommand(model, o, io));
    },
  );

  signingOptions(
    cmd
      .command('training')
      .description('attest the training run that produced MODEL (SLSA Provenance v1)')
      .argument('<model>', 'the trained model (file or directory)')
      .requiredOption('--run <spec>', 'training-run spec (YAML or JSON; see docs/attestations.md)'),
  ).action(async (model: string, o: AttestSignOptions & { run: string }) => {
    setExit(await attestTrainingCommand(model, o, io));
  });

  verifyOptions(
    cmd
      .command('verify')
      .description('verify an attestation bundle, and that it is about MODEL when given')
      .argument('<bundle>', 'attestation bundle (.intoto.sigstore.json)')
      .argument('[model]', 'the model the attestation should be about (re-hashed)')
      .option('--base-model <path>', 'training runs: check the base model digest against this model')
      .option(
        '--dataset <name=path>',
        'training runs: check dataset NAME against PATH (repeatable)',
        collect,
        [],
      )
      .option('--ignore-path <path>', 'leave PATH out of the model digest (repeatable)', collect, [])
      .addOption(
        new Option('-f, --format <format>', 'output format').choices(['text', 'json']).default('text'),
      ),
  ).action(async (bundle: string, model: string | undefined, o: AttestVerifyOptions) => {
    setExit(await attestVerifyCommand(bundle, model, o, io));
  });

  cmd
    .command('lineage')
    .description('verify a lineage chain (base model → training runs → model) described in a YAML file')
    .argument('<chain>', 'chain file (YAML or JSON; see docs/cli/attest.md)')
    .option('--require-datasets', 'fail when a run’s dataset has no local copy to check')
    .addOption(new Option('-f, --format <format>', 'output format').choices(['text', 'json']).default('text'))
    .action(async (chain: string, o: { format: 'text' | 'json'; requireDatasets?: boolean }) => {
      setExit(await attestLineageCommand(chain, o, io));
    });
};
