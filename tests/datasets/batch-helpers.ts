import { expect } from 'vitest'
import * as torch from '../../src/engine'
import type { Dataset } from '../../src/main/datasets/types'

export interface ReadBatch {
  shape: number[]
  x: Float32Array
  y: number[] | null
  yDtype: string | null
}

/** Makes a batch inside a scope, copies its values out and checks that no tfjs tensor was left behind. */
export function readBatch(dataset: Dataset, indices: number[] | Int32Array): ReadBatch {
  const before = torch.memory().numTensors
  const result = torch.scope(() => {
    const batch = dataset.batch(indices)
    return {
      shape: batch.x.shape,
      x: batch.x.toArray() as Float32Array,
      y: batch.y === null ? null : Array.from(batch.y.toArray()),
      yDtype: batch.y?.dtype ?? null,
    }
  })
  expect(torch.memory().numTensors - before, 'tfjs tensors leaked').toBe(0)
  return result
}
