// `npx nx run models:bench`: one JSON line per backend (training the reference CNN, batch 500)
// and per VGG19 input size (conv-base forward). Compare with the PyTorch peer, run right after:
//   /usr/bin/python3 ../shared/bench/torch_cnn.py
// Options: --backends wasm,cpu  --steps N  --warmup N  --workers N  --cpu-steps N  --cpu-batch N  --vgg 32,48|none
import { runModelsBenchmark } from '../src/bench';
import type { BackendName } from '../src/backend/init-backend';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
const num = (name: string) => (arg(name) === undefined ? undefined : Number(arg(name)));
const vgg = arg('vgg');

await runModelsBenchmark({
  backends: arg('backends')?.split(',') as BackendName[] | undefined,
  steps: num('steps'),
  warmup: num('warmup'),
  workers: num('workers'),
  cpuSteps: num('cpu-steps'),
  cpuBatch: num('cpu-batch'),
  vggSizes: vgg === undefined ? undefined : vgg === 'none' ? [] : vgg.split(',').map(Number),
  workerUrl: new URL('../src/bench.ts', import.meta.url),
  onResult: (r) => console.log(JSON.stringify(r)),
});
