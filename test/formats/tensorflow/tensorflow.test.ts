import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LimitError, ParseError } from '../../../src/core/errors.js';
import { scanBytes } from '../../../src/scan/engine.js';
import {
  decodePackedVarints,
  parseHead,
  ProtoReader,
  type ProtoField,
} from '../../../src/scan/formats/protobuf/wire.js';
import { detectTf } from '../../../src/scan/formats/tensorflow/detect.js';
import { flexStringVector } from '../../../src/scan/formats/tensorflow/flatbuffer.js';
import { judgeOp } from '../../../src/scan/formats/tensorflow/graph-report.js';
import { isSaverFunction } from '../../../src/scan/formats/tensorflow/op-policy.js';
import { KNOWN_TF_OPS } from '../../../src/scan/formats/tensorflow/tf-op-names.js';
import { BufferSource } from '../../../src/scan/source.js';
import { buildZip } from '../../helpers/zip-writer.js';
import { fb, fm, fv, header, varint } from '../onnx/proto-writer.js';

const TF = path.resolve(__dirname, '../../../fixtures/formats/tensorflow');
const TFL = path.resolve(__dirname, '../../../fixtures/formats/tflite');
const ids = (r: { findings: { ruleId: string }[] }) => r.findings.map((f) => f.ruleId);

async function fields(data: Uint8Array): Promise<ProtoField[]> {
  const r = new ProtoReader(new BufferSource(data));
  const out: ProtoField[] = [];
  await r.walk(0, data.length, 0, (f) => {
    out.push(f);
  });
  return out;
}

describe('protobuf wire reader', () => {
  it('decodes varints, negative int64, fixed fields and lengths', async () => {
    const data = Buffer.concat([
      fv(1, 300),
      fv(2, -1),
      fv(3, 2n ** 53n - 1n),
      Buffer.from([0x21, 1, 0, 0, 0, 0, 0, 0, 0]), // field 4, fixed64 = 1
      Buffer.from([0x2d, 0xff, 0xff, 0xff, 0xff]), // field 5, fixed32 = 0xffffffff
      fb(6, 'hello'),
    ]);
    const f = await fields(data);
    expect(f.map((x) => x.no)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(f[0].value).toBe(300);
    expect(f[1].signed).toBe(-1);
    expect(f[2].value).toBe(2 ** 53 - 1);
    expect(f[3].value).toBe(1);
    expect(f[4].value).toBe(0xffffffff);
    expect(f[4].signed).toBe(-1);
    expect(f[5].length).toBe(5);
    expect(decodePackedVarints(Buffer.concat([varint(1), varint(-2), varint(1 << 30)]), 10).values).toEqual([
      1,
      -2,
      1 << 30,
    ]);
  });

  it('rejects malformed input with ParseError', async () => {
    const bad = [
      Buffer.from([0x08]), // truncated varint value
      Buffer.from([0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]), // 11-byte varint
      Buffer.from([0x12, 0x05, 0x61]), // length past the end
      Buffer.from([0x0b]), // group wire type
      Buffer.from([0x0e]), // wire type 6
      Buffer.from([0x00]), // field number 0
      Buffer.from([0x21, 1, 2, 3]), // truncated fixed64
    ];
    for (const b of bad) await expect(fields(b), b.toString('hex')).rejects.toBeInstanceOf(ParseError);
  });

  it('bounds nesting depth and field count', async () => {
    let msg: Buffer = fv(1, 1);
    for (let i = 0; i < 20; i++) msg = fm(1, msg);
    const r = new ProtoReader(new BufferSource(msg), { maxDepth: 10 });
    const descend =
      (depth: number) =>
      (f: ProtoField): unknown =>
        f.wire === 2 ? r.message(f, depth, descend(depth + 1)) : undefined;
    await expect(r.walk(0, msg.length, 0, descend(0))).rejects.toBeInstanceOf(LimitError);
    const many = Buffer.concat(Array.from({ length: 100 }, () => fv(1, 1)));
    const r2 = new ProtoReader(new BufferSource(many), { maxFields: 50 });
    await expect(r2.walk(0, many.length, 0, () => undefined)).rejects.toBeInstanceOf(LimitError);
  });

  it('skips a large length-delimited field without reading it', async () => {
    const big = 50 * 1024 * 1024;
    const data = Buffer.alloc(big + 64);
    let p = 0;
    for (const part of [fv(1, 7), header(2, big)]) p += part.copy(data, p);
    p += big;
    fb(3, 'after').copy(data, p);
    const src = new BufferSource(data.subarray(0, p + 7));
    const r = new ProtoReader(src, { blockSize: 4096 });
    const seen: number[] = [];
    await r.walk(0, src.size, 0, (f) => {
      seen.push(f.no);
    });
    expect(seen).toEqual([1, 2, 3]);
    expect(src.bytesRead).toBeLessThan(16 * 1024);
  });

  it('parses heads for sniffing and reports truncated fields', () => {
    const msg = Buffer.concat([fv(1, 3), fb(2, 'abc'), header(3, 1000)]);
    const p = parseHead(msg, 0, 1000, 1000);
    expect(p.ok).toBe(true);
    const cut = parseHead(msg, 0, msg.length, msg.length);
    expect(cut.overrun).toBe(true);
    expect(parseHead(Buffer.from([0x0f]), 0, 1, 1).ok).toBe(false);
  });
});

describe('TensorFlow op policy', () => {
  it('ships the TensorFlow op names', () => {
    expect(KNOWN_TF_OPS.size).toBeGreaterThan(1400);
    for (const op of [
      'MatMul',
      'Conv2D',
      'StatefulPartitionedCall',
      'VarHandleOp',
      'SaveV2',
      'ReadFile',
      'XlaCallModule',
      '_Arg',
    ])
      expect(KNOWN_TF_OPS.has(op), op).toBe(true);
    expect(KNOWN_TF_OPS.has('ShellExecute')).toBe(false);
  });

  it('judges ops with their attributes and constant inputs', () => {
    const none = new Map<string, string[]>();
    expect(judgeOp('MatMul', none, () => undefined, false)).toBeUndefined();
    expect(judgeOp('PyFunc', none, () => undefined, false)?.rule.id).toBe('BW-TF-001');
    expect(judgeOp('ReadFile', none, () => ['/etc/passwd'], false)?.paths).toEqual(['/etc/passwd']);
    expect(
      judgeOp('PrintV2', new Map([['output_stream', ['stderr']]]), () => undefined, false),
    ).toBeUndefined();
    expect(
      judgeOp('PrintV2', new Map([['output_stream', ['file:///tmp/x']]]), () => undefined, false)?.rule.id,
    ).toBe('BW-TF-002');
    expect(
      judgeOp('DebugIdentityV2', new Map([['debug_urls', ['grpc://h:1']]]), () => undefined, false)?.rule.id,
    ).toBe('BW-TF-004');
    expect(
      judgeOp('DecodeProtoV2', new Map([['descriptor_source', ['local://']]]), () => undefined, false),
    ).toBeUndefined();
    expect(
      judgeOp('DecodeProtoV2', new Map([['descriptor_source', ['/tmp/d.pb']]]), () => undefined, false)?.rule
        .id,
    ).toBe('BW-TF-003');
    // checkpoint ops: normal in the saver, suspicious elsewhere, malicious with a constant or escaping path
    expect(judgeOp('SaveV2', none, () => undefined, true)).toBeUndefined();
    expect(judgeOp('SaveV2', none, () => ['model'], true)).toBeUndefined();
    expect(judgeOp('SaveV2', none, () => undefined, false)?.impact).toBeUndefined();
    expect(judgeOp('SaveV2', none, () => ['x'], false)?.impact).toBe('malicious');
    expect(judgeOp('MergeV2Checkpoints', none, (i) => (i === 1 ? ['/etc'] : undefined), true)?.impact).toBe(
      'malicious',
    );
    // vocabulary readers: only paths that escape the model
    expect(judgeOp('InitializeTableFromTextFileV2', none, () => ['assets/vocab.txt'], false)).toBeUndefined();
    expect(judgeOp('InitializeTableFromTextFileV2', none, () => ['../../etc/passwd'], false)?.rule.id).toBe(
      'BW-TF-007',
    );
    expect(judgeOp('ShellExecute', none, () => undefined, false)?.rule.id).toBe('BW-TF-009');
    expect(isSaverFunction('__inference__traced_save_1100')).toBe(true);
    expect(isSaverFunction('__inference__traced_restore_7')).toBe(true);
    expect(isSaverFunction('__inference___call___900')).toBe(false);
  });
});

describe('TensorFlow graph files', () => {
  it('recognises every kind of file by content', () => {
    const kind = (p: string, name = path.basename(p)) => {
      const b = readFileSync(p);
      return detectTf(b.subarray(0, 4096), b.length, name)?.kind;
    };
    const d = path.join(TF, 'benign/keras_mlp_savedmodel');
    expect(kind(path.join(d, 'saved_model.pb'))).toBe('saved-model');
    expect(kind(path.join(d, 'saved_model.pb'), 'renamed.bin')).toBe('saved-model');
    expect(kind(path.join(d, 'keras_metadata.pb'))).toBe('keras-metadata');
    expect(kind(path.join(d, 'fingerprint.pb'))).toBe('fingerprint');
    expect(kind(path.join(d, 'variables/variables.index'), 'x')).toBe('bundle-index');
    expect(kind(path.join(d, 'variables/variables.data-00000-of-00001'))).toBe('bundle-data');
    expect(kind(path.join(d, 'variables/variables.data-00000-of-00001'), 'weights.bin')).toBeUndefined();
    expect(kind(path.join(TF, 'benign/frozen_cnn.pb'))).toBe('graph-def');
    expect(kind(path.join(TF, 'benign/model.ckpt.meta'))).toBe('meta-graph');
  });

  it('analyses a pickle named like a variables shard as a pickle', async () => {
    const pickle = Buffer.from(
      '80049525000000000000008c05706f736978948c0673797374656d9493948c0a6563686f2070776e656494859452942e',
      'hex',
    );
    const r = await scanBytes(pickle, 'variables.data-00000-of-00001');
    expect(r.formats).toContain('pickle');
    expect(r.verdict).toBe('malicious');
  });

  it('treats ops named after library functions as function calls', async () => {
    const fn = fm(1, fm(1, fb(1, 'my_block')), fm(3, fb(1, 'r'), fb(2, 'Relu'), fb(3, 'x')));
    const graph = Buffer.concat([
      fm(1, fb(1, 'x'), fb(2, 'Placeholder')),
      fm(1, fb(1, 'call'), fb(2, 'my_block'), fb(3, 'x')),
      fm(2, fn),
    ]);
    const r = await scanBytes(graph, 'frozen.pb');
    expect(r.formats).toContain('tf-graphdef');
    expect(r.verdict, JSON.stringify(r.findings)).toBe('clean');
    const unknown = Buffer.concat([
      fm(1, fb(1, 'x'), fb(2, 'Placeholder')),
      fm(1, fb(1, 'call'), fb(2, 'NotAnOp'), fb(3, 'x')),
    ]);
    const u = await scanBytes(unknown, 'frozen.pb');
    expect(u.verdict).toBe('suspicious');
    expect(ids(u)).toContain('BW-TF-010');
  });

  it('flags a TF1 saver whose constant path escapes, and checkpoint ops outside the save/ scope', async () => {
    const saver = (name: string, path: string) =>
      Buffer.concat([
        fm(
          1,
          fb(1, `${name}/Const`),
          fb(2, 'Const'),
          fm(5, fb(1, 'value'), fm(2, fm(8, fv(1, 7), fb(8, path)))),
        ),
        fm(1, fb(1, `${name}/RestoreV2`), fb(2, 'RestoreV2'), fb(3, `${name}/Const`)),
      ]);
    expect((await scanBytes(saver('save', 'model'), 'g.pb')).verdict).toBe('clean');
    expect((await scanBytes(saver('save', '/etc/passwd'), 'g.pb')).verdict).toBe('malicious');
    const outside = await scanBytes(saver('serving', 'ckpt'), 'g.pb');
    expect(outside.verdict).toBe('malicious');
    expect(ids(outside)).toContain('BW-TF-005');
  });

  it('resolves TF1 asset tensors to the asset inside the model, not to their export-time constant', async () => {
    const constNode = (name: string, value: string) =>
      fm(1, fb(1, name), fb(2, 'Const'), fm(5, fb(1, 'value'), fm(2, fm(8, fv(1, 7), fb(8, value)))));
    const graph = () =>
      Buffer.concat([
        constNode('asset_path', '/home/builder/export/vocab.txt'),
        fm(1, fb(1, 'table'), fb(2, 'HashTableV2')),
        fm(1, fb(1, 'init'), fb(2, 'InitializeTableFromTextFileV2'), fb(3, 'table'), fb(3, 'asset_path')),
        fm(4, fv(1, 27)),
      ]);
    const savedModel = (assetName: string) =>
      Buffer.concat([
        fv(1, 1),
        fm(
          2,
          fm(1, fb(4, 'serve'), fb(5, '1.15.0')),
          fm(2, graph()),
          fm(6, fm(1, fb(1, 'asset_path:0')), fb(2, assetName)),
        ),
      ]);
    const ok = await scanBytes(savedModel('vocab.txt'), 'saved_model.pb');
    expect(ok.formats).toContain('tf-savedmodel');
    expect(ok.verdict, JSON.stringify(ok.findings)).toBe('clean');
    const bad = await scanBytes(savedModel('../../../etc/passwd'), 'saved_model.pb');
    expect(bad.verdict).toBe('malicious');
    expect(ids(bad)).toContain('BW-TF-007');
  });

  it('still judges host-facing ops beyond the cap of nodes examined in detail', async () => {
    const nodes: Buffer[] = [];
    for (let i = 0; i < 2100; i++)
      nodes.push(fm(1, fb(1, `save/RestoreV2_${i}`), fb(2, 'RestoreV2'), fb(3, 'save/Const')));
    nodes.push(fm(1, fb(1, 'leak'), fb(2, 'ReadFile'), fb(3, 'path')));
    const r = await scanBytes(Buffer.concat(nodes), 'g.pb');
    expect(r.verdict).toBe('malicious');
    expect(ids(r)).toContain('BW-TF-003');
  });

  it('analyses a large GraphDef in bounded time, reading each byte about once', async () => {
    const nodes: Buffer[] = [fm(1, fb(1, 'x'), fb(2, 'Placeholder'))];
    for (let i = 0; i < 50_000; i++)
      nodes.push(
        fm(
          1,
          fb(1, `n${i}`),
          fb(2, i % 2 ? 'Relu' : 'Identity'),
          fb(3, i ? `n${i - 1}` : 'x'),
          fm(5, fb(1, 'T'), fm(2, fv(6, 1))),
        ),
      );
    const data = Buffer.concat(nodes);
    const t0 = Date.now();
    const r = await scanBytes(data, 'big.pb');
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(r.verdict).toBe('clean');
    expect(r.bytesRead).toBeLessThan(data.length * 1.5 + 16_384);
  });
});

describe('text-format graphs', () => {
  it('parses lists, extensions and escapes, and judges ops like the binary walk', async () => {
    const text = [
      '# exported graph',
      'node { name: "p" op: "Const" attr { key: "dtype" value { type: DT_STRING } }',
      '  attr { key: "value" value { tensor { dtype: DT_STRING tensor_shape { } string_val: "/etc/\\150osts" } } } }',
      'node { name: "r" op: "ReadFile" input: "p" attr { key: "_class" value { list { s: ["loc:@a", "loc:@b"] } } } }',
      'node < name: "q" op: "Identity" input: "r" [ext.type/x] { a: 1 } >',
      'versions { producer: 27 }',
    ].join('\n');
    const r = await scanBytes(Buffer.from(text), 'graph.pbtxt');
    expect(r.formats).toContain('tf-graphdef-text');
    expect(r.verdict).toBe('malicious');
    const f = r.findings.find((x) => x.ruleId === 'BW-TF-003');
    expect(JSON.stringify(f?.evidence)).toContain('/etc/hosts');
  });

  it('reports broken text as malformed', async () => {
    const r = await scanBytes(Buffer.from('node { name: "a" op: "Relu" '), 'graph.pbtxt');
    expect(r.verdict).toBe('inconclusive');
    expect(ids(r)).toContain('BW-TF-011');
    const other = await scanBytes(Buffer.from('name: "caffe"\nlayer { name: "x" }\n'), 'deploy.prototxt');
    expect(other.formats).not.toContain('tf-graphdef-text');
  });
});

describe('Keras metadata', () => {
  it('hands every keras_metadata.pb object to the Keras config analysis', async () => {
    const file = path.join(TF, 'malicious/lambda_keras_metadata/keras_metadata.pb');
    const r = await scanBytes(readFileSync(file), 'keras_metadata.pb');
    expect(r.formats).toContain('keras-metadata');
    expect(r.verdict).toBe('malicious');
    expect(
      r.findings.some((f) => f.impact === 'malicious' && f.message.includes('keras_metadata.pb:root')),
    ).toBe(true);
  });

  it('reports metadata that is not JSON as malformed, not clean', async () => {
    const obj = (meta: string) =>
      fm(1, fm(1, fv(1, 2), fv(2, 1)), fb(3, 'root'), fb(4, '_tf_keras_model'), fb(5, meta));
    const r = await scanBytes(obj('{"class_name": "Model", "config": {'), 'keras_metadata.pb');
    expect(r.formats).toContain('keras-metadata');
    expect(r.verdict).toBe('inconclusive');
    expect(ids(r)).toContain('BW-TF-011');
  });
});

describe('TFLite', () => {
  it('reads FlexBuffer string vectors and rejects other shapes', () => {
    const b = readFileSync(path.join(TFL, 'malicious/flex_readfile.tflite'));
    // the options are embedded in the model; a hand-made buffer: vector of two strings, byte width 1
    const buf = Buffer.from([2, 0x61, 0x62, 0, 1, 0x63, 0, 2, 7, 4, 5 << 2, 5 << 2, 4, 10 << 2, 1]);
    expect(flexStringVector(buf)?.map((s) => Buffer.from(s).toString())).toEqual(['ab', 'c']);
    expect(flexStringVector(Buffer.from([1, 2, 3]))).toBeUndefined();
    expect(b.subarray(4, 8).toString()).toBe('TFL3');
  });

  it('lets the engine analyse a ZIP appended after the FlatBuffer (associated files)', async () => {
    const model = readFileSync(path.join(TFL, 'benign/mlp.tflite'));
    const pickle = Buffer.from(
      '80049525000000000000008c05706f736978948c0673797374656d9493948c0a6563686f2070776e656494859452942e',
      'hex',
    );
    const bad = buildZip([{ name: 'labels.pkl', data: pickle }], { prefix: model });
    const r = await scanBytes(bad, 'model.tflite');
    expect(r.formats).toContain('tflite');
    expect(r.formats).toContain('zip');
    expect(r.verdict).toBe('malicious');
    expect(ids(r)).toContain('BW-PKL-001');
  });

  it('reports malformed offsets as inconclusive', async () => {
    const model = Buffer.from(readFileSync(path.join(TFL, 'benign/mlp.tflite')));
    model.writeUInt32LE(model.length + 100, 0);
    const r = await scanBytes(model, 'm.tflite');
    expect(r.verdict).toBe('inconclusive');
    expect(ids(r)).toContain('BW-TF-011');
  });
});
