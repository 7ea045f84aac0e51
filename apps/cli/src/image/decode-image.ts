// Decodes PNG and JPEG files (any size, any colour type) to 8-bit RGBA.
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { CliError } from '../errors';

export interface RgbaImage {
  width: number;
  height: number;
  /** width*height*4 bytes, RGBA, row-major. */
  data: Uint8Array;
}

export type ImageKind = 'png' | 'jpeg';

export function sniffImage(bytes: Uint8Array): ImageKind | undefined {
  if (bytes.length >= 8 && bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47) return 'png';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  return undefined;
}

/** Largest image accepted, in pixels (a 100-megapixel photo is far beyond any product shot). */
const MAX_PIXELS = 100_000_000;

export function decodeImage(bytes: Uint8Array, file: string): RgbaImage {
  const kind = sniffImage(bytes);
  try {
    if (kind === 'png') {
      const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length));
      return { width: png.width, height: png.height, data: new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.length) };
    }
    if (kind === 'jpeg') {
      const j = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, maxResolutionInMP: MAX_PIXELS / 1e6, maxMemoryUsageInMB: 2048 });
      return { width: j.width, height: j.height, data: j.data };
    }
  } catch (e) {
    throw new CliError(`${file}: cannot decode the ${kind === 'png' ? 'PNG' : 'JPEG'} image (${(e as Error).message}). Check that the file is complete, or re-save it as PNG.`, { file });
  }
  throw new CliError(`${file}: not a PNG or JPEG image, an IDX file or a Kaggle CSV. Pass images as .png/.jpg, or the dataset files (*-images-idx3-ubyte[.gz], fashion-mnist_*.csv).`, { file });
}
