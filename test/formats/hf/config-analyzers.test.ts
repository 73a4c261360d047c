import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { scan, scanBytes } from '../../../src/scan/engine.js';
import { hfConfigAnalyzers } from '../../../src/scan/formats/hf/config-analyzers.js';

const enc = (v: unknown) => new TextEncoder().encode(typeof v === 'string' ? v : JSON.stringify(v, null, 2));
const ids = (r: { findings: Array<{ ruleId: string }> }) => r.findings.map((f) => f.ruleId);

function best(doc: unknown, name: string): string | undefined {
  let id: string | undefined;
  let score = 0;
  for (const a of hfConfigAnalyzers) {
    const s = a.match(doc, name);
    if (s > score) {
      score = s;
      id = a.id;
    }
  }
  return id;
}

const BERT = {
  architectures: ['BertModel'],
  model_type: 'bert',
  hidden_size: 8,
  vocab_size: 10,
  num_attention_heads: 2,
  transformers_version: '4.46.0',
};

describe('recognition by content', () => {
  it('picks the analyzer from the keys, whatever the file name', () => {
    expect(best(BERT, 'weird.json')).toBe('hf-config');
    expect(
      best({ _from_model_config: true, bos_token_id: 1, transformers_version: '4' }, 'config.json'),
    ).toBe('hf-generation-config');
    expect(best({ tokenizer_class: 'X', model_max_length: 8, chat_template: 'x' }, 'a.json')).toBe(
      'hf-tokenizer-config',
    );
    expect(best({ chat_template: '{{ x }}' }, 'a.json')).toBe('hf-chat-template');
    expect(best({ bos_token: '<s>', eos_token: '</s>' }, 'a.json')).toBe('hf-special-tokens-map');
    expect(best({ image_processor_type: 'CLIPImageProcessor', do_resize: true }, 'a.json')).toBe(
      'hf-processor-config',
    );
    expect(best({ peft_type: 'LORA', r: 8 }, 'a.json')).toBe('hf-peft-adapter-config');
    expect(
      best([{ idx: 0, name: '0', path: '', type: 'sentence_transformers.models.Transformer' }], 'a.json'),
    ).toBe('st-modules');
    expect(best({ __version__: { sentence_transformers: '3' } }, 'a.json')).toBe('st-config');
    expect(best({ _class_name: 'P', _diffusers_version: '0.3', unet: ['diffusers', 'U'] }, 'a.json')).toBe(
      'diffusers-model-index',
    );
    expect(best({ _class_name: 'PNDMScheduler', _diffusers_version: '0.3' }, 'a.json')).toBe(
      'diffusers-config',
    );
    expect(best({ version: '1.0', model: { type: 'BPE' }, added_tokens: [] }, 'a.json')).toBe('hf-tokenizer');
    expect(best({ foo: 1, auto_map: { AutoModel: 'm.M' } }, 'a.json')).toBe('hf-json');
  });
  it('leaves unrelated JSON alone', () => {
    expect(best({ a: 1, b: [1, 2] }, 'config.json')).toBeUndefined();
    expect(best({ module: 'keras', class_name: 'Sequential', config: {} }, 'config.json')).toBeUndefined();
    expect(best([1, 2, 3], 'modules.json')).toBeUndefined();
  });
});

describe('auto_map', () => {
  it('is suspicious when the config is scanned without its code', async () => {
    const r = await scanBytes(enc({ ...BERT, auto_map: { AutoModel: 'modeling_x.XModel' } }), 'config.json');
    expect(r.verdict).toBe('suspicious');
    expect(ids(r)).toContain('BW-HF-001');
    expect(r.findings[0].evidence?.localFile).toBe('unknown');
  });
  it('flags cross-repository code', async () => {
    const r = await scanBytes(
      enc({ ...BERT, auto_map: { AutoModel: 'other/repo--modeling_x.XModel' } }),
      'config.json',
    );
    expect(ids(r)).toEqual(['BW-HF-002']);
    expect(r.findings[0].evidence?.repository).toBe('other/repo');
  });
  it('treats path escapes as malicious', async () => {
    for (const ref of ['/tmp/x.M', '../../x--m.M', '~/x--m.M', 'C:\\x\\m.M', 'sub/../../m.M']) {
      const r = await scanBytes(enc({ ...BERT, auto_map: { AutoModel: ref } }), 'config.json');
      expect(r.verdict, ref).toBe('malicious');
      expect(ids(r), ref).toContain('BW-HF-004');
    }
  });
  it('handles tokenizer pairs with null and rejects non-string references', async () => {
    const r = await scanBytes(
      enc({
        tokenizer_class: 'T',
        model_max_length: 8,
        auto_map: { AutoTokenizer: ['tok.T', null], AutoX: 3 },
      }),
      'tokenizer_config.json',
    );
    expect(ids(r).sort()).toEqual(['BW-HF-001', 'BW-HF-006']);
  });
  it('reports custom_pipelines and trust_remote_code settings', async () => {
    const r = await scanBytes(
      enc({
        ...BERT,
        custom_pipelines: { 'text-classification': { impl: 'pipe.MyPipe', pt: ['AutoModel'] } },
        extra: { trust_remote_code: true },
      }),
      'config.json',
    );
    expect(ids(r).sort()).toEqual(['BW-HF-001', 'BW-HF-003']);
  });
});

describe('files next to the config', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'bulwark-hf-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const write = (rel: string, content: string | object) => {
    const p = path.join(dir, rel);
    mkdirSync(path.dirname(p), { recursive: true });
    writeFileSync(p, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
    return p;
  };
  it('auto_map to present and missing modules', async () => {
    write('modeling_here.py', 'import torch\n');
    const cfg = write('config.json', {
      ...BERT,
      auto_map: { AutoModel: 'modeling_here.M', AutoConfig: 'configuration_gone.C' },
    });
    const r = (await scan([cfg])).files[0];
    expect(ids(r).sort()).toEqual(['BW-HF-001', 'BW-HF-007']);
    expect(r.findings.find((f) => f.ruleId === 'BW-HF-001')?.evidence?.localFile).toBe('missing');
    expect(r.verdict).toBe('suspicious');
  });
  it('diffusers custom components are looked up in their folder', async () => {
    write('unet/my_unet.py', 'import torch\n');
    const idx = write('model_index.json', {
      _class_name: 'StableDiffusionPipeline',
      _diffusers_version: '0.31.0',
      unet: ['my_unet', 'MyUNet'],
      vae: ['diffusers', 'AutoencoderKL'],
      text_encoder: ['some_package', 'Encoder'],
      safety_checker: [null, null],
      feature_extractor: ['builtins', 'eval'],
    });
    const r = (await scan([idx])).files[0];
    expect(ids(r).sort()).toEqual(['BW-HF-001', 'BW-HF-004', 'BW-HF-007']);
  });
  it('sentence-transformers custom modules and Dense activations', async () => {
    write('custom_st.py', 'import torch\n');
    const m = write('modules.json', [
      { idx: 0, name: '0', path: '', type: 'custom_st.Transformer' },
      { idx: 1, name: '1', path: '1_Pooling', type: 'sentence_transformers.models.Pooling' },
    ]);
    expect((await scan([m])).files[0].findings.map((f) => f.ruleId)).toEqual(['BW-HF-007']);
    const dense = write('2_Dense/config.json', {
      in_features: 4,
      out_features: 2,
      bias: true,
      activation_function: 'os.system',
    });
    const r = (await scan([dense])).files[0];
    expect(r.verdict).toBe('malicious');
    expect(ids(r)).toContain('BW-HF-004');
  });
});

describe('chat templates and other files', () => {
  it('analyses string and list chat templates (the SSTI verdict comes from the jinja analysis)', async () => {
    const evil = "{{ cycler.__init__.__globals__.os.popen('id').read() }}";
    const one = await scanBytes(
      enc({ tokenizer_class: 'T', model_max_length: 8, chat_template: evil }),
      'tokenizer_config.json',
    );
    expect(one.verdict).toBe('malicious');
    expect(
      one.findings.some((f) => String(f.evidence?.source) === 'tokenizer_config.json:chat_template'),
    ).toBe(true);
    const list = await scanBytes(
      enc({
        tokenizer_class: 'T',
        model_max_length: 8,
        chat_template: [
          { name: 'default', template: '{{ messages }}' },
          { name: 'rag', template: evil },
        ],
      }),
      'tokenizer_config.json',
    );
    expect(list.verdict).toBe('malicious');
    expect(list.findings.some((f) => String(f.evidence?.source).endsWith('chat_template[rag]'))).toBe(true);
    const ok = await scanBytes(
      enc({ chat_template: "{% for m in messages %}{{ m['content'] }}{% endfor %}" }),
      'chat_template.json',
    );
    expect(ok.verdict).toBe('clean');
    expect(ok.analyses).toContain('jinja-ssti');
  });
  it('flags chat templates of the wrong type', async () => {
    const r = await scanBytes(
      enc({ tokenizer_class: 'T', model_max_length: 8, chat_template: 42 }),
      'tokenizer_config.json',
    );
    expect(ids(r)).toEqual(['BW-HF-006']);
    expect(r.verdict).toBe('inconclusive');
  });
  it('reports PEFT base models as provenance and auto_mapping libraries', async () => {
    const ok = await scanBytes(
      enc({
        peft_type: 'LORA',
        base_model_name_or_path: 'org/base',
        auto_mapping: {
          base_model_class: 'BertModel',
          parent_library: 'transformers.models.bert.modeling_bert',
        },
      }),
      'adapter_config.json',
    );
    expect(ids(ok)).toEqual(['BW-HF-005']);
    expect(ok.verdict).toBe('clean');
    const other = await scanBytes(
      enc({ peft_type: 'LORA', auto_mapping: { base_model_class: 'M', parent_library: 'mylib.models' } }),
      'adapter_config.json',
    );
    expect(ids(other)).toEqual(['BW-HF-001']);
  });
  it('records the recognised format and analysis', async () => {
    const r = await scanBytes(enc(BERT), 'config.json');
    expect(r.formats).toEqual(['json', 'hf-config']);
    expect(r.analyses).toContain('hf-config');
    expect(r.verdict).toBe('clean');
  });
});
