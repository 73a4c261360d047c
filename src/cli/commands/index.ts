import type { Command } from 'commander';
import type { CliIo } from '../io.js';
import { registerAttest } from './attest.js';
import { registerAudit } from './audit.js';
import { registerCard } from './card.js';
import { registerGate } from './gate.js';
import { registerHash } from './hash.js';
import { registerFairness } from './fairness.js';
import { registerPrivacy } from './privacy.js';
import { registerBom } from './bom.js';
import { registerLog } from './log.js';
import { registerSignVerify } from './sign.js';
import { registerFrameworks } from './frameworks.js';

/** What a command module gets when it registers itself on the program. */
export interface CommandContext {
  io: CliIo;
  /** Sets the process exit code (see docs/exit-codes.md) once the command's action has finished. */
  setExit: (code: number) => void;
}

/** Adds one or more subcommands to `program`. Actions must call `ctx.setExit` and throw BulwarkError on bad input. */
export type RegisterCommand = (program: Command, ctx: CommandContext) => void;

/**
 * Every command module beyond `scan` and `rules`, one line each. Keep one import and one entry per module so that
 * parallel changes do not collide.
 */
// prettier-ignore
export const COMMAND_REGISTRARS: RegisterCommand[] = [
  registerAudit,
  registerCard,
  registerGate,
  registerHash,
  registerFairness,
  registerPrivacy,
  registerBom,
  registerAttest,
  registerLog,
  registerSignVerify,
  registerFrameworks,
];
