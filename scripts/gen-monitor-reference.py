#!/usr/bin/python3
"""Reference numbers for test/adversarial/monitor-engine.test.ts: Evidently's default drift tests (legacy
stattests, reimplemented with pandas/scipy exactly as evidently/legacy/calculations/stattests/*.py call them) on
deterministic splits of the UCI Adult copy in ../shared/data/adult (read in place).

Run: /usr/bin/python3 scripts/gen-monitor-reference.py
"""
import os
import numpy as np
import pandas as pd
from scipy import stats
from scipy.spatial import distance

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ADULT = os.path.join(ROOT, '..', 'shared', 'data', 'adult', 'data', 'adult.csv')
df = pd.read_csv(ADULT, sep=';')
idx = np.arange(len(df))


def binned(ref, cur, numerical, fill):
    if numerical and ref.nunique() > 20:
        bins = np.histogram_bin_edges(pd.concat([ref, cur]).values, bins='sturges')
        r = np.histogram(ref, bins)[0] / len(ref)
        c = np.histogram(cur, bins)[0] / len(cur)
    else:
        keys = list(set(ref.unique()) | set(cur.unique()))
        rc = ref.value_counts(); cc = cur.value_counts()
        r = np.array([rc.get(k, 0) / len(ref) for k in keys])
        c = np.array([cc.get(k, 0) / len(cur) for k in keys])
    if fill:
        for a in (r, c):
            m = a[a != 0].min()
            np.place(a, a == 0, m / 1e6 if m <= 1e-4 else 1e-4)
    return r, c


def default_test(ref, cur, numerical):
    n_values = pd.concat([ref, cur]).nunique()
    if len(ref) <= 1000:
        if numerical and n_values > 5:
            return 'ks'
        return 'chisquare' if n_values > 2 else 'z'
    if numerical and n_values > 5:
        return 'wasserstein'
    return 'jensenshannon'


def run(test, ref, cur, numerical):
    if test == 'ks':
        return stats.ks_2samp(ref, cur)[1]
    if test == 'wasserstein':
        return stats.wasserstein_distance(ref, cur) / max(np.std(ref), 0.001)
    if test == 'jensenshannon':
        r, c = binned(ref, cur, numerical, False)
        return distance.jensenshannon(r, c)
    if test == 'psi':
        r, c = binned(ref, cur, numerical, True)
        return np.sum((r - c) * np.log(r / c))
    if test == 'chisquare':
        keys = list(set(ref.unique()) | set(cur.unique()))
        rc = ref.value_counts(); cc = cur.value_counts()
        k = len(cur) / len(ref)
        return stats.chisquare([cc.get(x, 0) for x in keys], [rc.get(x, 0) * k for x in keys])[1]
    if test == 'z':
        keys = sorted(set(ref.unique()) | set(cur.unique()))
        a = (ref != keys[0]).astype(float); b = (cur != keys[0]).astype(float)
        p1, p2 = a.mean(), b.mean(); P = (a.sum() + b.sum()) / (len(a) + len(b))
        z = (p1 - p2) / np.sqrt(P * (1 - P) * (1 / len(a) + 1 / len(b)))
        return 2 * (1 - stats.norm.cdf(abs(z)))


def report(name, ref, cur, extra_tests=()):
    print(f'// {name}: reference {len(ref)} rows, current {len(cur)} rows')
    for col in df.columns:
        numerical = col == 'age'
        t = default_test(ref[col], cur[col], numerical)
        out = {t: run(t, ref[col], cur[col], numerical)}
        for et in extra_tests:
            if et in ('ks', 'wasserstein') and not numerical:
                continue
            out[et] = run(et, ref[col], cur[col], numerical)
        print(f"  '{col}': {{ {', '.join(f'{k}: {v!r}' for k, v in out.items())} }},")


even, odd = df[idx % 2 == 0], df[idx % 2 == 1]
report('large: even rows vs odd rows', even, odd)
report('large: even rows vs odd rows with age > 40', even, odd[odd.age > 40], ('psi',))
small_ref = df.iloc[0:1600][np.arange(1600) % 2 == 0]
small_cur = df.iloc[1600:2400]
report('small: rows 0..1599 even vs rows 1600..2399', small_ref, small_cur, ('psi', 'jensenshannon'))
report('small: rows 0..1599 even vs rows 1600..2399 with age > 40', small_ref, small_cur[small_cur.age > 40])
