import type { Command } from 'commander';
import type { CliIo } from '../io.js';

/** What a command module gets when it registers itself on the program. */
export interface CommandContext {
  io: CliIo;
  /** Sets the process exit code (see docs/exit-codes.md) once the command's action has finished. */
  setExit: (code: number) => void;
}

/** Adds one or more subcommands to `program`. Actions must call `ctx.setExit` and throw BulwarkError on bad input. */
export type RegisterCommand = (program: Command, ctx: CommandContext) => void;

/** A command module, loaded only when one of its commands runs (or for `--help`), so each start stays fast. */
export interface CommandModule {
  /** The top-level command names the module registers. */
  names: readonly string[];
  load: () => Promise<RegisterCommand>;
}

/** Every command module beyond `scan` and `rules`. Keep one entry per module. */
export const COMMAND_MODULES: readonly CommandModule[] = [
  { names: ['audit'], load: async () => (await import('./audit.js')).registerAudit },
  { names: ['gate', 'policy'], load: async () => (await import('./gate.js')).registerGate },
  { names: ['report'], load: async () => (await import('./report.js')).registerReport },
  { names: ['frameworks'], load: async () => (await import('./frameworks.js')).registerFrameworks },
  { names: ['hash'], load: async () => (await import('./hash.js')).registerHash },
  { names: ['sign', 'verify'], load: async () => (await import('./sign.js')).registerSignVerify },
  { names: ['attest'], load: async () => (await import('./attest.js')).registerAttest },
  { names: ['bom'], load: async () => (await import('./bom.js')).registerBom },
  { names: ['log'], load: async () => (await import('./log.js')).registerLog },
  { names: ['card'], load: async () => (await import('./card.js')).registerCard },
  { names: ['fairness'], load: async () => (await import('./fairness.js')).registerFairness },
  { names: ['privacy'], load: async () => (await import('./privacy.js')).registerPrivacy },
  { names: ['llm-test'], load: async () => (await import('./llm-test.js')).registerLlmTest },
  { names: ['guard'], load: async () => (await import('./guard.js')).registerGuard },
  { names: ['monitor'], load: async () => (await import('./monitor.js')).registerMonitor },
  { names: ['robustness'], load: async () => (await import('./robustness.js')).registerRobustness },
  {
    names: ['extraction', 'membership-attack'],
    load: async () => (await import('./extraction.js')).registerExtraction,
  },
  { names: ['poison'], load: async () => (await import('./poison.js')).registerPoison },
];
