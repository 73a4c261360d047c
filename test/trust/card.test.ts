import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateSystemCard } from '../../src/core/system-card.js';
import { scan } from '../../src/scan/engine.js';
import { classifyEvidence, loadEvidence } from '../../src/trust/card/evidence.js';
import { parseHfCard } from '../../src/trust/card/hf-card.js';
import { buildModelCard } from '../../src/trust/card/model-card.js';
import { renderCardHtml, renderCardMarkdown, renderHfReadmeFromCard } from '../../src/trust/card/render.js';
import { ensureBuilt, ROOT, runCli } from '../cli/helpers.js';

const README = `---
license: apache-2.0
pipeline_tag: text-classification
library_name: transformers
base_model: distilbert-base-uncased
datasets:
  - imdb
language: en
model-index:
  - name: sentiment-demo
    results:
      - task: { type: text-classification }
        dataset: { type: imdb, name: IMDb, split: test }
        metrics:
          - { type: accuracy, value: 0.912 }
          - { type: f1, value: 0.905, verified: false }
---

# sentiment-demo

A small sentiment classifier fine-tuned on movie reviews. <script>alert(1)</script>

## Uses

Classify the sentiment of English movie reviews.

## Bias, Risks, and Limitations

Trained on movie reviews only; other domains are out of distribution.

## Training Data

IMDb training split (25,000 reviews).
`;

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'bulwark-card-'));
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('Hugging Face card parsing', () => {
  it('reads front matter, sections and model-index results', () => {
    const card = parseHfCard(README);
    expect(card.problems).toEqual([]);
    expect(card.metadata.license).toBe('apache-2.0');
    expect(card.results).toHaveLength(1);
    expect(card.results[0].metrics.map((m) => [m.type, m.value])).toEqual([
      ['accuracy', 0.912],
      ['f1', 0.905],
    ]);
    expect(card.sections.get('Uses')).toContain('English movie reviews');
  });

  it('reports malformed metadata with the path that is wrong', () => {
    const card = parseHfCard(`---
license: other
base_model_relation: copied
model-index:
  - name: x
    results:
      - task: {}
        dataset: { type: imdb }
        metrics: [{ type: accuracy }]
---
body`);
    const codes = card.problems.map((p) => `${p.code}@${p.path}`);
    expect(codes).toContain('license-other-incomplete@license');
    expect(codes).toContain('base-model-relation-invalid@base_model_relation');
    expect(codes).toContain('model-index-invalid@model-index[0].results[0].task.type');
    expect(codes).toContain('model-index-invalid@model-index[0].results[0].dataset');
    expect(codes).toContain('model-index-invalid@model-index[0].results[0].metrics[0]');
    expect(card.results).toEqual([]);
  });

  it('treats broken YAML and a missing front matter as problems, not as an empty valid card', () => {
    expect(parseHfCard('---\nlicense: [unclosed\n---\n').problems[0].code).toBe('front-matter-invalid');
    expect(parseHfCard('# just markdown').problems.map((p) => p.code)).toEqual([
      'front-matter-missing',
      'license-missing',
    ]);
  });

  it('ignores headings inside code fences', () => {
    const card = parseHfCard('---\nlicense: mit\n---\n## Uses\n\n```\n# not a heading\n```\ntext\n');
    expect([...card.sections.keys()]).toEqual(['Uses']);
    expect(card.sections.get('Uses')).toContain('# not a heading');
  });
});

describe('combined model card', () => {
  it('combines README, config.json and a real scan report, each value with its source', async () => {
    const model = path.join(dir, 'm1');
    await mkdir(model);
    await writeFile(path.join(model, 'README.md'), README);
    await writeFile(
      path.join(model, 'config.json'),
      JSON.stringify({ architectures: ['DistilBertForSequenceClassification'] }),
    );
    const report = await scan([path.join(ROOT, 'examples', 'models')]);
    const reportFile = path.join(dir, 'scan.json');
    await writeFile(reportFile, JSON.stringify(report));
    const ev = await loadEvidence(reportFile);
    expect(ev.kind).toBe('scan-report');
    expect(ev.findings.length).toBeGreaterThan(0);

    const card = await buildModelCard({ modelPath: model, evidence: [ev] });
    expect(card.model.license).toEqual({ value: 'apache-2.0', source: 'readme' });
    expect(card.model.architecture).toEqual({
      value: 'DistilBertForSequenceClassification',
      source: 'config.json',
    });
    expect(card.intendedUse?.value).toContain('English movie reviews');
    expect(card.security?.verdicts.malicious).toBe(1);
    expect(card.security?.findingsBySeverity.critical).toBeGreaterThan(0);
    // Complete card, not declared high-risk: no findings.
    expect(card.findings).toEqual([]);
    expect(card.euAiAct.highRisk).toBe(false);
  });

  it('reports missing card information and, for a high-risk system, each missing Article 13 item', async () => {
    const model = path.join(dir, 'm2');
    await mkdir(model);
    await writeFile(path.join(model, 'README.md'), '---\npipeline_tag: tabular-classification\n---\n# m2\n');
    const sys = validateSystemCard({
      name: 'CV screening',
      provider: { name: 'Acme GmbH', contact: 'ai@acme.example' },
      intendedPurpose: 'Rank job applications for recruiters',
      annexIIIArea: 'employment',
      humanOversight: 'A recruiter reviews every ranking before any decision.',
    });
    const card = await buildModelCard({ modelPath: model, systemCard: sys });
    const missingFields = card.findings
      .filter((f) => f.ruleId === 'BW-CARD-002')
      .map((f) => f.evidence?.field);
    expect(missingFields).toEqual([
      'license',
      'limitations and risks',
      'training data',
      'evaluation results',
    ]);
    const euMissing = card.findings.filter((f) => f.ruleId === 'BW-CARD-003').map((f) => f.evidence?.item);
    expect(euMissing).toContain('logging');
    expect(euMissing).toContain('accuracy');
    expect(euMissing).not.toContain('provider');
    expect(euMissing).not.toContain('intended-purpose');
    expect(euMissing).not.toContain('human-oversight');
    expect(card.findings.find((f) => f.ruleId === 'BW-CARD-003')?.severity).toBe('high');
  });

  it('reports a model without any card', async () => {
    const model = path.join(dir, 'm3');
    await mkdir(model);
    const card = await buildModelCard({ modelPath: model });
    expect(card.findings.map((f) => f.ruleId)).toEqual(['BW-CARD-001']);
  });

  it('renders Markdown and self-contained HTML with every untrusted string escaped', async () => {
    const card = await buildModelCard({ readme: README, name: 'x<img src=x onerror=alert(1)>' });
    const md = renderCardMarkdown(card);
    expect(md).toContain('| accuracy |');
    expect(md).not.toContain('<script>');
    const html = renderCardHtml(card);
    expect(html).not.toMatch(/<script|<img|onerror=alert\(1\)>/i);
    expect(html).toContain('&lt;script&gt;');
    expect(html).toMatch(/<td>0\.912<\/td>/);
    expect(html).not.toMatch(/https?:\/\//);
  });

  it('drafts a Hugging Face README that parses back without problems and keeps model-index', async () => {
    const card = await buildModelCard({ readme: README });
    const text = renderHfReadmeFromCard(card, parseHfCard(README).metadata);
    const back = parseHfCard(text);
    expect(back.problems).toEqual([]);
    expect(back.results).toEqual(parseHfCard(README).results);
    expect(back.sections.get('Bias, Risks, and Limitations')).toContain('movie reviews only');
  });

  it('classifies the evidence documents Bulwark and standard tools write', () => {
    expect(classifyEvidence({ bomFormat: 'CycloneDX', specVersion: '1.6' })).toBe('cyclonedx-bom');
    expect(classifyEvidence({ mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json' })).toBe(
      'signature-bundle',
    );
    expect(classifyEvidence({ _type: 'https://in-toto.io/Statement/v1' })).toBe('attestation');
    expect(classifyEvidence({ kind: 'bulwark.fairness' })).toBe('fairness');
    expect(classifyEvidence({ hello: 1 })).toBe('other');
  });
});

describe('bulwark card (CLI)', () => {
  beforeAll(async () => {
    await ensureBuilt();
  }, 180_000);

  it('exits 1 for a high-risk system with undocumented Article 13 items and writes the card atomically', async () => {
    const model = path.join(dir, 'cli');
    await mkdir(model);
    await writeFile(path.join(model, 'README.md'), README);
    await writeFile(
      path.join(dir, 'system.yaml'),
      'name: demo\nannexIIIArea: employment\nintendedPurpose: screening\n',
    );
    const out = path.join(dir, 'card.html');
    const r = await runCli([
      'card',
      model,
      '--system-card',
      path.join(dir, 'system.yaml'),
      '--format',
      'html',
      '-o',
      out,
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('BW-CARD-003');
    const html = await readFile(out, 'utf8');
    expect(html).toContain('<h2>EU AI Act information (Article 13, Annex IV)</h2>');
    expect(html).toContain('class="missing"');

    const ok = await runCli(['card', model, '--format', 'json']);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout).model.license.value).toBe('apache-2.0');
  });

  it('rejects a malformed system card with one line naming the field', async () => {
    await writeFile(path.join(dir, 'bad.yaml'), 'owners: 5\n');
    const r = await runCli(['card', '--system-card', path.join(dir, 'bad.yaml')]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/^bulwark: error: system card .*owners must be a list/);
  });
});
