import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { startEngine } from '../helpers/engine'
import { ImageDataset } from '../../src/main/datasets/image-dataset'
import { inspectDataset } from '../../src/main/datasets/inspect'
import { loadDataset } from '../../src/main/datasets/load'
import { readBatch } from './batch-helpers'
import { expectDatasetError, tempDir } from './helpers'

beforeAll(startEngine)

const PLANE = 32 * 32

/** Builds one CIFAR-10 record: the label byte, then the red, green and blue planes. */
function record(label: number, red: (p: number) => number, green: (p: number) => number, blue: (p: number) => number): Buffer {
  const bytes = Buffer.alloc(1 + 3 * PLANE)
  bytes[0] = label
  for (let p = 0; p < PLANE; p++) {
    bytes[1 + p] = red(p)
    bytes[1 + PLANE + p] = green(p)
    bytes[1 + 2 * PLANE + p] = blue(p)
  }
  return bytes
}

/** Builds a batch file whose record i has label labels[i] and planes filled with values derived from i. */
function batchFile(labels: number[]): Buffer {
  return Buffer.concat(labels.map((label, i) => record(label, () => i, () => 100 + i, () => 200 + i)))
}

describe('CIFAR-10 binary', () => {
  it('channel-planar layout', async () => {
    const folder = tempDir()
    const file = join(folder, 'data_batch_1.bin')
    writeFileSync(file, record(3, (p) => p % 256, () => 0, () => 255))
    const dataset = (await loadDataset(file)) as ImageDataset

    expect(dataset.imageShape).toEqual([3, 32, 32])
    const image = dataset.getImage(0) // (C, H, W)
    const pixel = (y: number, x: number): number[] => [0, 1, 2].map((c) => image[c * PLANE + y * 32 + x])
    expect(pixel(0, 1)).toEqual([1, 0, 255])
    expect(pixel(0, 0)).toEqual([0, 0, 255])
    expect(pixel(1, 0)).toEqual([32, 0, 255])

    const batch = readBatch(dataset, [0])
    expect(batch.y).toEqual([3])
    expect(batch.x[1]).toBeCloseTo(1 / 127.5 - 1, 6) // red (0, 1)
    expect(batch.x[PLANE + 1]).toBe(-1) // green (0, 1)
    expect(batch.x[2 * PLANE + 1]).toBe(1) // blue (0, 1)
  })

  it('folder reads train batches in order', async () => {
    const folder = tempDir()
    writeFileSync(join(folder, 'data_batch_2.bin'), batchFile([5, 6]))
    writeFileSync(join(folder, 'data_batch_1.bin'), batchFile([0, 1, 2]))
    writeFileSync(join(folder, 'test_batch.bin'), batchFile([9]))
    const dataset = await loadDataset(folder)
    expect(dataset.length).toBe(5)
    expect(dataset.classNames?.[0]).toBe('airplane')
    expect(readBatch(dataset, [0, 1, 2, 3, 4]).y).toEqual([0, 1, 2, 5, 6])
    expect(dataset.summary.files.map((file) => file.path)).toEqual([join(folder, 'data_batch_1.bin'), join(folder, 'data_batch_2.bin')])

    const test = await loadDataset(folder, { split: 'test' })
    expect(test.length).toBe(1)
    expect(test.summary.split).toBe('test')
  })

  it('class names from batches.meta.txt', async () => {
    const folder = tempDir()
    const inner = join(folder, 'cifar-10-batches-bin')
    mkdirSync(inner)
    writeFileSync(join(inner, 'data_batch_1.bin'), batchFile([0, 7]))
    writeFileSync(join(inner, 'batches.meta.txt'), 'a\nb\nc\nd\ne\nf\ng\nh\ni\nj\n\n')
    const dataset = await loadDataset(folder)
    expect(dataset.classNames).toEqual(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j'])
  })

  it('grey output uses BT.601 luma', async () => {
    const folder = tempDir()
    const file = join(folder, 'data_batch_1.bin')
    writeFileSync(file, record(0, () => 200, () => 100, () => 50))
    const dataset = (await loadDataset(file, { channels: 1 })) as ImageDataset
    expect(dataset.imageShape).toEqual([1, 32, 32])
    expect(dataset.getImage(0)[0]).toBe(Math.round(0.299 * 200 + 0.587 * 100 + 0.114 * 50))
  })

  it('inspect counts classes from label bytes', async () => {
    const folder = tempDir()
    writeFileSync(join(folder, 'data_batch_1.bin'), batchFile([4, 4, 1, 9]))
    const summary = await inspectDataset(folder)
    expect(summary.count).toBe(4)
    expect(summary.classes?.map((entry) => entry.count)).toEqual([0, 1, 0, 0, 2, 0, 0, 0, 0, 1])
    expect(summary.knownAs).toBe('CIFAR-10')
    expect(summary.files[0].md5).toMatch(/^[0-9a-f]{32}$/)
  })

  it('size not a multiple of 3,073', async () => {
    const folder = tempDir()
    const file = join(folder, 'data_batch_1.bin')
    writeFileSync(file, Buffer.concat([batchFile([1, 2]), Buffer.alloc(100)]))
    const error = await expectDatasetError(loadDataset(file), 'NOT_CIFAR', 'multiple of 3,073', 'found 6,246 bytes', '100 bytes left over')
    expect(error.file).toBe(file)
  })

  it('CIFAR-100 file is rejected', async () => {
    const folder = tempDir()
    const file = join(folder, 'train.bin')
    writeFileSync(file, Buffer.alloc(3 * 3074))
    const error = await expectDatasetError(inspectDataset(file), 'NOT_CIFAR', 'found 9,222 bytes', 'CIFAR-100')
    expect(error.fix).toContain('not supported')
  })

  it('label outside 0..9', async () => {
    const folder = tempDir()
    const file = join(folder, 'data_batch_1.bin')
    writeFileSync(file, batchFile([1, 57]))
    await expectDatasetError(loadDataset(file), 'NOT_CIFAR', 'label 57 in record 1')
    await expectDatasetError(inspectDataset(file), 'NOT_CIFAR', 'label 57 in record 1')
  })
})
