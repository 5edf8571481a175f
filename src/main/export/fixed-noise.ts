import * as torch from '../../engine'
import { isConditional, type RunConfig } from '../trainer/config'
import type { DataShape } from '../trainer/models'

/** Noise vectors and class labels to generate from, as flat arrays. */
export interface NoiseBatch {
  /** (count, latentDim) values. */
  z: Float32Array
  /** (count) class indices for conditional generators, else null. */
  labels: Int32Array | null
  count: number
  /** Images per row of the grid drawn from it. */
  nrow: number
}

const fixedSampleCount = 64

/** Seed offset of the fixed-noise generator, so its sequence differs from the training noise. */
export const fixedNoiseSeedOffset = 7919

/**
 * Draws the run's fixed noise as GanTrainer's constructor does: normal vectors from a generator
 * seeded with seed + 7919. Conditional models get `floor(64 / classes)` samples per class, one row
 * per class. Point sets get 512 vectors, and other image models 64 in rows of 8.
 * NOTE: this repeats the trainer's rule, and the grid-regeneration test fails if the two drift apart.
 */
export function fixedNoise(config: RunConfig, data: DataShape): NoiseBatch {
  const classes = isConditional(config) ? (data.numClasses as number) : 0
  const perClass = classes > 0 ? Math.max(1, Math.floor(fixedSampleCount / classes)) : 0
  let count = fixedSampleCount
  if (classes > 0) count = perClass * classes
  else if (data.kind === 'points') count = 512
  const generator = new torch.Generator(config.seed + fixedNoiseSeedOffset)
  const z = generator.fillNormal(new Float32Array(count * config.model.latentDim))
  const labels = classes > 0 ? Int32Array.from({ length: count }, (_, i) => Math.floor(i / perClass)) : null
  return { z, labels, count, nrow: classes > 0 ? perClass : 8 }
}

/**
 * `count` new noise vectors from a generator seeded with `seed`. Conditional models get `label` for
 * every sample, or the classes in turn (0, 1, ..., 0, 1, ...) with one column per class.
 */
export function newNoise(config: RunConfig, data: DataShape, count: number, seed: number, label?: number): NoiseBatch {
  const z = new torch.Generator(seed).fillNormal(new Float32Array(count * config.model.latentDim))
  const classes = isConditional(config) ? (data.numClasses as number) : 0
  if (classes === 0) return { z, labels: null, count, nrow: Math.min(8, count) }
  const labels = Int32Array.from({ length: count }, (_, i) => label ?? i % classes)
  return { z, labels, count, nrow: label === undefined ? Math.min(classes, count) : Math.min(8, count) }
}
