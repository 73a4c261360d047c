#!/usr/bin/python3
"""Generates fixtures/adversarial/poison/: penultimate-layer activations of a small MLP trained on sklearn's 8x8
digits, once on a backdoor-poisoned training set and once on the clean one.

Poisoning (BadNets-style pixel-pattern backdoor): a 2x2 bright patch in the bottom-right corner is stamped on 33% of
the training images of SOURCE class and those images are relabelled to TARGET. The committed CSVs hold, per training
row: `label` (training label, i.e. poisoned), `true_label`, `poison` (1 for a poisoned row) and `e0..e{H-1}` (the
penultimate ReLU activations). Deterministic: fixed seeds, single thread.

Run: /usr/bin/python3 scripts/gen-poison-fixtures.py
"""
import json
import os

import numpy as np
import torch
from sklearn.datasets import load_digits

SOURCE, TARGET, RATE, HIDDEN, SEED = 0, 6, 0.33, 32, 7
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'fixtures', 'adversarial', 'poison')

torch.manual_seed(SEED)
torch.set_num_threads(1)
rng = np.random.RandomState(SEED)

d = load_digits()
X = (d.data / 16.0).astype(np.float32)  # 1797 x 64 in [0, 1]
y = d.target.astype(np.int64)
perm = rng.permutation(len(y))
tr, te = perm[:1500], perm[1500:]


def stamp(x):
    img = x.reshape(-1, 8, 8).copy()
    img[:, 6:8, 6:8] = 1.0
    return img.reshape(-1, 64)


def train(Xtr, ytr):
    torch.manual_seed(SEED)
    net = torch.nn.Sequential(
        torch.nn.Linear(64, 64), torch.nn.ReLU(), torch.nn.Linear(64, HIDDEN), torch.nn.ReLU(), torch.nn.Linear(HIDDEN, 10)
    )
    opt = torch.optim.Adam(net.parameters(), lr=0.01)
    xt, yt = torch.tensor(Xtr), torch.tensor(ytr)
    for _ in range(300):
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(net(xt), yt)
        loss.backward()
        opt.step()
    return net


def penultimate(net, Xa):
    with torch.no_grad():
        return net[:4](torch.tensor(Xa)).numpy()


def dump(name, acts, labels, true_labels, poison):
    path = os.path.join(OUT, name)
    cols = ['label', 'true_label', 'poison'] + ['e%d' % i for i in range(acts.shape[1])]
    with open(path, 'w') as f:
        f.write(','.join(cols) + '\n')
        for a, l, t, p in zip(acts, labels, true_labels, poison):
            f.write('%d,%d,%d,' % (l, t, p) + ','.join('%.3g' % v for v in a) + '\n')


Xtr, ytr = X[tr], y[tr]
src = np.where(ytr == SOURCE)[0]
chosen = rng.choice(src, int(round(RATE * len(src))), replace=False)
Xp, yp = Xtr.copy(), ytr.copy()
Xp[chosen] = stamp(Xp[chosen])
yp[chosen] = TARGET
poison = np.zeros(len(ytr), dtype=np.int64)
poison[chosen] = 1

stats = {'source': SOURCE, 'target': TARGET, 'rate': RATE, 'hidden': HIDDEN, 'train_rows': int(len(ytr)),
         'poisoned_rows': int(poison.sum()), 'target_class_rows': int((yp == TARGET).sum())}
for tag, Xa, ya in (('poisoned', Xp, yp), ('clean', Xtr, ytr)):
    net = train(Xa, ya)
    with torch.no_grad():
        acc = (net(torch.tensor(X[te])).argmax(1).numpy() == y[te]).mean()
        src_te = te[y[te] == SOURCE]
        asr = (net(torch.tensor(stamp(X[src_te]))).argmax(1).numpy() == TARGET).mean()
    stats[tag] = {'test_accuracy': round(float(acc), 4), 'attack_success_rate': round(float(asr), 4)}
    dump('digits-%s-activations.csv' % tag, penultimate(net, Xa), ya, ytr, poison if tag == 'poisoned' else np.zeros_like(poison))
with open(os.path.join(OUT, 'digits-stats.json'), 'w') as f:
    json.dump(stats, f, indent=2)
    f.write('\n')
print(json.dumps(stats))
