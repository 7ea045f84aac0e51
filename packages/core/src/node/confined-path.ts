// Paths read from a file (a model.json's weight shards, a run id in latest.json, a checkpoint's
// epoch folder) are data, not trusted locations: they are resolved against the folder of the file
// that lists them and refused when they lead outside it, through "..", an absolute path or a
// symbolic link. One rule, used everywhere a path read from a file is followed.
import { realpath } from 'node:fs/promises';
import { dirname, isAbsolute, relative, resolve, win32 } from 'node:path';
import { FmnistError } from '../errors';

/** A single path component: non-empty, not '.' or '..', without a slash, backslash or NUL. */
export function isPlainName(s: unknown): s is string {
  return typeof s === 'string' && s !== '' && s !== '.' && s !== '..' && !/[/\\\0]/.test(s);
}

const outside = (root: string, p: string) => {
  const rel = relative(root, p);
  return rel === '..' || rel.startsWith('../') || rel.startsWith('..\\') || isAbsolute(rel);
};

function escapeError(listedIn: string, path: unknown, dir: string, why: string): FmnistError {
  return new FmnistError(`${listedIn} lists the path ${JSON.stringify(path)}, which ${why}; paths in it must stay inside ${dir}`, {
    file: listedIn,
    hint: `Keep every file ${listedIn} refers to beside it (or below it) and list it by a relative path, or regenerate ${listedIn}.`,
  });
}

/**
 * Resolves `path`, read from the file `listedIn`, against `dir` (usually listedIn's folder) and
 * returns its real location (symbolic links resolved), or throws a FmnistError naming `listedIn`
 * when it is absolute or leads outside `dir`. A path that does not exist yet is checked as written
 * (opening it then reports it missing).
 */
export async function resolveInside(dir: string, path: unknown, listedIn: string): Promise<string> {
  if (typeof path !== 'string' || path === '' || path.includes('\0')) throw escapeError(listedIn, path, dir, 'is not a file name');
  if (isAbsolute(path) || win32.isAbsolute(path)) throw escapeError(listedIn, path, dir, 'is absolute');
  const root = resolve(dir);
  const lexical = resolve(root, path);
  if (outside(root, lexical)) throw escapeError(listedIn, path, dir, 'leads outside that folder');
  // The real location of the path, or of its deepest existing folder when it does not exist.
  let existing = lexical;
  let real: string | undefined;
  while (real === undefined) {
    try {
      real = await realpath(existing);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw e;
      if (existing === root) return lexical;
      existing = dirname(existing);
    }
  }
  if (outside(await realpath(root), real)) throw escapeError(listedIn, path, dir, `goes through a symbolic link to ${real}, outside that folder`);
  return existing === lexical ? real : lexical;
}
