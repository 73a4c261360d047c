/**
 * Append-only JSON-lines audit log. Every record is written with a synchronous write(2) to a file opened with
 * O_APPEND *before* the guard sends the response it describes, so a response a client received always has its record
 * in the kernel: killing the guard (even with SIGKILL) loses no record. For power loss, the file is fdatasync'ed
 * every `fsyncMs` (0: after every record) and on close.
 */
import { closeSync, fdatasync, fdatasyncSync, mkdirSync, openSync, writeSync } from 'node:fs';
import path from 'node:path';

/** One scanner result in an audit record. `kind` names what matched, never the matched value. */
export interface AuditScan {
  scanner: string;
  ruleId: string;
  kind: string;
  /** What the guard did with this hit. */
  action: 'block' | 'redact' | 'log';
  stage: 'input' | 'output' | 'extraction';
  count: number;
  score?: number;
}

export type Decision =
  | 'allow'
  | 'redact'
  | 'block'
  | 'deny'
  | 'rate-limited'
  | 'shed'
  | 'too-large'
  | 'bad-request'
  | 'upstream-error'
  | 'error';

export interface AuditRecord {
  time: string;
  id: string;
  client?: string;
  method: string;
  route: string;
  status: number;
  decision: Decision;
  /** Rule ids behind a block/deny/limit decision. */
  rules?: string[];
  scans?: AuditScan[];
  latencyMs: number;
  upstreamStatus?: number;
  upstreamMs?: number;
  stream?: boolean;
  input?: { sha256: string; chars: number; tokens?: number; text?: string };
  output?: { sha256: string; chars: number; text?: string };
  extraction?: Record<string, unknown>;
  reason?: string;
}

export class AuditLog {
  private fd: number | undefined;
  private dirty = false;
  private timer: NodeJS.Timeout | undefined;
  private syncing = false;
  records = 0;

  constructor(
    readonly file: string,
    readonly fsyncMs = 1000,
  ) {}

  /** Opens (creates, mode 0600) the log for appending. Throws on an unwritable path. */
  open(): void {
    mkdirSync(path.dirname(path.resolve(this.file)), { recursive: true });
    this.fd = openSync(this.file, 'a', 0o600);
    if (this.fsyncMs > 0) {
      // The periodic flush runs on the libuv thread pool, so the event loop (and request latency) never waits for it.
      this.timer = setInterval(() => this.syncInBackground(), this.fsyncMs);
      this.timer.unref();
    }
  }

  write(rec: AuditRecord): void {
    if (this.fd === undefined) throw new Error('audit log is not open');
    const buf = Buffer.from(`${JSON.stringify(rec)}\n`, 'utf8');
    let off = 0;
    while (off < buf.length) off += writeSync(this.fd, buf, off, buf.length - off);
    this.records++;
    if (this.fsyncMs === 0) fdatasyncSync(this.fd);
    else this.dirty = true;
  }

  sync(): void {
    if (this.fd !== undefined && this.dirty) {
      this.dirty = false;
      fdatasyncSync(this.fd);
    }
  }

  private syncInBackground(): void {
    if (this.fd === undefined || !this.dirty || this.syncing) return;
    this.dirty = false;
    this.syncing = true;
    fdatasync(this.fd, () => {
      this.syncing = false;
    });
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.fd === undefined) return;
    this.dirty = true;
    this.sync();
    closeSync(this.fd);
    this.fd = undefined;
  }
}
