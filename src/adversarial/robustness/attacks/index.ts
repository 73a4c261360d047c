export type { Attack, AttackInput, AttackOutput, Norm, QueryBudget } from './types.js';
export { fgsm } from './fgsm.js';
export { pgd, type PgdOptions } from './pgd.js';
export { square, squarePercentage, type SquareOptions } from './square.js';
export { simba, type SimbaOptions } from './simba.js';
export { hopSkipJump, type HopSkipJumpOptions } from './hopskipjump.js';
