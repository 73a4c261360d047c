import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Finding } from '../../../src/core/finding.js';
import { makeFinding, type FindingInit, type RuleMeta } from '../../../src/core/rules.js';
import { scanBytes } from '../../../src/scan/engine.js';
import { analyzeTemplate, inspectTemplate } from '../../../src/scan/formats/jinja/ssti.js';
import { decodePyString } from '../../../src/scan/formats/jinja/token-scan.js';
import type { ScanContext } from '../../../src/scan/types.js';

const BENIGN_DIR = path.resolve(__dirname, '../../../fixtures/formats/jinja/benign');

/** Rule ids that change the verdict, with the names found. */
function bad(template: string): Record<string, string[]> {
  const r = inspectTemplate(template);
  const out: Record<string, string[]> = {};
  for (const g of r.hits.groups.values())
    if ((g.impact ?? g.rule.impact) !== 'none') out[g.rule.id] = [...(out[g.rule.id] ?? []), ...g.names];
  return out;
}

function fakeContext(): { ctx: ScanContext; findings: Finding[]; analyses: string[] } {
  const findings: Finding[] = [];
  const analyses: string[] = [];
  const ctx = {
    location: { file: 'x' },
    report(rule: RuleMeta, init: Omit<FindingInit, 'location'> & { offset?: number; inner?: string[] }) {
      const { offset, inner: _inner, ...rest } = init;
      const f = makeFinding(rule, { ...rest, location: { file: 'x', offset } });
      findings.push(f);
      return f;
    },
    addFormat() {},
    addAnalysis(a: string) {
      analyses.push(a);
    },
    checkDeadline() {},
  } as unknown as ScanContext;
  return { ctx, findings, analyses };
}

describe('ordinary chat templates stay clean', () => {
  const files = readdirSync(BENIGN_DIR).filter((f) => f.endsWith('.jinja'));
  it('has the fixture templates', () => expect(files.length).toBeGreaterThanOrEqual(10));
  it.each(files)('%s', (f) => {
    const t = readFileSync(path.join(BENIGN_DIR, f), 'utf8');
    const r = inspectTemplate(t);
    expect(r.parsed, r.parseError).toBe(true);
    expect(bad(t)).toEqual({});
  });

  it.each([
    ['range loop', '{% for i in range(3) %}{{ i }}{% endfor %}'],
    ['dict get', "{{ message.get('content', '') }}"],
    ['str.format', "{{ 'Today is {}'.format(date_string) }}"],
    ['reversed slice', '{% for m in messages[::-1] %}{{ m.role }}{% endfor %}'],
    ['dict() call', '{% set d = dict(a=1) %}{{ d.a }}'],
    ['raw block', '{% raw %}{{ x.__class__.__mro__ }}{% endraw %}{{ messages|length }}'],
    ['attribute path', "{{ tools | map(attribute='function.name') | join(', ') }}"],
    [
      'namespace list',
      "{% set ns = namespace(items=[]) %}{% set ns.items = ns.items + ['a'] %}{{ ns.items|length }}",
    ],
    ['selectattr', "{{ messages | selectattr('role', 'equalto', 'user') | list | length }}"],
    ['shadowed module name', '{% set sys = messages[0] %}{{ sys.content }}'],
    ['loop.cycle', "{% for m in messages %}{{ loop.cycle('odd', 'even') }}{% endfor %}"],
    ['text about python', 'Write __init__.py and call os.system() carefully. {{ messages[0].content }}'],
    ['percent formatting', "{{ '%s: %s' % (message.role, message.content) }}"],
    ['constant key variable', "{% set key = 'role' %}{{ message[key] }}"],
    ['generation tags', '{% generation %}{{ message.content }}{% endgeneration %}'],
    ['attr with a plain name', "{{ message|attr('content') }}"],
    ['computed numeric index', '{{ messages[loop.index0 + 1].role }}'],
    [
      'namespace() as a value',
      '{% set ns = namespace(found=false) %}{% for m in messages %}{% set ns.found = true %}{% endfor %}',
    ],
    [
      'tool arguments items',
      '{% for k, v in tool_call.arguments | items %}{{ k }}={{ v | tojson }}{% endfor %}',
    ],
  ])('%s', (_n, t) => {
    expect(bad(t)).toEqual({});
    expect(inspectTemplate(t).parsed).toBe(true);
  });

  it('a template Python accepts but the parser does not is inconclusive, not malicious', () => {
    for (const t of [
      '{% if loop.index is divisibleby(2) %}x{% endif %}',
      "{% do ns.update({'a': 1}) %}{{ messages|length }}",
    ]) {
      const r = inspectTemplate(t);
      expect(r.parsed).toBe(false);
      expect(r.hits.malicious()).toBe(false);
      const { ctx, findings } = fakeContext();
      analyzeTemplate(t, ctx, { source: 'test' });
      expect(findings.map((f) => f.ruleId)).toEqual(['BW-TPL-008']);
      expect(findings[0].impact).toBe('inconclusive');
    }
  });
});

describe('server-side template injection', () => {
  it.each([
    [
      'empty-tuple walk (rewritten for the parser)',
      '{{ ().__class__.__base__.__subclasses__() }}',
      ['BW-TPL-001'],
    ],
    ['list walk', '{{ [].__class__.__mro__[1].__subclasses__() }}', ['BW-TPL-001']],
    [
      'lipsum globals',
      "{{ lipsum.__globals__['os'].popen('id').read() }}",
      ['BW-TPL-001', 'BW-TPL-002', 'BW-TPL-003'],
    ],
    ['url_for globals', "{{ url_for.__globals__.os.popen('id').read() }}", ['BW-TPL-001', 'BW-TPL-003']],
    [
      'tainted variable',
      "{% set x = cycler.__init__.__globals__ %}{{ x.os.popen('id') }}",
      ['BW-TPL-001', 'BW-TPL-003'],
    ],
    ['builtins eval', "{{ x.__globals__.__builtins__.eval('1') }}", ['BW-TPL-001', 'BW-TPL-003']],
    ['implicit literal concatenation', "{{ messages|attr('__cla''ss__') }}", ['BW-TPL-001', 'BW-TPL-004']],
    ['str.join', "{{ messages|attr(''.join(['__', 'class', '__'])) }}", ['BW-TPL-001', 'BW-TPL-004']],
    [
      'format %c',
      "{{ messages|attr('{0:c}{0:c}class{0:c}{0:c}'.format(95)) }}",
      ['BW-TPL-001', 'BW-TPL-004'],
    ],
    [
      'percent %c',
      "{{ messages|attr(('%c' * 2)|format(95, 95) ~ 'class' ~ '%c%c'|format(95, 95)) }}",
      ['BW-TPL-001', 'BW-TPL-004'],
    ],
    [
      'loop over constant names',
      "{% for n in ['__cla' ~ 'ss__'] %}{{ messages|attr(n) }}{% endfor %}",
      ['BW-TPL-001', 'BW-TPL-004'],
    ],
    ['ternary', "{{ messages|attr('__cla' ~ 'ss__' if true else 'x') }}", ['BW-TPL-001', 'BW-TPL-004']],
    [
      'item access with repetition',
      "{{ messages[('_' * 2) ~ 'class' ~ ('_' * 2)] }}",
      ['BW-TPL-001', 'BW-TPL-004'],
    ],
    ['map attr filter', "{{ messages|map('attr', '__class__')|list }}", ['BW-TPL-001']],
    ['sort attribute', "{{ messages|sort(attribute='__class__') }}", ['BW-TPL-001']],
    ['selectattr path', "{{ messages|selectattr('x.__globals__') }}", ['BW-TPL-001']],
    [
      'filter result called',
      "{{ (lipsum|attr('__globals__')).os.popen('id') }}",
      ['BW-TPL-001', 'BW-TPL-003'],
    ],
    ['postfix call after attr', "{{ messages|attr('__class__')|attr('__subclasses__')() }}", ['BW-TPL-001']],
    ['template reference', '{{ self._TemplateReference__context }}', ['BW-TPL-001', 'BW-TPL-002']],
    ['dunder set target', '{% set ns = namespace() %}{% set ns.__init__ = 1 %}', ['BW-TPL-001']],
    ['format-string field', "{{ '{0.__globals__}'.format(raise_exception) }}", ['BW-TPL-001']],
    [
      'macro argument',
      "{% macro m(n) %}{{ messages|attr(n) }}{% endmacro %}{{ m('__cla' ~ 'ss__') }}",
      ['BW-TPL-001', 'BW-TPL-004'],
    ],
    ['block set', '{% set n %}__class__{% endset %}{{ messages|attr(n) }}', ['BW-TPL-001']],
    ['default filter', "{{ messages|attr(undefined_name|default('__class__')) }}", ['BW-TPL-001']],
    ['random choice', "{{ messages|attr(['__class__']|random) }}", ['BW-TPL-001']],
    [
      'import module',
      "{{ x.__init__.__globals__['__builtins__']['__import__']('subprocess').check_output('id') }}",
      ['BW-TPL-001', 'BW-TPL-003'],
    ],
    [
      'characters taken from an object repr',
      "{% set u = (lipsum|string|list)[18] %}{{ lipsum|attr(u * 2 ~ 'globals' ~ u * 2) }}",
      ['BW-TPL-001', 'BW-TPL-004'],
    ],
  ])('%s', (_n, t, expected) => {
    const found = bad(t);
    for (const id of expected) expect(Object.keys(found), JSON.stringify(found)).toContain(id);
  });

  it.each([
    ['with statement', '{% with a = lipsum.__globals__ %}{{ a }}{% endwith %}', ['BW-TPL-001']],
    [
      'named escapes',
      "{{ lipsum|attr('\\N{LOW LINE}\\N{LOW LINE}globals\\N{LOW LINE}\\N{LOW LINE}') }}",
      ['BW-TPL-001', 'BW-TPL-004'],
    ],
    ['octal escapes', "{{ lipsum|attr('\\137\\137globals\\137\\137') }}", ['BW-TPL-001', 'BW-TPL-004']],
    [
      'split literals in unparsable template',
      "{% do x %}{{ x|attr('__glo' ~ 'bals__') }}",
      ['BW-TPL-001', 'BW-TPL-004'],
    ],
    [
      'reversed literal in unparsable template',
      "{% do x %}{{ x|attr('__slabolg__'|reverse) }}",
      ['BW-TPL-001', 'BW-TPL-004'],
    ],
  ])('token-level scan when the parser refuses: %s', (_n, t, expected) => {
    const r = inspectTemplate(t);
    expect(r.parsed).toBe(false);
    const found = bad(t);
    for (const id of expected) expect(Object.keys(found), JSON.stringify(found)).toContain(id);
  });

  it('computed attribute names are suspicious', () => {
    expect(Object.keys(bad('{% for k in keys %}{{ messages|attr(k) }}{% endfor %}'))).toEqual(['BW-TPL-005']);
    expect(Object.keys(bad("{{ messages[prefix ~ 'x'] }}"))).toEqual(['BW-TPL-005']);
  });

  it('private attributes are suspicious', () => {
    expect(Object.keys(bad('{{ x._module }}'))).toEqual(['BW-TPL-006']);
  });

  it('include/import are reported', () => {
    const { ctx, findings } = fakeContext();
    analyzeTemplate("{% include 'x.j2' %}", ctx, { source: 't' });
    expect(findings.map((f) => f.ruleId).sort()).toEqual(['BW-TPL-007', 'BW-TPL-008']);
  });
});

describe('reporting', () => {
  it('reports one finding per rule with byte offsets inside the content', () => {
    const { ctx, findings, analyses } = fakeContext();
    const t = "é€ {{ lipsum.__globals__['os'].popen('id') }} {{ cycler.__init__ }}";
    analyzeTemplate(t, ctx, { source: 'gguf:tokenizer.chat_template', offset: 1000 });
    expect(analyses).toContain('jinja-ssti');
    const f = findings.find((x) => x.ruleId === 'BW-TPL-001')!;
    expect(f.message).toContain('chat template (gguf:tokenizer.chat_template)');
    expect(f.evidence?.names).toEqual(['__globals__', '__init__']);
    expect(f.location.offset).toBe(1000 + Buffer.byteLength(t.slice(0, t.indexOf('__globals__'))));
    expect(new Set(findings.map((x) => x.ruleId)).size).toBe(findings.length);
  });

  it('quiet mode reports only dangerous findings', () => {
    const { ctx, findings } = fakeContext();
    analyzeTemplate('Use {{ or {% in your prompt', ctx, { source: 'gguf:general.description', quiet: true });
    expect(findings).toEqual([]);
  });

  it('standalone template files are recognised by content', async () => {
    const r = await scanBytes(
      new TextEncoder().encode("{{ lipsum.__globals__['os'] }}"),
      'chat_template.txt',
    );
    expect(r.formats).toEqual(['jinja-template']);
    expect(r.verdict).toBe('malicious');
    const ok = await scanBytes(
      new TextEncoder().encode("{% for m in messages %}{{ m['content'] }}{% endfor %}"),
      'x',
    );
    expect(ok.verdict).toBe('clean');
    expect(ok.analyses).toContain('jinja-ssti');
    const py = await scanBytes(
      new TextEncoder().encode('import os\n\ndef render(x):\n    return f"{{{{ {x} }}}}"\n'),
      'tool.py',
    );
    expect(py.formats).not.toContain('jinja-template');
  });
});

describe('bounds', () => {
  it('a template over 1 MiB is only token-scanned and inconclusive', () => {
    const t = `${'x'.repeat(1024 * 1024 + 10)}{{ lipsum.__globals__ }}`;
    const r = inspectTemplate(t);
    expect(r.limit).toMatch(/characters/);
    expect(r.hits.has('BW-TPL-001')).toBe(true);
    const { ctx, findings } = fakeContext();
    analyzeTemplate('y'.repeat(1024 * 1024 + 1), ctx, { source: 't' });
    expect(findings.map((f) => f.ruleId)).toEqual(['BW-TPL-009']);
  });

  it('deep nesting is refused before the recursive parser', () => {
    const r = inspectTemplate(`{{ ${'('.repeat(5000)}1${')'.repeat(5000)} }}`);
    expect(r.limit).toBeDefined();
    const elifs = `{% if a %}${'{% elif b %}x'.repeat(3000)}{% endif %}`;
    const e = inspectTemplate(elifs);
    expect(e.parsed).toBe(false);
  });

  it('loop and macro bombs stay fast', () => {
    const loops =
      '{% for a in range(64) %}{% for b in range(64) %}{% for c in range(64) %}{% for d in range(64) %}{{ a ~ b ~ c ~ d }}{% endfor %}{% endfor %}{% endfor %}{% endfor %}';
    let t0 = Date.now();
    expect(bad(loops)).toEqual({});
    expect(Date.now() - t0).toBeLessThan(5000);
    let macros = '{% macro m0(x) %}{{ x }}{% endmacro %}';
    for (let i = 1; i < 12; i++)
      macros += `{% macro m${i}(x) %}{{ m${i - 1}(x ~ 'a') ~ m${i - 1}(x ~ 'b') ~ m${i - 1}(x) }}{% endmacro %}`;
    macros += "{{ m11('') }}";
    t0 = Date.now();
    expect(bad(macros)).toEqual({});
    expect(Date.now() - t0).toBeLessThan(5000);
  });

  it('never throws on arbitrary input', () => {
    const pieces = [
      '{{',
      '}}',
      '{%',
      '%}',
      '{#',
      '#}',
      'set',
      'for',
      'in',
      'if',
      'endif',
      'endfor',
      'x',
      '.',
      '|',
      'attr',
      '(',
      ')',
      '[',
      ']',
      "'__cla'",
      "'ss__'",
      '~',
      '+',
      '%',
      '*',
      '2',
      'namespace',
      'macro',
      'endmacro',
      'lipsum',
      '__globals__',
      ',',
      '=',
      ':',
      '-',
      'not',
      'raw',
      'endraw',
      '"\\x5f"',
      '\\',
      "'",
    ];
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...pieces), { maxLength: 60 }), (parts) => {
        const r = inspectTemplate(parts.join(' '));
        expect(typeof r.parsed).toBe('boolean');
      }),
      { numRuns: 500 },
    );
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (s) => {
        inspectTemplate(s);
      }),
      { numRuns: 300 },
    );
  });
});

describe('python string escapes', () => {
  it('decodes like Jinja2', () => {
    expect(decodePyString('\\x5f\\u005f\\U0000005f\\137\\N{LOW LINE}\\N{LATIN SMALL LETTER C}').value).toBe(
      '_____c',
    );
    expect(decodePyString('a\\qb').value).toBe('a\\qb');
    expect(decodePyString('plain').escaped).toBe(false);
  });
});
