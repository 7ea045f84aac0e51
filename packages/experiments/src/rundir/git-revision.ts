import { execFile } from 'node:child_process';

/** `git rev-parse HEAD` of cwd (with `-dirty` when the tree has changes), or null without git. */
export function gitRevision(cwd = process.cwd()): Promise<string | null> {
  const run = (args: string[]) =>
    new Promise<string | null>((resolve) => {
      execFile('git', args, { cwd, timeout: 5000 }, (err, out) => resolve(err ? null : String(out).trim()));
    });
  return run(['rev-parse', 'HEAD']).then(async (rev) => {
    if (!rev) return null;
    const status = await run(['status', '--porcelain', '--untracked-files=no']);
    return status ? `${rev}-dirty` : rev;
  });
}
