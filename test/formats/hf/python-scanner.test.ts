import { describe, expect, it } from 'vitest';
import { scanBytes } from '../../../src/scan/engine.js';
import { pythonConfidence, pythonSourceScanner } from '../../../src/scan/formats/hf/python-scanner.js';

const enc = (s: string) => new TextEncoder().encode(s);
const sniff = (s: string, name = 'x.py') =>
  pythonSourceScanner.sniff({ head: enc(s).subarray(0, 4096), size: enc(s).length, name });

const MODULE = `# coding=utf-8
# Copyright 2024 Someone.
"""Docs."""
import math
from typing import Optional

import torch
from torch import nn


class X(nn.Module):
    def forward(self, x):
        return x * math.pi
`;

describe('python sniffing', () => {
  it('recognises modules, scripts and short files by content, not by name', () => {
    expect(sniff(MODULE, 'weights.bin')).toBe(28);
    expect(sniff('#!/usr/bin/env python3\nprint(1)\n', 'run')).toBe(28);
    expect(sniff('import os\nx = os.getcwd()\n', 'noext')).toBe(22);
  });
  it('does not claim Markdown, YAML, shell, JSON, templates or prose', () => {
    expect(
      sniff(
        '---\nlicense: mit\n---\n# Title\n\n```python\nimport torch\nfrom x import y\n```\n',
        'README.md',
      ),
    ).toBe(0);
    expect(sniff('#!/bin/bash\nimport x\n')).toBe(0);
    expect(sniff('{"import": 1}\n')).toBe(0);
    expect(sniff('model:\n  name: x\n  layers: 3\n')).toBe(0);
    expect(sniff('{% for m in messages %}{{ m.content }}{% endfor %}')).toBe(0);
    expect(sniff('This model was trained to import data from files and define classes.\nIt works.\n')).toBe(
      0,
    );
    expect(pythonConfidence(new Uint8Array([0x69, 0x6d, 0, 0x70]), 4)).toBe(0);
  });
  it('leaves protocol-0 pickles to the pickle scanner', () => {
    expect(sniff("cos\nsystem\n(S'id'\ntR.")).toBe(0);
  });
  it('wins over the template scanner when the head holds a chat template constant', async () => {
    const src = `TEMPLATE = "{% for m in messages %}{{ m['content'] }}{% endfor %}"\nimport os\nimport subprocess\n\ndef f():\n    subprocess.run(["id"])\n`;
    const r = await scanBytes(enc(src), 'tokenization_x.py');
    expect(r.formats).toContain('python-source');
    expect(r.findings.map((f) => f.ruleId)).toContain('BW-HF-015');
  });
});

describe('python scanning', () => {
  it('reports findings with byte offsets and records the analysis', async () => {
    const src = `# é\nimport os\nos.system("echo hi")\n`;
    const r = await scanBytes(enc(src), 'modeling_x.py');
    expect(r.verdict).toBe('suspicious');
    expect(r.analyses).toContain('python-static');
    const f = r.findings.find((x) => x.ruleId === 'BW-HF-015');
    expect(f?.location.offset).toBe(Buffer.byteLength('# é\nimport os\n'));
  });
  it('keeps a benign module clean', async () => {
    const r = await scanBytes(enc(MODULE), 'modeling_x.py');
    expect(r.verdict).toBe('clean');
    expect(r.findings).toEqual([]);
  });
  it('analyses pickles decoded from constants as pickles', async () => {
    const payload = Buffer.from("cos\nsystem\n(S'echo hi'\ntR.").toString('base64');
    const r = await scanBytes(
      enc(`import pickle, base64\nx = pickle.loads(base64.b64decode("${payload}"))\n`),
      'm.py',
    );
    expect(r.verdict).toBe('malicious');
    expect(r.findings.map((f) => f.ruleId)).toEqual(expect.arrayContaining(['BW-HF-018', 'BW-PKL-001']));
    expect(r.members?.[0].inner[0]).toMatch(/decoded at line 2/);
  });
  it('is inconclusive, not clean, past the size bound', async () => {
    const big = `import os\n${'x = 1\n'.repeat(900_000)}`;
    const r = await scanBytes(enc(big), 'big.py');
    expect(r.formats).toContain('python-source');
    expect(r.verdict).toBe('inconclusive');
    expect(r.findings.map((f) => f.ruleId)).toContain('BW-GEN-002');
  });
});
