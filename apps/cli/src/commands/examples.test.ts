// The --help examples of the training commands against the settings they really resolve to: a
// fold or epoch count an example names is the one it runs, and an example with flags changes
// something (an example that repeats the profile's defaults shows nothing).
import { parseAssignment, resolveSettings } from '@fmnist/experiments';
import { describe, expect, it } from 'vitest';
import { runCommand } from './run';
import { flagLayers, setItems } from '../settings-flags';
import { holdoutCommand, kfoldCommand, transferCommand, tuneCommand } from './techniques';

const ARRAYS = new Set(['variants', 'skip', 'set']);

/** `$0 kfold --batch-size 2 --json` → { batchSize: 2, 'batch-size': 2, json: true } (both spellings, as yargs gives them). */
function parseExample(cmd: string): Record<string, unknown> {
  const words = cmd.split(/\s+/).slice(2);
  const argv: Record<string, unknown> = {};
  for (let i = 0; i < words.length; i++) {
    if (!words[i].startsWith('--')) continue;
    const flag = words[i].slice(2);
    const key = flag.replace(/-(\w)/g, (_m, c: string) => c.toUpperCase());
    const next = words[i + 1];
    if (next === undefined || next.startsWith('--')) argv[key] = true;
    else argv[key] = /^\d+$/.test(next) ? Number(next) : ARRAYS.has(key) ? [next] : next;
    argv[flag] = argv[key];
  }
  return argv;
}

const commands = [tuneCommand, holdoutCommand, kfoldCommand, transferCommand, runCommand];
const examples = commands.flatMap((c) => (c.examples ?? []).map(([cmd, text]) => ({ cmd, text })));

describe('help examples of the training commands', () => {
  it.each(examples)('$cmd: "$text" matches what it runs', ({ cmd, text }) => {
    const argv = parseExample(cmd);
    const profile = (argv.profile as string | undefined) ?? 'quick';
    const layers = [...flagLayers(argv, (f) => `flag --${f}`), ...setItems(argv, () => 'flag --set').map(({ item, from }) => parseAssignment(item, from))];
    const settings = resolveSettings(profile, layers);
    for (const m of text.matchAll(/(\d+)-fold|(\d+) folds?\b/g)) expect(Number(m[1] ?? m[2]), text).toBe(settings.kfold.k);
    for (const m of text.matchAll(/(\d+) epochs?\b/g)) {
      const epochs = cmd.includes(' kfold') ? (settings.kfold.params?.epochs ?? settings.params.epochs) : settings.params.epochs;
      expect(Number(m[1]), text).toBe(epochs);
    }
    const { profile: _p, json: _j, concurrency: _c, skip: _s, ...flags } = argv;
    if (Object.keys(flags).length) expect(settings, `${cmd} repeats the ${profile} profile's defaults`).not.toEqual(resolveSettings(profile));
  });
});
