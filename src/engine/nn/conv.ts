import { zeros } from '../creation'
import { EngineError } from '../errors'
import type { Tensor } from '../tensor'
import { type IntPair, conv2d, convTranspose2d, toPair } from '../ops/conv'
import { Module } from './module'
import { Parameter } from './parameter'
import { kaimingUniform_ } from './init'
import { initBiasFromWeight } from './linear'
import { checkBoolean, checkPositiveInt, pyBool, pyTuple } from './args'

export interface Conv2dOptions {
  stride?: IntPair
  /** Zero padding on both sides. 'valid' means no padding, 'same' keeps the size (stride 1, even total padding). */
  padding?: IntPair | 'valid' | 'same'
  dilation?: IntPair
  /** Only 1: the kernels have no grouped convolution. */
  groups?: number
  bias?: boolean
  /** Only 'zeros'. */
  paddingMode?: 'zeros'
}

export interface ConvTranspose2dOptions {
  stride?: IntPair
  padding?: IntPair
  /** Extra size on one side of the output, smaller than the stride. */
  outputPadding?: IntPair
  groups?: number
  bias?: boolean
  /** Only 1: the kernels have no dilated transposed convolution. */
  dilation?: IntPair
}

function checkGroups(groups: number | undefined, layer: string): void {
  if (groups !== undefined && groups !== 1) {
    throw new EngineError(
      'NOT_SUPPORTED',
      `${layer}: groups=${groups} is not supported, because the engine's convolution kernels have no grouped or ` +
        'depthwise form. Use groups=1.',
    )
  }
}

function checkPaddingMode(mode: string | undefined, layer: string): void {
  if (mode !== undefined && mode !== 'zeros') {
    throw new EngineError('NOT_SUPPORTED', `${layer}: padding_mode '${mode}' is not supported; only 'zeros' is`)
  }
}

function paddingRepr(padding: [number, number] | 'valid' | 'same'): string {
  if (typeof padding === 'string') return `, padding=${padding}`
  return padding[0] !== 0 || padding[1] !== 0 ? `, padding=${pyTuple(padding)}` : ''
}

/**
 * 2-D convolution layer, as PyTorch's nn.Conv2d: input (N, in_channels, H, W), output
 * (N, out_channels, Ho, Wo). Weight (out_channels, in_channels, kH, kW) from kaiming_uniform(a =
 * sqrt(5)), bias from U(-1/sqrt(fan_in), 1/sqrt(fan_in)) with fan_in = in_channels * kH * kW.
 */
export class Conv2d extends Module {
  readonly inChannels: number
  readonly outChannels: number
  readonly kernelSize: [number, number]
  readonly stride: [number, number]
  readonly padding: [number, number] | 'valid' | 'same'
  readonly dilation: [number, number]
  readonly groups = 1
  weight: Parameter
  bias: Parameter | null

  constructor(inChannels: number, outChannels: number, kernelSize: IntPair, options: Conv2dOptions = {}) {
    super()
    const layer = 'Conv2d'
    this.inChannels = checkPositiveInt(inChannels, 'in_channels', layer)
    this.outChannels = checkPositiveInt(outChannels, 'out_channels', layer)
    this.kernelSize = toPair(kernelSize, 'kernel_size', 1)
    this.stride = toPair(options.stride ?? 1, 'stride', 1)
    const padding = options.padding ?? 0
    this.padding = padding === 'valid' || padding === 'same' ? padding : toPair(padding, 'padding', 0)
    this.dilation = toPair(options.dilation ?? 1, 'dilation', 1)
    checkGroups(options.groups, layer)
    checkPaddingMode(options.paddingMode, layer)
    if (this.padding === 'same' && (this.stride[0] !== 1 || this.stride[1] !== 1)) {
      throw new EngineError('INVALID_ARGUMENT', "Conv2d: padding='same' is not supported for strided convolutions")
    }
    const withBias = checkBoolean(options.bias ?? true, 'bias', layer)
    this.weight = new Parameter(zeros([outChannels, inChannels, ...this.kernelSize]))
    this.bias = withBias ? new Parameter(zeros([outChannels])) : null
    this.resetParameters()
  }

  resetParameters(): void {
    kaimingUniform_(this.weight, { a: Math.sqrt(5) })
    if (this.bias) initBiasFromWeight(this.bias, this.weight)
  }

  forward(input: Tensor): Tensor {
    return conv2d(input, this.weight, this.bias, { stride: this.stride, padding: this.padding, dilation: this.dilation })
  }

  override extraRepr(): string {
    let text = `${this.inChannels}, ${this.outChannels}, kernel_size=${pyTuple(this.kernelSize)}, stride=${pyTuple(this.stride)}`
    text += paddingRepr(this.padding)
    if (this.dilation[0] !== 1 || this.dilation[1] !== 1) text += `, dilation=${pyTuple(this.dilation)}`
    if (this.bias === null) text += `, bias=${pyBool(false)}`
    return text
  }
}

/**
 * 2-D transposed convolution layer, as PyTorch's nn.ConvTranspose2d: input (N, in_channels, H, W),
 * output (N, out_channels, (H - 1) * stride - 2 * padding + kH + output_padding, ...). Weight
 * (in_channels, out_channels, kH, kW) from kaiming_uniform(a = sqrt(5)), whose fan_in for this
 * layout is out_channels * kH * kW; bias from U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
 */
export class ConvTranspose2d extends Module {
  readonly inChannels: number
  readonly outChannels: number
  readonly kernelSize: [number, number]
  readonly stride: [number, number]
  readonly padding: [number, number]
  readonly outputPadding: [number, number]
  readonly dilation: [number, number]
  readonly groups = 1
  weight: Parameter
  bias: Parameter | null

  constructor(inChannels: number, outChannels: number, kernelSize: IntPair, options: ConvTranspose2dOptions = {}) {
    super()
    const layer = 'ConvTranspose2d'
    this.inChannels = checkPositiveInt(inChannels, 'in_channels', layer)
    this.outChannels = checkPositiveInt(outChannels, 'out_channels', layer)
    this.kernelSize = toPair(kernelSize, 'kernel_size', 1)
    this.stride = toPair(options.stride ?? 1, 'stride', 1)
    this.padding = toPair(options.padding ?? 0, 'padding', 0)
    this.outputPadding = toPair(options.outputPadding ?? 0, 'output_padding', 0)
    this.dilation = toPair(options.dilation ?? 1, 'dilation', 1)
    checkGroups(options.groups, layer)

    for (const i of [0, 1]) {
      if (this.outputPadding[i] >= this.stride[i] && this.outputPadding[i] >= this.dilation[i]) {
        throw new EngineError(
          'INVALID_ARGUMENT',
          `${layer}: output padding must be smaller than either stride or dilation, but got output_padding ` +
            `${pyTuple(this.outputPadding)}, stride ${pyTuple(this.stride)} and dilation ${pyTuple(this.dilation)}`,
        )
      }
    }
    if (this.dilation[0] !== 1 || this.dilation[1] !== 1) {
      throw new EngineError(
        'NOT_SUPPORTED',
        `${layer}: dilation ${pyTuple(this.dilation)} is not supported, because the tfjs kernels have no dilated ` +
          'transposed convolution. Use dilation 1.',
      )
    }

    const withBias = checkBoolean(options.bias ?? true, 'bias', layer)
    this.weight = new Parameter(zeros([inChannels, outChannels, ...this.kernelSize]))
    this.bias = withBias ? new Parameter(zeros([outChannels])) : null
    this.resetParameters()
  }

  resetParameters(): void {
    kaimingUniform_(this.weight, { a: Math.sqrt(5) })
    if (this.bias) initBiasFromWeight(this.bias, this.weight)
  }

  forward(input: Tensor): Tensor {
    return convTranspose2d(input, this.weight, this.bias, {
      stride: this.stride,
      padding: this.padding,
      outputPadding: this.outputPadding,
      dilation: this.dilation,
    })
  }

  override extraRepr(): string {
    let text = `${this.inChannels}, ${this.outChannels}, kernel_size=${pyTuple(this.kernelSize)}, stride=${pyTuple(this.stride)}`
    text += paddingRepr(this.padding)
    if (this.dilation[0] !== 1 || this.dilation[1] !== 1) text += `, dilation=${pyTuple(this.dilation)}`
    if (this.outputPadding[0] !== 0 || this.outputPadding[1] !== 0) text += `, output_padding=${pyTuple(this.outputPadding)}`
    if (this.bias === null) text += `, bias=${pyBool(false)}`
    return text
  }
}
