import { open, type FileHandle } from 'node:fs/promises';

/**
 * Random-access bytes of one file or member. Every analysis reads through a ByteSource, so bytes read are counted
 * and a scanner reads only what it needs.
 */
export interface ByteSource {
  readonly size: number;
  /** Reads up to `length` bytes at `offset` (fewer at the end). */
  read(offset: number, length: number): Promise<Uint8Array>;
  /** Streams [offset, offset+length) in chunks. */
  stream(offset?: number, length?: number, chunkSize?: number): AsyncGenerator<Uint8Array>;
  /** Bytes handed out so far by read() and stream(). */
  readonly bytesRead: number;
  close(): Promise<void>;
}

const DEFAULT_CHUNK = 4 * 1024 * 1024;

export class BufferSource implements ByteSource {
  readonly size: number;
  bytesRead = 0;
  constructor(private readonly data: Uint8Array) {
    this.size = data.length;
  }
  async read(offset: number, length: number): Promise<Uint8Array> {
    const end = Math.min(this.size, offset + length);
    const out = this.data.subarray(Math.min(offset, end), end);
    this.bytesRead += out.length;
    return out;
  }
  async *stream(
    offset = 0,
    length = this.size - offset,
    chunkSize = DEFAULT_CHUNK,
  ): AsyncGenerator<Uint8Array> {
    const end = Math.min(this.size, offset + length);
    for (let pos = offset; pos < end; pos += chunkSize) {
      const chunk = this.data.subarray(pos, Math.min(end, pos + chunkSize));
      this.bytesRead += chunk.length;
      yield chunk;
    }
  }
  /** Direct view of the bytes (for in-memory sources only). */
  bytes(): Uint8Array {
    return this.data;
  }
  async close(): Promise<void> {}
}

export class FileSource implements ByteSource {
  bytesRead = 0;
  private constructor(
    private readonly fh: FileHandle,
    readonly size: number,
    private readonly onClose?: () => Promise<void>,
  ) {}

  static async open(path: string, onClose?: () => Promise<void>): Promise<FileSource> {
    const fh = await open(path, 'r');
    try {
      const st = await fh.stat();
      return new FileSource(fh, st.size, onClose);
    } catch (err) {
      await fh.close();
      throw err;
    }
  }

  async read(offset: number, length: number): Promise<Uint8Array> {
    const n = Math.max(0, Math.min(length, this.size - offset));
    const buf = Buffer.allocUnsafe(n);
    let got = 0;
    while (got < n) {
      const { bytesRead } = await this.fh.read(buf, got, n - got, offset + got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    this.bytesRead += got;
    return got === n ? buf : buf.subarray(0, got);
  }

  async *stream(
    offset = 0,
    length = this.size - offset,
    chunkSize = DEFAULT_CHUNK,
  ): AsyncGenerator<Uint8Array> {
    const end = Math.min(this.size, offset + length);
    let pos = offset;
    while (pos < end) {
      const n = Math.min(chunkSize, end - pos);
      const buf = Buffer.allocUnsafe(n);
      const { bytesRead } = await this.fh.read(buf, 0, n, pos);
      if (bytesRead === 0) return;
      this.bytesRead += bytesRead;
      pos += bytesRead;
      yield bytesRead === n ? buf : buf.subarray(0, bytesRead);
    }
  }

  async close(): Promise<void> {
    await this.fh.close();
    if (this.onClose) await this.onClose();
  }
}

/** A window [offset, offset+length) of another source, e.g. a stored ZIP member. */
export class SliceSource implements ByteSource {
  constructor(
    private readonly parent: ByteSource,
    private readonly offset: number,
    readonly size: number,
  ) {}
  get bytesRead(): number {
    return 0;
  }
  read(offset: number, length: number): Promise<Uint8Array> {
    const n = Math.max(0, Math.min(length, this.size - offset));
    return this.parent.read(this.offset + offset, n);
  }
  stream(offset = 0, length = this.size - offset, chunkSize?: number): AsyncGenerator<Uint8Array> {
    const n = Math.max(0, Math.min(length, this.size - offset));
    return this.parent.stream(this.offset + offset, n, chunkSize);
  }
  async close(): Promise<void> {}
}
