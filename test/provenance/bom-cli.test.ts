import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Validation } from '@cyclonedx/cyclonedx-library';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkSpdxDocument } from '../../src/provenance/bom/validate.js';
import { ensureBuilt, ROOT, runCli } from '../cli/helpers.js';

const FIXTURE = path.join(ROOT, 'fixtures', 'provenance', 'hf-model');
const ONE_LINE_ERROR = /^bulwark: error: [^\n]+\n$/;

let dir: string;
beforeAll(async () => {
  await ensureBuilt();
  dir = await mkdtemp(path.join(tmpdir(), 'bulwark-bom-cli-'));
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('bulwark bom (built CLI)', () => {
  it('writes a valid, reproducible CycloneDX BOM atomically with -o, identical to stdout', async () => {
    const out = path.join(dir, 'bom.json');
    const args = [
      'bom',
      FIXTURE,
      '--timestamp',
      '2026-01-01T00:00:00Z',
      '--reproducible',
      '--spec-version',
      '1.7',
    ];
    const r = await runCli([...args, '-o', out, '--validate']);
    expect(r).toEqual({ code: 0, stdout: '', stderr: '' });
    const text = await readFile(out, 'utf8');
    expect(await new Validation.JsonStrictValidator('1.7' as never).validate(text)).toBeNull();
    const bom = JSON.parse(text);
    expect(bom.specVersion).toBe('1.7');
    expect(bom.metadata.component.type).toBe('machine-learning-model');
    expect((await readdir(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    const again = await runCli(args);
    expect(again.code).toBe(0);
    expect(again.stdout).toBe(text);
  });

  it('SOURCE_DATE_EPOCH makes the output reproducible; --name/--model-version set the identity', async () => {
    const env = { SOURCE_DATE_EPOCH: '1767225600' };
    const args = ['bom', FIXTURE, '--name', 'acme/tiny', '--model-version', 'v1', '--no-validate'];
    const a = await runCli(args, { env });
    const b = await runCli(args, { env });
    expect(a.code).toBe(0);
    expect(a.stdout).toBe(b.stdout);
    const bom = JSON.parse(a.stdout);
    expect(bom.metadata.timestamp).toBe('2026-01-01T00:00:00Z');
    expect(bom.metadata.component).toMatchObject({ group: 'acme', name: 'tiny', version: 'v1' });
    const bad = await runCli(args, { env: { SOURCE_DATE_EPOCH: 'soon' } });
    expect(bad.code).toBe(3);
    expect(bad.stderr).toMatch(ONE_LINE_ERROR);
  });

  it('--format spdx writes SPDX 3.0.1 JSON-LD that passes the structural check', async () => {
    const r = await runCli(['bom', FIXTURE, '-f', 'spdx', '--timestamp', '0', '--reproducible']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const doc = JSON.parse(r.stdout);
    expect(doc['@context']).toBe('https://spdx.org/rdf/3.0.1/spdx-context.jsonld');
    expect(checkSpdxDocument(doc)).toEqual([]);
  });

  it('malformed metadata: the BOM is still written, warnings go to stderr, exit 0', async () => {
    const model = path.join(dir, 'broken');
    await cp(FIXTURE, model, { recursive: true });
    await writeFile(path.join(model, 'config.json'), '{not json');
    await writeFile(path.join(model, 'README.md'), '---\nlicense: [unclosed\n---\n');
    const r = await runCli(['bom', model, '--timestamp', '0', '--no-validate']);
    expect(r.code).toBe(0);
    expect(r.stderr.split('\n').filter(Boolean)).toEqual([
      expect.stringMatching(/^bulwark: warning: README\.md: front matter is not valid YAML/),
      expect.stringMatching(/^bulwark: warning: config\.json is not valid JSON/),
    ]);
    const bom = JSON.parse(r.stdout);
    expect(bom.properties.map((p: { name: string }) => p.name)).toEqual([
      'bulwark:warning',
      'bulwark:warning',
    ]);
  });

  it('usage errors exit 3 with one line: missing model, bad choices, missing output directory', async () => {
    for (const args of [
      ['bom', path.join(dir, 'nope')],
      ['bom', FIXTURE, '--spec-version', '1.5'],
      ['bom', FIXTURE, '-o', path.join(dir, 'no', 'such', 'dir', 'x.json')],
      ['bom', FIXTURE, '--reproducible'],
    ]) {
      const r = await runCli(args, { env: { SOURCE_DATE_EPOCH: undefined } });
      expect(r.code, args.join(' ')).toBe(3);
      expect(r.stdout).toBe('');
      expect(r.stderr, args.join(' ')).toMatch(ONE_LINE_ERROR);
    }
  });
});
