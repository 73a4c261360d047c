import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { scanBytes } from '../../../src/scan/engine.js';
import { analyzePython } from '../../../src/scan/formats/hf/python-analysis.js';
import { tokenizePython } from '../../../src/scan/formats/hf/python-tokenizer.js';

const PIECES = [
  'import os',
  'from x import (a, b as c)',
  'exec(',
  'eval',
  '__import__("os")',
  'getattr(',
  '"""',
  "'''",
  'f"{',
  '}"',
  '(',
  ')',
  '[',
  ']',
  '{',
  '}',
  ',',
  '=',
  ':=',
  '.',
  'os.system',
  'base64.b64decode("',
  'chr(65)',
  '+',
  '\\\n',
  '\n',
  '    ',
  '#',
  'r"\\',
  'b"\\x',
  'lambda',
  'with open(p) as f:',
  'for x in y:',
  '[::-1]',
  'socket.socket()',
  '"',
  "'",
];

describe('hf fuzzing', () => {
  it('tokenizer and analysis never throw on arbitrary text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 400 }), (s) => {
        tokenizePython(s);
        analyzePython(s);
      }),
      { numRuns: 300 },
    );
  });
  it('analysis never throws on Python-shaped noise', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...PIECES), { maxLength: 120 }), (parts) => {
        const r = analyzePython(parts.join(' '));
        expect(Array.isArray(r.observations)).toBe(true);
      }),
      { numRuns: 400 },
    );
  });
  it('config analyzers never fail on arbitrary JSON', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record(
          {
            model_type: fc.oneof(fc.string(), fc.constant('bert')),
            architectures: fc.oneof(fc.array(fc.string()), fc.jsonValue()),
            auto_map: fc.jsonValue(),
            chat_template: fc.jsonValue(),
            _class_name: fc.jsonValue(),
            _diffusers_version: fc.constant('0.30.0'),
            unet: fc.jsonValue(),
            peft_type: fc.constant('LORA'),
            auto_mapping: fc.jsonValue(),
          },
          { requiredKeys: [] },
        ),
        async (doc) => {
          const r = await scanBytes(new TextEncoder().encode(JSON.stringify(doc)), 'config.json');
          expect(
            r.findings.every((f) => f.ruleId !== 'BW-GEN-001'),
            JSON.stringify(r.findings),
          ).toBe(true);
        },
      ),
      { numRuns: 150 },
    );
  });
  it('model cards never fail on arbitrary front matter', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 300 }), async (s) => {
        const r = await scanBytes(
          new TextEncoder().encode(`---\nlicense: mit\n${s}\n---\n${s}\n`),
          'README.md',
        );
        expect(
          r.findings.every((f) => f.ruleId !== 'BW-GEN-001'),
          JSON.stringify(r.findings),
        ).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});
