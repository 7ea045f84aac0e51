// Decodes PNG and JPEG files (any colour type, up to MAX_IMAGE_PIXELS) to 8-bit RGBA. The size
// is read from the header and checked before decoding: a 140 KB PNG can announce 12000×12000
// pixels (2.9 GB decoded).
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

/**
 * Largest image accepted, PNG or JPEG: 10 megapixels. Images are reduced to 28×28, so more
 * detail is of no use, and decoding costs up to ~34 bytes a pixel (jpeg-js, 4:4:4 chroma): a
 * 10-megapixel image keeps `fmnist predict` under ~430 MB.
 */
export const MAX_IMAGE_PIXELS = 10_000_000;

/** Width and height from a PNG's IHDR chunk (the first chunk, at a fixed offset). */
function pngSize(b: Uint8Array): { width: number; height: number } | undefined {
  if (b.length < 24 || String.fromCharCode(b[12], b[13], b[14], b[15]) !== 'IHDR') return undefined;
  const v = new DataView(b.buffer, b.byteOffset, b.length);
  return { width: v.getUint32(16), height: v.getUint32(20) };
}

/** Width and height from a JPEG's start-of-frame segment, walking the segments before it. */
function jpegSize(b: Uint8Array): { width: number; height: number } | undefined {
  let p = 2;
  while (p + 4 <= b.length) {
    if (b[p] !== 0xff) return undefined;
    const marker = b[p + 1];
    if (marker === 0xff) {
      p++; // fill byte
      continue;
    }
    if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      p += 2; // markers without a length
      continue;
    }
    if (marker === 0xda || marker === 0xd9) return undefined; // scan data or end before any frame
    const len = (b[p + 2] << 8) | b[p + 3];
    // SOF0..SOF15 except DHT (c4), JPG (c8) and DAC (cc): precision, height, width follow the length
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      if (p + 9 > b.length) return undefined;
      return { height: (b[p + 5] << 8) | b[p + 6], width: (b[p + 7] << 8) | b[p + 8] };
    }
    p += 2 + len;
  }
  return undefined;
}

/** Refuses an image whose header announces more than MAX_IMAGE_PIXELS, before it is decoded. */
function checkSize(kind: ImageKind, bytes: Uint8Array, file: string): void {
  const size = kind === 'png' ? pngSize(bytes) : jpegSize(bytes);
  if (!size || size.width * size.height <= MAX_IMAGE_PIXELS) return; // no size found: the decoder says what is wrong
  throw new CliError(
    `${file}: the ${kind === 'png' ? 'PNG' : 'JPEG'} image is ${size.width}×${size.height} pixels, more than the limit of ${MAX_IMAGE_PIXELS / 1e6} megapixels. Scale it down (e.g. to 1024 pixels on its longest side): it is reduced to 28×28 anyway.`,
    { file },
  );
}

export function decodeImage(bytes: Uint8Array, file: string): RgbaImage {
  const kind = sniffImage(bytes);
  if (kind) checkSize(kind, bytes, file);
  try {
    if (kind === 'png') {
      const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length));
      return { width: png.width, height: png.height, data: new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.length) };
    }
    if (kind === 'jpeg') {
      // the same limit again, for a frame header the walk above did not find
      const j = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, maxResolutionInMP: MAX_IMAGE_PIXELS / 1e6, maxMemoryUsageInMB: 512 });
      return { width: j.width, height: j.height, data: j.data };
    }
  } catch (e) {
    throw new CliError(`${file}: cannot decode the ${kind === 'png' ? 'PNG' : 'JPEG'} image (${(e as Error).message}). Check that the file is complete, or re-save it as PNG.`, { file });
  }
  throw new CliError(`${file}: not a PNG or JPEG image, an IDX file or a Kaggle CSV. Pass images as .png/.jpg, or the dataset files (*-images-idx3-ubyte[.gz], fashion-mnist_*.csv).`, { file });
}
