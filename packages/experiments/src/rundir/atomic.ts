// Atomic writes of the run files (JSON, float32 arrays) on @fmnist/core's atomic file write.
import { writeFileAtomic } from '@fmnist/core/node';

export { writeFileAtomic };

export const writeJsonAtomic = (path: string, value: unknown) =>
  writeFileAtomic(path, JSON.stringify(value, null, 2) + '\n');

export async function writeFloat32Atomic(path: string, a: Float32Array): Promise<void> {
  await writeFileAtomic(path, new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
}

