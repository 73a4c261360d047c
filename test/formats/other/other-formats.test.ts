import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { scanBytes } from '../../../src/scan/engine.js';
import { classifyTarget } from '../../../src/scan/formats/other/hydra-yaml-scanner.js';
import { otherFormatScanners } from '../../../src/scan/formats/other/identify.js';
import { headParsesAsMsgpack, sniffMsgpack } from '../../../src/scan/formats/other/msgpack-scanner.js';
import { sniffCoreml, sniffPaddle } from '../../../src/scan/formats/other/protobuf-models.js';
import { XmlError, tokenizeXml, type XmlEvent } from '../../../src/scan/formats/other/xml.js';
import { safetensorsScanner } from '../../../src/scan/formats/safetensors/safetensors-scanner.js';
import { PicklePolicy } from '../../../src/scan/pickle/policy.js';

const ROOT = path.resolve(__dirname, '../../../fixtures');
const b = (s: string) => new Uint8Array(Buffer.from(s, 'latin1'));

function events(xml: string): XmlEvent[] {
  return [...tokenizeXml(xml)];
}

describe('XML tokenizer', () => {
  it('yields tags, attributes and DOCTYPE declarations without resolving anything', () => {
    const ev = events(
      '<?xml version="1.0"?>\n<!-- c --><!DOCTYPE r PUBLIC "p" "http://x/d.dtd" [\n<!ELEMENT r ANY>\n<!ENTITY a "x &b;">\n<!ENTITY % p SYSTEM "file:///x">%p;\n]>\n<r k="1 &amp; 2"><c/><![CDATA[<x>]]>&a;</r>',
    );
    const dt = ev.find((e) => e.type === 'doctype');
    expect(dt && dt.type === 'doctype' && dt.doctype).toMatchObject({
      root: 'r',
      public: 'p',
      system: 'http://x/d.dtd',
      parameterRefs: ['p'],
    });
    if (dt?.type === 'doctype')
      expect(dt.doctype.entities.map((e) => [e.name, e.parameter, e.value ?? e.system])).toEqual([
        ['a', false, 'x &b;'],
        ['p', true, 'file:///x'],
      ]);
    const start = ev.find((e) => e.type === 'start');
    expect(start?.type === 'start' && start.attrs).toEqual([['k', '1 & 2']]);
    expect(ev.some((e) => e.type === 'entity-ref' && e.name === 'a')).toBe(true);
  });
  it.each([
    ['<a><b></a>', /does not match/],
    ['<a></a><b/>', /second root/],
    ['<a x="1" x="2"/>', /duplicate attribute/],
    ['text<a/>', /outside the root/],
    ['<a>', /unclosed/],
    ['<a x=1/>', /quoted/],
    ['<a/><!DOCTYPE a>', /DOCTYPE after/],
    ['<a>&unterminated</a>', /entity reference/],
  ])('rejects %s', (xml, re) => {
    expect(() => events(xml)).toThrow(re);
  });
  it('bounds depth', () => {
    expect(() => [...tokenizeXml('<a>'.repeat(300) + '</a>'.repeat(300))]).toThrow(XmlError);
  });
});

describe('Hydra _target_ classification', () => {
  const policy = new PicklePolicy();
  it.each([
    ['nemo.collections.asr.modules.ConvASREncoder', true, 'ok'],
    ['torch.optim.AdamW', true, 'ok'],
    ['pytorch_lightning.callbacks.ModelCheckpoint', true, 'ok'],
    ['torch.hub.load', true, 'malicious'],
    ['nemo.utils.os.system', true, 'malicious'],
    ['nemo.core.classes.common.subprocess.Popen', false, 'malicious'],
    ['builtins.eval', false, 'malicious'],
    ['__import__', false, 'malicious'],
    ['os.path.join', false, 'malicious'],
    ['hydra.utils.get_method', true, 'malicious'],
    // hydra.utils resolves and calls any dotted path (a trampoline): denied by the pickle policy in every context.
    ['hydra.utils.get_method', false, 'malicious'],
    ['my_lib.Model', true, 'malicious'],
    ['my_lib.Model', false, 'suspicious'],
    ['pathlib.Path', false, 'ok'],
    ['shutil.rmtree', false, 'malicious'],
    ['string.Template', false, 'suspicious'],
    ['transformers.AutoTokenizer.from_pretrained', false, 'ok'],
    ['not a path', false, 'suspicious'],
  ])('%s (nemo=%s) → %s', (target, nemo, verdict) => {
    expect(classifyTarget(policy, target, nemo).verdict).toBe(verdict);
  });
});

describe('YAML configs', () => {
  it('resolves aliases and merge keys before checking targets', async () => {
    const r = await scanBytes(b('base: &b\n  _target_: os.system\nlayer:\n  <<: *b\n'), 'config.yaml');
    expect(r.findings.map((f) => f.ruleId)).toContain('BW-FMT-012');
  });
  it('bounds alias expansion', async () => {
    const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 12; i++)
      bomb.push(
        `${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9)
          .fill(`*${String.fromCharCode(96 + i)}`)
          .join(',')}]`,
      );
    bomb.push('_target_: torch.nn.Linear');
    const r = await scanBytes(b(bomb.join('\n') + '\n'), 'bomb.yaml');
    expect(r.verdict).not.toBe('clean');
  });
  it('ignores python tags in comments and plain YAML without targets', async () => {
    const r = await scanBytes(b('# do not use !!python/object here\nname: x\nlr: 0.1\n'), 'c.yaml');
    expect(r.findings).toEqual([]);
  });
});

describe('binary sniffers', () => {
  it('CoreML and Paddle need their structure, not just a protobuf start', () => {
    expect(sniffCoreml(b('\x08\x07\x12\x07pytorch\x1a\x031.0'))).toBe(false); // ONNX ModelProto
    expect(sniffPaddle(b('\x0a\x10\x08\x00\x10\x00\x1a\x00'))).toBe(false);
    // SavedModel: schema version 1, meta_graphs → MetaInfoDef {meta_graph_version, stripped_op_list (binary)}
    expect(
      sniffCoreml(
        b('\x08\x01\x12\x20\x0a\x1e\x0a\x03v1x\x12\x17\x0a\x15\x0a\x05Const\x1a\x0c\x0a\x06output\x1a\x02'),
      ),
    ).toBe(false);
    // CoreML: spec 4, description → input {name "x", type {doubleType}}
    expect(sniffCoreml(b('\x08\x04\x12\x0c\x0a\x0a\x0a\x01x\x12\x01d\x1a\x02\x12\x00'))).toBe(true);
  });
  it('msgpack needs a string-keyed map that decodes', () => {
    expect(sniffMsgpack(b('\x81\xa6params\x81\xa4bias\xc7\x03\x01abc'))).toBe(true);
    expect(headParsesAsMsgpack(b('\x81\xa6params\x81\xa4bias\xc7\x03\x01abc'), 3)).toBe(true);
    expect(sniffMsgpack(b('\x80\x04\x95\x10\x00'))).toBe(false);
    expect(sniffMsgpack(b('\x82\x01\x02\x03\x04'))).toBe(false);
  });
});

/** Every file under fixtures/ (bounded), with its path relative to fixtures/. */
function allFixtures(dir = ROOT, out: string[] = []): string[] {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) allFixtures(p, out);
    else if (e.isFile() && e.name !== 'manifest.json' && statSync(p).size < 64 * 1024 * 1024) out.push(p);
  }
  return out;
}

describe('no false strong claims on other formats (polyglot reports)', () => {
  const mine = [safetensorsScanner, ...otherFormatScanners];
  const files = allFixtures();
  it('claims no file of another format with a strong score', () => {
    const wrong: string[] = [];
    for (const f of files) {
      const rel = path.relative(ROOT, f);
      // Fixtures of these formats themselves (other pillars' fixtures include real safetensors files).
      if (
        rel.startsWith(`formats${path.sep}safetensors`) ||
        rel.startsWith(`formats${path.sep}other`) ||
        rel.endsWith('.safetensors')
      )
        continue;
      const data = readFileSync(f);
      const head = new Uint8Array(data.subarray(0, 4096));
      const tail = new Uint8Array(data.subarray(Math.max(0, data.length - 65557)));
      for (const s of mine) {
        const score = s.sniff({ head, tail, size: data.length, name: path.basename(f) } as never);
        if (score >= 40) wrong.push(`${rel}: ${s.id} ${score}`);
      }
    }
    expect(wrong).toEqual([]);
  });
});
