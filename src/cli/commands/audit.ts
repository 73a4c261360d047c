import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Option } from 'commander';
import { audit } from '../../audit/audit.js';
import { evidenceStatement } from '../../audit/attestation.js';
import { BulwarkError } from '../../core/errors.js';
import { readSystemCard } from '../../core/system-card.js';
import { evaluateGate, gateText } from '../../governance/policy/gate.js';
import { BUILTIN_PACKS, loadPolicy, loadWaivers } from '../../governance/policy/load.js';
import { attest } from '../../provenance/attest/sign.js';
import type { TrustOptions } from '../../provenance/signing/dispatch.js';
import { createKeySigner } from '../../provenance/signing/key.js';
import { writeReportFile } from '../../report/audit/write.js';
import type { EvidenceDocument } from '../../governance/evidence.js';
import type { GateResult } from '../../governance/policy/gate.js';
import { ExitCode } from '../exit-codes.js';
import { checkOutputPath, writeFileAtomic, writeStream, type CliIo } from '../io.js';
import { gateExitCode } from './gate.js';
import type { RegisterCommand } from './index.js';
import { collect } from '../options.js';

export interface AuditCommandOptions {
  output: string;
  systemCard?: string;
  signature?: string;
  publicKey?: string;
  certificateChain?: string[];
  identity?: string;
  identityRegex?: string;
  identityProvider?: string;
  trustConfig?: string;
  evidence: string[];
  bom: boolean;
  bomOutput?: string;
  policy: string;
  waivers?: string;
  report?: string[];
  signKey?: string;
  now?: string;
  format: 'text' | 'json';
}

async function readText(file: string, what: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch {
    throw new BulwarkError('E_NOT_FOUND', `${what} ${JSON.stringify(file)} does not exist; check the path`);
  }
}

/** Writes a report of the evidence in the format named by the file's extension (html, md, json, sarif, oscal.json). */
export type ReportWriter = (evidence: unknown, gate: unknown, file: string) => Promise<void>;

/** `bulwark audit PATH`: collect evidence, gate it against a policy, write evidence (and optionally reports). */
export async function auditCommand(
  target: string,
  opts: AuditCommandOptions,
  io: CliIo,
  writeReport?: ReportWriter,
): Promise<number> {
  const cwd = io.cwd;
  const resolve = (p: string) => path.resolve(cwd, p);
  await checkOutputPath(opts.output, cwd);
  if (opts.bomOutput) await checkOutputPath(opts.bomOutput, cwd);
  for (const r of opts.report ?? []) await checkOutputPath(r, cwd);
  const policyRef =
    (BUILTIN_PACKS as readonly string[]).includes(opts.policy) || opts.policy.startsWith('builtin:')
      ? opts.policy
      : resolve(opts.policy);
  const policy = await loadPolicy(policyRef);
  const waivers = opts.waivers ? await loadWaivers(resolve(opts.waivers)) : [];
  const systemCard = opts.systemCard ? await readSystemCard(resolve(opts.systemCard)) : undefined;
  const trust: TrustOptions = {};
  if (opts.publicKey) trust.publicKey = await readText(resolve(opts.publicKey), 'public key');
  if (opts.certificateChain?.length)
    trust.certificateChain = await Promise.all(
      opts.certificateChain.map((c) => readText(resolve(c), 'certificate chain')),
    );
  if (opts.identity || opts.identityRegex || opts.identityProvider) {
    if (!opts.identityProvider)
      throw new BulwarkError('E_USAGE', '--identity needs --identity-provider (the OIDC issuer)');
    trust.sigstore = {
      issuer: opts.identityProvider,
      ...(opts.identity ? { identity: opts.identity } : {}),
      ...(opts.identityRegex ? { identityRegex: opts.identityRegex } : {}),
      ...(opts.trustConfig ? { trustedRootPath: resolve(opts.trustConfig) } : {}),
    };
  }
  const now = opts.now ? new Date(opts.now) : undefined;
  if (now && Number.isNaN(now.getTime()))
    throw new BulwarkError(
      'E_USAGE',
      `--now ${JSON.stringify(opts.now)} is not a date; write YYYY-MM-DD or an ISO timestamp`,
    );
  const progress =
    io.stderr.isTTY === true ? (id: string) => io.stderr.write(`\rbulwark audit: ${id}…\x1b[K`) : undefined;

  const result = await audit(resolve(target), {
    ...(systemCard ? { systemCard } : {}),
    ...(opts.signature ? { signature: resolve(opts.signature) } : {}),
    trust,
    evidence: opts.evidence.map(resolve),
    bom: opts.bom,
    ...(now ? { now } : {}),
    ...(progress ? { onCheck: progress } : {}),
  });
  if (progress) io.stderr.write('\r\x1b[K');
  const evidence = result.evidence;
  // The subject path is recorded as the user gave it, so documents do not depend on the working directory.
  evidence.subject.path = target;

  await writeFileAtomic(resolve(opts.output), `${JSON.stringify(evidence, null, 2)}\n`);
  if (opts.bomOutput && result.bom)
    await writeFileAtomic(resolve(opts.bomOutput), `${JSON.stringify(result.bom, null, 2)}\n`);
  if (opts.signKey) {
    const signer = createKeySigner(await readText(resolve(opts.signKey), 'signing key'));
    const bundle = await attest(evidenceStatement(evidence), signer);
    await writeFileAtomic(`${resolve(opts.output)}.sigstore.json`, `${JSON.stringify(bundle, null, 2)}\n`);
  }
  const gate = evaluateGate(policy, evidence, { waivers, ...(now ? { now } : {}) });
  for (const r of opts.report ?? []) {
    if (!writeReport) throw new BulwarkError('E_UNSUPPORTED', 'reports are not available in this build');
    await writeReport(evidence, gate, resolve(r));
  }
  if (opts.format === 'json')
    await writeStream(
      io.stdout,
      `${JSON.stringify({ evidence: opts.output, summary: evidence.summary, gate }, null, 2)}\n`,
    );
  else {
    const s = evidence.summary;
    const lines = [
      `Audited ${target}${evidence.subject.rootDigest ? ` (sha256:${evidence.subject.rootDigest})` : ''}: ${evidence.subject.files} file(s)`,
      ...evidence.checks.map((c) => `  ${c.status.toUpperCase().padEnd(12)} ${c.id.padEnd(12)} ${c.reason}`),
      `Verdict ${s.verdict}; ${s.findings} finding(s): ${
        Object.entries(s.bySeverity)
          .filter(([, n]) => n > 0)
          .map(([k, n]) => `${n} ${k}`)
          .join(', ') || 'none'
      }`,
      `EU AI Act tier: ${evidence.risk?.euAiAct.tier ?? 'unknown'}`,
      `Evidence written to ${opts.output}${opts.signKey ? ` (signed: ${opts.output}.sigstore.json)` : ''}`,
      '',
    ];
    await writeStream(io.stdout, `${lines.join('\n')}\n${gateText(gate)}`);
  }
  return gateExitCode(gate);
}

export const registerAudit: RegisterCommand = (program, ctx) => {
  program
    .command('audit')
    .description(
      'audit a model: scan, signature, BOM, model card, risk class and given evidence; gate against a policy',
    )
    .argument('<path>', 'model file, directory or hub-style repository')
    .option('-o, --output <file>', 'evidence document to write', 'bulwark-evidence.json')
    .option('--system-card <file>', 'AI system card (YAML): purpose, Annex III area, oversight, logging…')
    .option('--signature <file>', 'signature bundle (default: DIR/model.sig or FILE.sig when present)')
    .option('--public-key <file>', 'verify a key-signed model with this public key (PEM)')
    .option(
      '--certificate-chain <file>',
      'trusted root certificate(s) for certificate-signed models; repeatable',
      collect,
      [],
    )
    .option('--identity <id>', 'Sigstore: expected signer identity (email or URI)')
    .option('--identity-regex <re>', 'Sigstore: expected signer identity as a regular expression')
    .option('--identity-provider <url>', 'Sigstore: expected OIDC issuer')
    .option('--trust-config <file>', 'Sigstore: trusted_root.json (default: the shipped public-good root)')
    .option(
      '--evidence <file>',
      'JSON output of another Bulwark command to include (fairness, privacy, robustness…); repeatable',
      collect,
      [],
    )
    .option('--no-bom', 'do not build a bill of materials')
    .option('--bom-output <file>', 'also write the CycloneDX BOM to FILE')
    .option('-p, --policy <policy>', `gate policy: a YAML file or ${BUILTIN_PACKS.join(', ')}`, 'baseline')
    .option('-w, --waivers <file>', 'waiver file for the gate')
    .option(
      '--report <file>',
      'also write a report; the format follows the extension (.html, .md, .json, .sarif, .oscal.json); repeatable',
      collect,
      [],
    )
    .option(
      '--sign-key <file>',
      'sign the evidence as an in-toto attestation with this EC private key (writes OUTPUT.sigstore.json)',
    )
    .option('--now <date>', 'timestamp of the evidence (reproducible output) and date for waiver expiry')
    .addOption(
      new Option('-f, --format <format>', 'output on stdout').choices(['text', 'json']).default('text'),
    )
    .action(async (target: string, opts: Record<string, unknown>) => {
      ctx.setExit(
        await auditCommand(
          target,
          {
            output: opts.output as string,
            systemCard: opts.systemCard as string | undefined,
            signature: opts.signature as string | undefined,
            publicKey: opts.publicKey as string | undefined,
            certificateChain: opts.certificateChain as string[],
            identity: opts.identity as string | undefined,
            identityRegex: opts.identityRegex as string | undefined,
            identityProvider: opts.identityProvider as string | undefined,
            trustConfig: opts.trustConfig as string | undefined,
            evidence: opts.evidence as string[],
            bom: opts.bom !== false,
            bomOutput: opts.bomOutput as string | undefined,
            policy: opts.policy as string,
            waivers: opts.waivers as string | undefined,
            report: opts.report as string[],
            signKey: opts.signKey as string | undefined,
            now: opts.now as string | undefined,
            format: opts.format as 'text' | 'json',
          },
          ctx.io,
          (ev, g, f) =>
            writeReportFile(ev as EvidenceDocument, g as GateResult | undefined, f, {
              generatedAt: new Date((ev as EvidenceDocument).createdAt),
            }),
        ),
      );
    });
};

export { ExitCode };
