import type { Command } from 'commander';
import type { CliIo } from '../io.js';
import { registerCard } from './card.js';

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
export const COMMAND_REGISTRARS: RegisterCommand[] = [registerCard];
