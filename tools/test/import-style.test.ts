// One import style across the workspace: relative imports name the module without an extension
// (`./arrow-io`, not `./arrow-io.js`), as TypeScript's bundler resolution, vitest and esbuild read them.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { WORKSPACE_ROOT } from './workspace';

const RELATIVE_WITH_SUFFIX = String.raw`(from|import\() *'\.\.?/[^']*\.(js|ts)'`;

describe('import style', () => {
  it('no relative import of a TypeScript file carries an extension', () => {
    let hits = '';
    try {
      hits = execFileSync('git', ['grep', '-n', '-E', RELATIVE_WITH_SUFFIX, '--', '*.ts'], { cwd: WORKSPACE_ROOT, encoding: 'utf8' });
    } catch (e) {
      // git grep exits 1 when nothing matches
      if ((e as { status?: number }).status !== 1) throw e;
    }
    expect(hits.split('\n').filter(Boolean)).toEqual([]);
  });
});
