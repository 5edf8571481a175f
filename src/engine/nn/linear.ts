import { zeros } from '../creation'
import type { Tensor } from '../tensor'
import { linear } from '../ops/linalg'
import { Module } from './module'
import { Parameter } from './parameter'
import { calculateFanInAndFanOut, kaimingUniform_, uniform_ } from './init'
import { checkBoolean, checkPositiveInt, pyBool } from './args'

export interface LinearOptions {
  /** Learn an additive bias (default true). */
  bias?: boolean
}

/**
 * Uniform bias initialisation of PyTorch's Linear and convolution layers: U(-1/sqrt(fan_in),
 * 1/sqrt(fan_in)), with fan_in from the weight's layout.
 */
export function initBiasFromWeight(bias: Parameter, weight: Parameter): void {
  const { fanIn } = calculateFanInAndFanOut(weight)
  const bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0
  uniform_(bias, -bound, bound)
}

/**
 * y = x W^T + b over the last dimension, as PyTorch's nn.Linear. Input (*, in_features), output
 * (*, out_features). Weight (out_features, in_features) from kaiming_uniform(a = sqrt(5)), which is
 * U(-1/sqrt(in_features), 1/sqrt(in_features)); bias from the same range.
 */
export class Linear extends Module {
  readonly inFeatures: number
  readonly outFeatures: number
  weight: Parameter
  bias: Parameter | null

  constructor(inFeatures: number, outFeatures: number, options: LinearOptions = {}) {
    super()
    this.inFeatures = checkPositiveInt(inFeatures, 'in_features', 'Linear')
    this.outFeatures = checkPositiveInt(outFeatures, 'out_features', 'Linear')
    const withBias = checkBoolean(options.bias ?? true, 'bias', 'Linear')
    this.weight = new Parameter(zeros([outFeatures, inFeatures]))
    this.bias = withBias ? new Parameter(zeros([outFeatures])) : null
    this.resetParameters()
  }

  resetParameters(): void {
    kaimingUniform_(this.weight, { a: Math.sqrt(5) })
    if (this.bias) initBiasFromWeight(this.bias, this.weight)
  }

  forward(input: Tensor): Tensor {
    return linear(input, this.weight, this.bias)
  }

  override extraRepr(): string {
    return `in_features=${this.inFeatures}, out_features=${this.outFeatures}, bias=${pyBool(this.bias !== null)}`
  }
}

/** Returns its input unchanged; a placeholder where a layer is optional. */
export class Identity extends Module {
  forward(input: Tensor): Tensor {
    return input
  }
}
