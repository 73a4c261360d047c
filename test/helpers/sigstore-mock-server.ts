/**
 * Loopback Sigstore services for tests: the `@sigstore/mock` Fulcio, Rekor (v1) and TSA handlers mounted on real
 * `node:http` servers on 127.0.0.1 with ephemeral ports, plus a `trusted_root.json` built from their keys.
 * Never talks to the public-good instance.
 */
import { createHash, createHmac, generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
// Deep imports on purpose: the package index also loads nock, which patches node:http globally.
import { fulcioHandler, initializeCA, initializeCTLog } from '@sigstore/mock/dist/fulcio/index.js';
import { initializeTLog, rekorHandler } from '@sigstore/mock/dist/rekor/index.js';
import { initializeTSA, tsaHandler } from '@sigstore/mock/dist/timestamp/index.js';
import type { Handler } from '@sigstore/mock/dist/shared.types.js';

export type MockService = 'fulcio' | 'rekor' | 'tsa';
/** Injected failure: answer every request with this status, or never answer ('hang'). */
export type MockFailure = { status: number; message?: string } | 'hang';

export interface SigstoreMock {
  fulcioURL: string;
  rekorURL: string;
  tsaURL: string;
  /** `trusted_root.json` content trusting exactly these services' CA, CT log, Rekor log and TSA. */
  trustedRoot: Record<string, unknown>;
  /** Requests received per service (including failed ones). */
  requests: Record<MockService, number>;
  /** Makes a service fail from now on (undefined restores it). */
  fail(service: MockService, failure: MockFailure | undefined): void;
  close(): Promise<void>;
}

const MAX_BODY = 1024 * 1024;
const b64 = (b: Buffer) => b.toString('base64');

function bytes(x: ArrayBuffer | ArrayBufferView): Buffer {
  return ArrayBuffer.isView(x) ? Buffer.from(x.buffer, x.byteOffset, x.byteLength) : Buffer.from(x);
}

function newKeyPair() {
  return generateKeyPairSync('ec', { namedCurve: 'P-256' });
}

interface Mounted {
  server: Server;
  url: string;
  handler?: Handler;
  failure?: MockFailure;
  count: number;
}

async function listen(): Promise<Mounted> {
  const m: Mounted = { server: createServer(), url: '', count: 0 };
  m.server.on('request', (req: IncomingMessage, res: ServerResponse) => void serve(m, req, res));
  await new Promise<void>((resolve) => m.server.listen(0, '127.0.0.1', resolve));
  m.url = `http://127.0.0.1:${(m.server.address() as AddressInfo).port}`;
  return m;
}

async function serve(m: Mounted, req: IncomingMessage, res: ServerResponse): Promise<void> {
  m.count++;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req as AsyncIterable<Buffer>) {
    size += c.length;
    if (size > MAX_BODY) {
      res.writeHead(413).end();
      return;
    }
    chunks.push(c);
  }
  if (m.failure === 'hang') return; // keep the socket open and never answer
  if (m.failure) {
    res
      .writeHead(m.failure.status, { 'content-type': 'application/json' })
      .end(JSON.stringify({ code: m.failure.status, message: m.failure.message ?? 'injected failure' }));
    return;
  }
  if (!m.handler || req.method !== 'POST' || req.url !== m.handler.path) {
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    return;
  }
  try {
    const out = await m.handler.fn(Buffer.concat(chunks).toString('utf8'));
    const body = typeof out.response === 'string' ? out.response : bytes(out.response);
    res.writeHead(out.statusCode, { 'content-type': out.contentType ?? 'text/plain' }).end(body);
  } catch (err) {
    res.writeHead(500, { 'content-type': 'text/plain' }).end(String(err));
  }
}

/**
 * Real Rekor does not log a proposed `dsse` 0.0.1 entry verbatim: it stores `envelopeHash`, `payloadHash` and
 * `signatures[{signature, verifier}]`, which is what verifiers compare against. The mock logs whatever it is sent,
 * so the proposed entry is turned into Rekor's stored form here, before the mock signs and logs it.
 */
function canonicalDsseEntry(body: string): string {
  let entry: {
    kind?: string;
    apiVersion?: string;
    spec?: { proposedContent?: { envelope?: string; verifiers?: string[] } };
  };
  try {
    entry = JSON.parse(body) as typeof entry;
  } catch {
    return body;
  }
  const proposed = entry.spec?.proposedContent;
  if (entry.kind !== 'dsse' || entry.apiVersion !== '0.0.1' || !proposed?.envelope) return body;
  const envelope = JSON.parse(proposed.envelope) as { payload: string; signatures: { sig: string }[] };
  const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');
  return JSON.stringify({
    apiVersion: '0.0.1',
    kind: 'dsse',
    spec: {
      envelopeHash: { algorithm: 'sha256', value: sha256(proposed.envelope) },
      payloadHash: { algorithm: 'sha256', value: sha256(Buffer.from(envelope.payload, 'base64')) },
      signatures: envelope.signatures.map((s) => ({
        signature: s.sig,
        verifier: proposed.verifiers?.[0] ?? '',
      })),
    },
  });
}

/** Starts mock Fulcio, Rekor and TSA servers. */
export async function startSigstoreMock(): Promise<SigstoreMock> {
  const [fulcio, rekor, tsa] = await Promise.all([listen(), listen(), listen()]);
  // Trust windows open a minute early: certificates and entries are stamped "now".
  const start = new Date(Date.now() - 60_000).toISOString();

  const ctLog = await initializeCTLog(newKeyPair());
  const ca = await initializeCA(newKeyPair(), ctLog);
  fulcio.handler = fulcioHandler(ca);

  const tlogKeys = newKeyPair();
  const tlog = await initializeTLog(rekor.url, tlogKeys);
  const inner = rekorHandler(tlog);
  rekor.handler = { path: inner.path, fn: (body) => inner.fn(canonicalDsseEntry(body)) };

  const tsaAuthority = await initializeTSA(newKeyPair());
  tsa.handler = tsaHandler(tsaAuthority);

  const tlogKey = bytes(tlog.publicKey);
  const trustedRoot = {
    mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
    tlogs: [
      {
        baseUrl: rekor.url,
        hashAlgorithm: 'SHA2_256',
        publicKey: { rawBytes: b64(tlogKey), keyDetails: 'PKIX_ECDSA_P256_SHA_256', validFor: { start } },
        logId: { keyId: b64(createHash('sha256').update(tlogKey).digest()) },
      },
    ],
    certificateAuthorities: [
      {
        subject: { organization: 'sigstore.mock', commonName: 'sigstore' },
        uri: fulcio.url,
        certChain: { certificates: [{ rawBytes: b64(bytes(ca.rootCertificate)) }] },
        validFor: { start },
      },
    ],
    ctlogs: [
      {
        baseUrl: 'https://ctfe.mock.invalid',
        hashAlgorithm: 'SHA2_256',
        publicKey: {
          rawBytes: b64(bytes(ctLog.publicKey)),
          keyDetails: 'PKIX_ECDSA_P256_SHA_256',
          validFor: { start },
        },
        logId: { keyId: b64(bytes(ctLog.logID)) },
      },
    ],
    timestampAuthorities: [
      {
        subject: { organization: 'sigstore.mock', commonName: 'sigstore-tsa' },
        uri: tsa.url,
        certChain: {
          certificates: [
            { rawBytes: b64(bytes(tsaAuthority.intCertificate)) },
            { rawBytes: b64(bytes(tsaAuthority.rootCertificate)) },
          ],
        },
        validFor: { start },
      },
    ],
  };

  const byName: Record<MockService, Mounted> = { fulcio, rekor, tsa };
  return {
    fulcioURL: fulcio.url,
    rekorURL: rekor.url,
    tsaURL: tsa.url,
    trustedRoot,
    get requests() {
      return { fulcio: fulcio.count, rekor: rekor.count, tsa: tsa.count };
    },
    fail(service, failure) {
      byName[service].failure = failure;
    },
    async close() {
      await Promise.all(
        [fulcio, rekor, tsa].map(
          (m) =>
            new Promise<void>((resolve) => {
              m.server.closeAllConnections();
              m.server.close(() => resolve());
            }),
        ),
      );
    },
  };
}

/** A loopback URL nothing listens on (a port that was just bound and released). */
export async function unusedLoopbackURL(): Promise<string> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

/**
 * A test OIDC identity token: an HS256 JWT (random key; the mock Fulcio only decodes it) with the claims Fulcio's
 * client and the mock read: `iss`, `sub`, a verified `email`, `aud`, `iat`, `exp`.
 */
export function testIdentityToken(claims: { iss: string; email: string; expiresInS?: number }): string {
  const now = Math.floor(Date.now() / 1000);
  const enc = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const header = enc({ alg: 'HS256', typ: 'JWT' });
  const payload = enc({
    iss: claims.iss,
    sub: claims.email,
    email: claims.email,
    email_verified: true,
    aud: 'sigstore',
    iat: now,
    exp: now + (claims.expiresInS ?? 600),
  });
  const sig = createHmac('sha256', randomBytes(32)).update(`${header}.${payload}`).digest('base64url');
  return `${header}.${payload}.${sig}`;
}
