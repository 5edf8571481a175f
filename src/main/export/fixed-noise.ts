import * as torch from '../../engine'
import { isConditional, type RunConfig } from '../trainer/config'
import type { DataShape } from '../trainer/models'
import type { NoiseBatch } from '../trainer/fixed-noise'

export { fixedNoise, fixedNoiseSeedOffset, type NoiseBatch } from '../trainer/fixed-noise'

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
