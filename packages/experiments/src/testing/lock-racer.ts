// A test process for the lock race in lock.test.ts: started with child_process.fork, it answers
// each `{ round }` message by trying to take the lock once, and while holding it checks that
// nobody else is inside (an exclusively created marker file), so double ownership is counted.
import { open, unlink } from 'node:fs/promises';
import { acquireLock } from '../rundir/lock';
import { ExperimentError } from '../errors';

interface Round { round: number; lock: string; inside: string; holdMs: number }

async function race(r: Round): Promise<{ round: number; won: boolean; overlap: boolean; error?: string }> {
  let lock;
  try {
    lock = await acquireLock(r.lock);
  } catch (e) {
    if (e instanceof ExperimentError && /in use/.test(e.message)) return { round: r.round, won: false, overlap: false };
    return { round: r.round, won: false, overlap: false, error: (e as Error).message };
  }
  let overlap = false;
  try {
    await (await open(r.inside, 'wx')).close();
  } catch {
    overlap = true;
  }
  await new Promise((res) => setTimeout(res, r.holdMs));
  if (!overlap) await unlink(r.inside);
  await lock.release();
  return { round: r.round, won: true, overlap };
}

process.on('message', (m: Round | 'exit') => {
  if (m === 'exit') process.exit(0);
  void race(m).then((res) => process.send!(res));
});
process.send!('ready');
