// One front door: the CLI (apps/cli) is the only program that parses command-line arguments.
// Libraries, benchmarks and tools take options as function arguments or environment variables,
// so no source file outside apps/cli may read process.argv.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { WORKSPACE_ROOT } from './workspace';

/** Tracked source files (git ls-files) that mention process.argv. */
function filesReadingArgv(): string[] {
  const files = execFileSync('git', ['ls-files', '*.ts', '*.mts', '*.js', '*.mjs', '*.cjs'], { cwd: WORKSPACE_ROOT, encoding: 'utf8' }).split('\n').filter(Boolean);
  const hits = execFileSync('git', ['grep', '-l', '-e', 'process\\.argv', '--', ...files], { cwd: WORKSPACE_ROOT, encoding: 'utf8' }).split('\n').filter(Boolean);
  // This test names what it looks for.
  return hits.filter((f) => f !== 'tools/test/front-door.test.ts');
}

describe('one front door', () => {
  it('only apps/cli reads process.argv', () => {
    const hits = filesReadingArgv();
    expect(hits.some((f) => f.startsWith('apps/cli/src/'))).toBe(true); // the search finds the CLI's own use
    expect(hits.filter((f) => !f.startsWith('apps/cli/'))).toEqual([]);
  });
});
