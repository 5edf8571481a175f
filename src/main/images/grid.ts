import { encode } from 'fast-png'

/** Images as the trainer produces them: (N, C, H, W) float values in [-1, 1]. */
export interface ImageBatch {
  data: Float32Array
  shape: [number, number, number, number]
}

export interface GridOptions {
  /** Images per row; torchvision's make_grid default is 8. */
  nrow?: number
  /** Pixels between and around images; torchvision's default is 2. */
  padding?: number
  /** Byte value of the padding; 0 (black) as torchvision's default. */
  padValue?: number
}

export interface RgbImage {
  width: number
  height: number
  /** Interleaved RGB bytes, row by row. */
  pixels: Uint8Array
}

/** Maps [-1, 1] to a byte as torchvision's save_image does: round((x + 1) / 2 * 255), clamped. */
export function toByte(value: number): number {
  const scaled = Math.floor(((value + 1) / 2) * 255 + 0.5)
  return scaled < 0 ? 0 : scaled > 255 ? 255 : scaled
}

/**
 * Lays images out as torchvision.utils.make_grid does: `nrow` per row, `padding` pixels around each,
 * grey images repeated into three channels.
 */
export function makeGrid(batch: ImageBatch, options: GridOptions = {}): RgbImage {
  const [n, c, h, w] = batch.shape
  if (c !== 1 && c !== 3) throw new Error(`a grid needs 1 or 3 channels per image, got ${c}`)
  const nrow = Math.max(1, Math.min(options.nrow ?? 8, n))
  const padding = options.padding ?? 2
  const padValue = options.padValue ?? 0
  const rows = Math.ceil(n / nrow)
  const width = nrow * (w + padding) + padding
  const height = rows * (h + padding) + padding
  const pixels = new Uint8Array(width * height * 3).fill(padValue)
  const plane = h * w
  for (let index = 0; index < n; index++) {
    const top = Math.floor(index / nrow) * (h + padding) + padding
    const left = (index % nrow) * (w + padding) + padding
    const base = index * c * plane
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const out = ((top + y) * width + left + x) * 3
        for (let channel = 0; channel < 3; channel++) {
          const source = base + (c === 1 ? 0 : channel * plane) + y * w + x
          pixels[out + channel] = toByte(batch.data[source])
        }
      }
    }
  }
  return { width, height, pixels }
}

/** Encodes an RGB image as PNG, with optional tEXt chunks (run, step, seed, settings). */
export function encodePng(image: RgbImage, text?: Record<string, string>): Uint8Array {
  return encode({ width: image.width, height: image.height, data: image.pixels, channels: 3, depth: 8, text })
}

export function gridPng(batch: ImageBatch, options: GridOptions = {}, text?: Record<string, string>): Uint8Array {
  return encodePng(makeGrid(batch, options), text)
}
