import type { ScanProgress } from '../scan/types.js';
import { formatBytes, safeText } from '../report/util.js';

const CLEAR_LINE = '\r\u001b[2K';

/**
 * A single updating status line on a TTY (stderr): files done/total, bytes done/total, current file. Redraws at most
 * every `intervalMs`; `finish()` erases it so the report starts on a clean line.
 */
export class ProgressLine {
  private total = 0;
  private totalBytes = 0;
  private done = 0;
  private doneBytes = 0;
  private readonly sizes = new Map<string, number>();
  private current: string | undefined;
  private lastDraw = 0;
  private drawn = false;

  constructor(
    private readonly stream: NodeJS.WritableStream & { columns?: number },
    private readonly intervalMs = 100,
    private readonly now: () => number = Date.now,
  ) {}

  readonly onProgress = (event: ScanProgress): void => {
    switch (event.type) {
      case 'discovered':
        this.total = event.files;
        this.totalBytes = event.bytes;
        break;
      case 'file-start':
        this.sizes.set(event.path, event.size);
        this.current = event.path;
        break;
      case 'file-done':
        this.done++;
        this.doneBytes += this.sizes.get(event.path) ?? event.bytesRead;
        this.sizes.delete(event.path);
        if (this.current === event.path) this.current = this.sizes.keys().next().value;
        break;
    }
    this.draw(event.type === 'discovered');
  };

  /** The text of the status line, fitted to `width` columns. */
  line(width: number): string {
    const files = `${this.done}/${this.total || '?'} files`;
    const bytes = this.totalBytes ? `  ${formatBytes(this.doneBytes)}/${formatBytes(this.totalBytes)}` : '';
    const head = `scanning ${files}${bytes}`;
    if (!this.current) return head.slice(0, width);
    const room = width - head.length - 2;
    if (room < 8) return head.slice(0, width);
    const name = safeText(this.current);
    return `${head}  ${name.length > room ? `…${name.slice(name.length - room + 1)}` : name}`;
  }

  private draw(force: boolean): void {
    const t = this.now();
    if (!force && this.drawn && t - this.lastDraw < this.intervalMs) return;
    this.lastDraw = t;
    this.drawn = true;
    const width = Math.max(20, (this.stream.columns ?? 80) - 1);
    this.stream.write(`${CLEAR_LINE}${this.line(width)}`);
  }

  finish(): void {
    if (this.drawn) this.stream.write(CLEAR_LINE);
    this.drawn = false;
  }
}
