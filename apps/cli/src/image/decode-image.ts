// Decodes PNG and JPEG files (any colour type, up to MAX_IMAGE_PIXELS) to 8-bit RGBA. The size
// is read from the header and checked before decoding: a 140 KB PNG can announce 12000×12000
// pixels (2.9 GB decoded), and a 1 MB interlaced PNG can inflate to 1 GB.
import { inflateSync } from 'node:zlib';
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
/** jpeg-js's memory limit (its own count), see decodeImage. */
const JPEG_MEMORY_MB = 224;

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

const ADAM7 = [[0, 0, 8, 8], [4, 0, 8, 8], [0, 4, 4, 8], [2, 0, 4, 4], [0, 2, 2, 4], [1, 0, 2, 2], [0, 1, 1, 2]];
const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

/**
 * An interlaced PNG's pixel data must inflate to exactly the bytes of its seven Adam7 passes.
 * pngjs bounds the inflation of non-interlaced images only, so a small interlaced image can
 * carry a 1 GB zlib bomb: inflate it here with that bound first.
 */
function checkInterlacedPng(b: Uint8Array, file: string): void {
  const v = new DataView(b.buffer, b.byteOffset, b.length);
  const [width, height, depth, colorType, interlace] = [v.getUint32(16), v.getUint32(20), b[24], b[25], b[28]];
  const channels = CHANNELS[colorType];
  if (interlace !== 1 || !channels) return;
  let expected = 0;
  for (const [x0, y0, dx, dy] of ADAM7) {
    const w = width > x0 ? Math.ceil((width - x0) / dx) : 0;
    const h = height > y0 ? Math.ceil((height - y0) / dy) : 0;
    if (w > 0 && h > 0) expected += h * (1 + Math.ceil((w * channels * depth) / 8));
  }
  const idat: Uint8Array[] = [];
  for (let p = 8; p + 12 <= b.length; ) {
    const len = v.getUint32(p);
    if (String.fromCharCode(b[p + 4], b[p + 5], b[p + 6], b[p + 7]) === 'IDAT') idat.push(b.subarray(p + 8, Math.min(b.length, p + 8 + len)));
    p += 12 + len;
  }
  try {
    inflateSync(Buffer.concat(idat), { maxOutputLength: Math.max(1, expected) });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ERR_BUFFER_TOO_LARGE') return; // other damage: the decoder says what is wrong
    throw new CliError(
      `${file}: the PNG image's data inflates to more than the ${expected.toLocaleString('en-US')} bytes its ${width}×${height} pixels need (a decompression bomb). Re-save the image as an ordinary PNG or JPEG.`,
      { file },
    );
  }
}

/** Refuses an image whose header announces more than MAX_IMAGE_PIXELS, before it is decoded. */
function checkSize(kind: ImageKind, bytes: Uint8Array, file: string): void {
  const size = kind === 'png' ? pngSize(bytes) : jpegSize(bytes);
  if (!size) return; // no size found: the decoder says what is wrong
  if (size.width * size.height <= MAX_IMAGE_PIXELS) {
    if (kind === 'png') checkInterlacedPng(bytes, file);
    return;
  }
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
      // the same limit again, for a frame header the walk above did not find; jpeg-js's own
      // memory count is ~half of what it really uses: 224 MB admits a 10-megapixel 3-channel
      // JPEG, refuses a 4-channel (CMYK) one of that size, and keeps the process under 512 MB
      const j = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, maxResolutionInMP: MAX_IMAGE_PIXELS / 1e6, maxMemoryUsageInMB: JPEG_MEMORY_MB });
      return { width: j.width, height: j.height, data: j.data };
    }
  } catch (e) {
    if (kind === 'jpeg' && /maxMemoryUsageInMB/.test((e as Error).message)) {
      throw new CliError(`${file}: the JPEG image needs more than ${JPEG_MEMORY_MB} MB to decode (CMYK or very large). Re-save it as an RGB JPEG or PNG of at most ${MAX_IMAGE_PIXELS / 1e6} megapixels.`, { file });
    }
    throw new CliError(`${file}: cannot decode the ${kind === 'png' ? 'PNG' : 'JPEG'} image (${(e as Error).message}). Check that the file is complete, or re-save it as PNG.`, { file });
  }
  throw new CliError(`${file}: not a PNG or JPEG image, an IDX file or a Kaggle CSV. Pass images as .png/.jpg, or the dataset files (*-images-idx3-ubyte[.gz], fashion-mnist_*.csv).`, { file });
}
