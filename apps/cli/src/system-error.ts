// Failures of the operating system (a full disk, a read-only or forbidden directory, a file where a
// directory should be) reach the CLI as Node's raw "ENOSPC: no space left on device, write". They
// are translated here into one sentence naming the path and what to do.

export interface SystemErrorParts {
  code: string;
  syscall?: string;
  path?: string;
  dest?: string;
}

/** Node's own message format: `CODE: description, syscall 'path' -> 'dest'`. */
const NODE_MESSAGE = /^(E[A-Z0-9]+): [^,\n]+, (\w+)(?: '([^'\n]*)'(?: -> '([^'\n]*)')?)?$/;

/**
 * The code, syscall and paths of a system error: from its properties, else from its message
 * (an error that crossed a worker process's IPC channel keeps only its message).
 */
export function systemErrorParts(e: unknown): SystemErrorParts | undefined {
  if (!(e instanceof Error)) return undefined;
  const x = e as NodeJS.ErrnoException & { dest?: string };
  const m = NODE_MESSAGE.exec(e.message);
  const code = typeof x.code === 'string' && /^E[A-Z0-9]+$/.test(x.code) ? x.code : m?.[1];
  if (!code || (!m && typeof x.syscall !== 'string')) return undefined;
  return { code, syscall: x.syscall ?? m?.[2], path: x.path ?? m?.[3], dest: x.dest ?? m?.[4] };
}

function operation(p: SystemErrorParts, path: string): string {
  const dest = p.dest ?? 'its destination';
  switch (p.syscall) {
    case 'open':
      return `opening ${path}`;
    case 'write':
    case 'fsync':
    case 'fdatasync':
    case 'close':
      return `writing ${path}`;
    case 'read':
      return `reading ${path}`;
    case 'mkdir':
    case 'mkdtemp':
      return `creating the directory ${path}`;
    case 'rename':
      return `moving ${path} to ${dest}`;
    case 'copyfile':
      return `copying ${path} to ${dest}`;
    case 'link':
    case 'symlink':
      return `linking ${path} to ${dest}`;
    case 'unlink':
    case 'rmdir':
    case 'rm':
      return `removing ${path}`;
    case 'scandir':
    case 'opendir':
      return `listing ${path}`;
    case 'stat':
    case 'lstat':
    case 'access':
      return `looking at ${path}`;
    default:
      return p.syscall ? `${p.syscall} on ${path}` : `using ${path}`;
  }
}

const CHOOSE_OUT = 'choose another --out (or --runs-dir)';

/**
 * One line for a system error: what happened, while doing what to which path, and the fix; or
 * undefined when `e` is not a system error with a known code. `fallbackPath` names the file when
 * the error does not (a write through a file descriptor, standard output).
 */
export function describeSystemError(e: unknown, fallbackPath?: string): string | undefined {
  const p = systemErrorParts(e);
  if (!p) return undefined;
  const path = p.path ?? fallbackPath ?? 'a file';
  const op = operation(p, path);
  // What is in the way: the destination of a move or link, else the path itself.
  const target = ['rename', 'copyfile', 'link', 'symlink'].includes(p.syscall ?? '') ? (p.dest ?? path) : path;
  switch (p.code) {
    case 'ENOSPC':
      return `no space left on device while ${op}: free some space, or ${CHOOSE_OUT} on another disk`;
    case 'EDQUOT':
      return `disk quota exceeded while ${op}: free some space, or ${CHOOSE_OUT} on another disk`;
    case 'EACCES':
    case 'EPERM':
      return `permission denied while ${op}: ${CHOOSE_OUT} in a directory you can write to, or change the permissions of ${path}`;
    case 'EROFS':
      return `read-only file system while ${op}: ${CHOOSE_OUT} on a writable disk`;
    case 'ENOTDIR':
      return `not a directory while ${op}: a part of that path is a file; ${CHOOSE_OUT}, or move the file away`;
    case 'EISDIR':
      return `a directory where a file was expected while ${op}: move ${target} away, or choose another path`;
    case 'EEXIST':
      return `file already exists while ${op}: move ${target} away, or ${CHOOSE_OUT}`;
    case 'ENOTEMPTY':
      return `directory not empty while ${op}: move ${target} away, or ${CHOOSE_OUT}`;
    case 'EMFILE':
    case 'ENFILE':
      return `too many open files while ${op}: raise the limit (ulimit -n 4096) or lower --concurrency, then run the command again`;
    case 'ENOENT':
      return `no such file or directory while ${op}: check the path (a directory may have been removed while fmnist ran), then run the command again`;
    case 'ENAMETOOLONG':
      return `file name too long while ${op}: choose a shorter path`;
    case 'ELOOP':
      return `too many symbolic links while ${op}: a link in that path points back to itself; fix or remove it`;
    case 'EXDEV':
      return `cannot move across file systems while ${op}: keep the output on one disk (${CHOOSE_OUT})`;
    case 'EBUSY':
      return `resource busy while ${op}: close the program using ${path} and run the command again`;
    case 'EIO':
      return `input/output error while ${op}: the disk may be failing; check it (dmesg) and run the command again`;
    default:
      return undefined;
  }
}
