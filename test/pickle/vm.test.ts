import { describe, expect, it } from 'vitest';
import { scanBytes } from '../../src/scan/engine.js';
import { PickleVM } from '../../src/scan/pickle/vm.js';
import { PicklePolicy } from '../../src/scan/pickle/policy.js';
import { DEFAULT_LIMITS } from '../../src/core/limits.js';
import { PickleAsm, concat } from '../helpers/pickle-asm.js';
import type { FileResult } from '../../src/scan/types.js';

const globalsOf = (r: FileResult): string[] =>
  r.findings
    .filter((f) => f.ruleId === 'BW-PKL-001' || f.ruleId === 'BW-PKL-002')
    .map((f) => String(f.evidence?.global));
const rules = (r: FileResult): string[] => r.findings.map((f) => f.ruleId);

describe('symbolic pickle VM: globals resolved from stack and memo', () => {
  it('finds os.system through GLOBAL (protocol 0) and reports the call with its argument', async () => {
    const p = new PickleAsm()
      .global('os', 'system')
      .mark()
      .string0('echo hi')
      .tuple()
      .reduce()
      .stop()
      .bytes();
    const r = await scanBytes(p, 'p0.pkl');
    expect(r.verdict).toBe('malicious');
    const f = r.findings.find((x) => x.ruleId === 'BW-PKL-001')!;
    expect(f.evidence?.global).toBe('os.system');
    expect(f.evidence?.calls).toEqual(['os.system("echo hi")']);
    expect(f.location.offset).toBe(0);
  });

  it('normalises posix/nt aliases to os', async () => {
    for (const mod of ['posix', 'nt']) {
      const r = await scanBytes(PickleAsm.call(mod, 'system', 'id'), 'alias.pkl');
      expect(r.verdict).toBe('malicious');
      expect(globalsOf(r)).toEqual(['os.system']);
      expect(r.findings[0].evidence?.alias).toBe(`${mod} → os`);
    }
  });

  it('resolves STACK_GLOBAL operands stored in the memo behind decoy strings (CTF "Safe Pickle")', async () => {
    const p = new PickleAsm()
      .unicode0('os')
      .put0(2)
      .pop()
      .unicode0('system')
      .put0(3)
      .pop()
      .unicode0('torch')
      .put0(0)
      .pop()
      .unicode0('LongStorage')
      .put0(1)
      .pop()
      .get0(2)
      .get0(3)
      .stackGlobal()
      .mark()
      .unicode0('cat flag.txt')
      .tuple()
      .reduce()
      .stop()
      .bytes();
    const r = await scanBytes(p, 'memo.pkl');
    expect(globalsOf(r)).toEqual(['os.system']);
    expect(r.verdict).toBe('malicious');
  });

  it('accepts protocol-0 STRING operands for STACK_GLOBAL at opcode 0', async () => {
    const p = new PickleAsm()
      .string0('os')
      .string0('system')
      .stackGlobal()
      .string0('id')
      .tuple1()
      .reduce()
      .stop()
      .bytes();
    const r = await scanBytes(p, 'str0.pkl');
    expect(globalsOf(r)).toEqual(['os.system']);
  });

  it('reports a STACK_GLOBAL whose operands are computed at load time', async () => {
    const p = new PickleAsm()
      .global('builtins', 'str')
      .str('os')
      .tuple1()
      .reduce()
      .str('system')
      .stackGlobal()
      .str('id')
      .tuple1()
      .reduce()
      .stop()
      .bytes();
    const r = await scanBytes(p, 'dyn.pkl');
    expect(rules(r)).toContain('BW-PKL-003');
    expect(r.verdict).toBe('malicious');
  });

  it('keeps a global found before a missing memo key or type confusion', async () => {
    const p = new PickleAsm()
      .proto(4)
      .global('os', 'system')
      .unicode0('echo pwned')
      .tuple1()
      .reduce()
      .pop()
      .str('os')
      .memoize()
      .get(3)
      .get(0)
      .stackGlobal()
      .int(66)
      .stop()
      .bytes();
    const r = await scanBytes(p, 'keyerror.pkl');
    expect(globalsOf(r)).toContain('os.system');
    expect(r.verdict).toBe('malicious');
    expect(r.findings.some((f) => f.ruleId === 'BW-PKL-006' && f.evidence?.anomaly === 'memo-miss')).toBe(
      true,
    );
  });

  it('records calls made through INST, OBJ, NEWOBJ and NEWOBJ_EX', async () => {
    const inst = new PickleAsm().mark().string0('id').inst('subprocess', 'check_output').stop().bytes();
    const obj = new PickleAsm()
      .proto(2)
      .mark()
      .global('subprocess', 'Popen')
      .string0('id')
      .obj()
      .stop()
      .bytes();
    const newobj = new PickleAsm()
      .proto(4)
      .str('subprocess')
      .str('Popen')
      .stackGlobal()
      .str('id')
      .tuple1()
      .newobj()
      .stop()
      .bytes();
    const newobjEx = new PickleAsm()
      .proto(4)
      .str('subprocess')
      .str('Popen')
      .stackGlobal()
      .str('id')
      .tuple1()
      .emptyDict()
      .newobjEx()
      .stop()
      .bytes();
    for (const [name, p] of Object.entries({ inst, obj, newobj, newobjEx })) {
      const r = await scanBytes(p, `${name}.pkl`);
      expect(r.verdict, name).toBe('malicious');
      const f = r.findings.find((x) => x.ruleId === 'BW-PKL-001')!;
      expect(String(f.evidence?.global), name).toMatch(/^subprocess\./);
      expect((f.evidence?.calls as string[] | undefined)?.length, name).toBe(1);
    }
  });

  it('sees a call whose result is popped straight away (OBJ+POP)', async () => {
    const p = new PickleAsm()
      .proto(2)
      .mark()
      .global('os', 'system')
      .string0('id')
      .obj()
      .pop()
      .none()
      .stop()
      .bytes();
    const r = await scanBytes(p, 'objpop.pkl');
    expect(r.verdict).toBe('malicious');
    expect(r.findings[0].evidence?.calls).toEqual(['os.system("id")']);
  });

  it('catches dotted attribute paths that walk into another module', async () => {
    const r1 = await scanBytes(PickleAsm.call('pathlib', 'os.system', 'id'), 'dotted.pkl');
    expect(r1.verdict).toBe('malicious');
    expect(String(r1.findings[0].evidence?.reason)).toMatch(/attribute path/);
    const r2 = await scanBytes(PickleAsm.call('builtins', 'eval.__call__', '1'), 'dotted2.pkl');
    expect(r2.verdict).toBe('malicious');
  });

  it('flags BUILD on an imported module (attribute override)', async () => {
    const p = new PickleAsm()
      .proto(4)
      .str('torch')
      .str('_utils')
      .stackGlobal()
      .emptyDict()
      .str('_rebuild_tensor')
      .str('builtins')
      .setitem()
      .build()
      .stop()
      .bytes();
    const r = await scanBytes(p, 'override.pkl');
    expect(rules(r)).toContain('BW-PKL-004');
    expect(r.verdict).toBe('malicious');
  });

  it('analyses nested pickles passed to pickle.loads', async () => {
    const inner = PickleAsm.call('os', 'system', 'echo nested');
    const p = new PickleAsm()
      .proto(4)
      .str('pickle')
      .str('loads')
      .stackGlobal()
      .binbytes(inner)
      .tuple1()
      .reduce()
      .stop()
      .bytes();
    const r = await scanBytes(p, 'nested.pkl');
    const nested = r.findings.find((f) => f.location.inner?.[0]?.startsWith('<nested-pickle@'));
    expect(nested?.evidence?.global).toBe('os.system');
    expect(rules(r)).toContain('BW-PKL-005');
  });

  it('reports EXT opcodes as unresolvable globals', async () => {
    const p = new PickleAsm().proto(2).ext1(7).mark().tuple().reduce().stop().bytes();
    const r = await scanBytes(p, 'ext.pkl');
    expect(rules(r)).toContain('BW-PKL-003');
    expect(r.verdict).toBe('malicious');
  });
});

describe('streams, frames and bounds', () => {
  it('analyses every concatenated pickle (payload in the second)', async () => {
    const benign = new PickleAsm().proto(4).emptyDict().stop().bytes();
    const r = await scanBytes(concat(benign, PickleAsm.call('os', 'system', 'id')), 'multi.pkl');
    expect(r.verdict).toBe('malicious');
    expect(r.findings[0].location.offset).toBe(benign.length + 2 + 4 + 8);
  });

  it('reports the payload of a stream that breaks afterwards, and marks the break', async () => {
    const p = concat(PickleAsm.call('os', 'system', 'id').slice(0, -1), Uint8Array.from([0xff, 0xfe, 0x00]));
    const r = await scanBytes(p, 'broken.pkl');
    expect(r.verdict).toBe('malicious');
    expect(rules(r)).toContain('BW-PKL-006');
  });

  it('a broken benign-looking stream is inconclusive, never clean', async () => {
    const p = new PickleAsm().proto(4).emptyDict().mark().str('a').raw(0xff).bytes();
    const r = await scanBytes(p, 'broken-benign.pkl');
    expect(r.verdict).toBe('inconclusive');
  });

  it('detects trailing garbage after STOP', async () => {
    const p = concat(new PickleAsm().proto(2).none().stop().bytes(), Buffer.from('\x00\x01garbage'));
    const r = await scanBytes(p, 'trailing.pkl');
    expect(rules(r)).toEqual(['BW-PKL-007']);
  });

  it('detects an opcode that crosses a FRAME boundary', async () => {
    // FRAME says 3 bytes, but the first opcode inside is 4 bytes long.
    const p = new PickleAsm().proto(4).frame(3).str('abc').pop().none().stop().bytes();
    const r = await scanBytes(p, 'frame.pkl');
    expect(rules(r)).toContain('BW-PKL-008');
    const ok = new PickleAsm().proto(4).frame(6).str('abc').pop().none().stop().bytes();
    expect((await scanBytes(ok, 'frame-ok.pkl')).findings).toEqual([]);
  });

  it('gives the same result whatever the chunking of the input', () => {
    const policy = new PicklePolicy();
    const data = concat(
      new PickleAsm().proto(4).frame(20).str('a'.repeat(12)).memoize().pop().none().stop().bytes(),
      PickleAsm.call('os', 'system', 'x'.repeat(300)),
    );
    const run = (step: number): string[] => {
      const seen: string[] = [];
      const vm = new PickleVM({
        limits: DEFAULT_LIMITS,
        policy,
        hooks: {
          onGlobal: (g) => seen.push(`${g.module}.${g.name}@${g.offset}`),
          onAnomaly: (k) => seen.push(k),
        },
      });
      for (let i = 0; i < data.length; i += step) vm.feed(data.subarray(i, i + step));
      const res = vm.end();
      seen.push(`pickles=${res.pickles} err=${res.error?.message ?? ''}`);
      return seen;
    };
    const whole = run(data.length);
    for (const step of [1, 2, 3, 7, 64]) expect(run(step)).toEqual(whole);
  });

  it('stops at the memo bound and reports inconclusive', async () => {
    const a = new PickleAsm().proto(4).emptyList().mark();
    for (let i = 0; i < 50; i++) a.none().memoize();
    a.appends().stop();
    const r = await scanBytes(a.bytes(), 'memo.pkl', { limits: { maxMemo: 10 } });
    expect(r.verdict).toBe('inconclusive');
    expect(rules(r)).toContain('BW-PKL-009');
  });

  it('benign data pickles stay clean', async () => {
    const p = new PickleAsm()
      .proto(4)
      .emptyDict()
      .memoize()
      .mark()
      .str('a')
      .int(1)
      .str('b')
      .emptyList()
      .mark()
      .int(2)
      .int(3)
      .appends()
      .setitems()
      .stop()
      .bytes();
    const r = await scanBytes(p, 'data.pkl');
    expect(r).toMatchObject({ verdict: 'clean', findings: [], formats: ['pickle'] });
  });
});

describe('lookups resolved statically', () => {
  it('an enum member pickled as getattr(Class, "NAME") (Python 3.11.2) is clean', async () => {
    const p = new PickleAsm()
      .proto(4)
      .str('builtins')
      .str('getattr')
      .stackGlobal()
      .str('transformers.trainer_utils')
      .str('IntervalStrategy')
      .stackGlobal()
      .str('STEPS')
      .tuple2()
      .reduce()
      .stop()
      .bytes();
    const r = await scanBytes(p, 'training_args.bin');
    expect(r.findings).toEqual([]);
    expect(r.verdict).toBe('clean');
  });

  it('calling a method reached through an allowlisted class, or a resolved constant, is malicious', async () => {
    const method = new PickleAsm()
      .proto(4)
      .str('builtins')
      .str('getattr')
      .stackGlobal()
      .str('pandas.core.frame')
      .str('DataFrame')
      .stackGlobal()
      .str('to_csv')
      .tuple2()
      .reduce()
      .str('/tmp/exfil.csv')
      .tuple1()
      .reduce()
      .stop()
      .bytes();
    const r1 = await scanBytes(method, 'm.pkl');
    expect(r1.verdict).toBe('malicious');
    expect(globalsOf(r1)).toContain('pandas.core.frame.DataFrame.to_csv');
    const called = new PickleAsm()
      .proto(4)
      .str('builtins')
      .str('getattr')
      .stackGlobal()
      .str('transformers.trainer_utils')
      .str('IntervalStrategy')
      .stackGlobal()
      .str('STEPS')
      .tuple2()
      .reduce()
      .str('x')
      .tuple1()
      .reduce()
      .stop()
      .bytes();
    expect((await scanBytes(called, 'c.pkl')).verdict).toBe('malicious');
  });

  it('getattr on anything but constants is still reported, and so is getattr passed as a value', async () => {
    const dynamic = new PickleAsm()
      .proto(4)
      .str('builtins')
      .str('getattr')
      .stackGlobal()
      .str('builtins')
      .str('__import__')
      .stackGlobal()
      .str('os')
      .tuple1()
      .reduce()
      .str('system')
      .tuple2()
      .reduce()
      .stop()
      .bytes();
    const r = await scanBytes(dynamic, 'd.pkl');
    expect(globalsOf(r)).toEqual(expect.arrayContaining(['builtins.getattr', 'builtins.__import__']));
    const asValue = new PickleAsm()
      .proto(4)
      .str('builtins')
      .str('map')
      .stackGlobal()
      .str('builtins')
      .str('getattr')
      .stackGlobal()
      .emptyList()
      .tuple2()
      .reduce()
      .stop()
      .bytes();
    expect(globalsOf(await scanBytes(asValue, 'v.pkl'))).toContain('builtins.getattr');
  });

  it('numpy < 1.20 ufuncs (_ufunc_reconstruct("numpy", "log1p")) resolve to the ufunc', async () => {
    const ufunc = (name: string) =>
      new PickleAsm()
        .proto(2)
        .global('numpy.core', '_ufunc_reconstruct')
        .str('numpy')
        .str(name)
        .tuple2()
        .reduce()
        .stop()
        .bytes();
    expect((await scanBytes(ufunc('log1p'), 'u.pkl')).verdict).toBe('clean');
    const bad = await scanBytes(
      new PickleAsm()
        .proto(2)
        .global('numpy.core', '_ufunc_reconstruct')
        .str('os')
        .str('system')
        .tuple2()
        .reduce()
        .stop()
        .bytes(),
      'u2.pkl',
    );
    expect(bad.verdict).toBe('malicious');
    expect(globalsOf(bad)).toContain('os.system');
  });
});

describe('bound methods of allowlisted objects', () => {
  const bound = (call: boolean): Uint8Array => {
    const a = new PickleAsm()
      .proto(4)
      .str('builtins')
      .str('getattr')
      .stackGlobal()
      .str('torch.optim.lr_scheduler')
      .str('OneCycleLR')
      .stackGlobal()
      .emptyTuple()
      .newobj()
      .str('_annealing_cos')
      .tuple2()
      .reduce();
    if (call) a.int(1).tuple1().reduce();
    return a.stop().bytes();
  };
  it('a scheduler state_dict holding a bound method (OneCycleLR anneal_func) is clean', async () => {
    const r = await scanBytes(bound(false), 'sched.pt');
    expect(r.verdict).toBe('clean');
  });
  it('calling that bound method during load is malicious', async () => {
    expect((await scanBytes(bound(true), 'sched2.pt')).verdict).toBe('malicious');
  });
});
