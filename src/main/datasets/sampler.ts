/**
 * Seeded, resumable batch order. Each epoch is a fresh permutation of the dataset drawn from the
 * engine's xoshiro128** generator, cut into full batches; the remainder is dropped, as PyTorch's
 * `DataLoader(shuffle=True, drop_last=True)` does, because a GAN step needs batches of one size.
 */
import { Generator, type RngState } from '../../engine/random'
import { DatasetError } from './errors'

export interface SamplerState {
  length: number
  batchSize: number
  /** Epochs completed before the current one. */
  epoch: number
  /** Batches already returned from the current epoch. */
  position: number
  /** Generator state just before the current epoch's permutation was drawn. */
  epochRngState: RngState
}

export class BatchSampler {
  readonly length: number
  readonly batchSize: number
  readonly batchesPerEpoch: number
  private readonly generator: Generator
  private order: Int32Array
  private epochRngState: RngState
  private epochIndex = 0
  private position = 0

  constructor(length: number, batchSize: number, seed: number) {
    if (!Number.isInteger(length) || length < 1) {
      throw new DatasetError('INVALID_OPTION', `sampler length must be a positive integer, got ${length}`)
    }
    if (!Number.isInteger(batchSize) || batchSize < 1) {
      throw new DatasetError('INVALID_OPTION', `batch size must be a positive integer, got ${batchSize}`)
    }
    if (batchSize > length) {
      throw new DatasetError('INVALID_OPTION', `batch size ${batchSize} is larger than the dataset (${length} items), so no full batch exists`, {
        fix: `use a batch size of at most ${length}`,
      })
    }
    if (!Number.isFinite(seed)) throw new DatasetError('INVALID_OPTION', `sampler seed must be a finite number, got ${seed}`)

    this.length = length
    this.batchSize = batchSize
    this.batchesPerEpoch = Math.floor(length / batchSize)
    this.generator = new Generator(seed)
    this.epochRngState = this.generator.getState()
    this.order = this.shuffle()
  }

  /** Epochs completed so far. */
  get epoch(): number {
    return this.epochIndex
  }

  /** Returns the indices of the next full batch, starting a reshuffled epoch when the current one runs out. */
  next(): Int32Array {
    if (this.position === this.batchesPerEpoch) {
      this.epochIndex++
      this.position = 0
      this.epochRngState = this.generator.getState()
      this.order = this.shuffle()
    }
    const start = this.position * this.batchSize
    this.position++
    return this.order.slice(start, start + this.batchSize)
  }

  getState(): SamplerState {
    return {
      length: this.length,
      batchSize: this.batchSize,
      epoch: this.epochIndex,
      position: this.position,
      epochRngState: [...this.epochRngState],
    }
  }

  /** Restores a state from `getState()`, so that the following batches equal those of an uninterrupted run. */
  setState(state: SamplerState): void {
    if (state.length !== this.length || state.batchSize !== this.batchSize) {
      throw new DatasetError(
        'INVALID_OPTION',
        `sampler state is for ${state.length} items in batches of ${state.batchSize}, but this sampler has ${this.length} items in batches of ${this.batchSize}`,
        { fix: 'resume with the same dataset and batch size the state was saved with' },
      )
    }
    if (!Number.isInteger(state.position) || state.position < 0 || state.position > this.batchesPerEpoch) {
      throw new DatasetError('INVALID_OPTION', `sampler state position ${state.position} is outside 0..${this.batchesPerEpoch}`)
    }
    if (!Number.isInteger(state.epoch) || state.epoch < 0) {
      throw new DatasetError('INVALID_OPTION', `sampler state epoch must be a non-negative integer, got ${state.epoch}`)
    }
    this.generator.setState(state.epochRngState)
    this.epochRngState = this.generator.getState()
    this.order = this.shuffle()
    this.epochIndex = state.epoch
    this.position = state.position
  }

  /** Fisher-Yates over 0..length-1, drawing as the engine's `randperm` does so both give the same order. */
  private shuffle(): Int32Array {
    const order = new Int32Array(this.length)
    for (let i = 0; i < this.length; i++) order[i] = i
    for (let i = this.length - 1; i > 0; i--) {
      const j = this.generator.nextInt(i + 1)
      const swap = order[i]
      order[i] = order[j]
      order[j] = swap
    }
    return order
  }
}
