import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { markdownSections, readModelCardInfo } from '../../src/provenance/bom/card.js';
import {
  huggingfacePurl,
  npmPurl,
  parsePackageJsonDependencies,
  parsePep508,
  parsePyprojectDependencies,
  parseRequirementsTxt,
} from '../../src/provenance/bom/deps.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe('PEP 508 and requirements.txt', () => {
  it('parses names, extras, specifiers, markers and direct references', () => {
    expect(parsePep508('Foo_Bar.baz [x, y] (>=1.0, <2) ; sys_platform == "linux"', 'r')).toEqual({
      ecosystem: 'pypi',
      name: 'Foo_Bar.baz',
      normalizedName: 'foo-bar-baz',
      specifier: '>=1.0,<2',
      extras: ['x', 'y'],
      marker: 'sys_platform == "linux"',
      declaredIn: 'r',
    });
    expect(parsePep508('torch===2.3.1+cpu', 'r')).toMatchObject({
      version: '2.3.1+cpu',
      specifier: '===2.3.1+cpu',
    });
    expect(parsePep508('numpy==1.*', 'r')).not.toHaveProperty('version');
    expect(parsePep508('pkg @ https://example.com/pkg-1.0.whl ; python_version<"3.12"', 'r')).toMatchObject({
      name: 'pkg',
      url: 'https://example.com/pkg-1.0.whl',
      marker: 'python_version<"3.12"',
    });
    expect(parsePep508('-e .', 'r')).toBeUndefined();
    expect(parsePep508('not a requirement!', 'r')).toBeUndefined();
  });

  it('skips comments and pip options, joins continuations, warns on junk', () => {
    const r = parseRequirementsTxt(
      [
        '# header',
        '-r base.txt',
        'torch==2.3.1 \\',
        '  ; python_version >= "3.9"',
        'url#frag',
        '$(curl evil)',
        '',
      ].join('\n'),
    );
    expect(r.dependencies.map((d) => [d.purl, d.marker])).toEqual([
      ['pkg:pypi/torch@2.3.1', 'python_version >= "3.9"'],
    ]);
    // `#` starts a comment only at the start of a line or after whitespace (pip's rule).
    expect(r.warnings).toEqual([
      'requirements.txt:5: not a PEP 508 requirement; left out',
      'requirements.txt:6: not a PEP 508 requirement; left out',
    ]);
  });

  it('bounds the number of requirements', () => {
    const r = parseRequirementsTxt(Array.from({ length: 1005 }, (_, i) => `p${i}`).join('\n'));
    expect(r.dependencies).toHaveLength(1000);
    expect(r.warnings).toEqual(['requirements.txt: more than 1000 requirements; the rest were left out']);
  });
});

describe('pyproject.toml and package.json', () => {
  it('reads only [project] dependencies, including escapes and comments', () => {
    const r = parsePyprojectDependencies(
      [
        '[tool.poetry.dependencies]',
        'dependencies = ["poetry-only"]',
        '[project]',
        'dependencies = [ "a\\u0062c>=1", # c ] "x"',
        "  'lit\\eral',",
        ']',
        '[project.optional-dependencies]',
        'dev = ["pytest"]',
      ].join('\n'),
    );
    expect(r.dependencies.map((d) => d.name)).toEqual(['abc']);
    expect(r.warnings).toEqual(['pyproject.toml: "lit\\\\eral" is not a PEP 508 requirement; left out']);
    expect(parsePyprojectDependencies('[project]\ndependencies = "torch"\n').warnings).toEqual([
      'pyproject.toml: [project] dependencies is not an array of strings; left out',
    ]);
    expect(parsePyprojectDependencies('[project]\nname = "x"\n')).toEqual({ dependencies: [], warnings: [] });
  });

  it('reads package.json dependencies, rejecting bad names and non-string versions', () => {
    const r = parsePackageJsonDependencies(
      JSON.stringify({
        dependencies: { ok: '1.2.3', '../evil': '1.0.0', n: 5, g: 'github:user/repo', range: '>=1 <2' },
      }),
    );
    expect(r.dependencies.map((d) => [d.purl, d.version, d.url, d.specifier])).toEqual([
      ['pkg:npm/ok@1.2.3', '1.2.3', undefined, '1.2.3'],
      ['pkg:npm/g', undefined, 'github:user/repo', undefined],
      ['pkg:npm/range', undefined, undefined, '>=1 <2'],
    ]);
    expect(r.warnings).toEqual([
      'package.json: "../evil" is not an npm package name; left out',
      'package.json: the version of n is not a string; left out',
    ]);
    expect(parsePackageJsonDependencies('{').warnings[0]).toMatch(/^package\.json is not valid JSON/);
  });

  it('builds package URLs with percent-encoding', () => {
    expect(npmPurl('@scope/pkg', '1.0.0')).toBe('pkg:npm/%40scope/pkg@1.0.0');
    expect(huggingfacePurl('org/name', 'ABCDEF')).toBe('pkg:huggingface/org/name@abcdef');
    expect(huggingfacePurl('bert-base-uncased')).toBeUndefined();
  });
});

describe('model card reading', () => {
  it('splits Markdown sections outside code fences', () => {
    const s = markdownSections('intro\n## A\ntext a\n```\n## not a heading\n```\n### B #\nb\n');
    expect(s.map((x) => [x.level, x.heading])).toEqual([
      [0, ''],
      [2, 'A'],
      [3, 'B'],
    ]);
    expect(s[1].text).toBe('text a\n```\n## not a heading\n```');
  });

  it('reads card fields defensively: wrong types are ignored, lists are bounded', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'bulwark-card-'));
    dirs.push(dir);
    await writeFile(
      path.join(dir, 'README.md'),
      [
        '---',
        'license: [mit, apache-2.0]',
        'pipeline_tag: {a: 1}',
        `datasets: [${Array.from({ length: 150 }, (_, i) => `d${i}`).join(', ')}]`,
        'base_model: [a/b, c/d]',
        'model-index: not-a-list',
        '---',
        '# Title',
        '',
        'First paragraph',
        'continues.',
      ].join('\n'),
    );
    await writeFile(
      path.join(dir, 'model_index.json'),
      JSON.stringify({ _class_name: 'StableDiffusionPipeline' }),
    );
    const info = await readModelCardInfo(dir);
    expect(info.license).toBe('mit');
    expect(info.pipelineTag).toBeUndefined();
    expect(info.datasets).toHaveLength(100);
    expect(info.baseModels).toEqual(['a/b', 'c/d']);
    expect(info.architectures).toEqual(['StableDiffusionPipeline']);
    expect(info.description).toBe('First paragraph continues.');
    expect(info.warnings).toEqual(['README.md: model-index is not a list; ignored']);
    expect(info.sources).toEqual(['README.md', 'model_index.json']);
  });

  it('rejects unclosed and oversized front matter with a warning', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'bulwark-card-'));
    dirs.push(dir);
    await writeFile(path.join(dir, 'README.md'), '---\nlicense: mit\n# no closing line\n');
    expect((await readModelCardInfo(dir)).warnings).toEqual([
      'README.md: front matter has no closing "---" line; metadata ignored',
    ]);
    await writeFile(path.join(dir, 'README.md'), `---\nx: "${'y'.repeat(300 * 1024)}"\n---\n`);
    const info = await readModelCardInfo(dir);
    expect(info.warnings[0]).toMatch(/front matter is \d+ bytes, over the 262144-byte limit/);
    await writeFile(path.join(dir, 'config.json'), Buffer.from([0x7b, 0x00, 0x7d]));
    expect((await readModelCardInfo(dir)).warnings).toContain(
      'config.json holds NUL bytes; it is not text and was not read',
    );
  });
});
