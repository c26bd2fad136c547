/**
 * Turns a drawing or a photo into the product models' input: 28×28 8-bit grey pixels, light object
 * on a dark background, as Fashion-MNIST stores them.
 *
 * Zalando built Fashion-MNIST from product photos on white backgrounds: trimmed to the product,
 * longest edge resized to 28 pixels, centred on a 28×28 canvas and negated, so the background is 0
 * and the product is bright. The steps here follow that order on a grey image:
 *
 * 1. Convert to grey (ITU-R BT.601 luma) with transparent pixels composited onto white.
 * 2. Invert when the border is lighter than the middle grey, so a photo on a light background
 *    becomes a light product on black, like the data set.
 * 3. Crop to the bounding box of the pixels brighter than `FOREGROUND_LEVEL`.
 * 4. Scale the longest edge to 28 pixels by area averaging and centre the result.
 *
 * Pure functions on pixel arrays, so they are testable without a canvas.
 */

/** Side of the square model input, in pixels. */
export const IMAGE_SIDE = 28;
/** Grey level (0–255) above which an inverted pixel counts as part of the object when cropping. */
const FOREGROUND_LEVEL = 24;

/** A grey image: one byte per pixel, row-major. */
export interface GreyImage {
  width: number;
  height: number;
  pixels: Uint8ClampedArray | Uint8Array;
}

/** Converts RGBA pixels (the layout of `ImageData`) to grey, compositing transparency onto white. */
export function rgbaToGrey(rgba: Uint8ClampedArray, width: number, height: number): GreyImage {
  if (rgba.length !== width * height * 4) {
    throw new RangeError(`rgbaToGrey got ${rgba.length} bytes for a ${width}×${height} image; RGBA needs ${width * height * 4}.`);
  }
  const pixels = new Uint8ClampedArray(width * height);
  for (let index = 0; index < pixels.length; index++) {
    const alpha = rgba[index * 4 + 3]! / 255;
    const luma = 0.299 * rgba[index * 4]! + 0.587 * rgba[index * 4 + 1]! + 0.114 * rgba[index * 4 + 2]!;
    pixels[index] = luma * alpha + 255 * (1 - alpha);
  }
  return { width, height, pixels };
}

/** Returns the mean grey level of the outermost rows and columns. */
export function borderMean(image: GreyImage): number {
  const { width, height, pixels } = image;
  let sum = 0;
  let count = 0;
  for (let x = 0; x < width; x++) {
    sum += pixels[x]! + pixels[(height - 1) * width + x]!;
    count += 2;
  }
  for (let y = 1; y < height - 1; y++) {
    sum += pixels[y * width]! + pixels[y * width + width - 1]!;
    count += 2;
  }
  return count === 0 ? 0 : sum / count;
}

/**
 * Returns the model input for a grey image: 784 bytes, light object on black, cropped, scaled and
 * centred. `invert` defaults to inverting when the border is light. An image with no pixel above
 * the foreground level (an empty drawing) gives all zeros.
 */
export function toModelPixels(image: GreyImage, invert: boolean = borderMean(image) > 127): Uint8Array {
  const { width, height } = image;
  if (width < 1 || height < 1) throw new RangeError(`toModelPixels got a ${width}×${height} image; draw or upload a picture first.`);
  const grey = invert ? image.pixels.map((value) => 255 - value) : image.pixels;

  // Bounding box of the object.
  let left = width;
  let right = -1;
  let top = height;
  let bottom = -1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (grey[y * width + x]! <= FOREGROUND_LEVEL) continue;
      left = Math.min(left, x);
      right = Math.max(right, x);
      top = Math.min(top, y);
      bottom = Math.max(bottom, y);
    }
  }
  const output = new Uint8Array(IMAGE_SIDE * IMAGE_SIDE);
  if (right < 0) return output;

  // Scale the longer edge to 28 pixels and the other in proportion, then centre.
  const boxWidth = right - left + 1;
  const boxHeight = bottom - top + 1;
  const scale = IMAGE_SIDE / Math.max(boxWidth, boxHeight);
  const outWidth = Math.max(1, Math.round(boxWidth * scale));
  const outHeight = Math.max(1, Math.round(boxHeight * scale));
  const offsetX = Math.floor((IMAGE_SIDE - outWidth) / 2);
  const offsetY = Math.floor((IMAGE_SIDE - outHeight) / 2);
  for (let y = 0; y < outHeight; y++) {
    for (let x = 0; x < outWidth; x++) {
      const value = areaMean(grey, width, height, left + x / scale, top + y / scale, left + (x + 1) / scale, top + (y + 1) / scale);
      output[(offsetY + y) * IMAGE_SIDE + offsetX + x] = Math.round(value);
    }
  }
  return output;
}

/**
 * Returns the mean of the source pixels covering [x0, x1) × [y0, y1), weighted by overlap. The
 * rectangle may reach past the image by a rounding error; pixels outside are skipped.
 */
function areaMean(pixels: ArrayLike<number>, width: number, height: number, x0: number, y0: number, x1: number, y1: number): number {
  let sum = 0;
  let area = 0;
  for (let y = Math.floor(y0); y < Math.min(Math.ceil(y1), height); y++) {
    const overlapY = Math.min(y + 1, y1) - Math.max(y, y0);
    for (let x = Math.floor(x0); x < Math.min(Math.ceil(x1), width); x++) {
      const overlap = overlapY * (Math.min(x + 1, x1) - Math.max(x, x0));
      sum += pixels[y * width + x]! * overlap;
      area += overlap;
    }
  }
  return area === 0 ? 0 : sum / area;
}
