// A command declared as data (options, examples, handler) so that the same option list feeds
// yargs, the config-file key check and shell completion.
import type { Argv, Options, PositionalOptions } from 'yargs';
import type { LoadedConfig } from './config-file';
import { configFor } from './config-file';
import type { CommandContext, GlobalArgs, Session } from './session';

export interface CommandSpec {
  command: string;
  describe: string | false;
  options?: Record<string, Options>;
  positionals?: Record<string, PositionalOptions>;
  examples?: [string, string][];
  epilogue?: string;
  /** Sub-commands (e.g. `data fetch|prepare|info`). */
  subcommands?: CommandSpec[];
  run?: (ctx: CommandContext, argv: Record<string, any>) => Promise<void>;
}

export const EXIT_CODES_EPILOGUE =
  'Exit codes: 0 success; 1 failure (the message names the file and the fix; --verbose adds the stack trace); ' +
  '2 usage error (unknown option, bad value); 130 interrupted by Ctrl-C (re-run the same command to resume).';

/** Every option name of every command (kebab-case), for the config-file key check. */
export function optionNames(specs: readonly CommandSpec[], acc = new Set<string>()): Set<string> {
  for (const s of specs) {
    for (const k of Object.keys(s.options ?? {})) acc.add(k);
    if (s.subcommands) optionNames(s.subcommands, acc);
  }
  return acc;
}

export function toYargs(spec: CommandSpec, session: Session, config: LoadedConfig) {
  return {
    command: spec.command,
    describe: spec.describe,
    builder: (y: Argv) => {
      let b = y;
      for (const [name, p] of Object.entries(spec.positionals ?? {})) b = b.positional(name, p);
      for (const [name, o] of Object.entries(spec.options ?? {})) b = b.option(name, o);
      const fromConfig = configFor(config, Object.keys(spec.options ?? {}));
      if (Object.keys(fromConfig).length) b = b.config(fromConfig);
      for (const [cmd, what] of spec.examples ?? []) b = b.example(cmd, what);
      if (spec.subcommands) {
        for (const sub of spec.subcommands) b = b.command(toYargs(sub, session, config) as any);
        b = b.demandCommand(1, `choose a sub-command of "${spec.command.split(' ')[0]}" (see --help)`);
      }
      b = b.epilogue(spec.epilogue ? `${spec.epilogue}\n\n${EXIT_CODES_EPILOGUE}` : EXIT_CODES_EPILOGUE);
      return b;
    },
    handler: async (argv: Record<string, any>) => {
      if (!spec.run) return;
      const ctx = session.makeContext(argv as unknown as GlobalArgs);
      await spec.run(ctx, argv);
    },
  };
}
