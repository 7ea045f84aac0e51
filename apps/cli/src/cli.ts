// The yargs program: global flags, the config file, every command, strict parsing.
import yargs, { type Argv } from 'yargs';
import { EXIT_CODES_EPILOGUE, optionNames, toYargs, type CommandSpec } from './command';
import { configFor, flagOrigin, loadConfig } from './config-file';
import { UsageError } from './errors';
import { GLOBAL_OPTIONS } from './options';
import type { Session } from './session';
import { closest } from './suggest';
import { benchCommand } from './commands/bench';
import { dataCommand } from './commands/data';
import { exportCommand } from './commands/export';
import { predictCommand } from './commands/predict';
import { reportCommand } from './commands/report';
import { runCommand } from './commands/run';
import { speedrunCommand } from './commands/speedrun';
import { holdoutCommand, kfoldCommand, transferCommand, tuneCommand } from './commands/techniques';
import { queueWorkerCommand } from './commands/worker';

export const COMMANDS: CommandSpec[] = [runCommand, dataCommand, tuneCommand, holdoutCommand, kfoldCommand, transferCommand, reportCommand, predictCommand, exportCommand, benchCommand, speedrunCommand, queueWorkerCommand];

export function buildCli(argv: string[], session: Session, version: string): Argv {
  const allFlags = new Set([...Object.keys(GLOBAL_OPTIONS), ...optionNames(COMMANDS)]);
  const config = loadConfig({ argv, cwd: session.cwd, knownKeys: allFlags });
  session.configPath = config.path;
  session.flagOrigin = (flag, aliases) => flagOrigin(flag, { argv, config, aliases });
  let y = yargs(argv)
    .scriptName('fmnist')
    .usage('$0 <command> [options]\n\nFashion-MNIST from raw files to a finished study: data, three training techniques, a report.')
    .version(version)
    .locale('en')
    .strict()
    .recommendCommands()
    .exitProcess(false)
    .showHelpOnFail(false)
    .wrap(Math.min(110, process.stdout.columns || 100));
  for (const [name, o] of Object.entries(GLOBAL_OPTIONS)) y = y.option(name, { ...o, global: true, group: 'Global options:' });
  const globalFromConfig = configFor(config, Object.keys(GLOBAL_OPTIONS));
  if (Object.keys(globalFromConfig).length) y = y.config(globalFromConfig);
  for (const c of COMMANDS) y = y.command(toYargs(c, session, config) as any);
  return y
    .completion('completion', 'Print a bash/zsh completion script (add `source <(fmnist completion)` to ~/.bashrc)')
    .demandCommand(1, 'choose a command (see fmnist --help)')
    .example('$0 run', 'the whole study with the quick profile → runs/report/report.html')
    .example('$0 data prepare --out prepared', 'clean, check balance and correlate the dataset')
    .example('$0 kfold --profile full --concurrency 2', 'technique 2 on all the data with the recipe, two folds at a time')
    .example('$0 predict shoe.jpg', 'classify a photo with the latest holdout model')
    .epilogue(
      `Config: ./fmnist.config.json (or --config FILE) holds flag values, e.g. {"backend": "wasm", "seed": 7, "epochs": 3}; flags win.\nEnvironment: FMNIST_DATA_DIR, FMNIST_BACKEND, FMNIST_QUEUE, FMNIST_VGG16_WEIGHTS, FMNIST_VGG19_WEIGHTS, DEBUG=fmnist.\n\n${EXIT_CODES_EPILOGUE}`,
    )
    .fail((msg, err) => {
      if (err instanceof UsageError) throw err;
      // yargs wraps errors of coerce functions (bad flag values) in its own YError.
      if (err && err.name === 'YError') throw new UsageError(err.message);
      if (err) throw err;
      if (msg && msg.startsWith('Did you mean')) throw new UsageError(`Unknown command "${firstWord(argv)}". ${msg}`);
      throw new UsageError(withSuggestion(oneLineUsage(msg ?? 'invalid usage'), allFlags));
    });
}

/**
 * yargs' multi-line messages as one line naming the flag: "Invalid values:\n  Argument: profile,
 * Given: "turbo", Choices: ..." and "Implications failed:\n  train-csv -> test-csv"; any other
 * message's lines joined.
 */
export function oneLineUsage(msg: string): string {
  const lines = msg.split('\n').map((l) => l.trim()).filter(Boolean);
  if (lines.length <= 1) return lines[0] ?? msg;
  if (/^Invalid values?:$/.test(lines[0])) {
    return lines
      .slice(1)
      .map((l) => {
        const m = /^Argument: ([^,]+), Given: (.+), Choices: (.+)$/.exec(l);
        return m ? `Invalid value for --${m[1]}: ${m[2]} (choose from ${m[3]})` : l;
      })
      .join('; ');
  }
  if (/^Implications failed:$/.test(lines[0])) {
    return lines
      .slice(1)
      .map((l) => {
        const m = /^(\S+) -> (\S+)$/.exec(l);
        return m ? `--${m[1]} needs --${m[2]} as well` : l;
      })
      .join('; ');
  }
  return lines.join(' ');
}

function firstWord(argv: string[]): string {
  return argv.find((a) => !a.startsWith('-')) ?? '';
}

/** yargs says "Unknown argument: bakend"; add "Did you mean --backend?". */
export function withSuggestion(msg: string, flags: ReadonlySet<string>): string {
  const m = /^Unknown arguments?: (.+)$/m.exec(msg);
  if (!m) return msg;
  const hints: string[] = [];
  const elsewhere: string[] = [];
  for (const raw of m[1].split(', ')) {
    // yargs lists a kebab-case flag twice (batch-sise, batchSise): compare in kebab-case.
    const word = raw.replace(/^-+/, '').replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
    if (flags.has(word)) {
      if (!elsewhere.includes(`--${word}`)) elsewhere.push(`--${word}`);
      continue;
    }
    const guess = closest(word, [...flags]);
    if (guess && !hints.includes(`--${guess}`)) hints.push(`--${guess}`);
  }
  let out = msg;
  if (hints.length) out += `\nDid you mean ${hints.join(', ')}?`;
  if (elsewhere.length) out += `\n${elsewhere.join(', ')} ${elsewhere.length === 1 ? 'is an option' : 'are options'} of other commands, not of this one (see its --help).`;
  return out;
}
