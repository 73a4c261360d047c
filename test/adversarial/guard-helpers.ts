import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface MockUpstream {
  url: string;
  server: http.Server;
  /** Bodies received, parsed. */
  requests: { path: string; headers: http.IncomingHttpHeaders; body: unknown }[];
  /** The reply for the next requests: assistant text, or a function of the request body. */
  reply: (body: Record<string, unknown>) => string;
  /** Artificial delay (ms) before answering. */
  delayMs: number;
  close: () => Promise<void>;
}

export function completion(text: string): Record<string, unknown> {
  return {
    id: 'chatcmpl-1',
    object: 'chat.completion',
    created: 1,
    model: 'mock',
    choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }],
    usage: { prompt_tokens: 10, completion_tokens: 10, total_tokens: 20 },
  };
}

/** An OpenAI-compatible mock on 127.0.0.1: JSON completions, SSE streams (stream: true, one event per word). */
export async function startMockUpstream(): Promise<MockUpstream> {
  const m: MockUpstream = {
    url: '',
    server: undefined as unknown as http.Server,
    requests: [],
    reply: () => 'Hello from the model.',
    delayMs: 0,
    close: async () => {
      m.server.closeAllConnections();
      await new Promise<void>((r) => m.server.close(() => r()));
    },
  };
  m.server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      let body: Record<string, unknown> = {};
      try {
        body = raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
      } catch {
        body = { raw };
      }
      m.requests.push({ path: req.url ?? '', headers: req.headers, body });
      const answer = () => {
        const text = m.reply(body);
        if (body.stream === true) {
          res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
          const words = text.split(/(?<= )/);
          let i = 0;
          const tick = () => {
            if (res.destroyed) return;
            if (i < words.length) {
              const ev = {
                id: 'c',
                object: 'chat.completion.chunk',
                choices: [{ index: 0, delta: { content: words[i++] } }],
              };
              res.write(`data: ${JSON.stringify(ev)}\n\n`);
              setTimeout(tick, 2);
            } else {
              res.write('data: [DONE]\n\n');
              res.end();
            }
          };
          tick();
          return;
        }
        const s = JSON.stringify(completion(text));
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(s) });
        res.end(s);
      };
      if (m.delayMs > 0) setTimeout(answer, m.delayMs);
      else answer();
    });
  });
  await new Promise<void>((r) => m.server.listen(0, '127.0.0.1', () => r()));
  m.url = `http://127.0.0.1:${(m.server.address() as AddressInfo).port}`;
  return m;
}

export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  json: () => Record<string, unknown>;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

export function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Reply> {
  return request(url, 'POST', typeof body === 'string' ? body : JSON.stringify(body), headers);
}

export function request(
  url: string,
  method: string,
  body?: string,
  headers: Record<string, string> = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      { method, headers: { 'content-type': 'application/json', ...headers }, agent },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text,
            json: () => JSON.parse(text) as Record<string, unknown>,
          });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}
