// The training commands' flags, config-file keys and `--set` assignments as layers of
// @fmnist/experiments settings, each naming where it came from. The experiments package's settings
// schema checks them all (types, ranges, unknown and reserved keys) before any data is prepared or
// any run directory is created; a violation is a usage error (exit 2). The flags carry no ranges.
import type { Overrides, SettingsError, SettingsLayer } from '@fmnist/experiments';
import { UsageError } from './errors';
import type { CommandContext } from './session';
import { closest } from './suggest';

/** Where each training flag's value lands in the settings (a flag may set several). */
export const FLAG_SETTINGS: Readonly<Record<string, (v: any) => Overrides>> = {
  epochs: (epochs) => ({ params: { epochs }, holdout: { epochs }, kfold: { params: { epochs } }, transfer: { head: { epochs } } }),
  'batch-size': (batchSize) => ({ params: { batchSize }, holdout: { batchSize }, kfold: { params: { batchSize } }, transfer: { head: { batchSize } } }),
  'train-size': (n) => ({ data: { trainSubset: n }, tune: { subset: n }, kfold: { subset: n }, transfer: { trainSubset: n } }),
  'test-size': (n) => ({ data: { testSubset: n }, transfer: { testSubset: n } }),
  method: (method) => ({ tune: { method } }),
  trials: (maxTrials) => ({ tune: { maxTrials } }),
  tune: (tune) => ({ holdout: { tune } }),
  folds: (k) => ({ kfold: { k } }),
  variants: (variants) => ({ transfer: { variants } }),
  'input-size': (inputSize) => ({ transfer: { inputSize } }),
  'vgg16-weights': (vgg16) => ({ transfer: { weights: { vgg16 } } }),
  'vgg19-weights': (vgg19) => ({ transfer: { weights: { vgg19 } } }),
  'fine-tune': (enabled) => ({ transfer: { fineTune: { enabled } } }),
  targets: (targets) => ({ speedrun: { targets } }),
  'max-epochs': (epochs) => ({ speedrun: { params: { epochs } } }),
};

/** Aliases of the flags above (`-k` for --folds), to tell a command-line value from a config file's. */
const ALIASES: Readonly<Record<string, readonly string[]>> = { folds: ['k'] };

type Origin = (flag: string, aliases?: readonly string[]) => string;

/** One layer per flag that has a value (from the command line or the config file). */
export function flagLayers(argv: Record<string, unknown>, origin: Origin): SettingsLayer[] {
  const layers: SettingsLayer[] = [];
  for (const [flag, toSettings] of Object.entries(FLAG_SETTINGS)) {
    const v = argv[flag];
    if (v !== undefined) layers.push({ from: origin(flag, ALIASES[flag]), values: toSettings(v) });
  }
  return layers;
}

/** The assignments of `--set` (or of the config file's "set" key), each as the user wrote it. */
export function setItems(argv: Record<string, unknown>, origin: Origin): { item: string; from: string }[] {
  const raw = argv.set;
  const items = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
  const where = origin('set');
  return items.map((x) => {
    const item = String(x);
    return { item, from: where === 'flag --set' ? `--set ${item}` : `${where}: ${item}` };
  });
}

/** "Did you mean kfold.k?": settings whose last name matches, else the closest path. */
export function suggestSetting(setting: string, paths: readonly string[]): string | undefined {
  const last = setting.split('.').pop() ?? setting;
  const same = paths.filter((p) => p === last || p.endsWith(`.${last}`));
  if (same.length) return same.slice(0, 3).join(' or ');
  return closest(setting, paths);
}

/**
 * The settings overrides of a training command, checked against the profile: flags (or their
 * config-file keys), then `--set` assignments, which win. Undefined when nothing is overridden.
 */
export async function resolveOverrides(ctx: CommandContext, argv: Record<string, unknown>): Promise<Overrides | undefined> {
  const exp = await import('@fmnist/experiments');
  try {
    const layers = [...flagLayers(argv, ctx.flagOrigin), ...setItems(argv, ctx.flagOrigin).map(({ item, from }) => exp.parseAssignment(item, from))];
    exp.resolveSettings(ctx.args.profile, layers);
    return layers.length ? exp.mergeLayers(layers) : undefined;
  } catch (e) {
    if (!(e instanceof exp.SettingsError)) throw e;
    throw new UsageError(settingsMessage(e, exp.settingPaths()));
  }
}

function settingsMessage(e: SettingsError, paths: readonly string[]): string {
  const guess = e.known ? suggestSetting(e.setting, paths) : undefined;
  return guess ? `${e.message}. Did you mean ${guess}?` : e.message;
}
