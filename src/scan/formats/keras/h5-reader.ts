import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { BulwarkError, LimitError } from '../../../core/errors.js';

/**
 * Reads the parts of an HDF5 file that matter for Keras (root and group attributes, the link tree) with h5wasm,
 * the HDF5 C library compiled to WebAssembly. It runs in a worker thread: the C library reads hostile structures
 * synchronously and cannot be interrupted, so a time limit needs a thread that can be terminated, and a crash
 * (a wasm trap, an abort) must not leave a broken module behind. h5wasm's Node build reads the host file system
 * directly (NODERAWFS): files are read in place, never copied into wasm memory. External links are reported,
 * never followed, and no dataset is ever read.
 */

export interface AttrInfo {
  /** HDF5 type class (0 integer, 1 float, 3 string, …). */
  type?: number;
  vlen?: boolean;
  /** Bytes per element (for variable-length strings: the pointer size). */
  size?: number;
  /** Number of elements. */
  count?: number;
  shape?: number[] | null;
  /** Value (strings only, for the names asked for). */
  value?: unknown;
  /** Why the value was not read. */
  skipped?: string;
  error?: string;
}

export interface AttrSet {
  attrs: Record<string, AttrInfo>;
  error?: string;
  truncated?: boolean;
}

export interface H5Inspection {
  root: AttrSet;
  /** Attributes of the groups asked for that exist (e.g. "/model_weights"). */
  groups: Record<string, AttrSet>;
  /** Names directly under the root group. */
  topLevel: string[];
  externalLinks: { path: string; filename: string; objPath: string }[];
  softLinks: number;
  /** Links visited by the bounded walk. */
  objects: number;
  truncated: boolean;
  notes: string[];
}

export interface InspectOptions {
  /** Attributes whose (string) values are returned. */
  valueAttrs: string[];
  /** Groups whose attributes are listed too. */
  attrGroups: string[];
  /** Largest attribute value read, in bytes. */
  maxAttrBytes: number;
  /** Attributes listed per object. */
  maxAttrs: number;
  /** Elements of an attribute array read. */
  maxElements: number;
  /** Links visited in the tree walk. */
  maxObjects: number;
  /** Group nesting walked. */
  maxDepth: number;
  /** Wall-clock limit for this file. */
  timeoutMs: number;
}

export const DEFAULT_INSPECT: Readonly<InspectOptions> = Object.freeze({
  valueAttrs: ['model_config', 'training_config', 'keras_version', 'backend'],
  attrGroups: ['/model_weights'],
  maxAttrBytes: 256 * 1024 * 1024,
  maxAttrs: 10_000,
  maxElements: 1_000_000,
  maxObjects: 100_000,
  maxDepth: 64,
  timeoutMs: 120_000,
});

// The worker is plain JavaScript evaluated from this string, so that it runs the same from the TypeScript
// sources (tests) and from the built package.
const WORKER_SOURCE = String.raw`
'use strict';
const { parentPort, workerData } = require('node:worker_threads');
// The C library prints diagnostics; keep the last lines for error messages instead of writing to the terminal
// (and without stdio pipes, which would keep the parent process alive).
const tail = [];
const capture = (...args) => {
  tail.push(args.join(' ').slice(0, 500));
  if (tail.length > 20) tail.shift();
};
console.log = console.error = console.warn = console.info = console.debug = capture;
let state;
function load() {
  if (!state)
    state = import(workerData.url).then(async (m) => {
      const h5 = m.default && m.default.File ? m.default : m;
      const Module = await h5.ready;
      if (typeof Module.activate_throwing_error_handler === 'function') Module.activate_throwing_error_handler();
      return { h5, Module };
    });
  return state;
}
function msg(e) {
  const m = String((e && e.message) || e);
  const extra = tail.length ? '\n' + tail.join('\n') : '';
  tail.length = 0;
  return (m + extra).slice(0, 4000);
}
function list(v) {
  if (Array.isArray(v)) return v;
  if (v && typeof v.length === 'number') return Array.from(v);
  return [];
}
function readAttrs(h5, M, fid, path, req) {
  const out = { attrs: {} };
  let names;
  try {
    names = list(M.get_attribute_names(fid, path));
  } catch (e) {
    out.error = msg(e);
    return out;
  }
  // The attributes Keras reads come first, whatever their position: a flood of other attributes cannot hide them.
  const wanted = names.filter((x) => req.valueAttrs.includes(x));
  const others = names.filter((x) => !req.valueAttrs.includes(x));
  if (others.length > req.maxAttrs) out.truncated = true;
  for (const name of wanted.concat(others.slice(0, req.maxAttrs))) {
    const info = {};
    try {
      const md = M.get_attribute_metadata(fid, path, name);
      info.type = md.type;
      info.vlen = !!md.vlen;
      info.size = md.size;
      info.count = md.total_size;
      info.shape = md.shape ? Array.from(md.shape, Number) : null;
      if (req.valueAttrs.includes(name)) {
        const nbytes = md.size * md.total_size;
        if (md.type !== 3) info.skipped = 'not a string';
        else if (nbytes > req.maxAttrBytes || md.total_size > req.maxElements)
          info.skipped = 'value of ' + nbytes + ' bytes is larger than ' + req.maxAttrBytes;
        else {
          const v = new h5.Group(fid, path).get_attribute(name, true);
          const len = typeof v === 'string' ? v.length : Array.isArray(v) ? v.reduce((a, x) => a + String(x).length, 0) : 0;
          if (len > req.maxAttrBytes) info.skipped = 'value of ' + len + ' characters is larger than ' + req.maxAttrBytes;
          else info.value = v;
        }
      }
    } catch (e) {
      info.error = msg(e);
    }
    out.attrs[name] = info;
  }
  return out;
}
function walk(M, fid, req, out) {
  const queue = [['/', 0]];
  for (let qi = 0; qi < queue.length; qi++) {
    const [g, depth] = queue[qi];
    let names;
    try {
      names = list(M.get_names(fid, g, false));
    } catch (e) {
      if (out.notes.length < 20) out.notes.push('cannot list ' + g + ': ' + msg(e));
      continue;
    }
    for (const name of names) {
      if (out.objects >= req.maxObjects) {
        out.truncated = true;
        return;
      }
      out.objects++;
      const p = g === '/' ? '/' + name : g + '/' + name;
      if (depth === 0 && out.topLevel.length < 200) out.topLevel.push(name);
      let ext = null;
      try {
        ext = M.get_external_link(fid, p);
      } catch (e) {}
      if (ext && typeof ext.filename === 'string') {
        if (out.externalLinks.length < 100)
          out.externalLinks.push({ path: p, filename: ext.filename, objPath: String(ext.obj_path) });
        continue;
      }
      let soft = null;
      try {
        soft = M.get_symbolic_link(fid, p);
      } catch (e) {}
      if (typeof soft === 'string') {
        out.softLinks++;
        continue;
      }
      let t = -1;
      try {
        t = M.get_type(fid, p);
      } catch (e) {}
      if (t === M.H5G_GROUP && depth + 1 < req.maxDepth) queue.push([p, depth + 1]);
    }
  }
}
function inspect(h5, M, req) {
  const f = new h5.File(req.path, 'r');
  try {
    const fid = f.file_id;
    const out = {
      root: readAttrs(h5, M, fid, '/', req),
      groups: {},
      topLevel: [],
      externalLinks: [],
      softLinks: 0,
      objects: 0,
      truncated: false,
      notes: [],
    };
    walk(M, fid, req, out);
    for (const g of req.attrGroups) {
      const top = g.replace(/^\/+/, '').split('/')[0];
      if (!out.topLevel.includes(top)) continue;
      let t = -1;
      try {
        const ext = M.get_external_link(fid, g);
        if (ext && typeof ext.filename === 'string') continue;
        if (typeof M.get_symbolic_link(fid, g) === 'string') continue;
        t = M.get_type(fid, g);
      } catch (e) {}
      if (t === M.H5G_GROUP) out.groups[g] = readAttrs(h5, M, fid, g, req);
    }
    return out;
  } finally {
    try {
      f.close();
    } catch (e) {}
  }
}
parentPort.on('message', (req) => {
  load()
    .then(({ h5, Module }) => inspect(h5, Module, req))
    .then(
      (result) => parentPort.postMessage({ id: req.id, result }),
      (err) => parentPort.postMessage({ id: req.id, error: msg(err) }),
    );
});
`;

/** file: URL of h5wasm's Node build. */
function h5wasmUrl(): string {
  const meta = import.meta as ImportMeta & { resolve?: (specifier: string) => string };
  try {
    if (typeof meta.resolve === 'function') return meta.resolve('h5wasm/node');
  } catch {
    /* fall back to a search below */
  }
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const p = path.join(dir, 'node_modules', 'h5wasm', 'dist', 'node', 'hdf5_hl.js');
    if (existsSync(p)) return pathToFileURL(p).href;
    const up = path.dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  throw new BulwarkError('E_INTERNAL', 'the h5wasm package is not installed; HDF5 files cannot be read');
}

interface Job {
  id: number;
  path: string;
  opts: InspectOptions;
  resolve: (r: H5Inspection) => void;
  reject: (e: Error) => void;
}

/** One worker per process (per scan thread), started on first use, replaced after a failure or a timeout. */
class H5WorkerClient {
  private worker: Worker | undefined;
  private readonly queue: Job[] = [];
  private current: Job | undefined;
  private timer: NodeJS.Timeout | undefined;
  private nextId = 1;

  inspect(file: string, opts: InspectOptions): Promise<H5Inspection> {
    return new Promise<H5Inspection>((resolve, reject) => {
      this.queue.push({ id: this.nextId++, path: file, opts, resolve, reject });
      this.pump();
    });
  }

  private start(): Worker {
    const w = new Worker(WORKER_SOURCE, { eval: true, workerData: { url: h5wasmUrl() } });
    w.on('message', (m: { id: number; result?: H5Inspection; error?: string }) => {
      const job = this.current;
      if (!job || m.id !== job.id) return;
      this.finish();
      if (m.result) job.resolve(m.result);
      else {
        // A failed read may leave the C library in a bad state (and leaks a descriptor): start afresh.
        this.kill();
        job.reject(new BulwarkError('E_PARSE', m.error ?? 'HDF5 read failed'));
      }
      this.pump();
    });
    w.on('error', (err) => this.crash(`HDF5 reader crashed: ${err.message}`));
    w.on('exit', (code) => {
      if (this.worker === w) {
        this.worker = undefined;
        this.crash(`HDF5 reader exited (code ${code})`);
      }
    });
    return w;
  }

  private pump(): void {
    if (this.current) return;
    const job = this.queue.shift();
    if (!job) {
      this.worker?.unref();
      return;
    }
    this.current = job;
    try {
      this.worker ??= this.start();
    } catch (err) {
      this.current = undefined;
      job.reject(err instanceof Error ? err : new Error(String(err)));
      this.pump();
      return;
    }
    this.worker.ref();
    this.timer = setTimeout(() => {
      const j = this.current;
      this.finish();
      this.kill();
      j?.reject(new LimitError('timeoutMs', `HDF5 reader did not finish within ${job.opts.timeoutMs} ms`));
      this.pump();
    }, job.opts.timeoutMs);
    const { opts } = job;
    this.worker.postMessage({
      id: job.id,
      path: job.path,
      valueAttrs: opts.valueAttrs,
      attrGroups: opts.attrGroups,
      maxAttrBytes: opts.maxAttrBytes,
      maxAttrs: opts.maxAttrs,
      maxElements: opts.maxElements,
      maxObjects: opts.maxObjects,
      maxDepth: opts.maxDepth,
    });
  }

  private finish(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.current = undefined;
  }

  private kill(): void {
    const w = this.worker;
    this.worker = undefined;
    if (w) void w.terminate().catch(() => undefined);
  }

  private crash(message: string): void {
    const job = this.current;
    this.finish();
    this.kill();
    job?.reject(new BulwarkError('E_PARSE', message));
    this.pump();
  }
}

let client: H5WorkerClient | undefined;

/** Inspects the HDF5 file at `file` (an absolute path on the host file system). */
export function inspectHdf5(file: string, opts: Partial<InspectOptions> = {}): Promise<H5Inspection> {
  client ??= new H5WorkerClient();
  return client.inspect(path.resolve(file), { ...DEFAULT_INSPECT, ...opts });
}
