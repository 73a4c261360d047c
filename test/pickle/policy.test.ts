import { describe, expect, it } from 'vitest';
import { PicklePolicy, normalizeModule } from '../../src/scan/pickle/policy.js';

const p = new PicklePolicy();
const cls = (m: string, n: string) => p.classify(m, n);

describe('pickle global policy (default-deny)', () => {
  it('normalises C-accelerator and Python 2 aliases', () => {
    expect(normalizeModule('posix')).toBe('os');
    expect(normalizeModule('nt')).toBe('os');
    expect(normalizeModule('_operator')).toBe('operator');
    expect(normalizeModule('cPickle')).toBe('pickle');
    expect(normalizeModule('__builtin__')).toBe('builtins');
    expect(normalizeModule('httplib')).toBe('http.client');
    expect(cls('_pickle', 'loads')).toMatchObject({ class: 'denied', module: 'pickle' });
  });

  it('denies every submodule of a denied package (parent propagation)', () => {
    expect(cls('asyncio.unix_events', '_UnixSubprocessTransport._start').class).toBe('denied');
    expect(cls('os.path', 'join').class).toBe('denied');
  });

  it('denies modules reached through dotted attribute names', () => {
    expect(cls('pathlib', 'os.system')).toMatchObject({ class: 'denied' });
    expect(cls('numpy', 'testing._private.utils.runstring').class).toBe('denied');
    // An attribute of an allowlisted class is a value; calling it is what the analysis reports.
    expect(cls('collections', 'OrderedDict.fromkeys')).toMatchObject({ class: 'allowed', notCallable: true });
    expect(cls('collections', 'OrderedDict.fromkeys.__globals__').class).toBe('denied');
  });

  it('treats stdlib globals that are not allowlisted as dangerous, and third-party ones as unknown', () => {
    expect(cls('getpass', 'getuser').class).toBe('denied');
    expect(cls('colorsys', 'hls_to_rgb')).toMatchObject({ class: 'denied', matched: 'stdlib-default-deny' });
    expect(cls('weakref', 'finalize').class).toBe('denied');
    expect(cls('mycompany.models', 'Net')).toMatchObject({ class: 'unknown', severity: 'medium' });
  });

  it('allows what real ML files use', () => {
    for (const [m, n] of [
      ['torch._utils', '_rebuild_tensor_v2'],
      ['torch', 'FloatStorage'],
      ['collections', 'OrderedDict'],
      ['numpy.core.multiarray', '_reconstruct'],
      ['numpy', 'dtype'],
      ['sklearn.linear_model._logistic', 'LogisticRegression'],
      ['joblib.numpy_pickle', 'NumpyArrayWrapper'],
      ['_codecs', 'encode'],
      ['uuid', 'UUID'],
    ])
      expect(cls(m, n).class, `${m}.${n}`).toBe('allowed');
    // ...while the module they sit in may still be denied for everything else.
    expect(cls('uuid', '_get_command_stdout').class).toBe('denied');
  });

  it('applies user extensions and context-specific allowances', () => {
    const ext = new PicklePolicy({
      allow: [{ module: 'mycompany.models', names: ['Net'] }],
      deny: [
        { module: 'somelib.loaders', names: ['load_remote'], severity: 'high', reason: 'downloads a pickle' },
      ],
    });
    expect(ext.classify('mycompany.models', 'Net').class).toBe('allowed');
    expect(ext.classify('somelib.loaders', 'load_remote')).toMatchObject({
      class: 'denied',
      reason: 'downloads a pickle',
    });
    expect(p.classify('__torch__.torch.nn.modules.linear', 'Linear').class).not.toBe('denied');
    const ts = p.derive({ allowPrefixes: ['__torch__'] });
    expect(ts.classify('__torch__.my.Module', 'forward_helper').class).toBe('allowed');
    expect(ts.classify('os', 'system').class).toBe('denied');
  });
});
