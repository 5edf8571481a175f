import type { Handle } from '../tf'
import { EngineError, check, formatShape } from '../errors'
import { K, type Conv2dOptions } from '../kernels'
import { record } from '../autograd/function'
import type { Tensor } from '../tensor'

/** A size given for both spatial dimensions at once, or as (height, width). */
export type IntPair = number | readonly [number, number]

export interface Conv2dArgs {
  stride?: IntPair
  /** Zero padding on both sides; 'valid' is no padding, 'same' keeps the size (stride 1 only). */
  padding?: IntPair | 'valid' | 'same'
  dilation?: IntPair
  /** Only 1 is supported. */
  groups?: number
}

export interface ConvTranspose2dArgs {
  stride?: IntPair
  padding?: IntPair
  /** Extra rows and columns added on one side of the output, to pick among the sizes a stride allows. */
  outputPadding?: IntPair
  dilation?: IntPair
  groups?: number
}

/** Expands an int or a pair to (height, width), checking each is an integer >= `min`. */
export function toPair(value: IntPair, name: string, min: number): [number, number] {
  const pair: readonly number[] = typeof value === 'number' ? [value, value] : value
  const valid = Array.isArray(pair) && pair.length === 2 && pair.every((v) => Number.isInteger(v) && v >= min)
  if (!valid) {
    throw new EngineError(
      'INVALID_ARGUMENT',
      `${name} must be an integer >= ${min} or a pair of them, got ${JSON.stringify(value)}`,
    )
  }
  return [pair[0], pair[1]]
}

function requireOneGroup(groups: number | undefined, op: string): void {
  if (groups !== undefined && groups !== 1) {
    throw new EngineError(
      'NOT_SUPPORTED',
      `${op} with groups=${groups} is not supported: the engine's convolution kernels have no grouped ` +
        'or depthwise form. Use groups=1, or split the channels and concatenate the results with torch.cat.',
    )
  }
}

/** Resolves 'valid' and 'same' padding to symmetric amounts, which is all the kernels take. */
function resolvePadding(
  padding: Conv2dArgs['padding'],
  kernel: readonly number[],
  stride: [number, number],
  dilation: [number, number],
): [number, number] {
  if (padding === undefined || padding === 'valid') return [0, 0]
  if (padding !== 'same') return toPair(padding, 'padding', 0)
  if (stride[0] !== 1 || stride[1] !== 1) {
    throw new EngineError('INVALID_ARGUMENT', "padding='same' is not supported for strided convolutions")
  }
  const total = [dilation[0] * (kernel[0] - 1), dilation[1] * (kernel[1] - 1)]
  if (total[0] % 2 !== 0 || total[1] % 2 !== 0) {
    throw new EngineError(
      'NOT_SUPPORTED',
      `padding='same' with kernel size ${formatShape(kernel)} and dilation ${formatShape(dilation)} needs ` +
        'uneven padding on the two sides, which the kernels do not take. Use an odd kernel size, or pad ' +
        'explicitly with an integer padding.',
    )
  }
  return [total[0] / 2, total[1] / 2]
}

function requireRank(tensor: Tensor, rank: number, what: string, op: string): void {
  if (tensor.ndim !== rank) {
    throw new EngineError(
      'SHAPE_MISMATCH',
      `${op}: expected ${what} to be ${rank}-D, but got shape ${formatShape(tensor.shape)}`,
    )
  }
}

function requireBias(bias: Tensor | null, channels: number, op: string): void {
  if (bias !== null && (bias.ndim !== 1 || bias.shape[0] !== channels)) {
    throw new EngineError(
      'SHAPE_MISMATCH',
      `${op}: expected bias of shape [${channels}] (one value per output channel), but got ${formatShape(bias.shape)}`,
    )
  }
}

/** Adds a per-channel bias (C) to an NCHW handle, disposing the handle without bias. */
function addChannelBias(y: Handle, bias: Tensor | null): Handle {
  if (bias === null) return y
  const shaped = K.reshape(bias.value, [1, bias.shape[0], 1, 1])
  const out = K.add(y, shaped)
  shaped.dispose()
  y.dispose()
  return out
}

/** Output size of one spatial dimension of a convolution, as PyTorch computes it. */
function convOutputSize(size: number, kernel: number, stride: number, padding: number, dilation: number): number {
  return Math.floor((size + 2 * padding - dilation * (kernel - 1) - 1) / stride) + 1
}

/**
 * 2-D convolution (cross-correlation, as PyTorch's conv2d): x (N, C, H, W) or (C, H, W), weight
 * (O, C, kH, kW), bias (O) or null. The gradients come from the conv input and filter gradient kernels.
 */
export function conv2d(x: Tensor, weight: Tensor, bias: Tensor | null = null, args: Conv2dArgs = {}): Tensor {
  requireOneGroup(args.groups, 'conv2d')
  if (x.ndim === 3) return conv2d(x.unsqueeze(0), weight, bias, args).squeeze(0)
  if (x.ndim !== 4) {
    throw new EngineError(
      'SHAPE_MISMATCH',
      `Expected 3D (unbatched) or 4D (batched) input to conv2d, but got input of size: ${formatShape(x.shape)}`,
    )
  }
  requireRank(weight, 4, 'weight (out_channels, in_channels, kH, kW)', 'conv2d')
  const xShape = x.shape // (N, C, H, W)
  const wShape = weight.shape // (O, C, kH, kW)
  if (xShape[1] !== wShape[1]) {
    throw new EngineError(
      'SHAPE_MISMATCH',
      `Given groups=1, weight of size ${formatShape(wShape)}, expected input${formatShape(xShape)} to have ` +
        `${wShape[1]} channels, but got ${xShape[1]} channels instead`,
    )
  }
  requireBias(bias, wShape[0], 'conv2d')
  const stride = toPair(args.stride ?? 1, 'stride', 1)
  const dilation = toPair(args.dilation ?? 1, 'dilation', 1)
  const padding = resolvePadding(args.padding, wShape.slice(2), stride, dilation)
  const options: Conv2dOptions = { stride, padding, dilation }

  const paddedH = xShape[2] + 2 * padding[0]
  const paddedW = xShape[3] + 2 * padding[1]
  const spanH = dilation[0] * (wShape[2] - 1) + 1
  const spanW = dilation[1] * (wShape[3] - 1) + 1
  if (spanH > paddedH || spanW > paddedW) {
    throw new EngineError(
      'SHAPE_MISMATCH',
      `Calculated padded input size per channel: (${paddedH} x ${paddedW}). Kernel size: (${spanH} x ${spanW}). ` +
        "Kernel size can't be greater than actual input size",
    )
  }

  const out = addChannelBias(K.conv2d(x.value, weight.value, options), bias) // (N, O, Ho, Wo)
  return record(out, {
    name: 'ConvolutionBackward0',
    inputs: [x, weight, bias],
    save: () => [x, weight],
    backward: (g, [vx, vw], needs) => [
      needs[0] ? K.conv2dInputGrad(g, vw, xShape, options) : null,
      needs[1] ? K.conv2dFilterGrad(vx, g, wShape, options) : null,
      needs[2] ? K.sum(g, [0, 2, 3], false) : null,
    ],
  })
}

/**
 * 2-D transposed convolution, as PyTorch's conv_transpose2d: x (N, Cin, H, W) or (Cin, H, W), weight
 * (Cin, Cout, kH, kW), bias (Cout) or null. The output has size (H - 1) * stride - 2 * padding +
 * dilation * (k - 1) + outputPadding + 1 per spatial dimension.
 *
 * A transposed convolution is the adjoint of the conv2d whose filter is `weight` read as
 * (out = Cin, in = Cout, kH, kW), mapping (N, Cout, Ho, Wo) to (N, Cin, H, W). So its forward is that
 * conv's input gradient, its input gradient is that conv itself, and its weight gradient is that conv's
 * filter gradient with the roles of input and output gradient swapped.
 */
export function convTranspose2d(
  x: Tensor,
  weight: Tensor,
  bias: Tensor | null = null,
  args: ConvTranspose2dArgs = {},
): Tensor {
  requireOneGroup(args.groups, 'conv_transpose2d')
  if (x.ndim === 3) return convTranspose2d(x.unsqueeze(0), weight, bias, args).squeeze(0)
  if (x.ndim !== 4) {
    throw new EngineError(
      'SHAPE_MISMATCH',
      `Expected 3D (unbatched) or 4D (batched) input to conv_transpose2d, but got input of size: ${formatShape(x.shape)}`,
    )
  }
  requireRank(weight, 4, 'weight (in_channels, out_channels, kH, kW)', 'conv_transpose2d')
  const xShape = x.shape // (N, Cin, H, W)
  const wShape = weight.shape // (Cin, Cout, kH, kW)
  if (xShape[1] !== wShape[0]) {
    throw new EngineError(
      'SHAPE_MISMATCH',
      `Given transposed=1, weight of size ${formatShape(wShape)}, expected input${formatShape(xShape)} to have ` +
        `${wShape[0]} channels, but got ${xShape[1]} channels instead`,
    )
  }
  requireBias(bias, wShape[1], 'conv_transpose2d')
  const stride = toPair(args.stride ?? 1, 'stride', 1)
  const padding = toPair(args.padding ?? 0, 'padding', 0)
  const outputPadding = toPair(args.outputPadding ?? 0, 'outputPadding', 0)
  const dilation = toPair(args.dilation ?? 1, 'dilation', 1)
  const paddingValid = [0, 1].every((i) => outputPadding[i] < stride[i] || outputPadding[i] < dilation[i])
  if (!paddingValid) {
    throw new EngineError(
      'INVALID_ARGUMENT',
      'output padding must be smaller than either stride or dilation, but got ' +
        `output_padding_height: ${outputPadding[0]} output_padding_width: ${outputPadding[1]} ` +
        `stride_height: ${stride[0]} stride_width: ${stride[1]} ` +
        `dilation_height: ${dilation[0]} dilation_width: ${dilation[1]}`,
    )
  }
  if (dilation[0] !== 1 || dilation[1] !== 1) {
    throw new EngineError(
      'NOT_SUPPORTED',
      `conv_transpose2d with dilation ${formatShape(dilation)} is not supported: the tfjs kernels have ` +
        'no dilated form of the convolution input gradient it is computed with. Use dilation 1.',
    )
  }
  const options: Conv2dOptions = { stride, padding, dilation }
  const outH = (xShape[2] - 1) * stride[0] - 2 * padding[0] + dilation[0] * (wShape[2] - 1) + outputPadding[0] + 1
  const outW = (xShape[3] - 1) * stride[1] - 2 * padding[1] + dilation[1] * (wShape[3] - 1) + outputPadding[1] + 1
  if (outH < 1 || outW < 1) {
    throw new EngineError(
      'SHAPE_MISMATCH',
      `conv_transpose2d: the output size (${outH} x ${outW}) is too small for input ${formatShape(xShape)}, ` +
        `kernel ${formatShape(wShape.slice(2))}, stride ${formatShape(stride)} and padding ${formatShape(padding)}; ` +
        'reduce the padding.',
    )
  }
  const outShape = [xShape[0], wShape[1], outH, outW] // (N, Cout, Ho, Wo)
  // The adjoint conv maps the output back onto exactly the input size, because outputPadding < stride.
  check(
    convOutputSize(outH, wShape[2], stride[0], padding[0], dilation[0]) === xShape[2] &&
      convOutputSize(outW, wShape[3], stride[1], padding[1], dilation[1]) === xShape[3],
    () => `conv_transpose2d: output ${formatShape(outShape)} does not map back onto input ${formatShape(xShape)}`,
  )

  const out = addChannelBias(K.conv2dInputGrad(x.value, weight.value, outShape, options), bias)
  return record(out, {
    name: 'ConvolutionBackward0',
    inputs: [x, weight, bias],
    save: () => [x, weight],
    backward: (g, [vx, vw], needs) => [
      needs[0] ? K.conv2d(g, vw, options) : null,
      needs[1] ? K.conv2dFilterGrad(g, vx, wShape, options) : null,
      needs[2] ? K.sum(g, [0, 2, 3], false) : null,
    ],
  })
}
