/**
 * Toy datasets that draw points on demand from their own seeded generator (see toy-specs.ts for the
 * distributions), so the data is unlimited and the same seed gives the same points.
 */
import { tensor } from '../../engine'
import { Generator, type RngState } from '../../engine/random'
import { DatasetError } from './errors'
import { TOY_LENGTH, TOY_SPECS, toySummary, type ToyName } from './toy-specs'
import type { Batch, Dataset, DatasetSummary } from './types'

export class ToyDataset implements Dataset {
  readonly kind = 'points' as const
  readonly summary: DatasetSummary
  readonly length = TOY_LENGTH
  readonly numClasses = null
  readonly classNames = null
  readonly imageShape = null
  readonly modes: Array<[number, number]>
  readonly modeStd: number
  private readonly generator: Generator

  constructor(name: ToyName, seed: number, ref: string = name) {
    const spec = TOY_SPECS[name]
    this.summary = toySummary(name, ref)
    this.modes = spec.centres.map(([x, y]) => [x, y])
    this.modeStd = spec.std
    this.generator = new Generator(seed)
  }

  /**
   * Draws fresh points, one per index: the indices only set the batch size, because the data is
   * unlimited. Resuming a run exactly needs `getState()` saved with the sampler's state.
   */
  batch(indices: Int32Array | readonly number[]): Batch {
    const count = indices.length
    const values = new Float32Array(count * 2)
    this.generator.fillNormal(values, 0, this.modeStd)
    for (let i = 0; i < count; i++) {
      const [cx, cy] = this.modes[this.generator.nextInt(this.modes.length)]
      values[2 * i] += cx
      values[2 * i + 1] += cy
    }
    return { x: tensor(values, { shape: [count, 2] }), y: null } // (N, 2)
  }

  getState(): RngState {
    return this.generator.getState()
  }

  setState(state: RngState): void {
    try {
      this.generator.setState(state)
    } catch (error) {
      throw new DatasetError('INVALID_OPTION', `invalid toy generator state: ${(error as Error).message}`)
    }
  }
}
