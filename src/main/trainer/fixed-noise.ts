import * as torch from '../../engine'
import { isConditional, type RunConfig } from './config'
import type { DataShape } from './models'

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
 * Draws a run's fixed noise, the input of every stored sample grid: normal vectors from a generator
 * seeded with seed + 7919. Conditional models get `floor(64 / classes)` samples per class, one row
 * per class. Point sets get 512 vectors, and other image models 64 in rows of 8.
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
