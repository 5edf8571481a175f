import { tf } from '../tf'
import type { Handle } from '../tf'
import type { Conv2dOptions } from './types'

/**
 * Note [Transposed convolution by phases]
 * The gradient of a strided conv2d with respect to its input (which is also the forward pass of a
 * transposed convolution) scatters each output-gradient value through the whole kernel. The wasm
 * backend computes it with a scalar loop at about a tenth of the speed of its conv2d. Split by output
 * phase instead: the input rows y with (y + padding) mod stride = r receive contributions only from
 * kernel rows r, r + stride, r + 2 * stride, ... So each phase (ry, rx) is an ordinary stride-1
 * convolution of the output gradient with that sub-kernel, flipped, which runs on the fast conv2d path.
 * The stride x stride phase results are then interleaved into the input gradient. The same holds per
 * column. This needs the input size to be a multiple of the stride (true for the DCGAN layers); other
 * shapes return null and use the backend's own kernel.
 */

interface PhaseRange {
  /** First and last index Y in the phase's own coordinates; input row y = Y * stride + r - padding. */
  first: number
  last: number
  /** Sub-kernel taps: kernel rows r, r + stride, ... */
  taps: number
}

function phaseRange(r: number, stride: number, padding: number, kernel: number, inputSize: number): PhaseRange {
  return {
    first: Math.ceil((padding - r) / stride),
    last: Math.floor((inputSize - 1 + padding - r) / stride),
    taps: Math.max(0, Math.ceil((kernel - r) / stride)),
  }
}

/**
 * conv2d input gradient in NCHW by stride phases, or null where the shape does not allow it.
 * dy (N, O, Ho, Wo), w (O, C, kH, kW), result (N, C, H, W).
 */
export function inputGradByPhases(dy: Handle, w: Handle, inputShape: readonly number[], options: Conv2dOptions): Handle | null {
  const [n, c, h, width] = inputShape
  const [, , kh, kw] = w.shape
  const [sh, sw] = options.stride
  const [ph, pw] = options.padding
  if (h % sh !== 0 || width % sw !== 0) return null
  const rowsPerPhase = h / sh
  const colsPerPhase = width / sw

  return tf.tidy(() => {
    const dyNhwc = tf.transpose(dy, [0, 2, 3, 1]) // (N, Ho, Wo, O)
    const [, ho, wo] = dyNhwc.shape
    const phaseRows: Handle[] = []
    // Phases ordered by the input row residue m = y mod stride: the phase r = (m + padding) mod stride.
    for (let my = 0; my < sh; my++) {
      const ry = (my + ph) % sh
      const rows = phaseRange(ry, sh, ph, kh, h)
      const phaseCols: Handle[] = []
      for (let mx = 0; mx < sw; mx++) {
        const rx = (mx + pw) % sw
        const cols = phaseRange(rx, sw, pw, kw, width)
        phaseCols.push(phase(dyNhwc, w, ry, rx, rows, cols, [sh, sw], [ho, wo], [n, rowsPerPhase, colsPerPhase, c]))
      }
      // (N, H/s, W/s, s, C) -> (N, H/s, W, C): column x = a * s + mx
      phaseRows.push(tf.reshape(tf.stack(phaseCols, 3), [n, rowsPerPhase, width, c]))
    }
    // (N, H/s, s, W, C) -> (N, H, W, C): row y = a * s + my
    const dx = tf.reshape(tf.stack(phaseRows, 2), [n, h, width, c])
    return tf.transpose(dx, [0, 3, 1, 2])
  })
}

function phase(
  dy: Handle,
  w: Handle,
  ry: number,
  rx: number,
  rows: PhaseRange,
  cols: PhaseRange,
  stride: [number, number],
  outSize: [number, number],
  shape: [number, number, number, number],
): Handle {
  const [n, count, countCols, c] = shape
  if (rows.taps === 0 || cols.taps === 0 || rows.last - rows.first + 1 !== count || cols.last - cols.first + 1 !== countCols) {
    // No kernel tap reaches this phase (kernel smaller than the stride): its gradient is zero.
    if (rows.taps === 0 || cols.taps === 0) return tf.zeros([n, count, countCols, c])
    throw new Error('inconsistent phase sizes')
  }
  const [sh, sw] = stride
  const [ho, wo] = outSize
  // Sub-kernel w[:, :, ry::sh, rx::sw], flipped in both spatial axes, as an NHWC filter (tH, tW, O, C).
  const rowIndex = Array.from({ length: rows.taps }, (_, t) => ry + sh * (rows.taps - 1 - t))
  const colIndex = Array.from({ length: cols.taps }, (_, t) => rx + sw * (cols.taps - 1 - t))
  const sub = tf.gather(tf.gather(w, rowIndex, 2), colIndex, 3) // (O, C, tH, tW)
  const filter = tf.transpose(sub, [2, 3, 0, 1]) as tf.Tensor4D

  // Output index q of a stride-1 correlation with `taps - 1` leading zeros is the phase coordinate Y.
  // Pad (or crop) so the output covers exactly Y = first .. last.
  const top = rows.taps - 1 - rows.first
  const bottom = rows.last - (ho - 1)
  const left = cols.taps - 1 - cols.first
  const right = cols.last - (wo - 1)
  let input = dy
  const crop = [Math.max(0, -top), Math.max(0, -left)]
  const keep = [ho - crop[0] - Math.max(0, -bottom), wo - crop[1] - Math.max(0, -right)]
  if (crop[0] > 0 || crop[1] > 0 || bottom < 0 || right < 0) {
    input = tf.slice(dy, [0, crop[0], crop[1], 0], [n, keep[0], keep[1], dy.shape[3] as number])
  }
  const pad: [[number, number], [number, number], [number, number], [number, number]] = [
    [0, 0], [Math.max(0, top), Math.max(0, bottom)], [Math.max(0, left), Math.max(0, right)], [0, 0],
  ]
  return tf.conv2d(input as tf.Tensor4D, filter, 1, pad)
}
