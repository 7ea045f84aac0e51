// Starts a worker thread on a module URL. TypeScript sources (dev, tests) go through tsx's loader;
// a bundle (the CLI's fmnist.mjs) is started as it is and routes worker threads itself.
import { Worker } from 'node:worker_threads';

export function spawnWorker(url: URL, data: unknown): Worker {
  if (!url.pathname.endsWith('.ts')) return new Worker(url, { workerData: data });
  const code = `import('tsx/esm/api').then((m) => m.register()).then(() => import(${JSON.stringify(url.href)}))`;
  return new Worker(code, { eval: true, workerData: data });
}
