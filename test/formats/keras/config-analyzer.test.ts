import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { scanBytes } from '../../../src/scan/engine.js';
import {
  decodeCodeString,
  lenientBase64,
  matchKerasConfig,
} from '../../../src/scan/formats/keras/config-analyzer.js';
import type { FileResult } from '../../../src/scan/types.js';

const vectors = JSON.parse(
  readFileSync(path.join(__dirname, '../../../fixtures/formats/keras/marshal-vectors.json'), 'utf8'),
) as Record<string, { source: string; b64: string }[]>;
const code = (version: string, i: number): string => vectors[version][i].b64;
const EVIL = 0; // lambda x: __import__('os').system('echo bulwark-test')
const OBFUSCATED = 1;
const DOUBLE = 2; // lambda x: x * 2

const dtype = {
  module: 'keras',
  class_name: 'DTypePolicy',
  config: { name: 'float32' },
  registered_name: null,
};

function k3Sequential(layers: unknown[]): Record<string, unknown> {
  return {
    module: 'keras',
    class_name: 'Sequential',
    config: { name: 'sequential', trainable: true, dtype, layers },
    registered_name: null,
    build_config: { input_shape: [null, 4] },
  };
}

function k3Layer(cls: string, config: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return {
    module: 'keras.layers',
    class_name: cls,
    config: { name: cls.toLowerCase(), trainable: true, dtype, ...config },
    registered_name: null,
    ...extra,
  };
}

function k2Sequential(layers: unknown[]): Record<string, unknown> {
  return { class_name: 'Sequential', config: { name: 'sequential', layers } };
}

async function scanJson(doc: unknown, name = 'config.json'): Promise<FileResult> {
  return scanBytes(Buffer.from(JSON.stringify(doc)), name);
}

function rules(r: FileResult): string[] {
  return r.findings.map((f) => f.ruleId);
}

function detail(r: FileResult): string {
  return JSON.stringify(r.findings.map((f) => `${f.ruleId} ${f.message}`));
}

describe('matchKerasConfig', () => {
  it('recognises Keras 3, tf.keras and metadata documents by content', () => {
    expect(matchKerasConfig(k3Sequential([]))).toBe(80);
    expect(matchKerasConfig(k2Sequential([]))).toBe(80);
    expect(matchKerasConfig({ class_name: 'Sequential', config: [] })).toBe(70);
    expect(
      matchKerasConfig({ class_name: 'Model', config: {}, keras_version: '2.4.0', backend: 'tensorflow' }),
    ).toBe(80);
    expect(matchKerasConfig({ module: 'os', class_name: 'function', config: 'system' })).toBe(60);
    expect(matchKerasConfig({ keras_version: '3.6.0', date_saved: '2024-11-05@10:21:32' })).toBe(40);
  });
  it('does not claim other JSON', () => {
    expect(matchKerasConfig({ architectures: ['BertModel'], model_type: 'bert' })).toBe(0);
    expect(matchKerasConfig([1, 2, 3])).toBe(0);
    expect(matchKerasConfig({ class_name: 'x' })).toBe(0);
    expect(matchKerasConfig({ class_name: 'Lambda', config: {} })).toBe(50);
    expect(matchKerasConfig(null)).toBe(0);
  });
});

describe('code strings', () => {
  it('decodes base64 as leniently as binascii (junk characters, newlines, data after padding)', () => {
    const b64 = code('3.11', EVIL);
    const wrapped = b64.replace(/(.{76})/g, '$1\n');
    expect(decodeCodeString(wrapped).code).toBeDefined();
    expect(decodeCodeString(`!!${b64.slice(0, 10)}*#${b64.slice(10)}`).code).toBeDefined();
    expect(lenientBase64('YWJj=ZZZZ')).toEqual(new Uint8Array([97, 98, 99, 101, 150, 89]));
    expect(lenientBase64('YW=I=')).toEqual(new Uint8Array([97, 98]));
    expect(lenientBase64('Y=WI')).toBeUndefined();
    expect(lenientBase64('YWI=trailing')).toEqual(new Uint8Array([0x61, 0x62]));
    expect(lenientBase64('YWJjZ')).toBeUndefined();
  });
  it('decodes raw marshal strings (raw_unicode_escape fallback)', () => {
    const raw = Buffer.from(code('3.10', EVIL), 'base64').toString('latin1');
    const d = decodeCodeString(raw);
    expect(d.encoding).toBe('raw');
    expect(d.code?.layout).toBe('3.8-3.10');
  });
  it('reports undecodable code', () => {
    expect(decodeCodeString('not code at all').code).toBeUndefined();
  });
});

describe('Lambda layers', () => {
  for (const version of ['2.7', '3.7', '3.9', '3.11', '3.12', '3.13']) {
    it(`Keras 2 func_dump triple from Python ${version} with os.system is malicious`, async () => {
      const doc = k2Sequential([
        {
          class_name: 'Lambda',
          config: { name: 'lambda', function: [code(version, EVIL), null, null], function_type: 'lambda' },
        },
      ]);
      const r = await scanJson(doc);
      expect(r.verdict, detail(r)).toBe('malicious');
      expect(rules(r)).toContain('BW-KERAS-001');
      const f = r.findings.find((x) => x.ruleId === 'BW-KERAS-001');
      expect(f?.evidence?.dangerousNames).toEqual(expect.arrayContaining(['__import__', 'system']));
    });
  }

  it('Keras 3 __lambda__ (Lambda layer code/defaults/closure form)', async () => {
    const fn = {
      class_name: '__lambda__',
      config: { code: code('3.12', OBFUSCATED), defaults: null, closure: null },
    };
    const r = await scanJson(k3Sequential([k3Layer('Lambda', { function: fn, arguments: {} })]));
    expect(r.verdict).toBe('malicious');
    expect(rules(r)).toEqual(['BW-KERAS-001']);
  });

  it('Keras 3 __lambda__ (serialization_lib value form)', async () => {
    const fn = { class_name: '__lambda__', config: { value: [code('3.11', EVIL), null, null] } };
    const r = await scanJson(k3Sequential([k3Layer('Dense', { units: 2, activation: fn })]));
    expect(rules(r)).toEqual(['BW-KERAS-001']);
  });

  it('a harmless-looking Lambda is still code: suspicious, with what it references', async () => {
    const fn = {
      class_name: '__lambda__',
      config: { code: code('3.11', DOUBLE), defaults: null, closure: null },
    };
    const r = await scanJson(k3Sequential([k3Layer('Lambda', { function: fn })]));
    expect(r.verdict).toBe('suspicious');
    expect(rules(r)).toEqual(['BW-KERAS-002']);
    expect(r.findings[0].severity).toBe('high');
  });

  it('finds Lambdas in output_shape and mask slots, nested models and wrappers', async () => {
    const inner = k2Sequential([
      {
        class_name: 'TimeDistributed',
        config: {
          name: 'td',
          layer: {
            class_name: 'Lambda',
            config: {
              name: 'deep',
              function: [code('3.8', DOUBLE), null, null],
              function_type: 'lambda',
              output_shape: [code('3.8', EVIL), null, null],
              output_shape_type: 'lambda',
            },
          },
        },
      },
    ]);
    const outer = {
      class_name: 'Functional',
      config: { name: 'outer', layers: [{ ...inner, name: 'inner' }] },
    };
    const r = await scanJson(outer);
    expect(r.verdict).toBe('malicious');
    expect(rules(r).sort()).toEqual(['BW-KERAS-001', 'BW-KERAS-002']);
    expect(r.findings.find((f) => f.ruleId === 'BW-KERAS-001')?.evidence?.layer).toBe('deep');
  });

  it('finds bytecode hidden in any string of the config', async () => {
    const r = await scanJson(k3Sequential([k3Layer('Dense', { units: 2, note: code('3.9', EVIL) })]));
    expect(rules(r)).toEqual(['BW-KERAS-001']);
  });

  it('reports a Lambda whose code cannot be decoded as inconclusive', async () => {
    const doc = k2Sequential([
      {
        class_name: 'Lambda',
        config: { name: 'bad', function: ['4wEAAAAA', null, null], function_type: 'lambda' },
      },
    ]);
    const r = await scanJson(doc);
    expect(r.verdict).toBe('inconclusive');
    expect(rules(r)).toEqual(['BW-KERAS-011']);
  });
});

describe('module references (CVE-2025-1550 family)', () => {
  const fnRef = (module: string, name: string) => ({
    module,
    class_name: 'function',
    config: name,
    registered_name: name,
  });

  it('flags os/subprocess/builtins/importlib functions wherever they are', async () => {
    for (const [m, n] of [
      ['os', 'system'],
      ['posix', 'system'],
      ['subprocess', 'Popen'],
      ['builtins', 'eval'],
      ['builtins', '__import__'],
      ['importlib', 'import_module'],
      ['runpy', 'run_path'],
    ]) {
      const r = await scanJson(
        k3Sequential([
          k3Layer('Lambda', { function: fnRef('builtins', 'relu'), arguments: { x: fnRef(m, n) } }),
        ]),
      );
      expect(r.verdict, `${m}.${n}`).toBe('malicious');
      expect(rules(r), `${m}.${n}`).toEqual(['BW-KERAS-003']);
    }
  });

  it('flags a class reference into a dangerous module', async () => {
    const r = await scanJson(k3Sequential([{ module: 'subprocess', class_name: 'Popen', config: {} }]));
    expect(rules(r)).toEqual(['BW-KERAS-003']);
  });

  it('accepts Keras built-in functions saved under builtins and Keras-namespace classes', async () => {
    const r = await scanJson(
      k3Sequential([
        k3Layer('Dense', { units: 2, activation: fnRef('builtins', 'relu') }),
        {
          module: 'keras.src.layers.core.dense',
          class_name: 'Dense',
          config: { units: 2 },
          registered_name: null,
        },
        {
          module: 'keras_hub.src.models.bert.bert_backbone',
          class_name: 'BertBackbone',
          config: {},
          registered_name: 'keras_hub>BertBackbone',
        },
        { module: 'tf_keras.src.layers', class_name: 'Dense', config: {}, registered_name: null },
      ]),
    );
    expect(r.findings, detail(r)).toEqual([]);
    expect(r.verdict).toBe('clean');
  });

  it('custom objects from other packages are suspicious', async () => {
    const r = await scanJson(
      k3Sequential([
        { module: 'acme.layers', class_name: 'Fancy', config: {}, registered_name: 'acme>Fancy' },
        k3Layer('Dense', { units: 2, activation: fnRef('builtins', 'acme>swishy') }),
        k3Layer('Dense', { units: 2, activation: fnRef('builtins', 'my_unregistered_fn') }),
        { class_name: 'Custom>Old', config: {} },
        { class_name: 'Addons>GELU', config: {} },
      ]),
    );
    expect(r.verdict).toBe('suspicious');
    expect(new Set(rules(r))).toEqual(new Set(['BW-KERAS-009']));
    expect(r.findings.length).toBe(5);
  });

  it('module names that cannot be imported are ignored', async () => {
    const r = await scanJson(k3Sequential([{ module: 'os; rm -rf /', class_name: 'x', config: {} }]));
    expect(r.verdict).toBe('clean');
  });
});

describe('Keras-internal gadgets', () => {
  const node = (ref: Record<string, unknown>, args: unknown[], kwargs: Record<string, unknown> = {}) => ({
    ...ref,
    name: 'n',
    inbound_nodes: [{ args, kwargs }],
  });
  const fnRef = (module: string, name: string) => ({
    module,
    class_name: 'function',
    config: name,
    registered_name: name,
  });
  const functional = (layers: unknown[]) => ({
    module: 'keras',
    class_name: 'Functional',
    config: { name: 'f', layers, input_layers: [], output_layers: [] },
    registered_name: 'Functional',
  });

  it('get_file with its URL (CVE-2025-8747)', async () => {
    for (const m of ['keras.utils', 'keras.src.utils.file_utils', 'tf_keras.utils']) {
      const r = await scanJson(
        functional([node(fnRef(m, 'get_file'), ['x'], { origin: 'http://evil.invalid/a' })]),
      );
      expect(rules(r), m).toEqual(['BW-KERAS-005']);
      expect(r.findings[0].evidence?.urls).toEqual(['http://evil.invalid/a']);
    }
  });

  it('safe-mode switches (CVE-2025-9906)', async () => {
    for (const [m, n] of [
      ['keras.config', 'enable_unsafe_deserialization'],
      ['keras.src.saving.serialization_lib', 'enable_unsafe_deserialization'],
      ['keras.src.backend.common.global_state', 'set_global_attribute'],
      ['keras.src.utils.python_utils', 'func_load'],
    ]) {
      const r = await scanJson(functional([node(fnRef(m, n), [])]));
      expect(rules(r), `${m}.${n}`).toEqual(['BW-KERAS-004']);
    }
  });

  it('Python names reached through Keras modules (vars(module).get)', async () => {
    for (const [m, n] of [
      ['keras.src.utils.file_utils', 'urlretrieve'],
      ['keras.src.backend', 'system'],
      ['tensorflow.python.lib.io.file_io', 'write_string_to_file'],
      ['keras.src.utils.module_utils', 'LazyModule'],
    ]) {
      const r = await scanJson(functional([node(fnRef(m, n), [])]));
      expect(r.verdict, `${m}.${n}`).toBe('malicious');
      expect(rules(r), `${m}.${n}`).toEqual(['BW-KERAS-006']);
    }
  });

  it('nested model loading, escalated when safe_mode is false', async () => {
    let r = await scanJson(functional([node(fnRef('keras.saving', 'load_model'), ['/tmp/m.keras'])]));
    expect(rules(r)).toEqual(['BW-KERAS-006']);
    expect(r.findings[0].severity).toBe('high');
    r = await scanJson(
      functional([node(fnRef('keras.models', 'load_model'), ['/tmp/m.keras'], { safe_mode: false })]),
    );
    expect(r.findings[0].severity).toBe('critical');
  });

  it('TFOpLambda calling file or Python ops (and not math ops)', async () => {
    const op = (fn: string) => ({ class_name: 'TFOpLambda', config: { name: `tf.${fn}`, function: fn } });
    let r = await scanJson(k2Sequential([op('io.read_file'), op('compat.v1.py_func'), op('io.gfile.GFile')]));
    expect(rules(r)).toEqual(['BW-KERAS-010', 'BW-KERAS-010', 'BW-KERAS-010']);
    r = await scanJson(
      k2Sequential([op('math.multiply'), op('__operators__.add'), op('nn.relu'), op('io.decode_raw')]),
    );
    expect(r.verdict).toBe('clean');
  });
});

describe('path- and URL-valued fields (CVE-2025-12058)', () => {
  it('absolute paths, traversal, home and URLs are malicious; relative paths suspicious; lists clean', async () => {
    for (const v of [
      '/etc/passwd',
      '../../secret.txt',
      '~/.ssh/id_rsa',
      'C:\\Windows\\win.ini',
      'gs://bucket/v.txt',
    ]) {
      const r = await scanJson(k3Sequential([k3Layer('StringLookup', { vocabulary: v })]));
      expect(r.verdict, v).toBe('malicious');
      expect(rules(r)).toEqual(['BW-KERAS-008']);
    }
    let r = await scanJson(k3Sequential([k3Layer('IntegerLookup', { vocabulary: 'vocab.txt' })]));
    expect(r.verdict).toBe('suspicious');
    r = await scanJson(
      k3Sequential([
        k3Layer('StringLookup', { vocabulary: ['/etc/passwd', 'https://x.invalid'], idf_weights: null }),
      ]),
    );
    expect(r.verdict).toBe('clean');
  });
});

describe('TorchModuleWrapper (CVE-2025-49655)', () => {
  it('decodes the blob and analyses it as content', async () => {
    // A protocol-2 pickle of {} (harmless): the wrapper itself stays suspicious.
    const blob = Buffer.from([0x80, 0x02, 0x7d, 0x71, 0x00, 0x2e]).toString('base64');
    const r = await scanJson(
      k3Sequential([k3Layer('TorchModuleWrapper', { module: blob, output_shape: null })]),
    );
    expect(r.verdict, detail(r)).toBe('suspicious');
    expect(rules(r)).toEqual(['BW-KERAS-007']);
    expect(r.findings[0].evidence?.formats).toContain('pickle');
  });
  it('finds the payload inside the blob', async () => {
    // protocol-2 pickle: GLOBAL posix system, 'echo bulwark-test', TUPLE1, REDUCE, STOP
    const p = Buffer.concat([
      Buffer.from([0x80, 0x02]),
      Buffer.from('cposix\nsystem\n'),
      Buffer.from([0x58, 17, 0, 0, 0]),
      Buffer.from('echo bulwark-test'),
      Buffer.from([0x85, 0x52, 0x2e]),
    ]);
    const r = await scanJson(k3Sequential([k3Layer('TorchModuleWrapper', { module: p.toString('base64') })]));
    expect(r.verdict).toBe('malicious');
    expect(rules(r)).toEqual(expect.arrayContaining(['BW-KERAS-007', 'BW-PKL-001']));
  });
});

describe('bounds', () => {
  it('a config deeper than the walk limit is inconclusive, not clean', async () => {
    const n = 1_100; // two levels each: deeper than the 2 000-level walk limit
    const deep = `${'{"class_name":"Wrapper","config":{"layer":'.repeat(n)}{}${'}}'.repeat(n)}`;
    const text = `{"class_name":"Sequential","config":{"layers":[${deep}]}}`;
    const r = await scanBytes(Buffer.from(text), 'config.json');
    expect(r.verdict).toBe('inconclusive');
    expect(rules(r)).toContain('BW-KERAS-011');
  });
  it('caps repeated findings', async () => {
    const layers = Array.from({ length: 500 }, (_, i) => ({
      module: `pkg${i}.layers`,
      class_name: 'X',
      config: {},
    }));
    const r = await scanJson(k3Sequential(layers));
    expect(r.findings.length).toBe(50);
    expect(r.analyses.join(' ')).toMatch(/repeated findings not listed/);
  });
  it('walks a large benign config quickly', async () => {
    const layers = Array.from({ length: 20_000 }, (_, i) =>
      k3Layer('Dense', {
        name: `d${i}`,
        units: 8,
        kernel_initializer: {
          module: 'keras.initializers',
          class_name: 'GlorotUniform',
          config: { seed: null },
          registered_name: null,
        },
      }),
    );
    const t0 = Date.now();
    const r = await scanJson(k3Sequential(layers));
    expect(r.verdict).toBe('clean');
    expect(Date.now() - t0).toBeLessThan(10_000);
  });
});
