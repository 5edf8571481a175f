import type { DataType, Handle } from '../tf'

/**
 * Options of a 2-D convolution, as PyTorch takes them. Layouts at this interface are PyTorch's:
 * activations NCHW, conv weights (out, in, kH, kW). A provider converts to whatever its kernels want.
 */
export interface Conv2dOptions {
  stride: [number, number]
  padding: [number, number]
  dilation: [number, number]
}

/**
 * Every kernel the engine's ops call. Kernels take and return tfjs tensors (handles) and know
 * nothing of autograd: the ops record gradients on top of them. A provider may implement any subset
 * (`registerKernelProvider`), for example only the heavy ones (matMul and the convolutions), and the
 * tfjs provider serves the rest. Each call returns a new handle owned by the caller.
 */
export interface Kernels {
  fromValues(values: ArrayLike<number>, shape: readonly number[], dtype: DataType): Handle
  fill(shape: readonly number[], value: number, dtype: DataType): Handle
  clone(x: Handle): Handle
  cast(x: Handle, dtype: DataType): Handle

  add(a: Handle, b: Handle): Handle
  sub(a: Handle, b: Handle): Handle
  mul(a: Handle, b: Handle): Handle
  div(a: Handle, b: Handle): Handle
  pow(a: Handle, b: Handle): Handle
  maximum(a: Handle, b: Handle): Handle
  minimum(a: Handle, b: Handle): Handle
  greater(a: Handle, b: Handle): Handle
  greaterEqual(a: Handle, b: Handle): Handle
  less(a: Handle, b: Handle): Handle
  lessEqual(a: Handle, b: Handle): Handle
  equal(a: Handle, b: Handle): Handle
  where(condition: Handle, a: Handle, b: Handle): Handle

  neg(x: Handle): Handle
  exp(x: Handle): Handle
  log(x: Handle): Handle
  log1p(x: Handle): Handle
  sqrt(x: Handle): Handle
  square(x: Handle): Handle
  abs(x: Handle): Handle
  sign(x: Handle): Handle
  relu(x: Handle): Handle
  leakyRelu(x: Handle, negativeSlope: number): Handle
  /** 1 where x > 0, otherwise `alpha` (also where x is 0): the derivative of relu and leakyRelu. */
  step(x: Handle, alpha: number): Handle
  sigmoid(x: Handle): Handle
  tanh(x: Handle): Handle
  softplus(x: Handle): Handle
  clip(x: Handle, min: number, max: number): Handle

  sum(x: Handle, axes: number[] | null, keepDims: boolean): Handle
  max(x: Handle, axes: number[] | null, keepDims: boolean): Handle
  argMax(x: Handle, axis: number): Handle
  logSoftmax(x: Handle, axis: number): Handle

  reshape(x: Handle, shape: readonly number[]): Handle
  transpose(x: Handle, perm: readonly number[]): Handle
  slice(x: Handle, begin: readonly number[], size: readonly number[]): Handle
  concat(xs: Handle[], axis: number): Handle
  pad(x: Handle, paddings: Array<[number, number]>): Handle
  broadcastTo(x: Handle, shape: readonly number[]): Handle
  gather(x: Handle, indices: Handle, axis: number): Handle
  oneHot(indices: Handle, depth: number): Handle
  unsortedSegmentSum(x: Handle, segmentIds: Handle, numSegments: number): Handle

  matMul(a: Handle, b: Handle, transposeA: boolean, transposeB: boolean): Handle
  /** y = conv2d(x, w): x (N, C, H, W), w (O, C, kH, kW), result (N, O, Ho, Wo). */
  conv2d(x: Handle, w: Handle, options: Conv2dOptions): Handle
  /** Gradient of conv2d with respect to x; also the forward of a transposed convolution. */
  conv2dInputGrad(dy: Handle, w: Handle, inputShape: readonly number[], options: Conv2dOptions): Handle
  /** Gradient of conv2d with respect to w, of shape `filterShape` (O, C, kH, kW). */
  conv2dFilterGrad(x: Handle, dy: Handle, filterShape: readonly number[], options: Conv2dOptions): Handle

  read(x: Handle): Float32Array | Int32Array | Uint8Array
  readAsync(x: Handle): Promise<Float32Array | Int32Array | Uint8Array>
}

export type KernelName = keyof Kernels
