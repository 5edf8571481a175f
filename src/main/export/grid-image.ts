import { decode, encode } from 'fast-png'
import type { RgbImage } from '../images/grid'
import { ExportError } from './errors'

/** Position of the images in a make_grid layout. */
export interface GridLayout {
  /** Images per row. */
  nrow: number
  rows: number
  /** Side of one square image, in pixels. */
  size: number
  padding: number
}

/** Decodes an 8-bit PNG (grey, grey+alpha, RGB or RGBA) to RGB bytes; alpha is dropped. */
export function decodeRgb(png: Uint8Array, source: string): RgbImage {
  const image = decode(png)
  if (image.depth !== 8 || image.palette) {
    throw new ExportError('UNSUPPORTED', `${source} is a ${image.depth}-bit${image.palette ? ' palette' : ''} PNG; only 8-bit grey or RGB images are read`)
  }
  const { width, height, channels } = image
  const pixels = new Uint8Array(width * height * 3)
  for (let i = 0; i < width * height; i++) {
    for (let c = 0; c < 3; c++) pixels[i * 3 + c] = image.data[i * channels + (channels < 3 ? 0 : c)]
  }
  return { width, height, pixels }
}

/**
 * Finds the layout of a grid of `size`-pixel images drawn as torchvision.utils.make_grid draws them:
 * width = nrow * (size + padding) + padding, and the same for the height.
 */
export function gridLayout(image: RgbImage, size: number, padding = 2): GridLayout {
  const nrow = (image.width - padding) / (size + padding)
  const rows = (image.height - padding) / (size + padding)
  if (!Number.isInteger(nrow) || !Number.isInteger(rows) || nrow < 1 || rows < 1) {
    throw new ExportError(
      'INVALID_ARGUMENT',
      `a ${image.width}x${image.height} grid does not hold ${size}-pixel images with ${padding}-pixel padding; ` +
        'the run configuration and its stored grids disagree on the image size',
    )
  }
  return { nrow, rows, size, padding }
}

/** Cuts the first `count` images out of a grid, row by row. */
export function cutTiles(image: RgbImage, layout: GridLayout, count = layout.nrow * layout.rows): RgbImage[] {
  const { nrow, size, padding } = layout
  const tiles: RgbImage[] = []
  for (let index = 0; index < count; index++) {
    const top = Math.floor(index / nrow) * (size + padding) + padding
    const left = (index % nrow) * (size + padding) + padding
    const pixels = new Uint8Array(size * size * 3)
    for (let y = 0; y < size; y++) {
      const from = ((top + y) * image.width + left) * 3
      pixels.set(image.pixels.subarray(from, from + size * 3), y * size * 3)
    }
    tiles.push({ width: size, height: size, pixels })
  }
  return tiles
}

/** True when every pixel has equal red, green and blue: a grey image repeated into three channels. */
export function isGrey(image: RgbImage): boolean {
  const { pixels } = image
  for (let i = 0; i < pixels.length; i += 3) {
    if (pixels[i] !== pixels[i + 1] || pixels[i] !== pixels[i + 2]) return false
  }
  return true
}

/** Encodes an image as PNG, as 8-bit grey when `grey` is set (the red channel is kept) and RGB otherwise. */
export function encodeImage(image: RgbImage, grey: boolean, text?: Record<string, string>): Uint8Array {
  if (!grey) return encode({ width: image.width, height: image.height, data: image.pixels, channels: 3, depth: 8, text })
  const data = new Uint8Array(image.width * image.height)
  for (let i = 0; i < data.length; i++) data[i] = image.pixels[i * 3]
  return encode({ width: image.width, height: image.height, data, channels: 1, depth: 8, text })
}
