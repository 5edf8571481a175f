/**
 * Weight initialisation in place, as PyTorch's torch.nn.init. Each function runs under noGrad, so
 * it can be applied to parameters directly, draws from `generator` (the engine's seeded default
 * unless given) and returns the tensor.
 */
import { EngineError, formatShape } from '../errors'
import type { Tensor } from '../tensor'
import { noGrad } from '../autograd/grad-mode'
import { defaultGenerator, type Generator } from '../random'

export type Nonlinearity =
  | 'linear' | 'conv1d' | 'conv2d' | 'conv3d' | 'conv_transpose1d' | 'conv_transpose2d' | 'conv_transpose3d'
  | 'sigmoid' | 'tanh' | 'relu' | 'leaky_relu' | 'selu'

export type FanMode = 'fan_in' | 'fan_out'

export interface KaimingOptions {
  /** Negative slope of the leaky ReLU that follows (0 for ReLU). */
  a?: number
  /** 'fan_in' keeps the forward pass's variance, 'fan_out' the backward pass's. */
  mode?: FanMode
  nonlinearity?: Nonlinearity
  generator?: Generator
}

/**
 * Returns the recommended gain for a nonlinearity, PyTorch's values: 1 for linear layers and sigmoid, 5/3
 * for tanh, sqrt(2) for ReLU, sqrt(2 / (1 + slope^2)) for leaky ReLU (slope `param`, default 0.01),
 * 3/4 for SELU.
 */
export function calculateGain(nonlinearity: Nonlinearity, param?: number): number {
  switch (nonlinearity) {
    case 'linear': case 'conv1d': case 'conv2d': case 'conv3d':
    case 'conv_transpose1d': case 'conv_transpose2d': case 'conv_transpose3d': case 'sigmoid':
      return 1
    case 'tanh':
      return 5 / 3
    case 'relu':
      return Math.SQRT2
    case 'leaky_relu': {
      const slope = param ?? 0.01
      if (typeof slope !== 'number' || !Number.isFinite(slope)) {
        throw new EngineError('INVALID_ARGUMENT', `negative_slope ${String(param)} is not a valid number`)
      }
      return Math.sqrt(2 / (1 + slope * slope))
    }
    case 'selu':
      return 3 / 4
    default:
      throw new EngineError('INVALID_ARGUMENT', `Unsupported nonlinearity ${String(nonlinearity)}`)
  }
}

/**
 * Fan-in and fan-out of a weight, as PyTorch's _calculate_fan_in_and_fan_out: dimension 1 and
 * dimension 0 times the receptive field (the product of the remaining dimensions). So a Linear
 * weight (out, in) has fan-in `in`, a Conv2d weight (out, in, kH, kW) has in * kH * kW, and a
 * ConvTranspose2d weight (in, out, kH, kW) has out * kH * kW.
 */
export function calculateFanInAndFanOut(tensor: Tensor): { fanIn: number; fanOut: number } {
  const shape = tensor.shape
  if (shape.length < 2) {
    throw new EngineError(
      'INVALID_ARGUMENT',
      `Fan in and fan out can not be computed for tensor with fewer than 2 dimensions (shape ${formatShape(shape)})`,
    )
  }
  const receptiveField = shape.slice(2).reduce((n, d) => n * d, 1)
  return { fanIn: shape[1] * receptiveField, fanOut: shape[0] * receptiveField }
}

function fanFor(tensor: Tensor, mode: FanMode): number {
  if (mode !== 'fan_in' && mode !== 'fan_out') {
    throw new EngineError('INVALID_ARGUMENT', `Mode ${String(mode)} not supported, please use one of fan_in, fan_out`)
  }
  const { fanIn, fanOut } = calculateFanInAndFanOut(tensor)
  return mode === 'fan_in' ? fanIn : fanOut
}

/** Fills with samples from U(a, b). */
export function uniform_(tensor: Tensor, a = 0, b = 1, generator: Generator = defaultGenerator): Tensor {
  if (!(a <= b)) {
    throw new EngineError('INVALID_ARGUMENT', `uniform_ expects to return a [from, to) range, but found from=${a} > to=${b}`)
  }
  return noGrad(() => tensor.uniform_(a, b, generator))
}

/** Fills with samples from N(mean, std^2). */
export function normal_(tensor: Tensor, mean = 0, std = 1, generator: Generator = defaultGenerator): Tensor {
  if (!(std >= 0)) {
    throw new EngineError('INVALID_ARGUMENT', `normal expects std >= 0.0, but found std ${std}`)
  }
  return noGrad(() => tensor.normal_(mean, std, generator))
}

export function constant_(tensor: Tensor, value: number): Tensor {
  return noGrad(() => tensor.fill_(value))
}

export function zeros_(tensor: Tensor): Tensor {
  return constant_(tensor, 0)
}

export function ones_(tensor: Tensor): Tensor {
  return constant_(tensor, 1)
}

/** Glorot uniform: U(-bound, bound) with bound = gain * sqrt(6 / (fan_in + fan_out)). */
export function xavierUniform_(tensor: Tensor, gain = 1, generator: Generator = defaultGenerator): Tensor {
  const { fanIn, fanOut } = calculateFanInAndFanOut(tensor)
  const bound = Math.sqrt(3) * gain * Math.sqrt(2 / (fanIn + fanOut))
  return uniform_(tensor, -bound, bound, generator)
}

/** Glorot normal: N(0, std^2) with std = gain * sqrt(2 / (fan_in + fan_out)). */
export function xavierNormal_(tensor: Tensor, gain = 1, generator: Generator = defaultGenerator): Tensor {
  const { fanIn, fanOut } = calculateFanInAndFanOut(tensor)
  return normal_(tensor, 0, gain * Math.sqrt(2 / (fanIn + fanOut)), generator)
}

function kaimingStd(tensor: Tensor, options: KaimingOptions): number {
  const gain = calculateGain(options.nonlinearity ?? 'leaky_relu', options.a ?? 0)
  return gain / Math.sqrt(fanFor(tensor, options.mode ?? 'fan_in'))
}

/** He uniform: U(-bound, bound) with bound = gain * sqrt(3 / fan), gain from `nonlinearity` and `a`. */
export function kaimingUniform_(tensor: Tensor, options: KaimingOptions = {}): Tensor {
  if (tensor.numel() === 0) return tensor // PyTorch warns that this is a no-op
  const bound = Math.sqrt(3) * kaimingStd(tensor, options)
  return uniform_(tensor, -bound, bound, options.generator)
}

/** He normal: N(0, std^2) with std = gain / sqrt(fan). */
export function kaimingNormal_(tensor: Tensor, options: KaimingOptions = {}): Tensor {
  if (tensor.numel() === 0) return tensor
  return normal_(tensor, 0, kaimingStd(tensor, options), options.generator)
}
