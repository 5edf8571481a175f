import type { Tensor } from '../tensor'
import { leakyRelu, relu, sigmoid, softplus, tanh } from '../ops/activation'
import { EngineError } from '../errors'
import { Module } from './module'
import { checkPositiveNumber, pyFloat } from './args'

export class ReLU extends Module {
  forward(input: Tensor): Tensor {
    return relu(input)
  }
}

/** max(0, x) + negativeSlope * min(0, x), as PyTorch's nn.LeakyReLU. */
export class LeakyReLU extends Module {
  readonly negativeSlope: number

  constructor(negativeSlope = 0.01) {
    super()
    if (typeof negativeSlope !== 'number' || !Number.isFinite(negativeSlope)) {
      throw new EngineError('INVALID_ARGUMENT', `LeakyReLU: negative_slope must be a finite number, got ${String(negativeSlope)}`)
    }
    this.negativeSlope = negativeSlope
  }

  forward(input: Tensor): Tensor {
    return leakyRelu(input, this.negativeSlope)
  }

  override extraRepr(): string {
    return `negative_slope=${pyFloat(this.negativeSlope)}`
  }
}

export class Tanh extends Module {
  forward(input: Tensor): Tensor {
    return tanh(input)
  }
}

export class Sigmoid extends Module {
  forward(input: Tensor): Tensor {
    return sigmoid(input)
  }
}

/** log(1 + exp(beta * x)) / beta, linear where beta * x > threshold, as PyTorch's nn.Softplus. */
export class Softplus extends Module {
  readonly beta: number
  readonly threshold: number

  constructor(beta = 1, threshold = 20) {
    super()
    this.beta = checkPositiveNumber(beta, 'beta', 'Softplus')
    if (typeof threshold !== 'number' || Number.isNaN(threshold)) {
      throw new EngineError('INVALID_ARGUMENT', `Softplus: threshold must be a number, got ${String(threshold)}`)
    }
    this.threshold = threshold
  }

  forward(input: Tensor): Tensor {
    return softplus(input, this.beta, this.threshold)
  }

  override extraRepr(): string {
    return `beta=${pyFloat(this.beta)}, threshold=${pyFloat(this.threshold)}`
  }
}
