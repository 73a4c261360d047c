#!/usr/bin/python3
"""Generates fixtures/adversarial/: two small digit classifiers (an MLP and a CNN) trained on sklearn's
load_digits (8x8, pixels scaled to [0, 1]) and exported to ONNX (opset 13), a held-out test set, the torch
outputs on it, and a few hand-built ONNX graphs for the importer tests. Seeded and reproducible:

    /usr/bin/python3 scripts/gen-adversarial-fixtures.py
"""
import json
import os
import struct

import numpy as np
import onnx
import torch
from onnx import TensorProto, helper, numpy_helper
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'fixtures', 'adversarial')
SEED = 1234
torch.manual_seed(SEED)
np.random.seed(SEED)
torch.set_num_threads(1)
os.makedirs(OUT, exist_ok=True)

digits = load_digits()
X = (digits.data / 16.0).astype(np.float32)
y = digits.target.astype(np.int64)
X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=360, random_state=SEED, stratify=y)


class Mlp(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = torch.nn.Linear(64, 32)
        self.fc2 = torch.nn.Linear(32, 10)

    def forward(self, x):
        return self.fc2(torch.relu(self.fc1(x)))  # logits


class Cnn(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv2d(1, 8, 3, padding=1)
        self.fc = torch.nn.Linear(8 * 4 * 4, 10)

    def forward(self, x):
        h = torch.nn.functional.max_pool2d(torch.relu(self.conv(x)), 2)
        return torch.softmax(self.fc(torch.flatten(h, 1)), dim=1)  # probabilities


def train(model, xs, epochs, probs):
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    xt = torch.from_numpy(xs)
    yt = torch.from_numpy(y_tr)
    g = torch.Generator().manual_seed(SEED)
    for _ in range(epochs):
        perm = torch.randperm(len(xt), generator=g)
        for i in range(0, len(xt), 64):
            idx = perm[i:i + 64]
            out = model(xt[idx])
            loss = torch.nn.functional.nll_loss(torch.log(out + 1e-12), yt[idx]) if probs else \
                torch.nn.functional.cross_entropy(out, yt[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
    model.eval()


def export(model, example, name):
    path = os.path.join(OUT, name)
    torch.onnx.export(model, example, path, opset_version=13, input_names=['input'], output_names=['output'],
                      dynamic_axes={'input': {0: 'batch'}, 'output': {0: 'batch'}})
    m = onnx.load(path)
    m.producer_name = 'bulwark-fixtures'
    onnx.save(m, path)
    onnx.checker.check_model(m)


meta = {'seed': SEED, 'dataset': 'sklearn load_digits, pixels / 16', 'n_test': int(len(X_te))}

mlp = Mlp()
train(mlp, X_tr, 30, probs=False)
cnn = Cnn()
train(cnn, X_tr.reshape(-1, 1, 8, 8), 30, probs=True)
export(mlp, torch.zeros(1, 64), 'digits-mlp.onnx')
export(cnn, torch.zeros(1, 1, 8, 8), 'digits-cnn.onnx')

with torch.no_grad():
    mlp_out = mlp(torch.from_numpy(X_te)).numpy().astype(np.float32)
    cnn_out = cnn(torch.from_numpy(X_te.reshape(-1, 1, 8, 8))).numpy().astype(np.float32)
meta['mlp'] = {'file': 'digits-mlp.onnx', 'input_shape': [64], 'outputs': 'logits',
               'test_accuracy': float((mlp_out.argmax(1) == y_te).mean())}
meta['cnn'] = {'file': 'digits-cnn.onnx', 'input_shape': [1, 8, 8], 'outputs': 'probabilities',
               'test_accuracy': float((cnn_out.argmax(1) == y_te).mean())}

# Binary test set: little-endian float32 images (n x 64), then int32 labels (n), then torch outputs
# (MLP logits n x 10, CNN probabilities n x 10). Layout recorded in the JSON.
with open(os.path.join(OUT, 'digits-test.bin'), 'wb') as f:
    f.write(X_te.astype('<f4').tobytes())
    f.write(y_te.astype('<i4').tobytes())
    f.write(mlp_out.astype('<f4').tobytes())
    f.write(cnn_out.astype('<f4').tobytes())
meta['test_bin'] = {'file': 'digits-test.bin', 'layout': ['images f32 n*64', 'labels i32 n',
                                                          'mlp_logits f32 n*10', 'cnn_probs f32 n*10']}


def save(graph, name, opset=13):
    m = helper.make_model(graph, producer_name='bulwark-fixtures', opset_imports=[helper.make_opsetid('', opset)])
    m.ir_version = 8
    onnx.checker.check_model(m)
    onnx.save(m, os.path.join(OUT, name))


def init(name, arr):
    return numpy_helper.from_array(np.asarray(arr), name)


rng = np.random.RandomState(SEED)

# Tiny Gemm + Softmax with non-default alpha/beta and no transposes: z = 0.5 * x @ B + 2 * c; p = softmax(z).
B = rng.randn(4, 3).astype(np.float32)
c = rng.randn(3).astype(np.float32)
save(helper.make_graph(
    [helper.make_node('Gemm', ['x', 'B', 'c'], ['z'], alpha=0.5, beta=2.0),
     helper.make_node('Softmax', ['z'], ['p'], axis=-1)],
    'tiny', [helper.make_tensor_value_info('x', TensorProto.FLOAT, ['N', 4])],
    [helper.make_tensor_value_info('p', TensorProto.FLOAT, ['N', 3])],
    [init('B', B), init('c', c)]), 'tiny-gemm-softmax.onnx')
meta['tiny'] = {'file': 'tiny-gemm-softmax.onnx', 'alpha': 0.5, 'beta': 2.0, 'B': B.tolist(), 'c': c.tolist()}

# Unsupported op: Gemm -> Erf -> Gemm (Erf is outside the importer's op set).
W1 = (rng.randn(16, 64) * 0.2).astype(np.float32)
W2 = (rng.randn(10, 16) * 0.2).astype(np.float32)
save(helper.make_graph(
    [helper.make_node('Gemm', ['x', 'W1'], ['h'], transB=1),
     helper.make_node('Erf', ['h'], ['e']),
     helper.make_node('Gemm', ['e', 'W2'], ['y'], transB=1)],
    'erf', [helper.make_tensor_value_info('x', TensorProto.FLOAT, ['N', 64])],
    [helper.make_tensor_value_info('y', TensorProto.FLOAT, ['N', 10])],
    [init('W1', W1), init('W2', W2)]), 'unsupported-erf.onnx')

# Op zoo: every other op of the importer's set, random weights, input [N, 1, 8, 8], output log-probabilities.
nodes = [
    helper.make_node('Conv', ['x', 'cw1', 'cb1'], ['c1'], kernel_shape=[3, 3], pads=[1, 1, 1, 1], strides=[1, 1]),
    helper.make_node('BatchNormalization', ['c1', 'bn_s', 'bn_b', 'bn_m', 'bn_v'], ['b1'], epsilon=1e-3),
    helper.make_node('LeakyRelu', ['b1'], ['l1'], alpha=0.1),
    helper.make_node('Conv', ['l1', 'cw2'], ['c2'], kernel_shape=[3, 3], pads=[2, 2, 2, 2], strides=[2, 2],
                     dilations=[2, 2]),  # -> [N, 4, 4, 4]
    helper.make_node('AveragePool', ['c2'], ['a1'], kernel_shape=[2, 2], strides=[1, 1], pads=[0, 0, 1, 1]),
    helper.make_node('MaxPool', ['a1'], ['m1'], kernel_shape=[2, 2], strides=[1, 1], pads=[1, 1, 0, 0]),
    helper.make_node('Sigmoid', ['m1'], ['s1']),
    helper.make_node('Mul', ['s1', 'two'], ['s2']),
    helper.make_node('Sub', ['s2', 'half'], ['s3']),
    helper.make_node('Div', ['s3', 'onehalf'], ['s4']),
    helper.make_node('GlobalAveragePool', ['s4'], ['g1']),  # [N, 4, 1, 1]
    helper.make_node('Add', ['s4', 'g1'], ['s5']),  # broadcast
    helper.make_node('Tanh', ['s5'], ['t1']),
    helper.make_node('Relu', ['t1'], ['r1']),
    helper.make_node('Transpose', ['r1'], ['t2'], perm=[0, 2, 3, 1]),
    helper.make_node('Reshape', ['t2', 'shape'], ['f1']),  # [N, 64]
    helper.make_node('MatMul', ['f1', 'mw'], ['mm']),
    helper.make_node('Add', ['mm', 'mb'], ['z0']),
    helper.make_node('Identity', ['z0'], ['z1']),
    helper.make_node('Dropout', ['z1'], ['z2']),
    helper.make_node('Flatten', ['z2'], ['z3'], axis=1),
    helper.make_node('LogSoftmax', ['z3'], ['out'], axis=1),
]
inits = [
    init('cw1', (rng.randn(4, 1, 3, 3) * 0.5).astype(np.float32)), init('cb1', rng.randn(4).astype(np.float32) * 0.1),
    init('bn_s', (1 + 0.2 * rng.randn(4)).astype(np.float32)), init('bn_b', (0.1 * rng.randn(4)).astype(np.float32)),
    init('bn_m', (0.1 * rng.randn(4)).astype(np.float32)), init('bn_v', (0.5 + rng.rand(4)).astype(np.float32)),
    init('cw2', (rng.randn(4, 4, 3, 3) * 0.3).astype(np.float32)),
    init('two', np.array(2.0, np.float32)), init('half', np.array(0.5, np.float32)),
    init('onehalf', np.array(1.5, np.float32)), init('shape', np.array([0, -1], np.int64)),
    init('mw', (rng.randn(64, 10) * 0.5).astype(np.float32)), init('mb', (rng.randn(10) * 0.1).astype(np.float32)),
]
save(helper.make_graph(nodes, 'zoo', [helper.make_tensor_value_info('x', TensorProto.FLOAT, ['N', 1, 8, 8])],
                       [helper.make_tensor_value_info('out', TensorProto.FLOAT, ['N', 10])], inits), 'op-zoo.onnx')

with open(os.path.join(OUT, 'digits.json'), 'w') as f:
    json.dump(meta, f, indent=1)
    f.write('\n')
print(json.dumps({k: v for k, v in meta.items() if k in ('mlp', 'cnn')}))
