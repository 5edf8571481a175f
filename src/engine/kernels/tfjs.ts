import { tf } from '../tf'
import type { Handle } from '../tf'
import { EngineError } from '../errors'
import type { Conv2dOptions, Kernels } from './types'
import { inputGradByPhases } from './conv-phases'

type Padding4 = [[number, number], [number, number], [number, number], [number, number]]

/** Explicit NHWC padding for tfjs from PyTorch's symmetric (padH, padW). */
function nhwcPadding(options: Conv2dOptions): Padding4 {
  const [ph, pw] = options.padding
  return [[0, 0], [ph, ph], [pw, pw], [0, 0]]
}

function requireUnitDilation(options: Conv2dOptions, what: string): void {
  if (options.dilation[0] !== 1 || options.dilation[1] !== 1) {
    throw new EngineError(
      'NOT_SUPPORTED',
      `${what} with dilation ${JSON.stringify(options.dilation)} is not supported by the tfjs kernels: ` +
        'tfjs has no dilated convolution gradients. Use dilation 1.',
    )
  }
}

/** Backends whose Conv2DBackpropInput is a scalar loop, slower than their conv2d. */
function slowBackpropInput(): boolean {
  const backend = tf.getBackend()
  return backend === 'wasm' || backend === 'cpu'
}

function slowTransposedMatMul(): boolean {
  return tf.getBackend() === 'wasm'
}

/** Reports whether LeakyRelu is slow on this backend: the wasm kernel is scalar, while its step and mul are vectorized. */
function slowLeakyRelu(): boolean {
  return tf.getBackend() === 'wasm'
}

/** Reports whether this backend (wasm) reduces any axis but the last by transposing the whole tensor first. */
function slowInnerReduction(): boolean {
  return tf.getBackend() === 'wasm'
}

/**
 * Sum over `axes` by runs of adjacent dimensions, for the wasm backend: a trailing run of summed
 * axes becomes one contiguous last-axis reduction, and a leading run becomes a product with a column
 * of ones. These cover the reductions of a training step (bias gradients, BatchNorm statistics over
 * N, H and W of an NCHW tensor) without transposing. Returns null for other patterns.
 */
function sumByRuns(x: Handle, axes: number[], keepDims: boolean): Handle | null {
  const rank = x.rank
  const summed = new Set(axes.map((axis) => (axis < 0 ? axis + rank : axis)))
  if (summed.size === 0 || rank === 0 || x.dtype !== 'float32') return null
  const runs: Array<{ size: number; summed: boolean }> = []
  x.shape.forEach((size, axis) => {
    const last = runs[runs.length - 1]
    if (last && last.summed === summed.has(axis)) last.size *= size
    else runs.push({ size, summed: summed.has(axis) })
  })
  const trailing = runs[runs.length - 1].summed ? runs.pop() : undefined
  const leading = runs.length > 0 && runs[0].summed ? runs.shift() : undefined
  if (runs.some((run) => run.summed)) return null
  const outShape = keepDims ? x.shape.map((size, axis) => (summed.has(axis) ? 1 : size)) : x.shape.filter((_, axis) => !summed.has(axis))
  return tf.tidy(() => {
    const kept = runs.reduce((product, run) => product * run.size, 1)
    let y: Handle = tf.reshape(x, [leading?.size ?? 1, kept, trailing?.size ?? 1])
    if (trailing) y = tf.sum(y, 2)
    else y = tf.reshape(y, [leading?.size ?? 1, kept])
    // A column of ones as the transposed left operand: the wasm backend repacks a fresh right-hand
    // operand on every call, which made the plain product (and tf.sum over axis 0) several times slower.
    if (leading) y = tf.matMul(tf.ones([leading.size, 1]), y, true, false)
    return tf.reshape(y, outShape)
  })
}

function hasKernel(name: string): boolean {
  return tf.getKernel(name, tf.getBackend()) !== undefined
}

/**
 * Filter gradient of an NCHW convolution computed with an ordinary convolution, for backends that
 * lack `Conv2DBackpropFilter` (the wasm backend). With the padded input seen as a batch of C_in
 * images of N channels, and the output gradient as a filter of size (Ho, Wo) from N to C_out
 * channels, dilated by the stride, a stride-1 convolution yields dW at every kernel offset.
 */
function filterGradByConv(x: Handle, dy: Handle, filterShape: readonly number[], options: Conv2dOptions): Handle {
  return tf.tidy(() => {
    const [, , kh, kw] = filterShape
    const [ph, pw] = options.padding
    const [sh, sw] = options.stride
    const padded = ph > 0 || pw > 0 ? tf.pad(x, [[0, 0], [0, 0], [ph, ph], [pw, pw]]) : x
    const images = tf.transpose(padded, [1, 2, 3, 0]) // (C_in, Hp, Wp, N)
    const filter = tf.transpose(dy, [2, 3, 0, 1]) // (Ho, Wo, N, C_out)
    const full = tf.conv2d(images as tf.Tensor4D, filter as tf.Tensor4D, 1, 'valid', 'NHWC', [sh, sw])
    // The result covers every offset that fits in the padded input; offsets past the kernel size
    // come from input rows the strided forward never reached, so they are cut off.
    const cut = tf.slice(full, [0, 0, 0, 0], [full.shape[0], kh, kw, full.shape[3]]) // (C_in, kH, kW, C_out)
    return tf.transpose(cut, [3, 0, 1, 2]) // (C_out, C_in, kH, kW)
  })
}

export const tfjsKernels: Kernels = {
  fromValues: (values, shape, dtype) => tf.tensor(values as number[], shape as number[], dtype),
  fill: (shape, value, dtype) => tf.fill(shape as number[], value, dtype),
  clone: (x) => tf.clone(x),
  cast: (x, dtype) => tf.cast(x, dtype),

  add: (a, b) => tf.add(a, b),
  sub: (a, b) => tf.sub(a, b),
  mul: (a, b) => tf.mul(a, b),
  div: (a, b) => tf.div(a, b),
  pow: (a, b) => tf.pow(a, b),
  maximum: (a, b) => tf.maximum(a, b),
  minimum: (a, b) => tf.minimum(a, b),
  greater: (a, b) => tf.greater(a, b),
  greaterEqual: (a, b) => tf.greaterEqual(a, b),
  less: (a, b) => tf.less(a, b),
  lessEqual: (a, b) => tf.lessEqual(a, b),
  equal: (a, b) => tf.equal(a, b),
  where: (condition, a, b) => tf.where(condition, a, b),

  neg: (x) => tf.neg(x),
  exp: (x) => tf.exp(x),
  log: (x) => tf.log(x),
  log1p: (x) => tf.log1p(x),
  sqrt: (x) => tf.sqrt(x),
  square: (x) => tf.square(x),
  abs: (x) => tf.abs(x),
  sign: (x) => tf.sign(x),
  relu: (x) => tf.relu(x),
  leakyRelu(x, slope) {
    if (!slowLeakyRelu()) return tf.leakyRelu(x, slope)
    // x * step(x, slope) is exact on both sides of zero, and its two kernels run on the wasm
    // backend's vectorized path, about seven times faster than its LeakyRelu kernel.
    return tf.tidy(() => tf.mul(x, tf.step(x, slope)))
  },
  step: (x, alpha) => tf.step(x, alpha),
  sigmoid: (x) => tf.sigmoid(x),
  tanh: (x) => tf.tanh(x),
  // softplus(x) = max(x, 0) + log1p(exp(-|x|)), stable for large |x| on every backend.
  softplus: (x) => tf.tidy(() => tf.add(tf.relu(x), tf.log1p(tf.exp(tf.neg(tf.abs(x)))))),
  clip: (x, min, max) => tf.clipByValue(x, min, max),

  sum(x, axes, keepDims) {
    if (axes === null || !slowInnerReduction()) return tf.sum(x, axes ?? undefined, keepDims)
    return sumByRuns(x, axes, keepDims) ?? tf.sum(x, axes, keepDims)
  },
  max: (x, axes, keepDims) => tf.max(x, axes ?? undefined, keepDims),
  argMax: (x, axis) => tf.argMax(x, axis),
  logSoftmax(x, axis) {
    const last = x.rank - 1
    if (axis === last || axis === -1) return tf.logSoftmax(x, axis)
    // tfjs's logSoftmax takes only the last axis: swap `axis` with it and back (a swap is its own inverse).
    return tf.tidy(() => {
      const perm = [...Array(x.rank).keys()]
      perm[axis] = last
      perm[last] = axis
      return tf.transpose(tf.logSoftmax(tf.transpose(x, perm), -1), perm)
    })
  },

  reshape: (x, shape) => tf.reshape(x, shape as number[]),
  transpose: (x, perm) => tf.transpose(x, perm as number[]),
  slice: (x, begin, size) => tf.slice(x, begin as number[], size as number[]),
  concat: (xs, axis) => tf.concat(xs, axis),
  pad: (x, paddings) => tf.pad(x, paddings),
  broadcastTo: (x, shape) => tf.broadcastTo(x, shape as number[]),
  gather: (x, indices, axis) => tf.gather(x, indices, axis),
  oneHot: (indices, depth) => tf.oneHot(indices as tf.Tensor1D, depth),
  unsortedSegmentSum: (x, ids, n) => tf.unsortedSegmentSum(x, ids as tf.Tensor1D, n),

  matMul(a, b, transposeA, transposeB) {
    if (!(transposeA || transposeB) || !slowTransposedMatMul()) return tf.matMul(a, b, transposeA, transposeB)
    // The wasm backend multiplies with a transposed operand about 15 times slower than without one
    // (24 ms against 1.7 ms for 64x256 by 256x784 here), so transpose explicitly first.
    return tf.tidy(() => {
      const rankA = a.rank
      const rankB = b.rank
      const x = transposeA ? tf.transpose(a, [...Array(rankA - 2).keys(), rankA - 1, rankA - 2]) : a
      const y = transposeB ? tf.transpose(b, [...Array(rankB - 2).keys(), rankB - 1, rankB - 2]) : b
      return tf.matMul(x, y)
    })
  },

  conv2d(x, w, options) {
    return tf.tidy(() => {
      const xNhwc = tf.transpose(x, [0, 2, 3, 1]) as tf.Tensor4D
      const filter = tf.transpose(w, [2, 3, 1, 0]) as tf.Tensor4D // (kH, kW, C_in, C_out)
      const y = tf.conv2d(xNhwc, filter, options.stride, nhwcPadding(options), 'NHWC', options.dilation)
      return tf.transpose(y, [0, 3, 1, 2])
    })
  },

  conv2dInputGrad(dy, w, inputShape, options) {
    requireUnitDilation(options, 'conv2d input gradient')
    // The CPU backends compute Conv2DBackpropInput with a slow scalar loop; see Note [Transposed convolution by phases].
    if (slowBackpropInput()) {
      const byPhases = inputGradByPhases(dy, w, inputShape, options)
      if (byPhases) return byPhases
    }
    return tf.tidy(() => {
      const [n, c, h, width] = inputShape
      const dyNhwc = tf.transpose(dy, [0, 2, 3, 1])
      const filter = tf.transpose(w, [2, 3, 1, 0])
      const dx = tf.engine().runKernel('Conv2DBackpropInput', { dy: dyNhwc, filter }, {
        strides: options.stride,
        pad: nhwcPadding(options),
        dataFormat: 'NHWC',
        inputShape: [n, h, width, c],
      }) as Handle
      return tf.transpose(dx, [0, 3, 1, 2])
    })
  },

  conv2dFilterGrad(x, dy, filterShape, options) {
    requireUnitDilation(options, 'conv2d filter gradient')
    if (!hasKernel('Conv2DBackpropFilter')) return filterGradByConv(x, dy, filterShape, options)
    return tf.tidy(() => {
      const [o, c, kh, kw] = filterShape
      const xNhwc = tf.transpose(x, [0, 2, 3, 1])
      const dyNhwc = tf.transpose(dy, [0, 2, 3, 1])
      const dw = tf.engine().runKernel('Conv2DBackpropFilter', { x: xNhwc, dy: dyNhwc }, {
        strides: options.stride,
        pad: nhwcPadding(options),
        dataFormat: 'NHWC',
        filterShape: [kh, kw, c, o],
      }) as Handle
      return tf.transpose(dw, [3, 2, 0, 1])
    })
  },

  read: (x) => x.dataSync() as Float32Array | Int32Array | Uint8Array,
  readAsync: async (x) => (await x.data()) as Float32Array | Int32Array | Uint8Array,
}

export { filterGradByConv }
