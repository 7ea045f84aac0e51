// The accuracy benches train on the official IDX files wherever the dataset is found (the data
// package's discovery), encoded for the CNN: one reader for all of them.
import { encodeForCnn, locateDataset, readIdxSplit } from '@fmnist/data';

export interface BenchData { x: Float32Array; labels: Uint8Array; n: number }

/** Training and test splits as CNN inputs; `script` names the bench in the error for CSV-only data. */
export async function readBenchDataset(script: string): Promise<{ train: BenchData; test: BenchData }> {
  const location = await locateDataset();
  if (location.kind !== 'idx') throw new Error(`${script} reads IDX files; found ${location.kind} files in ${location.dir}`);
  const asData = (s: Awaited<ReturnType<typeof readIdxSplit>>): BenchData => ({ x: encodeForCnn(s).x, labels: s.labels, n: s.n });
  const [train, test] = await Promise.all([
    readIdxSplit(location.files.trainImages, location.files.trainLabels),
    readIdxSplit(location.files.testImages, location.files.testLabels),
  ]);
  return { train: asData(train), test: asData(test) };
}
