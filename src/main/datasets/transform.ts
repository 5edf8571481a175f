/**
 * Per-image conversion from the stored bytes to the tensor layout: channel conversion, bilinear resize
 * and scaling to [-1, 1]. Stored sets (IDX, CIFAR) keep their native bytes and are converted one batch
 * at a time, so a 64x64 RGB view of 60,000 digits costs no extra memory.
 */

export interface ImageLayout {
  channels: number
  height: number
  width: number
}

/** Source rows or columns and weights for one axis of a bilinear resize. */
interface AxisPlan {
  low: Int32Array
  high: Int32Array
  weight: Float32Array
}

/**
 * Source positions follow PyTorch's `F.interpolate(mode='bilinear', align_corners=False)` without
 * antialiasing: output pixel i samples input position (i + 0.5) * in / out - 0.5, clamped at 0.
 */
function planAxis(inSize: number, outSize: number): AxisPlan {
  const low = new Int32Array(outSize)
  const high = new Int32Array(outSize)
  const weight = new Float32Array(outSize)
  const scale = inSize / outSize
  for (let i = 0; i < outSize; i++) {
    const source = Math.max((i + 0.5) * scale - 0.5, 0)
    const index = Math.min(Math.floor(source), inSize - 1)
    low[i] = index
    high[i] = Math.min(index + 1, inSize - 1)
    weight[i] = source - index
  }
  return { low, high, weight }
}

/** ITU-R BT.601 luma weights, the ones PIL's `convert('L')` uses. */
export const LUMA = [0.299, 0.587, 0.114] as const

/** Converts stored images of one layout to float images of another, reusing its scratch buffers. */
export class ImageConverter {
  readonly from: ImageLayout
  readonly to: ImageLayout
  private readonly rows: AxisPlan | null
  private readonly columns: AxisPlan | null
  private readonly plane: Float32Array

  constructor(from: ImageLayout, to: ImageLayout) {
    if (![1, 3].includes(from.channels) || ![1, 3].includes(to.channels)) {
      throw new RangeError(`only 1 or 3 channels are supported, got ${from.channels} -> ${to.channels}`)
    }
    this.from = from
    this.to = to
    const resized = from.height !== to.height || from.width !== to.width
    this.rows = resized ? planAxis(from.height, to.height) : null
    this.columns = resized ? planAxis(from.width, to.width) : null
    this.plane = new Float32Array(from.height * from.width)
  }

  /** Number of bytes of one stored image. */
  get sourceSize(): number {
    return this.from.channels * this.from.height * this.from.width
  }

  /** Number of values of one converted image. */
  get targetSize(): number {
    return this.to.channels * this.to.height * this.to.width
  }

  /** Writes stored image `source[sourceOffset ...]` (C, H, W) into `out[outOffset ...]` as (C', H', W') in [-1, 1]. */
  convert(source: Uint8Array, sourceOffset: number, out: Float32Array, outOffset: number): void {
    const { from, to } = this
    const planeSize = from.height * from.width
    const outPlane = to.height * to.width

    if (from.channels === 3 && to.channels === 1) {
      const plane = this.plane
      const red = sourceOffset
      const green = sourceOffset + planeSize
      const blue = sourceOffset + 2 * planeSize
      for (let i = 0; i < planeSize; i++) {
        plane[i] = LUMA[0] * source[red + i] + LUMA[1] * source[green + i] + LUMA[2] * source[blue + i]
      }
      this.resizePlane(plane, 0, out, outOffset)
      return
    }

    if (from.channels === 1 && to.channels === 3) {
      this.resizePlane(source, sourceOffset, out, outOffset)
      out.copyWithin(outOffset + outPlane, outOffset, outOffset + outPlane)
      out.copyWithin(outOffset + 2 * outPlane, outOffset, outOffset + outPlane)
      return
    }

    for (let channel = 0; channel < to.channels; channel++) {
      this.resizePlane(source, sourceOffset + channel * planeSize, out, outOffset + channel * outPlane)
    }
  }

  /** Resizes one plane of 0..255 values and scales it to [-1, 1]. */
  private resizePlane(source: ArrayLike<number>, offset: number, out: Float32Array, outOffset: number): void {
    const { rows, columns } = this
    const width = this.from.width
    if (rows === null || columns === null) {
      const size = this.from.height * width
      for (let i = 0; i < size; i++) out[outOffset + i] = source[offset + i] / 127.5 - 1
      return
    }
    const outWidth = this.to.width
    for (let y = 0; y < this.to.height; y++) {
      const top = offset + rows.low[y] * width
      const bottom = offset + rows.high[y] * width
      const wy = rows.weight[y]
      const rowOut = outOffset + y * outWidth
      for (let x = 0; x < outWidth; x++) {
        const left = columns.low[x]
        const right = columns.high[x]
        const wx = columns.weight[x]
        const upper = source[top + left] + wx * (source[top + right] - source[top + left])
        const lower = source[bottom + left] + wx * (source[bottom + right] - source[bottom + left])
        out[rowOut + x] = (upper + wy * (lower - upper)) / 127.5 - 1
      }
    }
  }
}

/** Maps values in [-1, 1] back to bytes, for previews. */
export function toBytes(values: Float32Array): Uint8Array {
  const bytes = new Uint8Array(values.length)
  for (let i = 0; i < values.length; i++) bytes[i] = Math.round((values[i] + 1) * 127.5)
  return bytes
}
