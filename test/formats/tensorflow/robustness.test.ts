import { readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { scanBytes } from '../../../src/scan/engine.js';

const ROOT = path.resolve(__dirname, '../../../fixtures/formats');
const SEEDS: [string, string][] = [
  ['tensorflow/benign/keras_mlp_savedmodel/saved_model.pb', 'saved_model.pb'],
  ['tensorflow/benign/keras_mlp_savedmodel/keras_metadata.pb', 'keras_metadata.pb'],
  ['tensorflow/benign/frozen_cnn.pb', 'frozen.pb'],
  ['tflite/benign/flex_addv2.tflite', 'model.tflite'],
  ['tflite/malicious/pickle_in_metadata.tflite', 'model.tflite'],
  ['onnx/benign/control_flow.onnx', 'model.onnx'],
  ['onnx/benign/cnn.onnx', 'model.onnx'],
];

/** Hostile edits never crash an analyser: every failure is a finding that names a parse error or a limit. */
describe('graph formats under mutation', () => {
  for (const [rel, name] of SEEDS) {
    const seed = readFileSync(path.join(ROOT, rel));
    it(`${rel}: byte flips and truncations end in a verdict, never an internal error`, async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.tuple(fc.nat(seed.length - 1), fc.integer({ min: 0, max: 255 })), {
            minLength: 1,
            maxLength: 8,
          }),
          fc.option(fc.nat(seed.length), { nil: undefined }),
          async (flips, cut) => {
            const data = Buffer.from(seed);
            for (const [at, v] of flips) data[at] = v;
            const bytes = cut === undefined ? data : data.subarray(0, cut);
            const r = await scanBytes(bytes, name);
            const internal = r.findings.filter((f) => f.evidence?.code === 'E_INTERNAL');
            expect(internal, JSON.stringify(internal)).toEqual([]);
          },
        ),
        { numRuns: 60, seed: 42 },
      );
    });
  }
});
