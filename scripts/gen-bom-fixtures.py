#!/usr/bin/python3
"""Writes fixtures/provenance/hf-model/: a small Hugging Face-style model repository for `bulwark bom`.

    /usr/bin/python3 scripts/gen-bom-fixtures.py

The layout is what `save_pretrained()` of a fine-tuned BERT sequence classifier leaves, shrunk: a model card
(README.md) with YAML front matter (license, datasets, metrics, base_model, model-index), config.json,
tokenizer_config.json, a tiny vocab, a two-tensor model.safetensors written byte by byte (8-byte little-endian header
length, JSON header, raw float32 data; numpy only, no safetensors package) and requirements.txt.
Deterministic: re-running rewrites the same bytes (fixed RNG seed, sorted JSON keys).
"""
from __future__ import annotations

import json
import pathlib
import shutil
import struct

import numpy as np

HERE = pathlib.Path(__file__).resolve().parent
OUT = HERE.parent / 'fixtures' / 'provenance' / 'hf-model'
if OUT.exists():
    shutil.rmtree(OUT)
OUT.mkdir(parents=True)


def put(rel: str, content: str | bytes) -> None:
    path = OUT / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content.encode('utf-8') if isinstance(content, str) else content)


def hf_json(obj) -> str:
    return json.dumps(obj, indent=2, sort_keys=True) + '\n'


README = """---
license: apache-2.0
language:
- en
library_name: transformers
pipeline_tag: text-classification
tags:
- generated_from_trainer
- sentiment
datasets:
- nyu-mll/glue
- stanfordnlp/imdb
metrics:
- accuracy
- f1
base_model: google-bert/bert-base-uncased
base_model_relation: finetune
model-index:
- name: tiny-bert-sst2
  results:
  - task:
      type: text-classification
      name: Text Classification
    dataset:
      name: GLUE SST2
      type: nyu-mll/glue
      config: sst2
      split: validation
    metrics:
    - type: accuracy
      value: 0.9232
      name: Accuracy
      verified: false
    - type: f1
      value: 0.9187
      name: F1
  - task:
      type: text-classification
    dataset:
      name: IMDB
      type: stanfordnlp/imdb
      split: test
    metrics:
    - type: accuracy
      value: 0.8811
---

# tiny-bert-sst2

This model is a fine-tuned version of [google-bert/bert-base-uncased](https://huggingface.co/google-bert/bert-base-uncased)
on the GLUE SST-2 dataset. It reaches an accuracy of 0.9232 on the validation split.

## Model description

A two-layer BERT encoder with a linear classification head over the pooled [CLS] token.

## Intended uses & limitations

Binary sentiment classification of short English movie reviews.
The model was trained on sentences of at most 128 tokens and degrades on long documents.

### Out-of-Scope Use

[More Information Needed]

## Bias, Risks, and Limitations

Movie-review sentiment does not transfer to clinical or financial text; reviews written in dialects that are rare
in SST-2 are misclassified more often.

### Recommendations

Evaluate on in-domain data before deployment and keep a human in the loop for consequential decisions.

## Training procedure

### Training hyperparameters

- learning_rate: 2e-05
- train_batch_size: 32
- num_epochs: 3

### Framework versions

- Transformers 4.44.2
- Pytorch 2.3.1
"""

CONFIG = {
    '_name_or_path': 'google-bert/bert-base-uncased',
    'architectures': ['BertForSequenceClassification'],
    'attention_probs_dropout_prob': 0.1,
    'classifier_dropout': None,
    'hidden_act': 'gelu',
    'hidden_dropout_prob': 0.1,
    'hidden_size': 32,
    'id2label': {'0': 'negative', '1': 'positive'},
    'initializer_range': 0.02,
    'intermediate_size': 64,
    'label2id': {'negative': 0, 'positive': 1},
    'layer_norm_eps': 1e-12,
    'max_position_embeddings': 128,
    'model_type': 'bert',
    'num_attention_heads': 2,
    'num_hidden_layers': 2,
    'pad_token_id': 0,
    'position_embedding_type': 'absolute',
    'problem_type': 'single_label_classification',
    'torch_dtype': 'float32',
    'transformers_version': '4.44.2',
    'type_vocab_size': 2,
    'use_cache': True,
    'vocab_size': 16,
}

TOKENIZER_CONFIG = {
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

VOCAB = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', 'the', 'a', 'movie', 'good', 'bad', 'great', 'awful',
         'not', 'very', '.', ',']

REQUIREMENTS = """# Runtime requirements for tiny-bert-sst2
--extra-index-url https://download.pytorch.org/whl/cpu
transformers>=4.40,<5
torch==2.3.1
safetensors>=0.4.3
numpy>=1.24 ; python_version >= "3.9"
scikit-learn  # metrics only
Tokenizers[testing]~=0.19
"""


def safetensors(tensors: dict[str, np.ndarray]) -> bytes:
    header: dict = {'__metadata__': {'format': 'pt'}}
    offset = 0
    blobs = []
    for name, arr in tensors.items():
        data = arr.astype('<f4').tobytes()
        header[name] = {'dtype': 'F32', 'shape': list(arr.shape), 'data_offsets': [offset, offset + len(data)]}
        offset += len(data)
        blobs.append(data)
    h = json.dumps(header, separators=(',', ':'), sort_keys=True).encode('utf-8')
    h += b' ' * ((8 - len(h) % 8) % 8)
    return struct.pack('<Q', len(h)) + h + b''.join(blobs)


rng = np.random.default_rng(20260101)
put('README.md', README)
put('config.json', hf_json(CONFIG))
put('tokenizer_config.json', hf_json(TOKENIZER_CONFIG))
put('vocab.txt', '\n'.join(VOCAB) + '\n')
put('model.safetensors', safetensors({
    'classifier.bias': rng.standard_normal(2).astype(np.float32),
    'classifier.weight': rng.standard_normal((2, 32)).astype(np.float32),
}))
put('requirements.txt', REQUIREMENTS)
print(f'wrote {sum(1 for _ in OUT.iterdir())} files to {OUT}')
