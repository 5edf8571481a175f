import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { beforeAll, describe, expect, it } from 'vitest'
import { startEngine } from '../helpers/engine'
import { inspectDataset } from '../../src/main/datasets/inspect'
import { loadDataset } from '../../src/main/datasets/load'
import { readBatch } from './batch-helpers'
import { expectDatasetError, gzipWithName, idxBytes, imagesIdx, labelsIdx, tempDir, writeIdxFolder } from './helpers'

beforeAll(startEngine)

const TRAIN_LABELS = [3, 1, 4, 1, 5, 9, 2, 6]
const TEST_LABELS = [2, 7, 1]

/** Returns the value helpers.imagesIdx writes at (image, y, x), scaled to [-1, 1]. */
function expectedPixel(image: number, y: number, x: number): number {
  return ((image * 31 + y * 3 + x) % 256) / 127.5 - 1
}

describe('IDX folders', () => {
  it('loads the train split of a raw folder', async () => {
    const folder = tempDir()
    writeIdxFolder(folder, { train: TRAIN_LABELS, test: TEST_LABELS })
    const dataset = await loadDataset(folder)

    expect(dataset.kind).toBe('image')
    expect(dataset.length).toBe(8)
    expect(dataset.imageShape).toEqual([1, 28, 28])
    expect(dataset.numClasses).toBe(10)
    expect(dataset.summary.split).toBe('train')
    expect(dataset.summary.format).toBe('idx')
    expect(dataset.summary.classes?.find((entry) => entry.index === 1)?.count).toBe(2)

    const batch = readBatch(dataset, [5, 0])
    expect(batch.shape).toEqual([2, 1, 28, 28])
    expect(batch.yDtype).toBe('int32')
    expect(batch.y).toEqual([9, 3])
    expect(batch.x[0]).toBeCloseTo(expectedPixel(5, 0, 0), 6)
    expect(batch.x[28 * 3 + 7]).toBeCloseTo(expectedPixel(5, 3, 7), 6)
    expect(batch.x[784 + 28 * 27 + 27]).toBeCloseTo(expectedPixel(0, 27, 27), 6)
  })

  it('test split reads the t10k files', async () => {
    const folder = tempDir()
    writeIdxFolder(folder, { train: TRAIN_LABELS, test: TEST_LABELS })
    const dataset = await loadDataset(folder, { split: 'test' })
    expect(dataset.length).toBe(3)
    expect(readBatch(dataset, [0, 1, 2]).y).toEqual(TEST_LABELS)
  })

  it('gzipped folder gives the same data', async () => {
    const raw = tempDir()
    const gz = tempDir()
    writeIdxFolder(raw, { train: TRAIN_LABELS, test: TEST_LABELS })
    writeIdxFolder(gz, { train: TRAIN_LABELS, test: TEST_LABELS, gzip: true })
    const a = readBatch(await loadDataset(raw), [0, 1, 2, 3, 4, 5, 6, 7])
    const b = readBatch(await loadDataset(gz), [0, 1, 2, 3, 4, 5, 6, 7])
    expect(b.x).toEqual(a.x)
    expect(b.y).toEqual(a.y)
  })

  it('pairs an images file with its labels file', async () => {
    const folder = tempDir()
    writeIdxFolder(folder, { train: TRAIN_LABELS, test: TEST_LABELS, gzip: true })
    const dataset = await loadDataset(join(folder, 't10k-images-idx3-ubyte.gz'))
    expect(dataset.length).toBe(3)
    expect(dataset.summary.split).toBe('test')
    expect(dataset.summary.files.map((file) => file.path)).toEqual([
      join(folder, 't10k-images-idx3-ubyte.gz'),
      join(folder, 't10k-labels-idx1-ubyte.gz'),
    ])
  })

  it('images without labels are unlabelled', async () => {
    const folder = tempDir()
    writeFileSync(join(folder, 'faces-images-idx3-ubyte'), imagesIdx(4, 20))
    const dataset = await loadDataset(join(folder, 'faces-images-idx3-ubyte'), { imageSize: 32 })
    expect(dataset.numClasses).toBeNull()
    expect(dataset.summary.storedShape).toEqual([1, 20, 20])
    expect(dataset.imageShape).toEqual([1, 32, 32])
    expect(dataset.summary.warnings.join(' ')).toContain('unlabelled')
    const batch = readBatch(dataset, [1])
    expect(batch.y).toBeNull()
    expect(batch.shape).toEqual([1, 1, 32, 32])
  })

  it('labels file alone is not a dataset', async () => {
    const folder = tempDir()
    const file = join(folder, 'train-labels-idx1-ubyte')
    writeFileSync(file, labelsIdx(TRAIN_LABELS))
    await expectDatasetError(loadDataset(file), 'NOT_FOUND', 'labels file', 'train-images-idx3-ubyte')
  })

  it('two train images files are ambiguous', async () => {
    const folder = tempDir()
    writeFileSync(join(folder, 'emnist-digits-train-images-idx3-ubyte'), imagesIdx(2))
    writeFileSync(join(folder, 'emnist-letters-train-images-idx3-ubyte'), imagesIdx(2))
    await expectDatasetError(loadDataset(folder), 'AMBIGUOUS', 'emnist-digits-train-images-idx3-ubyte', 'emnist-letters')
  })

  it('inspect matches load without keeping images', async () => {
    const folder = tempDir()
    writeIdxFolder(folder, { train: TRAIN_LABELS, test: TEST_LABELS, gzip: true })
    const summary = await inspectDataset(folder)
    const loaded = (await loadDataset(folder)).summary
    expect(summary.count).toBe(8)
    expect(summary.classes).toEqual(loaded.classes)
    expect(summary.checksum).toBe(loaded.checksum)
    expect(summary.checksum).toMatch(/^[0-9a-f]{64}$/)
    expect(summary.files[0].md5).toMatch(/^[0-9a-f]{32}$/)
  })
})

describe('IDX strictness', () => {
  it('gzipped file read as raw', async () => {
    const folder = tempDir()
    const file = join(folder, 'train-images-idx3-ubyte')
    writeFileSync(file, gzipWithName(imagesIdx(2), 'train-images-idx3-ubyte'))
    const error = await expectDatasetError(loadDataset(file), 'BAD_MAGIC', 'expected IDX magic number 2051', 'found 529205256', 'gzip')
    expect(error.file).toBe(file)
    expect(error.fix).toContain('.gz')
  })

  it('labels file named as images', async () => {
    const folder = tempDir()
    const file = join(folder, 'train-images-idx3-ubyte')
    writeFileSync(file, labelsIdx(TRAIN_LABELS))
    await expectDatasetError(loadDataset(file), 'BAD_MAGIC', '2051', 'found 2049', 'labels file')
  })

  it('float32 IDX file', async () => {
    const folder = tempDir()
    const file = join(folder, 'train-images-idx3-ubyte')
    const bytes = idxBytes([1, 2, 2], new Uint8Array(16))
    bytes[2] = 0x0d
    writeFileSync(file, bytes)
    await expectDatasetError(loadDataset(file), 'BAD_MAGIC', 'float32', 'unsigned-byte')
  })

  it('dimensions larger than the file', async () => {
    const folder = tempDir()
    const file = join(folder, 'train-images-idx3-ubyte')
    writeFileSync(file, idxBytes([10, 28, 28], new Uint8Array(9 * 784)))
    await expectDatasetError(inspectDataset(file), 'SIZE_MISMATCH', '10 x 28 x 28', 'should be 7,856 bytes', 'found 7,072', 'short')
  })

  it('size check without checksums', async () => {
    const folder = tempDir()
    const file = join(folder, 'train-images-idx3-ubyte')
    writeFileSync(file, idxBytes([10, 28, 28], new Uint8Array(9 * 784)))
    await expectDatasetError(inspectDataset(file, { checksum: false }), 'SIZE_MISMATCH', 'should be 7,856 bytes')

    writeFileSync(file, imagesIdx(3))
    const summary = await inspectDataset(file, { checksum: false })
    expect(summary.count).toBe(3)
    expect(summary.files[0].md5).toBeNull()
    expect(summary.checksum).toBeNull()
  })

  it('dimensions smaller than the file', async () => {
    const folder = tempDir()
    const file = join(folder, 'train-images-idx3-ubyte.gz')
    writeFileSync(file, gzipSync(idxBytes([2, 28, 28], new Uint8Array(3 * 784))))
    await expectDatasetError(loadDataset(file), 'SIZE_MISMATCH', 'decompressed data should be 1,584 bytes', 'found 2,368', 'too many')
  })

  it('truncated gzip file', async () => {
    const folder = tempDir()
    const file = join(folder, 'train-images-idx3-ubyte.gz')
    const whole = gzipSync(imagesIdx(50))
    writeFileSync(file, whole.subarray(0, Math.floor(whole.length / 2)))
    const error = await expectDatasetError(loadDataset(file), 'TRUNCATED', 'gzip stream ends early')
    expect(error.file).toBe(file)
  })

  it('file that ends inside the header', async () => {
    const folder = tempDir()
    const file = join(folder, 'train-images-idx3-ubyte')
    writeFileSync(file, imagesIdx(1).subarray(0, 10))
    await expectDatasetError(loadDataset(file), 'TRUNCATED', 'inside the 16-byte IDX header')
  })

  it('HTML page saved as .gz', async () => {
    const folder = tempDir()
    const file = join(folder, 'train-images-idx3-ubyte.gz')
    writeFileSync(file, '<!DOCTYPE html>\n<html><head><title>404 Not Found</title></head><body>Not Found</body></html>\n')
    const error = await expectDatasetError(loadDataset(file), 'NOT_GZIP', 'expected the gzip signature 1f 8b', '3c 21', 'HTML page')
    expect(error.file).toBe(file)
  })

  it('image and label counts differ', async () => {
    const folder = tempDir()
    writeFileSync(join(folder, 'train-images-idx3-ubyte'), imagesIdx(5))
    writeFileSync(join(folder, 'train-labels-idx1-ubyte'), labelsIdx([1, 2, 3, 4]))
    await expectDatasetError(
      loadDataset(folder),
      'COUNT_MISMATCH',
      'train-images-idx3-ubyte holds 5 images',
      'train-labels-idx1-ubyte holds 4 labels',
    )
  })

  it('missing path', async () => {
    await expectDatasetError(loadDataset(join(tempDir(), 'nothing-here')), 'NOT_FOUND', 'no file or folder exists')
  })
})
