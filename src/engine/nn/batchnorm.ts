import { ones, zeros } from '../creation'
import { EngineError } from '../errors'
import type { Tensor } from '../tensor'
import { noGrad } from '../autograd/grad-mode'
import { batchNorm } from '../ops/norm'
import { Module } from './module'
import { Parameter } from './parameter'
import { checkBoolean, checkPositiveInt, checkPositiveNumber, pyBool, pyFloat } from './args'

export interface BatchNormOptions {
  /** Added to the variance before the square root (default 1e-5). */
  eps?: number
  /** Weight of each new batch in the running averages (default 0.1); null for a cumulative average. */
  momentum?: number | null
  /** Learn a per-channel scale and shift (default true). */
  affine?: boolean
  /** Keep running averages for evaluation mode (default true). */
  trackRunningStats?: boolean
}

/**
 * Batch normalisation over dimension 1, PyTorch's _BatchNorm. In training it normalises with the
 * batch statistics and updates the running ones, and in evaluation it uses the running ones.
 * Weight starts at 1 and bias at 0. Buffers keep PyTorch's names (running_mean, running_var,
 * num_batches_tracked) so that state dicts match, and the getters return them in camelCase.
 */
export abstract class BatchNormBase extends Module {
  readonly numFeatures: number
  readonly eps: number
  readonly momentum: number | null
  readonly affine: boolean
  readonly trackRunningStats: boolean
  weight: Parameter | null
  bias: Parameter | null

  constructor(numFeatures: number, options: BatchNormOptions = {}) {
    super()
    const layer = this._getName()
    this.numFeatures = checkPositiveInt(numFeatures, 'num_features', layer)
    this.eps = checkPositiveNumber(options.eps ?? 1e-5, 'eps', layer)
    const momentum = options.momentum === undefined ? 0.1 : options.momentum
    if (momentum !== null && !(typeof momentum === 'number' && momentum >= 0 && momentum <= 1)) {
      throw new EngineError('INVALID_ARGUMENT', `${layer}: momentum must be in [0, 1] or null, got ${String(momentum)}`)
    }
    this.momentum = momentum
    this.affine = checkBoolean(options.affine ?? true, 'affine', layer)
    this.trackRunningStats = checkBoolean(options.trackRunningStats ?? true, 'track_running_stats', layer)
    this.weight = this.affine ? new Parameter(ones([numFeatures])) : null
    this.bias = this.affine ? new Parameter(zeros([numFeatures])) : null
    const tracked = this.trackRunningStats
    this.registerBuffer('running_mean', tracked ? zeros([numFeatures]) : null)
    this.registerBuffer('running_var', tracked ? ones([numFeatures]) : null)
    this.registerBuffer('num_batches_tracked', tracked ? zeros([], { dtype: 'int32' }) : null)
  }

  get runningMean(): Tensor | null {
    return this.getBuffer('running_mean')
  }

  get runningVar(): Tensor | null {
    return this.getBuffer('running_var')
  }

  /** Number of training batches seen, an int32 scalar (int64 in PyTorch). */
  get numBatchesTracked(): Tensor | null {
    return this.getBuffer('num_batches_tracked')
  }

  resetRunningStats(): void {
    noGrad(() => {
      this.runningMean?.zero_()
      this.runningVar?.fill_(1)
      this.numBatchesTracked?.zero_()
    })
  }

  resetParameters(): void {
    this.resetRunningStats()
    noGrad(() => {
      this.weight?.fill_(1)
      this.bias?.zero_()
    })
  }

  /** Rejects inputs of the wrong rank, with PyTorch's message. */
  protected abstract checkInputDim(input: Tensor): void

  forward(input: Tensor): Tensor {
    this.checkInputDim(input)
    let factor = this.momentum ?? 0
    const counter = this.numBatchesTracked
    if (this.training && this.trackRunningStats && counter !== null) {
      noGrad(() => counter.add_(1))
      // A null momentum averages every batch so far equally (reading the counter back once).
      if (this.momentum === null) factor = 1 / counter.item()
    }
    // Without running statistics, even evaluation normalises with the batch's own.
    const useBatchStats = this.training || (this.runningMean === null && this.runningVar === null)
    const passStats = !this.training || this.trackRunningStats
    return batchNorm(
      input,
      passStats ? this.runningMean : null,
      passStats ? this.runningVar : null,
      this.weight,
      this.bias,
      useBatchStats,
      factor,
      this.eps,
    )
  }

  override extraRepr(): string {
    const momentum = this.momentum === null ? 'None' : pyFloat(this.momentum)
    return `${this.numFeatures}, eps=${pyFloat(this.eps)}, momentum=${momentum}, affine=${pyBool(this.affine)}, ` +
      `track_running_stats=${pyBool(this.trackRunningStats)}`
  }
}

/** Batch normalisation of (N, C) or (N, C, L) inputs, as PyTorch's nn.BatchNorm1d. */
export class BatchNorm1d extends BatchNormBase {
  protected checkInputDim(input: Tensor): void {
    if (input.ndim !== 2 && input.ndim !== 3) {
      throw new EngineError('SHAPE_MISMATCH', `BatchNorm1d: expected 2D or 3D input (got ${input.ndim}D input)`)
    }
  }
}

/** Batch normalisation of (N, C, H, W) inputs, as PyTorch's nn.BatchNorm2d. */
export class BatchNorm2d extends BatchNormBase {
  protected checkInputDim(input: Tensor): void {
    if (input.ndim !== 4) {
      throw new EngineError('SHAPE_MISMATCH', `BatchNorm2d: expected 4D input (got ${input.ndim}D input)`)
    }
  }
}
