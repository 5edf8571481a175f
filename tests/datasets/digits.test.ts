import { beforeAll, describe, expect, it } from 'vitest'
import { startEngine } from '../helpers/engine'
import { DIGIT_COUNTS } from '../../src/main/datasets/digits'
import { ImageDataset } from '../../src/main/datasets/image-dataset'
import { inspectDataset } from '../../src/main/datasets/inspect'
import { loadDataset } from '../../src/main/datasets/load'
import { readBatch } from './batch-helpers'
import { expectDatasetError } from './helpers'

beforeAll(startEngine)

describe('built-in digits', () => {
  it('loads 10,000 labelled digits', async () => {
    const fractions: number[] = []
    const dataset = (await loadDataset('digits', { onProgress: (p) => fractions.push(p.fraction) })) as ImageDataset
    expect(dataset.length).toBe(10_000)
    expect(dataset.imageShape).toEqual([1, 28, 28])
    expect(dataset.classNames).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'])
    expect(dataset.summary.classes?.map((entry) => entry.count)).toEqual(DIGIT_COUNTS)
    expect(dataset.summary.origin).toBe('built-in')
    expect(fractions.at(-1)).toBe(1)

    // Labels are grouped by class in file order: item 1001 is the first '1'.
    expect(dataset.getLabel(1000)).toBe(0)
    expect(dataset.getLabel(1001)).toBe(1)
    expect(dataset.getLabel(9999)).toBe(9)
  })

  it('pixels are real digits in [-1, 1]', async () => {
    const dataset = await loadDataset('digits')
    const batch = readBatch(dataset, [0, 5000, 9999])
    expect(batch.shape).toEqual([3, 1, 28, 28])
    expect(batch.y).toEqual([0, 4, 9])
    let min = Infinity
    let max = -Infinity
    let ink = 0
    for (const value of batch.x) {
      min = Math.min(min, value)
      max = Math.max(max, value)
      if (value > 0) ink++
    }
    expect(min).toBe(-1)
    expect(max).toBeGreaterThan(0.9)
    expect(max).toBeLessThanOrEqual(1)
    // A handwritten digit inks roughly 10-25% of its 784 pixels.
    expect(ink / 3).toBeGreaterThan(50)
    expect(ink / 3).toBeLessThan(300)
  })

  it('inspect needs no parsing and agrees with load', async () => {
    const summary = await inspectDataset('digits')
    const loaded = (await loadDataset('digits')).summary
    expect(summary.count).toBe(10_000)
    expect(summary.classes).toEqual(loaded.classes)
    expect(summary.checksum).toBe(loaded.checksum)
    expect(summary.files).toHaveLength(10)
  })

  it('resizes to 32x32 RGB', async () => {
    const dataset = await loadDataset('digits', { imageSize: 32, channels: 3 })
    const batch = readBatch(dataset, [7])
    expect(batch.shape).toEqual([1, 3, 32, 32])
    const plane = 32 * 32
    expect(Array.from(batch.x.subarray(0, plane))).toEqual(Array.from(batch.x.subarray(plane, 2 * plane)))
  })

  it('has no test split', async () => {
    await expectDatasetError(loadDataset('digits', { split: 'test' }), 'INVALID_OPTION', 'no test split')
  })
})
