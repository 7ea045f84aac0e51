// Dev entry of a worker process (`node --import tsx/esm worker-entry.ts`, forked by the pool).
import { runWorker } from './executor';

runWorker();
