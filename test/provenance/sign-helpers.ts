/** Shared helpers of the OMS sign/verify tests: vector paths, temporary copies, keys and openssl-made CA chains. */
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import {
  chmodSync,
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const OMS = path.resolve(ROOT, '..', 'shared', 'vectors', 'oms');
export const MT = path.join(OMS, 'model-transparency', 'scripts', 'tests');
export const SPEC = path.join(OMS, 'model-signing-spec', 'test-vectors', 'v1.0');
export const KEYS = path.join(MT, 'keys', 'certificate');

const tmpDirs: string[] = [];

export function tmpDir(prefix = 'bw-oms-'): string {
  const d = mkdtempSync(path.join(os.tmpdir(), prefix));
  tmpDirs.push(d);
  return d;
}

export function cleanupTmp(): void {
  for (const d of tmpDirs.splice(0)) rmSync(d, { recursive: true, force: true });
}

/** Copies a (read-only) vector directory into a fresh temporary directory with the same basename; files writable. */
export function copyVector(name: string): string {
  const dst = path.join(tmpDir(), name);
  cpSync(path.join(MT, name), dst, { recursive: true });
  const fix = (p: string): void => {
    chmodSync(p, statSync(p).isDirectory() ? 0o755 : 0o644);
    if (statSync(p).isDirectory()) for (const e of readdirSync(p)) fix(path.join(p, e));
  };
  fix(dst);
  return dst;
}

export type Curve = 'P-256' | 'P-384' | 'P-521';

export function ecKeyPair(curve: Curve): { privatePem: string; publicPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: curve });
  return {
    privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }) as string,
  };
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

export interface TestPki {
  dir: string;
  rootPem: string;
  intPem: string;
  leafPem: string;
  leafKey: string;
  /** A leaf whose KeyUsage is keyEncipherment only, no EKU: not allowed to sign. */
  badUsageLeafPem: string;
  badUsageLeafKey: string;
  /** A leaf issued directly by the root, EKU codeSigning only. */
  directLeafPem: string;
  directLeafKey: string;
  /** Another, unrelated root. */
  otherRootPem: string;
}

/** Builds root → intermediate → leaf (P-256/P-384 keys) with openssl in a temporary directory. */
export function makePki(leafCurve: Curve = 'P-256'): TestPki {
  const dir = tmpDir('bw-pki-');
  const ext = (name: string, lines: string[]): string => {
    const f = path.join(dir, name);
    writeFileSync(f, `${lines.join('\n')}\n`);
    return f;
  };
  const ca = ext('ca.ext', [
    'basicConstraints=critical,CA:TRUE',
    'keyUsage=critical,keyCertSign,cRLSign',
    'subjectKeyIdentifier=hash',
    'authorityKeyIdentifier=keyid',
  ]);
  const leaf = ext('leaf.ext', [
    'basicConstraints=critical,CA:FALSE',
    'keyUsage=critical,digitalSignature',
    'extendedKeyUsage=codeSigning',
    'subjectAltName=email:signer@example.com',
  ]);
  const bad = ext('bad.ext', ['basicConstraints=critical,CA:FALSE', 'keyUsage=critical,keyEncipherment']);
  const direct = ext('direct.ext', ['basicConstraints=critical,CA:FALSE', 'extendedKeyUsage=codeSigning']);
  const genKey = (name: string, curve: Curve) =>
    openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', `ec_paramgen_curve:${curve}`, '-out', name], dir);
  const selfSigned = (key: string, out: string, cn: string) =>
    openssl(
      [
        'req',
        '-x509',
        '-new',
        '-key',
        key,
        '-out',
        out,
        '-subj',
        `/CN=${cn}`,
        '-days',
        '3650',
        '-sha256',
        '-addext',
        'basicConstraints=critical,CA:TRUE',
        '-addext',
        'keyUsage=critical,keyCertSign,cRLSign',
      ],
      dir,
    );
  const issue = (key: string, out: string, cn: string, caCert: string, caKey: string, extFile: string) => {
    openssl(['req', '-new', '-key', key, '-out', `${out}.csr`, '-subj', `/CN=${cn}`], dir);
    openssl(
      [
        'x509',
        '-req',
        '-in',
        `${out}.csr`,
        '-CA',
        caCert,
        '-CAkey',
        caKey,
        '-CAcreateserial',
        '-out',
        out,
        '-days',
        '3000',
        '-sha256',
        '-extfile',
        extFile,
      ],
      dir,
    );
  };
  genKey('root.key', 'P-384');
  selfSigned('root.key', 'root.pem', 'bulwark-test-root');
  genKey('int.key', 'P-384');
  issue('int.key', 'int.pem', 'bulwark-test-intermediate', 'root.pem', 'root.key', ca);
  genKey('leaf.key', leafCurve);
  issue('leaf.key', 'leaf.pem', 'bulwark-test-signer', 'int.pem', 'int.key', leaf);
  genKey('bad.key', 'P-256');
  issue('bad.key', 'bad.pem', 'bulwark-test-no-usage', 'int.pem', 'int.key', bad);
  genKey('direct.key', 'P-256');
  issue('direct.key', 'direct.pem', 'bulwark-test-direct', 'root.pem', 'root.key', direct);
  genKey('other.key', 'P-256');
  selfSigned('other.key', 'other.pem', 'bulwark-test-other-root');
  const p = (f: string) => path.join(dir, f);
  return {
    dir,
    rootPem: p('root.pem'),
    intPem: p('int.pem'),
    leafPem: p('leaf.pem'),
    leafKey: p('leaf.key'),
    badUsageLeafPem: p('bad.pem'),
    badUsageLeafKey: p('bad.key'),
    directLeafPem: p('direct.pem'),
    directLeafKey: p('direct.key'),
    otherRootPem: p('other.pem'),
  };
}

/** Writes files (POSIX relative path → content) under a fresh directory named `name`. */
export function makeModel(files: Record<string, string | Buffer>, name = 'model'): string {
  const dir = path.join(tmpDir(), name);
  mkdirSync(dir, { recursive: true });
  for (const [rel, content] of Object.entries(files)) {
    const f = path.join(dir, ...rel.split('/'));
    mkdirSync(path.dirname(f), { recursive: true });
    writeFileSync(f, content);
  }
  return dir;
}
