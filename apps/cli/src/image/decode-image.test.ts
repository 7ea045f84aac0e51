import jpeg from 'jpeg-js';
import { describe, expect, it } from 'vitest';
import { solidGrayPng } from '../../test/helpers';
import { CliError } from '../errors';
import { decodeImage, MAX_IMAGE_PIXELS } from './decode-image';

/** A real JPEG of `side`×`side` whose frame header is then rewritten to announce width×height. */
function jpegAnnouncing(side: number, width: number, height: number): Uint8Array {
  const data = Buffer.alloc(side * side * 4, 128);
  const bytes = new Uint8Array(jpeg.encode({ width: side, height: side, data }, 90).data);
  for (let p = 2; p < bytes.length; p += 2 + ((bytes[p + 2] << 8) | bytes[p + 3])) {
    if (bytes[p + 1] === 0xc0) {
      bytes.set([height >> 8, height & 255, width >> 8, width & 255], p + 5);
      return bytes;
    }
  }
  throw new Error('no SOF0 in the encoded JPEG');
}

describe('decodeImage size limit', () => {
  it('refuses a 140 KB PNG announcing 12000×12000 pixels from its header, before decoding', async () => {
    const png = await solidGrayPng(12000, 12000);
    expect(png.length).toBeLessThan(200_000);
    const err = (() => {
      try {
        decodeImage(png, '/photos/huge.png');
      } catch (e) {
        return e as CliError;
      }
    })();
    expect(err).toBeInstanceOf(CliError);
    expect(err!.message).toBe(
      '/photos/huge.png: the PNG image is 12000×12000 pixels, more than the limit of 10 megapixels. Scale it down (e.g. to 1024 pixels on its longest side): it is reduced to 28×28 anyway.',
    );
    expect(err!.file).toBe('/photos/huge.png');
  });

  it('refuses an interlaced PNG whose data inflates beyond what its pixels need (a zlib bomb), and decodes an honest one', async () => {
    const honest = decodeImage(await solidGrayPng(37, 29, 90, { interlaced: true }), 'interlaced.png');
    expect([honest.width, honest.height, honest.data[0], honest.data[(37 * 29 - 1) * 4]]).toEqual([37, 29, 90, 90]);
    const bomb = await solidGrayPng(64, 64, 90, { interlaced: true, extraBytes: 64 << 20 });
    expect(bomb.length).toBeLessThan(100_000);
    expect(() => decodeImage(bomb, '/photos/bomb.png')).toThrow(
      '/photos/bomb.png: the PNG image\'s data inflates to more than the 4,216 bytes its 64×64 pixels need (a decompression bomb).',
    );
  });

  it('holds JPEG to the same limit, and decodes images at the limit', async () => {
    expect(() => decodeImage(jpegAnnouncing(16, 5000, 5000), '/photos/big.jpg')).toThrow(
      /big\.jpg: the JPEG image is 5000×5000 pixels, more than the limit of 10 megapixels/,
    );
    expect(() => decodeImage(jpegAnnouncing(16, 3163, 3162), '/photos/just-over.jpg')).toThrow(/just-over\.jpg: the JPEG image is 3163×3162/);
    const side = Math.floor(Math.sqrt(MAX_IMAGE_PIXELS));
    const png = decodeImage(await solidGrayPng(side, side, 77), 'at-limit.png');
    expect([png.width, png.height, png.data[0], png.data[png.data.length - 1]]).toEqual([side, side, 77, 255]);
    // a JPEG within the limit passes the walk and the decoder's own limits (the CLI test decodes one at the limit)
    const j = decodeImage(jpegAnnouncing(64, 64, 64), 'small.jpg');
    expect([j.width, j.height, j.data.length]).toEqual([64, 64, 64 * 64 * 4]);
  });
});
