"""load_pickle.py FILE -- times only open + pickle.load (C unpickler, gc at its defaults)."""
import json
import os
import pickle
import resource
import sys
import time

path = sys.argv[1]
t = time.perf_counter()
with open(path, 'rb') as f:
    obj = pickle.load(f)
seconds = time.perf_counter() - t
print(json.dumps({
    'seconds': seconds,
    'items': len(obj),
    'maxRssKb': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
    'unpickler': pickle.Unpickler.__module__,
}))
sys.stdout.flush()
os._exit(0)  # teardown of the loaded objects is not part of the measurement
