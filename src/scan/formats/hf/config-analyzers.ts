/**
 * JSON analyzers for the files of a Hugging Face model repository: transformers config.json, generation and
 * processor configs, tokenizer_config.json / chat_template.json (chat templates), special_tokens_map.json,
 * tokenizer.json, PEFT adapter_config.json, sentence-transformers modules.json and module configs, diffusers
 * model_index.json and component configs. Each is recognised by its keys; the file name only breaks ties.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { ScanContext } from '../../types.js';
import { analyzeTemplate } from '../jinja/ssti.js';
import type { JsonAnalyzer } from '../json/analyzers.js';
import { dangerousModuleRoot, isDottedName, preview } from './indicators.js';
import {
  HF_CROSS_REPO_CODE,
  HF_DANGEROUS_MODULE,
  HF_LOCAL_CUSTOM_CODE,
  HF_MALFORMED_CONFIG,
  HF_PROVENANCE,
  HF_REMOTE_CODE,
  HF_TRUST_REMOTE_CODE_SETTING,
} from './rules.js';

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function baseName(name: string): string {
  return name.split(/[\\/]/).at(-1) ?? name;
}

function count(doc: Obj, keys: readonly string[]): number {
  let n = 0;
  for (const k of keys) if (k in doc) n++;
  return n;
}

// ---------------------------------------------------------------------------------------------------------------
// Module references

/** Diffusers component libraries that are part of diffusers/transformers themselves (pipeline sub-modules). */
const DIFFUSERS_LIBRARIES = new Set([
  'diffusers',
  'transformers',
  'onnxruntime.training',
  'alt_diffusion',
  'amused',
  'animatediff',
  'audioldm',
  'audioldm2',
  'aura_flow',
  'blip_diffusion',
  'cogvideo',
  'cogview3',
  'cogview4',
  'consistency_models',
  'controlnet',
  'controlnet_xs',
  'dance_diffusion',
  'ddim',
  'ddpm',
  'deepfloyd_if',
  'deprecated',
  'dit',
  'flux',
  'hunyuandit',
  'hunyuan_video',
  'i2vgen_xl',
  'kandinsky',
  'kandinsky2_2',
  'kandinsky3',
  'kolors',
  'latent_consistency_models',
  'latent_diffusion',
  'latte',
  'ledits_pp',
  'ltx',
  'lumina',
  'lumina2',
  'marigold',
  'mochi',
  'musicldm',
  'pag',
  'paint_by_example',
  'pia',
  'pixart_alpha',
  'sana',
  'semantic_stable_diffusion',
  'shap_e',
  'stable_audio',
  'stable_cascade',
  'stable_diffusion',
  'stable_diffusion_3',
  'stable_diffusion_xl',
  'stable_diffusion_safe',
  'stable_diffusion_gligen',
  'stable_unclip',
  'stable_video_diffusion',
  't2i_adapter',
  'text_to_video_synthesis',
  'unclip',
  'unidiffuser',
  'versatile_diffusion',
  'vq_diffusion',
  'wan',
  'wuerstchen',
  'allegro',
  'qwenimage',
  'chroma',
  'hidream_image',
  'visualcloze',
  'omnigen',
  'easyanimate',
  'skyreels_v2',
  'cosmos',
]);

interface RefSite {
  /** What names the reference (e.g. "auto_map.AutoModel"). */
  where: string;
  /** The reference as written. */
  ref: string;
}

class RefCollector {
  private readonly local = new Map<string, RefSite[]>();
  private readonly missing = new Map<string, RefSite[]>();
  private readonly cross = new Map<string, RefSite[]>();
  private readonly dangerous: Array<RefSite & { why: string }> = [];
  private readonly installed = new Map<string, RefSite[]>();

  constructor(
    private readonly ctx: ScanContext,
    private readonly file: string,
  ) {}

  private add(map: Map<string, RefSite[]>, key: string, site: RefSite): void {
    let list = map.get(key);
    if (!list) map.set(key, (list = []));
    if (list.length < 20) list.push(site);
  }

  danger(site: RefSite, why: string): void {
    if (this.dangerous.length < 50) this.dangerous.push({ ...site, why });
  }

  /** A transformers-style class reference ("module.Class" or "owner/repo--module.Class"). */
  async classRef(where: string, ref: unknown): Promise<void> {
    if (ref === null || ref === undefined) return;
    if (typeof ref !== 'string') {
      this.ctx.report(HF_MALFORMED_CONFIG, {
        message: `${where} in ${this.file} is a ${Array.isArray(ref) ? 'list' : typeof ref}, not a class reference`,
        evidence: { field: where },
      });
      return;
    }
    const site = { where, ref: preview(ref, 300) };
    let rest = ref;
    let repo: string | undefined;
    const sep = ref.indexOf('--');
    if (sep >= 0) {
      repo = ref.slice(0, sep);
      rest = ref.slice(sep + 2);
    }
    if (repo !== undefined && escapes(repo)) {
      this.danger(site, `loads code from the path ${preview(repo, 120)} outside the repository`);
      return;
    }
    const dot = rest.lastIndexOf('.');
    const module = dot > 0 ? rest.slice(0, dot) : rest;
    if (escapes(module) || /[\\:]/.test(module)) {
      this.danger(site, `imports the module file ${preview(module, 120)}.py from outside the repository`);
      return;
    }
    if (repo !== undefined) {
      this.add(this.cross, repo, site);
      return;
    }
    await this.localModule(module.replace(/\./g, '/'), site, '');
  }

  /** A module that loaders look up as `<dir>/<sub>/<module>.py` (or import when it is installed). */
  async localModule(modulePath: string, site: RefSite, sub: string, installedToo = false): Promise<void> {
    if (escapes(modulePath) || escapes(sub)) {
      this.danger(site, `names a module path outside the repository`);
      return;
    }
    const file = path.posix.join(sub, `${modulePath}.py`);
    if (this.ctx.diskPath) {
      const abs = path.join(path.dirname(this.ctx.diskPath), ...file.split('/'));
      if (await isFile(abs)) {
        this.add(this.local, file, site);
        return;
      }
    }
    this.add(installedToo ? this.installed : this.missing, file, site);
  }

  report(): void {
    for (const d of this.dangerous)
      this.ctx.report(HF_DANGEROUS_MODULE, {
        message: `${d.where} = ${JSON.stringify(d.ref)} ${d.why}`,
        evidence: { field: d.where, reference: d.ref },
      });
    for (const [repo, sites] of this.cross)
      this.ctx.report(HF_CROSS_REPO_CODE, {
        message: `${list(sites)} load${sites.length > 1 ? '' : 's'} custom code from repository ${preview(repo, 100)} with trust_remote_code=True`,
        evidence: { repository: repo, references: sites },
      });
    const scannedAlone = !this.ctx.diskPath;
    for (const [file, sites] of this.missing)
      this.ctx.report(HF_REMOTE_CODE, {
        message: `${list(sites)} load${sites.length > 1 ? '' : 's'} custom code from ${file}, ${scannedAlone ? 'which was not scanned with this config' : 'which is not next to this config (fetched from the hub at load time)'}`,
        evidence: { module: file, localFile: scannedAlone ? 'unknown' : 'missing', references: sites },
      });
    for (const [file, sites] of this.installed) {
      const mod = file.replace(/\.py$/, '').replace(/\//g, '.');
      this.ctx.report(HF_REMOTE_CODE, {
        message: `${list(sites)} make${sites.length > 1 ? '' : 's'} the loader import ${mod}: custom code from the repository or an installed package${scannedAlone ? '' : ` (no ${file} next to this config)`}`,
        evidence: { module: mod, localFile: scannedAlone ? 'unknown' : 'missing', references: sites },
      });
    }
    for (const [file, sites] of this.local)
      this.ctx.report(HF_LOCAL_CUSTOM_CODE, {
        message: `${list(sites)} use${sites.length > 1 ? '' : 's'} custom code in ${file} (present in this repository; analysed when scanned)`,
        evidence: { module: file, localFile: 'present', references: sites },
      });
  }
}

function list(sites: RefSite[]): string {
  const names = sites.slice(0, 4).map((s) => s.where);
  return names.join(', ') + (sites.length > 4 ? ` and ${sites.length - 4} more` : '');
}

/** True for paths that are absolute, climb with "..", start at a home directory or name a drive. */
function escapes(p: string): boolean {
  if (!p) return false;
  if (/^[\\/]/.test(p) || /^[A-Za-z]:/.test(p) || p.startsWith('~') || p.includes('\0')) return true;
  return p.split(/[\\/]+/).some((seg) => seg === '..');
}

async function isFile(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isFile();
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Checks shared by every Hugging Face config

async function analyzeCommon(doc: Obj, ctx: ScanContext, file: string, refs: RefCollector): Promise<void> {
  const autoMap = doc.auto_map;
  if (autoMap !== undefined && autoMap !== null) {
    if (!isObj(autoMap)) {
      ctx.report(HF_MALFORMED_CONFIG, {
        message: `auto_map in ${file} is not an object`,
        evidence: { field: 'auto_map' },
      });
    } else {
      let n = 0;
      for (const [k, v] of Object.entries(autoMap)) {
        if (++n > 200) break;
        if (Array.isArray(v)) {
          // tokenizers: [slow, fast]
          for (const [i, item] of v.slice(0, 8).entries()) await refs.classRef(`auto_map.${k}[${i}]`, item);
        } else await refs.classRef(`auto_map.${k}`, v);
      }
    }
  }
  const pipelines = doc.custom_pipelines;
  if (isObj(pipelines)) {
    let n = 0;
    for (const [task, spec] of Object.entries(pipelines)) {
      if (++n > 100) break;
      if (isObj(spec)) await refs.classRef(`custom_pipelines.${task}.impl`, spec.impl);
      else
        ctx.report(HF_MALFORMED_CONFIG, {
          message: `custom_pipelines.${task} in ${file} is not an object`,
          evidence: { field: `custom_pipelines.${task}` },
        });
    }
  }
  const trc = findTrustRemoteCode(doc);
  if (trc.length)
    ctx.report(HF_TRUST_REMOTE_CODE_SETTING, {
      message: `${file} sets ${trc.slice(0, 3).join(', ')} to true`,
      evidence: { fields: trc.slice(0, 20) },
    });
  if ('chat_template' in doc) analyzeChatTemplates(doc.chat_template, ctx, file);
}

function findTrustRemoteCode(doc: unknown): string[] {
  const out: string[] = [];
  let nodes = 0;
  const walk = (v: unknown, at: string, depth: number): void => {
    if (depth > 8 || ++nodes > 20_000 || out.length >= 20) return;
    if (Array.isArray(v)) {
      v.slice(0, 1000).forEach((x, i) => walk(x, `${at}[${i}]`, depth + 1));
      return;
    }
    if (!isObj(v)) return;
    for (const [k, x] of Object.entries(v)) {
      const p = at ? `${at}.${k}` : k;
      if (k === 'trust_remote_code' && (x === true || x === 'true' || x === 'True' || x === 1)) out.push(p);
      else if (typeof x === 'object' && x !== null) walk(x, p, depth + 1);
    }
  };
  walk(doc, '', 0);
  return out;
}

function analyzeChatTemplates(value: unknown, ctx: ScanContext, file: string): void {
  if (value === null || value === undefined) return;
  if (typeof value === 'string') {
    analyzeTemplate(value, ctx, { source: `${file}:chat_template` });
    return;
  }
  if (Array.isArray(value)) {
    for (const [i, item] of value.slice(0, 64).entries()) {
      if (isObj(item) && typeof item.template === 'string') {
        const name = typeof item.name === 'string' ? item.name : String(i);
        analyzeTemplate(item.template, ctx, { source: `${file}:chat_template[${preview(name, 60)}]` });
      } else
        ctx.report(HF_MALFORMED_CONFIG, {
          message: `chat_template[${i}] in ${file} is not a {name, template} object`,
          evidence: { field: `chat_template[${i}]` },
        });
    }
    if (value.length > 64)
      ctx.report(HF_MALFORMED_CONFIG, {
        message: `${file} has ${value.length} chat templates; only the first 64 were analysed`,
        evidence: { field: 'chat_template', count: value.length },
      });
    return;
  }
  if (isObj(value)) {
    // Some processors store {name: template}.
    let n = 0;
    for (const [name, t] of Object.entries(value)) {
      if (++n > 64) break;
      if (typeof t === 'string')
        analyzeTemplate(t, ctx, { source: `${file}:chat_template[${preview(name, 60)}]` });
    }
    return;
  }
  ctx.report(HF_MALFORMED_CONFIG, {
    message: `chat_template in ${file} is a ${typeof value}, not a template`,
    evidence: { field: 'chat_template' },
  });
}

function makeAnalyzer(
  id: string,
  match: (doc: Obj, name: string) => number,
  specific?: (doc: Obj, ctx: ScanContext, file: string, refs: RefCollector) => Promise<void> | void,
): JsonAnalyzer {
  return {
    id,
    match(doc: unknown, name: string): number {
      if (!isObj(doc)) return 0;
      return match(doc, baseName(name));
    },
    async analyze(doc: unknown, ctx: ScanContext, raw: { text: string; name: string }): Promise<void> {
      if (!isObj(doc)) return;
      const file = baseName(raw.name);
      const refs = new RefCollector(ctx, file);
      await analyzeCommon(doc, ctx, file, refs);
      if (specific) await specific(doc, ctx, file, refs);
      refs.report();
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Analyzers

const MODEL_HYPER = [
  'hidden_size',
  'vocab_size',
  'num_attention_heads',
  'num_hidden_layers',
  'intermediate_size',
  'max_position_embeddings',
  'torch_dtype',
  'dtype',
  'initializer_range',
  'layer_norm_eps',
  'd_model',
  'n_layer',
  'n_head',
  'n_embd',
  'hidden_act',
  'rms_norm_eps',
];

const modelConfig = makeAnalyzer('hf-config', (doc, name) => {
  if ('_diffusers_version' in doc || 'peft_type' in doc) return 0;
  const mt = typeof doc.model_type === 'string';
  const arch = Array.isArray(doc.architectures) && doc.architectures.every((a) => typeof a === 'string');
  if (!mt && !arch) return 0;
  let s = (mt ? 30 : 0) + (arch ? 30 : 0);
  if (typeof doc.transformers_version === 'string') s += 15;
  if (isObj(doc.auto_map)) s += 10;
  if (count(doc, MODEL_HYPER) >= 3) s += 10;
  if (name === 'config.json') s += 2;
  return s;
});

const GENERATION_KEYS = [
  '_from_model_config',
  'bos_token_id',
  'eos_token_id',
  'pad_token_id',
  'decoder_start_token_id',
  'do_sample',
  'temperature',
  'top_p',
  'top_k',
  'max_length',
  'max_new_tokens',
  'num_beams',
  'repetition_penalty',
  'no_repeat_ngram_size',
  'forced_eos_token_id',
  'forced_bos_token_id',
  'begin_suppress_tokens',
  'suppress_tokens',
];

const generationConfig = makeAnalyzer('hf-generation-config', (doc, name) => {
  if ('model_type' in doc || 'architectures' in doc) return 0;
  const n = count(doc, GENERATION_KEYS);
  if (n < 2 && !(n >= 1 && typeof doc.transformers_version === 'string')) return 0;
  if (!(typeof doc.transformers_version === 'string' || '_from_model_config' in doc || n >= 3)) return 0;
  return 50 + (name === 'generation_config.json' ? 2 : 0);
});

const TOKENIZER_KEYS = [
  'tokenizer_class',
  'added_tokens_decoder',
  'model_max_length',
  'clean_up_tokenization_spaces',
  'tokenizer_file',
  'name_or_path',
  'special_tokens_map_file',
  'padding_side',
  'truncation_side',
  'do_lower_case',
  'add_bos_token',
  'add_eos_token',
  'legacy',
  'sp_model_kwargs',
  'spaces_between_special_tokens',
  'use_default_system_prompt',
  'model_input_names',
  'extra_special_tokens',
];

const tokenizerConfig = makeAnalyzer('hf-tokenizer-config', (doc, name) => {
  const n = count(doc, TOKENIZER_KEYS);
  if (n < 2 && !(n >= 1 && 'chat_template' in doc)) return 0;
  if (typeof doc.model_type === 'string' && Array.isArray(doc.architectures)) return 0;
  return Math.min(75, 55 + 2 * n) + (name === 'tokenizer_config.json' ? 2 : 0);
});

const chatTemplateJson = makeAnalyzer('hf-chat-template', (doc, name) => {
  if (!('chat_template' in doc)) return 0;
  if (Object.keys(doc).length > 2) return 0;
  return 80 + (name === 'chat_template.json' ? 2 : 0);
});

const SPECIAL_TOKENS = new Set([
  'bos_token',
  'eos_token',
  'unk_token',
  'sep_token',
  'pad_token',
  'cls_token',
  'mask_token',
  'additional_special_tokens',
]);

const specialTokensMap = makeAnalyzer('hf-special-tokens-map', (doc, name) => {
  const keys = Object.keys(doc);
  if (!keys.length || !keys.every((k) => SPECIAL_TOKENS.has(k))) return 0;
  return 50 + (name === 'special_tokens_map.json' ? 2 : 0);
});

const PROCESSOR_TYPES = [
  'feature_extractor_type',
  'image_processor_type',
  'processor_class',
  'video_processor_type',
];
const PROCESSOR_KEYS = [
  ...PROCESSOR_TYPES,
  'do_resize',
  'do_normalize',
  'image_mean',
  'image_std',
  'size',
  'crop_size',
  'resample',
  'do_center_crop',
  'sampling_rate',
  'feature_size',
  'padding_value',
  'return_attention_mask',
  'do_rescale',
  'rescale_factor',
  'do_convert_rgb',
  'patch_size',
  'num_mel_bins',
];

const processorConfig = makeAnalyzer('hf-processor-config', (doc, name) => {
  if ('model_type' in doc && 'architectures' in doc) return 0;
  const types = count(doc, PROCESSOR_TYPES);
  const n = count(doc, PROCESSOR_KEYS);
  if (!(types >= 1 && n >= 2) && n < 3) return 0;
  return 50 + (/^(preprocessor|processor|video_preprocessor)_config\.json$/.test(name) ? 2 : 0);
});

const adapterConfig = makeAnalyzer(
  'hf-peft-adapter-config',
  (doc, name) => {
    if (typeof doc.peft_type !== 'string') return 0;
    return 70 + (name === 'adapter_config.json' ? 2 : 0);
  },
  (doc, ctx, file, refs) => {
    const base = doc.base_model_name_or_path;
    if (typeof base === 'string' && base)
      ctx.report(HF_PROVENANCE, {
        message: `${file}: PEFT adapter (${preview(String(doc.peft_type), 40)}) for base model ${preview(base, 120)}`,
        evidence: {
          baseModel: preview(base, 300),
          peftType: doc.peft_type,
          ...(typeof doc.revision === 'string' ? { revision: doc.revision } : {}),
        },
      });
    const am = doc.auto_mapping;
    if (isObj(am) && am.parent_library !== undefined && am.parent_library !== null) {
      const lib = am.parent_library;
      const site = { where: 'auto_mapping.parent_library', ref: preview(String(lib), 200) };
      if (typeof lib !== 'string' || !isDottedName(lib)) refs.danger(site, 'is not a module name');
      else if (dangerousModuleRoot(lib)) refs.danger(site, `makes AutoPeftModel import ${lib}`);
      else if (!/^(transformers|peft|diffusers|sentence_transformers|timm)(\.|$)/.test(lib))
        return refs.localModule(lib.replace(/\./g, '/'), site, '', true);
    }
  },
);

const stModules = makeAnalyzerArray();

/** sentence-transformers modules.json is a list, so it needs its own matcher. */
function makeAnalyzerArray(): JsonAnalyzer {
  return {
    id: 'st-modules',
    match(doc: unknown, name: string): number {
      if (!Array.isArray(doc) || !doc.length || doc.length > 1000) return 0;
      const ok = doc.every(
        (m) => isObj(m) && typeof m.type === 'string' && ('path' in m || 'idx' in m || 'name' in m),
      );
      return ok ? 70 + (baseName(name) === 'modules.json' ? 2 : 0) : 0;
    },
    async analyze(doc: unknown, ctx: ScanContext, raw: { text: string; name: string }): Promise<void> {
      if (!Array.isArray(doc)) return;
      const file = baseName(raw.name);
      const refs = new RefCollector(ctx, file);
      for (const [i, m] of doc.entries()) {
        if (!isObj(m)) continue;
        const type = m.type as string;
        const where = `modules[${i}].type`;
        const site = { where, ref: preview(type, 200) };
        if (typeof m.path === 'string' && escapes(m.path))
          refs.danger(
            { where: `modules[${i}].path`, ref: preview(m.path, 200) },
            'loads a module from outside the repository',
          );
        if (!isDottedName(type)) {
          refs.danger(site, 'is not a module.Class name');
          continue;
        }
        if (/^sentence_transformers\./.test(type)) continue;
        const root = dangerousModuleRoot(type);
        if (root) {
          refs.danger(
            site,
            `makes sentence-transformers import ${type} and call it with a path from the repository`,
          );
          continue;
        }
        const dot = type.lastIndexOf('.');
        if (dot <= 0) continue;
        await refs.localModule(type.slice(0, dot).replace(/\./g, '/'), site, '', true);
      }
      refs.report();
    },
  };
}

const stConfig = makeAnalyzer('st-config', (doc, name) => {
  if (!isObj(doc.__version__) || !('sentence_transformers' in doc.__version__)) return 0;
  return 70 + (name === 'config_sentence_transformers.json' ? 2 : 0);
});

const ST_MODULE_KEYS = [
  'max_seq_length',
  'do_lower_case',
  'model_args',
  'tokenizer_args',
  'config_args',
  'cache_dir',
  'backend',
  'word_embedding_dimension',
  'pooling_mode_cls_token',
  'pooling_mode_mean_tokens',
  'pooling_mode_max_tokens',
  'pooling_mode_mean_sqrt_len_tokens',
  'pooling_mode_weightedmean_tokens',
  'pooling_mode_lasttoken',
  'include_prompt',
];

const stModuleConfig = makeAnalyzer(
  'st-module-config',
  (doc, name) => {
    const keys = Object.keys(doc);
    if (!keys.length) return 0;
    const dense =
      typeof doc.in_features === 'number' &&
      typeof doc.out_features === 'number' &&
      typeof doc.activation_function === 'string';
    if (dense) return 45;
    const n = count(doc, ST_MODULE_KEYS);
    if (n >= 2 && n * 2 >= keys.length) return 40 + (/^sentence_\w+_config\.json$/.test(name) ? 2 : 0);
    if (typeof doc.word_embedding_dimension === 'number' && n >= 2) return 40;
    return 0;
  },
  (doc, _ctx, _file, refs) => {
    const act = doc.activation_function;
    if (typeof act !== 'string') return;
    const site = { where: 'activation_function', ref: preview(act, 200) };
    if (!isDottedName(act)) refs.danger(site, 'is not a module.Class name');
    else if (dangerousModuleRoot(act))
      refs.danger(site, `makes sentence-transformers import and call ${act}`);
    else if (!/^(torch\.nn\.|sentence_transformers\.)/.test(act)) {
      const dot = act.lastIndexOf('.');
      if (dot > 0) return refs.localModule(act.slice(0, dot).replace(/\./g, '/'), site, '', true);
    }
  },
);

const diffusersModelIndex = makeAnalyzer(
  'diffusers-model-index',
  (doc, name) => {
    if (!('_class_name' in doc) || typeof doc._diffusers_version !== 'string') return 0;
    const tuples = Object.values(doc).filter((v) => Array.isArray(v) && v.length === 2).length;
    if (!tuples && name !== 'model_index.json') return 0;
    return 75 + (name === 'model_index.json' ? 2 : 0);
  },
  async (doc, ctx, file, refs) => {
    const cls = doc._class_name;
    if (Array.isArray(cls)) {
      // Custom pipeline: ["pipeline_module", "PipelineClass"], module file at the repository root.
      const [mod, name] = cls;
      const site = { where: '_class_name', ref: preview(JSON.stringify(cls), 200) };
      if (typeof mod !== 'string' || typeof name !== 'string') {
        ctx.report(HF_MALFORMED_CONFIG, {
          message: `_class_name in ${file} is not a [module, Class] pair`,
          evidence: { field: '_class_name' },
        });
      } else if (dangerousModuleRoot(mod)) refs.danger(site, `makes diffusers import ${mod}`);
      else await refs.localModule(mod.replace(/\./g, '/'), site, '');
    } else if (typeof cls !== 'string') {
      ctx.report(HF_MALFORMED_CONFIG, {
        message: `_class_name in ${file} is neither a class name nor a [module, Class] pair`,
        evidence: { field: '_class_name' },
      });
    }
    let n = 0;
    for (const [key, v] of Object.entries(doc)) {
      if (key.startsWith('_') || !Array.isArray(v) || v.length !== 2) continue;
      if (++n > 200) break;
      const [lib, name] = v;
      if (lib === null || lib === undefined) continue;
      const site = { where: key, ref: preview(JSON.stringify(v), 200) };
      if (typeof lib !== 'string' || (name !== null && typeof name !== 'string')) {
        ctx.report(HF_MALFORMED_CONFIG, {
          message: `component ${key} in ${file} is not a [library, Class] pair`,
          evidence: { field: key },
        });
        continue;
      }
      if (DIFFUSERS_LIBRARIES.has(lib)) continue;
      if (!isDottedName(lib)) {
        refs.danger(site, 'is not a module name');
        continue;
      }
      if (dangerousModuleRoot(lib)) {
        refs.danger(
          site,
          `makes diffusers import ${lib}${typeof name === 'string' ? ` and look up ${name}` : ''}`,
        );
        continue;
      }
      if (escapes(key)) {
        refs.danger(site, 'names a component folder outside the repository');
        continue;
      }
      // diffusers loads <component>/<library>.py as custom code when present, else imports the library.
      await refs.localModule(lib.replace(/\./g, '/'), site, key, true);
    }
  },
);

const diffusersConfig = makeAnalyzer('diffusers-config', (doc) => {
  if (typeof doc._class_name !== 'string' || typeof doc._diffusers_version !== 'string') return 0;
  return 60;
});

const tokenizerJson = makeAnalyzer('hf-tokenizer', (doc, name) => {
  if (!isObj(doc.model) || typeof doc.model.type !== 'string') return 0;
  if (!('added_tokens' in doc || 'normalizer' in doc || 'pre_tokenizer' in doc || 'decoder' in doc)) return 0;
  return 55 + (name === 'tokenizer.json' ? 2 : 0);
});

/** Any other JSON object that carries remote-code pointers or a chat template. */
const genericRemoteCode = makeAnalyzer('hf-json', (doc) => {
  if ('auto_map' in doc || 'custom_pipelines' in doc || 'chat_template' in doc) return 8;
  return findTrustRemoteCode(doc).length ? 8 : 0;
});

/** Hugging Face repository file analyzers, for the JSON scanner. */
export const hfConfigAnalyzers: JsonAnalyzer[] = [
  modelConfig,
  generationConfig,
  tokenizerConfig,
  chatTemplateJson,
  specialTokensMap,
  processorConfig,
  adapterConfig,
  stModules,
  stConfig,
  stModuleConfig,
  diffusersModelIndex,
  diffusersConfig,
  tokenizerJson,
  genericRemoteCode,
];
