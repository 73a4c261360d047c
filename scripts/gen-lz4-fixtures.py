#!/usr/bin/python3
"""Writes the LZ4 fixtures under fixtures/formats/lz4/ (run with Debian's python3: python3-lz4, python3-joblib,
python3-sklearn, python3-numpy). Deterministic: fixed data, no timestamps. Nothing here is ever loaded by Bulwark's
product code; the malicious fixtures only *pickle* a reduce tuple naming os.system (pickling runs nothing)."""
import hashlib
import io
import json
import os
import pathlib
import pickle
import subprocess
import tempfile

import joblib
import lz4.frame
import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

OUT = pathlib.Path(__file__).resolve().parent.parent / 'fixtures' / 'formats' / 'lz4'
OUT.mkdir(parents=True, exist_ok=True)
files = []


class Payload:
    """Pickles as os.system('echo pwned') — what a trojaned model file carries."""

    def __reduce__(self):
        return (os.system, ('echo pwned',))


def write(name, data, verdict, note):
    (OUT / name).write_bytes(data)
    label = 'benign' if verdict == 'clean' else 'malicious'
    files.append({
        'path': name,
        'label': label,
        'class': 'joblib-lz4' if name.endswith('.joblib') else 'lz4-frame',
        'expect': {'verdict': verdict, 'rules': ['BW-PKL-001'] if label == 'malicious' else [],
                   'formats': ['lz4', 'pickle']},
        'note': note,
        'sha256': hashlib.sha256(data).hexdigest(),
    })


rng = np.random.RandomState(0)
X = rng.normal(size=(60, 4))
y = (X[:, 0] + X[:, 1] > 0).astype(int)
pipe = make_pipeline(StandardScaler(), LogisticRegression()).fit(X, y)

buf = io.BytesIO()
joblib.dump(pipe, buf, compress='lz4')
write('pipeline.joblib', buf.getvalue(), 'clean', "joblib.dump(compress='lz4') of a fitted StandardScaler+LogisticRegression")

buf = io.BytesIO()
joblib.dump({'model': pipe, 'hook': Payload()}, buf, compress='lz4')
write('payload.joblib', buf.getvalue(), 'malicious', "joblib.dump(compress='lz4') of a dict holding an os.system reduce")

# More than one 64 KiB block, linked (matches reach into the previous block), with block and content checksums; the
# payload sits after 300 KB of repetitive text, in the last block.
big = pickle.dumps([('weights ' * 40000).encode(), Payload()], protocol=4)
write('linked_blocks.pkl.lz4',
      lz4.frame.compress(big, block_size=lz4.frame.BLOCKSIZE_MAX64KB, block_linked=True, content_checksum=True,
                         block_checksum=True, store_size=True),
      'malicious', '300 KB pickle, 64 KiB linked blocks, block + content checksums, content size; os.system at the end')
write('independent_blocks.pkl.lz4',
      lz4.frame.compress(big, block_size=lz4.frame.BLOCKSIZE_MAX64KB, block_linked=False, store_size=False),
      'malicious', 'the same pickle in independent 64 KiB blocks, no content size')
write('two_frames.pkl.lz4',
      lz4.frame.compress(pickle.dumps([1, 2, 3], protocol=2)[:-1]) + lz4.frame.compress(b'.'),
      'clean', 'one pickle split over two concatenated frames (lz4.frame.decompress reads both)')
write('uncompressed_block.pkl.lz4',
      lz4.frame.compress(os.urandom(0) + bytes(pickle.dumps(Payload(), protocol=2)), compression_level=0,
                         block_size=lz4.frame.BLOCKSIZE_MAX64KB),
      'malicious', 'a short os.system pickle (lz4 may store it as an uncompressed block)')

with tempfile.TemporaryDirectory() as d:
    src = pathlib.Path(d) / 'payload.pkl'
    src.write_bytes(pickle.dumps(Payload(), protocol=2))
    subprocess.run(['lz4', '-q', '-l', '-f', str(src), str(src) + '.lz4'], check=True)
    write('legacy.pkl.lz4', (pathlib.Path(d) / 'payload.pkl.lz4').read_bytes(), 'malicious',
          'lz4 -l (legacy frame format) of an os.system pickle')

manifest = {
    'about': 'LZ4-compressed pickles and joblib files written by python-lz4, joblib and the lz4 tool '
             '(scripts/gen-lz4-fixtures.py)',
    'files': files,
}
(OUT / 'manifest.json').write_text(json.dumps(manifest, indent=2) + '\n')
print(f'wrote {len(files)} fixtures to {OUT}')
