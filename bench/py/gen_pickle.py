"""gen_pickle.py estimate TARGET_BYTES | write OUT RECORDS

estimate: prints how many records make a protocol-4 pickle of at least TARGET_BYTES.
write:    pickle.dump(list of RECORDS records, protocol=4) to OUT; prints {"records", "size", "seconds"}.
"""
import json
import os
import pickle
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from records import record  # noqa: E402


def estimate(target):
    guess = max(1000, target // 80)
    lo = max(0, guess - 20000)
    sample = [record(i) for i in range(lo, lo + 20000)]
    per = len(pickle.dumps(sample, protocol=4)) / len(sample)
    return int(target / per * 1.02) + 1


def main():
    if sys.argv[1] == 'estimate':
        print(json.dumps({'records': estimate(int(sys.argv[2]))}))
        return
    out, n = sys.argv[2], int(sys.argv[3])
    t = time.perf_counter()
    data = [record(i) for i in range(n)]
    with open(out + '.tmp', 'wb') as f:
        pickle.dump(data, f, protocol=4)
    os.replace(out + '.tmp', out)
    print(json.dumps({'records': n, 'size': os.path.getsize(out), 'seconds': time.perf_counter() - t}))
    sys.stdout.flush()
    os._exit(0)  # skip freeing millions of objects


main()
