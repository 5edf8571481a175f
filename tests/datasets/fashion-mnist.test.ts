import { createHash } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import { beforeAll, describe, expect, it } from 'vitest'
import { startEngine } from '../helpers/engine'
import { REMOTE_SOURCES } from '../../src/main/datasets/catalog'
import { inspectDataset } from '../../src/main/datasets/inspect'
import { listDatasets } from '../../src/main/datasets/list'
import { loadDataset } from '../../src/main/datasets/load'
import { readBatch } from './batch-helpers'
import { FASHION_DIR, tempDir } from './helpers'

const present = existsSync(join(FASHION_DIR, 'train-images-idx3-ubyte.gz'))
const title = present
  ? 'Fashion-MNIST from Debian'
  : `Fashion-MNIST from Debian (skipped: ${FASHION_DIR} is absent; apt-get install dataset-fashion-mnist)`

beforeAll(startEngine)

describe.skipIf(!present)(title, () => {
  it('listed as found', async () => {
    const listings = await listDatasets({ dataDir: tempDir() })
    const entry = listings.find((listing) => listing.name === 'fashion-mnist')
    expect(entry?.origin).toBe('found')
    expect(entry?.path).toBe(FASHION_DIR)
  })

  it('decompressed files match the published MD5s', () => {
    for (const file of REMOTE_SOURCES['fashion-mnist'].files) {
      const content = gunzipSync(readFileSync(join(FASHION_DIR, file.name)))
      expect(createHash('md5').update(content).digest('hex'), file.name).toBe(file.contentMd5)
    }
  })

  it('inspect by name', async () => {
    const summary = await inspectDataset('fashion-mnist', { dataDir: tempDir() })
    expect(summary.origin).toBe('found')
    expect(summary.knownAs).toBe('Fashion-MNIST')
    expect(summary.count).toBe(60_000)
    expect(summary.shape).toEqual([1, 28, 28])
    expect(summary.classes?.map((entry) => entry.name)).toContain('Ankle boot')
    expect(summary.classes?.every((entry) => entry.count === 6000)).toBe(true)
    const md5 = createHash('md5').update(readFileSync(join(FASHION_DIR, 'train-labels-idx1-ubyte.gz'))).digest('hex')
    expect(summary.files[1].md5).toBe(md5)
  })

  it('loads 60,000 images without blocking', async () => {
    let ticks = 0
    let running = true
    const tick = (): void => {
      ticks++
      if (running) setImmediate(tick)
    }
    setImmediate(tick)
    const fractions: number[] = []
    const dataset = await loadDataset('fashion-mnist', { dataDir: tempDir(), onProgress: (p) => fractions.push(p.fraction) })
    running = false

    expect(dataset.length).toBe(60_000)
    expect(dataset.classNames?.[9]).toBe('Ankle boot')
    // The event loop kept turning while 26 MB were read and decompressed.
    expect(ticks).toBeGreaterThan(20)
    expect(fractions.length).toBeGreaterThan(10)
    expect(fractions.every((fraction, i) => i === 0 || fraction >= fractions[i - 1])).toBe(true)
    expect(fractions.at(-1)).toBe(1)

    // Compare with an independent decode of the same files.
    const images = gunzipSync(readFileSync(join(FASHION_DIR, 'train-images-idx3-ubyte.gz')))
    const labels = gunzipSync(readFileSync(join(FASHION_DIR, 'train-labels-idx1-ubyte.gz')))
    const indices = [0, 1, 12_345, 59_999]
    const batch = readBatch(dataset, indices)
    expect(batch.y).toEqual(indices.map((index) => labels[8 + index]))
    for (const [row, index] of indices.entries()) {
      for (const pixel of [0, 300, 406, 783]) {
        expect(batch.x[row * 784 + pixel]).toBeCloseTo(images[16 + index * 784 + pixel] / 127.5 - 1, 6)
      }
    }
  })

  it('test split as 64x64 RGB', async () => {
    const dataset = await loadDataset(FASHION_DIR, { split: 'test', imageSize: 64, channels: 3 })
    expect(dataset.length).toBe(10_000)
    expect(dataset.summary.origin).toBe('path')
    expect(readBatch(dataset, [0, 9999]).shape).toEqual([2, 3, 64, 64])
  })
})
