"""gen_checkpoint.py OUT TENSORS BYTES_PER_TENSOR -- torch.save of a state_dict of big float32 tensors."""
import collections
import json
import os
import sys
import time

import torch

out, count, per = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
cols = 1024
rows = per // 4 // cols
t = time.perf_counter()
sd = collections.OrderedDict()
for k in range(count):
    sd['layers.%d.weight' % k] = torch.full((rows, cols), float(k + 1), dtype=torch.float32)
torch.save(sd, out + '.tmp')
os.replace(out + '.tmp', out)
print(json.dumps({'size': os.path.getsize(out), 'seconds': time.perf_counter() - t, 'torch': torch.__version__}))
