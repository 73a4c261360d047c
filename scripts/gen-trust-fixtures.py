#!/usr/bin/python3
"""Writes the trust fixtures (tabular samples and small ONNX classifiers) under fixtures/trust/.

    /usr/bin/python3 scripts/gen-trust-fixtures.py

Deterministic and re-runnable. Reads the UCI Adult copy at ../shared/data/adult/data/adult.csv (ARX, `;`-separated,
30,162 rows) in place; the models trained here are our own artifacts.

Output (fixtures/trust/):
- adult-sample.csv / .jsonl / .parquet: the same 200 Adult rows (every 150th row) plus `id`, the torch model's
  `score` (P(>50K)) and `pred` (score >= 0.5); row 3 has an empty `occupation` (a null) in all three files.
  The Parquet file is written by the minimal writer below (PLAIN encoding, uncompressed, two row groups,
  OPTIONAL columns with RLE definition levels): Debian bookworm packages neither pyarrow nor fastparquet.
- adult-mlp.onnx: torch 1.13 MLP (one-hot + standardised age -> 16 -> 2 logits), exported by torch.onnx.export with
  a dynamic batch axis; adult-mlp.features.json: its feature spec (column order, encodings, output kind).
- adult-logreg.onnx: sklearn LogisticRegression on the same features written as an ai.onnx.ml LinearClassifier with
  skl2onnx-style outputs `label` (int64 [N]) and `probabilities` (float [N,2]) (skl2onnx is not installed here);
  adult-logreg.features.json.
- expected-predictions.json: the torch and sklearn probabilities for the sample, for the ORT cross-check.
- bad-string-input.onnx (string tensor input), bad-two-inputs.onnx (two inputs), bad-fixed-width.onnx (input
  width 3): unsupported models for the error tests.
"""

import csv
import io
import json
import os
import struct

import numpy as np
import onnx
import torch
from onnx import TensorProto, helper, numpy_helper
from sklearn.linear_model import LogisticRegression

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, '..', 'fixtures', 'trust')
ADULT = os.path.join(HERE, '..', '..', 'shared', 'data', 'adult', 'data', 'adult.csv')

CATEGORICAL = ['sex', 'race', 'marital-status', 'education', 'native-country', 'workclass', 'occupation']
LABEL = 'salary-class'
POSITIVE = '>50K'


def load_adult():
    with open(ADULT, newline='') as f:
        rows = list(csv.DictReader(f, delimiter=';'))
    assert len(rows) == 30162, len(rows)
    return rows


def feature_spec(rows, output, input_name):
    ages = np.array([float(r['age']) for r in rows])
    feats = [{'column': 'age', 'type': 'numeric', 'mean': round(float(ages.mean()), 6), 'std': round(float(ages.std()), 6)}]
    for c in CATEGORICAL:
        feats.append({'column': c, 'type': 'onehot', 'categories': sorted({r[c] for r in rows})})
    return {
        'version': 1,
        'input': input_name,
        'features': feats,
        'output': output,
        'classes': ['<=50K', POSITIVE],
        'positiveClass': POSITIVE,
        'threshold': 0.5,
    }


def encode(rows, spec):
    width = sum(1 if f['type'] == 'numeric' else len(f['categories']) for f in spec['features'])
    x = np.zeros((len(rows), width), dtype=np.float32)
    for i, r in enumerate(rows):
        j = 0
        for f in spec['features']:
            if f['type'] == 'numeric':
                x[i, j] = (float(r[f['column']]) - f['mean']) / f['std']
                j += 1
            else:
                cats = f['categories']
                v = r[f['column']]
                if v in cats:
                    x[i, j + cats.index(v)] = 1.0
                j += len(cats)
    return x


# ------------------------------------------------------------------------------------------------ models


def train_torch(x, y):
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(x.shape[1], 16), torch.nn.ReLU(), torch.nn.Linear(16, 2))
    opt = torch.optim.Adam(model.parameters(), lr=0.01)
    xt = torch.from_numpy(x)
    yt = torch.from_numpy(y.astype(np.int64))
    for _ in range(300):
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(xt), yt)
        loss.backward()
        opt.step()
    model.eval()
    return model


def export_torch(model, width, path):
    dummy = torch.zeros(1, width)
    buf = io.BytesIO()
    torch.onnx.export(
        model, dummy, buf, input_names=['input'], output_names=['logits'],
        dynamic_axes={'input': {0: 'batch'}, 'logits': {0: 'batch'}}, opset_version=13,
    )
    m = onnx.load_from_string(buf.getvalue())
    m.producer_name = 'pytorch'
    onnx.checker.check_model(m)
    with open(path, 'wb') as f:
        f.write(m.SerializeToString())


def logreg_onnx(clf, width, path):
    coef = clf.coef_.astype(np.float32)  # [1, F]
    intercept = clf.intercept_.astype(np.float32)
    # Binary LinearClassifier with two classes, as skl2onnx writes it: class 1 scores w.x+b, class 0 its negative.
    coefs = np.concatenate([-coef, coef]).flatten().tolist()
    inter = [float(-intercept[0]), float(intercept[0])]
    node = helper.make_node(
        'LinearClassifier', ['input'], ['label', 'probabilities'], domain='ai.onnx.ml',
        coefficients=coefs, intercepts=inter, classlabels_ints=[0, 1], post_transform='LOGISTIC',
    )
    graph = helper.make_graph(
        [node], 'adult_logreg',
        [helper.make_tensor_value_info('input', TensorProto.FLOAT, ['N', width])],
        [helper.make_tensor_value_info('label', TensorProto.INT64, ['N']),
         helper.make_tensor_value_info('probabilities', TensorProto.FLOAT, ['N', 2])],
    )
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid('', 13), helper.make_opsetid('ai.onnx.ml', 1)])
    m.ir_version = 8
    m.producer_name = 'bulwark-gen-trust-fixtures'
    onnx.checker.check_model(m)
    with open(path, 'wb') as f:
        f.write(m.SerializeToString())


def bad_models():
    # String tensor input.
    n = helper.make_node('Identity', ['text'], ['out'])
    g = helper.make_graph([n], 'strin', [helper.make_tensor_value_info('text', TensorProto.STRING, ['N', 1])],
                          [helper.make_tensor_value_info('out', TensorProto.STRING, ['N', 1])])
    save(helper.make_model(g, opset_imports=[helper.make_opsetid('', 13)]), 'bad-string-input.onnx')
    # Two inputs.
    n = helper.make_node('Add', ['a', 'b'], ['out'])
    g = helper.make_graph([n], 'twoin', [helper.make_tensor_value_info('a', TensorProto.FLOAT, ['N', 2]),
                                         helper.make_tensor_value_info('b', TensorProto.FLOAT, ['N', 2])],
                          [helper.make_tensor_value_info('out', TensorProto.FLOAT, ['N', 2])])
    save(helper.make_model(g, opset_imports=[helper.make_opsetid('', 13)]), 'bad-two-inputs.onnx')
    # Fixed feature width 3 (the Adult spec produces many more).
    w = numpy_helper.from_array(np.ones((3, 2), dtype=np.float32), 'w')
    n = helper.make_node('MatMul', ['input', 'w'], ['logits'])
    g = helper.make_graph([n], 'w3', [helper.make_tensor_value_info('input', TensorProto.FLOAT, ['N', 3])],
                          [helper.make_tensor_value_info('logits', TensorProto.FLOAT, ['N', 2])], initializer=[w])
    save(helper.make_model(g, opset_imports=[helper.make_opsetid('', 13)]), 'bad-fixed-width.onnx')


def save(m, name):
    m.ir_version = 8
    onnx.checker.check_model(m)
    with open(os.path.join(OUT, name), 'wb') as f:
        f.write(m.SerializeToString())


# ------------------------------------------------------------------------------------------------ parquet (minimal)
# Thrift compact protocol, enough for FileMetaData / PageHeader (parquet.thrift field ids in comments).

def uvarint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def zigzag(n):
    return (n << 1) ^ (n >> 63)


class Struct:
    def __init__(self):
        self.buf = bytearray()
        self.last = 0

    def _hdr(self, fid, ttype):
        d = fid - self.last
        if 0 < d <= 15:
            self.buf.append((d << 4) | ttype)
        else:
            self.buf.append(ttype)
            self.buf += uvarint(zigzag(fid))
        self.last = fid

    def i32(self, fid, v):
        self._hdr(fid, 5)
        self.buf += uvarint(zigzag(v))
        return self

    def i64(self, fid, v):
        self._hdr(fid, 6)
        self.buf += uvarint(zigzag(v))
        return self

    def string(self, fid, s):
        b = s.encode('utf8')
        self._hdr(fid, 8)
        self.buf += uvarint(len(b)) + b
        return self

    def struct(self, fid, st):
        self._hdr(fid, 12)
        self.buf += st.done()
        return self

    def lst(self, fid, etype, items):
        self._hdr(fid, 9)
        self.buf.append((len(items) << 4) | etype if len(items) < 15 else 0xF0 | etype)
        if len(items) >= 15:
            self.buf += uvarint(len(items))
        for it in items:
            if etype == 5:
                self.buf += uvarint(zigzag(it))
            elif etype == 8:
                b = it.encode('utf8')
                self.buf += uvarint(len(b)) + b
            elif etype == 12:
                self.buf += it.done()
        return self

    def done(self):
        return bytes(self.buf) + b'\x00'


INT64, DOUBLE, BYTE_ARRAY = 2, 5, 6


def rle_def_levels(defined):
    out = bytearray()
    i = 0
    while i < len(defined):
        j = i
        while j < len(defined) and defined[j] == defined[i]:
            j += 1
        out += uvarint((j - i) << 1) + bytes([1 if defined[i] else 0])
        i = j
    return struct.pack('<i', len(out)) + bytes(out)


def plain(ptype, values):
    if ptype == INT64:
        return b''.join(struct.pack('<q', v) for v in values)
    if ptype == DOUBLE:
        return b''.join(struct.pack('<d', v) for v in values)
    return b''.join(struct.pack('<i', len(v.encode('utf8'))) + v.encode('utf8') for v in values)


def write_parquet(path, columns, rows, row_group_size):
    """columns: [(name, ptype)], rows: list of dicts (None = null). Every column OPTIONAL, PLAIN, uncompressed."""
    body = bytearray(b'PAR1')
    row_groups = []
    for start in range(0, len(rows), row_group_size):
        chunk = rows[start:start + row_group_size]
        chunks = []
        total = 0
        for name, ptype in columns:
            vals = [r[name] for r in chunk]
            data = rle_def_levels([v is not None for v in vals]) + plain(ptype, [v for v in vals if v is not None])
            dph = Struct().i32(1, len(vals)).i32(2, 0).i32(3, 3).i32(4, 3)
            header = Struct().i32(1, 0).i32(2, len(data)).i32(3, len(data)).struct(5, dph).done()
            offset = len(body)
            body += header + data
            size = len(header) + len(data)
            total += size
            meta = (Struct().i32(1, ptype).lst(2, 5, [0, 3]).lst(3, 8, [name]).i32(4, 0)
                    .i64(5, len(vals)).i64(6, size).i64(7, size).i64(9, offset))
            chunks.append(Struct().i64(2, offset).struct(3, meta))
        row_groups.append(Struct().lst(1, 12, chunks).i64(2, total).i64(3, len(chunk)))
    schema = [Struct().string(4, 'schema').i32(5, len(columns))]
    for name, ptype in columns:
        el = Struct().i32(1, ptype).i32(3, 1).string(4, name)
        if ptype == BYTE_ARRAY:
            el.i32(6, 0)  # ConvertedType UTF8
        schema.append(el)
    meta = (Struct().i32(1, 1).lst(2, 12, schema).i64(3, len(rows)).lst(4, 12, row_groups)
            .string(6, 'bulwark gen-trust-fixtures minimal writer').done())
    body += meta + struct.pack('<i', len(meta)) + b'PAR1'
    with open(path, 'wb') as f:
        f.write(bytes(body))


# ------------------------------------------------------------------------------------------------ main


def main():
    os.makedirs(OUT, exist_ok=True)
    rows = load_adult()
    y = np.array([1 if r[LABEL] == POSITIVE else 0 for r in rows])

    torch_spec = feature_spec(rows, {'name': 'logits', 'kind': 'logits'}, 'input')
    x = encode(rows, torch_spec)
    model = train_torch(x, y)
    export_torch(model, x.shape[1], os.path.join(OUT, 'adult-mlp.onnx'))
    write_json('adult-mlp.features.json', torch_spec)

    clf = LogisticRegression(max_iter=1000).fit(x, y)
    logreg_spec = feature_spec(rows, {'name': 'probabilities', 'kind': 'probabilities', 'label': 'label'}, 'input')
    logreg_onnx(clf, x.shape[1], os.path.join(OUT, 'adult-logreg.onnx'))
    write_json('adult-logreg.features.json', logreg_spec)
    bad_models()

    idx = list(range(0, len(rows), 150))[:200]
    sample = [dict(rows[i]) for i in idx]
    sample[3]['occupation'] = ''
    xs = encode(sample, torch_spec)
    with torch.no_grad():
        p_torch = torch.softmax(model(torch.from_numpy(xs)), dim=1)[:, 1].numpy()
    p_sk = clf.predict_proba(xs)[:, 1]
    write_json('expected-predictions.json', {
        'about': 'P(>50K) for fixtures/trust/adult-sample.csv rows, computed by torch (adult-mlp) and sklearn (adult-logreg)',
        'torch': [round(float(v), 7) for v in p_torch],
        'sklearn': [round(float(v), 7) for v in p_sk],
        'full_accuracy_torch': round(float(((torch.softmax(model(torch.from_numpy(x)), 1)[:, 1] >= 0.5).numpy() == y).mean()), 6),
    })

    cols = ['id', 'sex', 'age', 'race', 'marital-status', 'education', 'native-country', 'workclass', 'occupation',
            LABEL, 'score', 'pred']
    table = []
    for k, (i, r) in enumerate(zip(idx, sample)):
        score = round(float(p_torch[k]), 6)
        row = {'id': i, **{c: r[c] for c in cols if c in r}, 'score': score, 'pred': 1 if score >= 0.5 else 0}
        row['age'] = int(r['age'])
        table.append(row)

    with open(os.path.join(OUT, 'adult-sample.csv'), 'w', newline='') as f:
        w = csv.writer(f, lineterminator='\n', quoting=csv.QUOTE_MINIMAL)
        w.writerow(cols)
        for row in table:
            w.writerow([row[c] for c in cols])
    with open(os.path.join(OUT, 'adult-sample.jsonl'), 'w') as f:
        for row in table:
            f.write(json.dumps({c: (None if row[c] == '' else row[c]) for c in cols}) + '\n')
    pq_cols = [(c, INT64 if c in ('id', 'age', 'pred') else DOUBLE if c == 'score' else BYTE_ARRAY) for c in cols]
    write_parquet(os.path.join(OUT, 'adult-sample.parquet'),
                  pq_cols, [{c: (None if row[c] == '' else row[c]) for c in cols} for row in table], 128)


def write_json(name, obj):
    with open(os.path.join(OUT, name), 'w') as f:
        json.dump(obj, f, indent=1)
        f.write('\n')


if __name__ == '__main__':
    main()
