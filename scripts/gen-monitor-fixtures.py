#!/usr/bin/python3
"""Writes the small hand-made drift fixtures in fixtures/monitor/ (deterministic; no randomness):
  reference.csv      300 rows: age (int), income (float), segment (A/B/C), prediction (model score in [0, 1])
  current-log.jsonl  inference log, 4 days x 100 rows: {"timestamp", "features": {age, income, segment}, "prediction"};
                     days 1-2 follow the reference, days 3-4 have income x 1.6, more segment C and higher scores.
Run: /usr/bin/python3 scripts/gen-monitor-fixtures.py
"""
import json
import os

OUT = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'fixtures', 'monitor')
os.makedirs(OUT, exist_ok=True)


def gen(x):
    x = (x * 16807) % 2147483647
    return x, (x % 10000) / 10000.0


def rows(n, seed, shifted):
    x = seed
    out = []
    for _ in range(n):
        x, u1 = gen(x); x, u2 = gen(x); x, u3 = gen(x); x, u4 = gen(x)
        age = 20 + int(50 * (u1 + u2) / 2)
        income = round(20000 + 60000 * (u2 + u3) / 2 * (1.6 if shifted else 1.0), 2)
        segment = 'C' if u4 < (0.6 if shifted else 0.2) else ('A' if u4 < 0.7 else 'B')
        score = round(min(1.0, (u3 * 0.8 + (0.35 if shifted else 0.1))), 4)
        out.append((age, income, segment, score))
    return out


with open(os.path.join(OUT, 'reference.csv'), 'w') as f:
    f.write('age,income,segment,prediction\n')
    for r in rows(300, 11, False):
        f.write(f'{r[0]},{r[1]},{r[2]},{r[3]}\n')

with open(os.path.join(OUT, 'current-log.jsonl'), 'w') as f:
    for day in range(4):
        for i, r in enumerate(rows(100, 101 + day, day >= 2)):
            ts = f'2026-03-{day + 1:02d}T{(i * 14) // 60:02d}:{(i * 14) % 60:02d}:00Z'
            rec = {'timestamp': ts, 'features': {'age': r[0], 'income': r[1], 'segment': r[2]}, 'prediction': r[3], 'request_id': f'req-{day}-{i}'}
            f.write(json.dumps(rec) + '\n')
