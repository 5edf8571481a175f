import type { Tensor } from '../tensor'
import { EngineError } from '../errors'
import { Module } from './module'
import { checkPositiveInt, pyTuple } from './args'

function checkDim(value: unknown, name: string, layer: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new EngineError('INVALID_ARGUMENT', `${layer}: ${name} must be an integer dimension, got ${String(value)}`)
  }
  return value
}

/** Flattens dimensions startDim..endDim into one, as PyTorch's nn.Flatten: (N, C, H, W) to (N, C*H*W). */
export class Flatten extends Module {
  readonly startDim: number
  readonly endDim: number

  constructor(startDim = 1, endDim = -1) {
    super()
    this.startDim = checkDim(startDim, 'start_dim', 'Flatten')
    this.endDim = checkDim(endDim, 'end_dim', 'Flatten')
  }

  forward(input: Tensor): Tensor {
    return input.flatten(this.startDim, this.endDim)
  }

  override extraRepr(): string {
    return `start_dim=${this.startDim}, end_dim=${this.endDim}`
  }
}

/** Splits dimension `dim` into `sizes`, as PyTorch's nn.Unflatten: (N, 3136) to (N, 64, 7, 7). */
export class Unflatten extends Module {
  readonly dim: number
  readonly unflattenedSize: number[]

  constructor(dim: number, sizes: readonly number[]) {
    super()
    this.dim = checkDim(dim, 'dim', 'Unflatten')
    if (!Array.isArray(sizes) || sizes.length === 0) {
      throw new EngineError('INVALID_ARGUMENT', `Unflatten: unflattened_size must be a non-empty array of sizes, got ${String(sizes)}`)
    }
    // -1 lets one size be inferred, as in PyTorch.
    this.unflattenedSize = sizes.map((size) => (size === -1 ? size : checkPositiveInt(size, 'each unflattened size', 'Unflatten')))
  }

  forward(input: Tensor): Tensor {
    return input.unflatten(this.dim, this.unflattenedSize)
  }

  override extraRepr(): string {
    return `dim=${this.dim}, unflattened_size=${pyTuple(this.unflattenedSize)}`
  }
}
