import { pgdRun } from './pgd.js';
import type { Attack } from './types.js';

/**
 * Fast gradient sign method (Goodfellow et al. 2015; ART `FastGradientMethod`, norm inf or 2): one step of size ε
 * along the sign (L∞) or the L2-normalised gradient of the loss, clipped. Untargeted, no random init (ART defaults).
 */
export function fgsm(): Attack {
  return {
    name: 'fgsm',
    requires: 'gradients',
    norms: ['inf', '2'],
    mode: 'bounded',
    params: { eps_step: 'eps', num_random_init: 0, targeted: false, minimal: false },
    run: (input) => pgdRun(input, { maxIter: 1, numRandomInit: 0, epsStep: input.eps }),
  };
}
