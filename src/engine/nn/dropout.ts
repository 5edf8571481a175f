import type { Tensor } from '../tensor'
import { checkDropoutProbability, dropout } from '../ops/dropout'
import { Module } from './module'
import { pyFloat } from './args'

/**
 * Zeroes each element with probability p in training and scales the rest by 1 / (1 - p), as
 * PyTorch's nn.Dropout. In evaluation it returns its input.
 */
export class Dropout extends Module {
  readonly p: number

  constructor(p = 0.5) {
    super()
    checkDropoutProbability(p)
    this.p = p
  }

  forward(input: Tensor): Tensor {
    return dropout(input, this.p, this.training)
  }

  override extraRepr(): string {
    return `p=${pyFloat(this.p)}, inplace=False`
  }
}
