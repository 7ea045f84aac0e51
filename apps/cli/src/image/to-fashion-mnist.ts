// Converts a photo to a Fashion-MNIST image the way the dataset was made (Xiao et al. 2017,
// "Fashion-MNIST", section 2): trim the edges close to the corner colour (within 5% of the RGB
// range), resize the longest edge to 28, centre on a 28×28 canvas, negate the intensities
// (product photos have light backgrounds; the dataset has dark backgrounds and light objects),
// 8-bit grayscale. Differences: resizing averages areas instead of skipping pixels (less
// aliasing), no sharpening, and images that already have a dark background are not negated.
import type { RgbaImage } from './decode-image';
import { IMAGE_SIDE } from '@fmnist/core';
import { resizeArea } from './resize-area';

export const SIDE = IMAGE_SIDE;
/** Trim threshold: 5% of the largest RGB distance, as in the dataset's pipeline. */
const TRIM_FRACTION = 0.05;

export interface Converted {
  /** 784 bytes, row-major, dark background. */
  pixels: Uint8Array;
  /** Whether the intensities were negated (the background was light). */
  inverted: boolean;
  /** The trimmed bounding box in the source image. */
  box: { x: number; y: number; width: number; height: number };
}

/** RGBA with alpha composited over white (transparent product shots have a white page behind). */
function rgbAt(img: RgbaImage, i: number): [number, number, number] {
  const d = img.data;
  const a = d[i * 4 + 3] / 255;
  const bg = 255 * (1 - a);
  return [d[i * 4] * a + bg, d[i * 4 + 1] * a + bg, d[i * 4 + 2] * a + bg];
}

/** ITU-R BT.601 luma, what PIL's convert('L') computes. */
const luma = (r: number, g: number, b: number) => 0.299 * r + 0.587 * g + 0.114 * b;

export function toFashionMnist(img: RgbaImage): Converted {
  const { width: w, height: h } = img;
  const n = w * h;
  // Background: the median of the four corners (robust to one odd corner).
  const cornerIdx = [0, w - 1, (h - 1) * w, n - 1];
  const corners = cornerIdx.map((i) => rgbAt(img, i));
  const med = (k: 0 | 1 | 2) => {
    const v = corners.map((c) => c[k]).sort((a, b) => a - b);
    return (v[1] + v[2]) / 2;
  };
  const bg: [number, number, number] = [med(0), med(1), med(2)];
  const bgGray = luma(...bg);
  const inverted = bgGray > 127.5;

  let box = { x: 0, y: 0, width: w, height: h };
  if (!(w === SIDE && h === SIDE)) {
    // An image already 28×28 is taken as already framed; anything else is trimmed and fitted.
    const limit = TRIM_FRACTION * Math.sqrt(3) * 255;
    let x0 = w;
    let y0 = h;
    let x1 = -1;
    let y1 = -1;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const [r, g, b] = rgbAt(img, y * w + x);
        if (Math.hypot(r - bg[0], g - bg[1], b - bg[2]) > limit) {
          if (x < x0) x0 = x;
          if (x > x1) x1 = x;
          if (y < y0) y0 = y;
          if (y > y1) y1 = y;
        }
      }
    }
    if (x1 >= 0) box = { x: x0, y: y0, width: x1 - x0 + 1, height: y1 - y0 + 1 };
  }

  // gray levels of the box, one row at a time (a full-size copy would cost 8 bytes a pixel)
  const boxRow = (y: number, row: Float64Array) => {
    for (let x = 0; x < box.width; x++) {
      const v = luma(...rgbAt(img, (box.y + y) * w + box.x + x));
      row[x] = inverted ? 255 - v : v;
    }
  };
  const fill = inverted ? 255 - bgGray : bgGray;
  const long = Math.max(box.width, box.height);
  const dw = Math.max(1, Math.round((box.width * SIDE) / long));
  const dh = Math.max(1, Math.round((box.height * SIDE) / long));
  let resized: Float64Array;
  if (dw === box.width && dh === box.height) {
    resized = new Float64Array(dw * dh);
    for (let y = 0; y < dh; y++) boxRow(y, resized.subarray(y * dw, (y + 1) * dw));
  } else {
    resized = resizeArea(boxRow, box.width, box.height, dw, dh);
  }
  const pixels = new Uint8Array(SIDE * SIDE).fill(clampByte(fill));
  const ox = Math.floor((SIDE - dw) / 2);
  const oy = Math.floor((SIDE - dh) / 2);
  for (let y = 0; y < dh; y++) {
    for (let x = 0; x < dw; x++) pixels[(oy + y) * SIDE + ox + x] = clampByte(resized[y * dw + x]);
  }
  return { pixels, inverted, box };
}

function clampByte(v: number): number {
  return v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v);
}
