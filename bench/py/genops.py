"""genops.py FILE -- times a full pickletools.genops walk (the opcode iterator picklescan and ModelScan build on)."""
import json
import pickletools
import sys
import time

path = sys.argv[1]
n = 0
t = time.perf_counter()
with open(path, 'rb') as f:
    for _ in pickletools.genops(f):
        n += 1
print(json.dumps({'seconds': time.perf_counter() - t, 'opcodes': n}))
