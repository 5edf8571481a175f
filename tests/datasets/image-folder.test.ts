import { chmodSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import sharp from 'sharp'
import { beforeAll, describe, expect, it } from 'vitest'
import { startEngine } from '../helpers/engine'
import { ImageDataset } from '../../src/main/datasets/image-dataset'
import { inspectDataset } from '../../src/main/datasets/inspect'
import { loadDataset } from '../../src/main/datasets/load'
import { readBatch } from './batch-helpers'
import { expectDatasetError, tempDir } from './helpers'

beforeAll(startEngine)

type Colour = { r: number; g: number; b: number }

function solid(width: number, height: number, colour: Colour): ReturnType<typeof sharp> {
  return sharp({ create: { width, height, channels: 3, background: colour } })
}

/** Encodes a 60x20 PNG with red, green and blue thirds from left to right. */
async function stripes(): Promise<Buffer> {
  const pixels = Buffer.alloc(60 * 20 * 3)
  for (let y = 0; y < 20; y++) {
    for (let x = 0; x < 60; x++) pixels[(y * 60 + x) * 3 + Math.floor(x / 20)] = 255
  }
  return sharp(pixels, { raw: { width: 60, height: 20, channels: 3 } }).png().toBuffer()
}

async function writeClassFolder(root: string): Promise<void> {
  mkdirSync(join(root, 'cat'))
  mkdirSync(join(root, 'dog'))
  mkdirSync(join(root, 'empty'))
  await solid(40, 40, { r: 255, g: 0, b: 0 }).png().toFile(join(root, 'cat', 'a.png'))
  await solid(30, 50, { r: 250, g: 0, b: 0 }).jpeg({ quality: 95 }).toFile(join(root, 'cat', 'b.jpg'))
  await solid(32, 32, { r: 0, g: 0, b: 255 }).webp({ lossless: true }).toFile(join(root, 'dog', 'c.webp'))
  writeFileSync(join(root, 'dog', 'notes.txt'), 'not an image')
}

describe('image folders', () => {
  it('labels come from sub-folders', async () => {
    const root = tempDir()
    await writeClassFolder(root)
    const dataset = (await loadDataset(root, { imageSize: 32 })) as ImageDataset

    expect(dataset.length).toBe(3)
    expect(dataset.classNames).toEqual(['cat', 'dog'])
    expect(dataset.imageShape).toEqual([3, 32, 32])
    expect(dataset.summary.classes?.map((entry) => entry.count)).toEqual([2, 1])
    expect(dataset.summary.warnings.join(' ')).toContain('empty holds no images')

    const batch = readBatch(dataset, [0, 2])
    expect(batch.y).toEqual([0, 1])
    expect(batch.shape).toEqual([2, 3, 32, 32])
    const plane = 32 * 32
    expect(batch.x[0]).toBe(1) // red channel of the red PNG
    expect(batch.x[plane]).toBe(-1) // its green channel
    expect(batch.x[3 * plane + 2 * plane]).toBe(1) // blue channel of the blue WebP
  })

  it('default output is 64x64 RGB', async () => {
    const root = tempDir()
    await writeClassFolder(root)
    const summary = await inspectDataset(root)
    expect(summary.shape).toEqual([3, 64, 64])
    expect(summary.count).toBe(3)
    expect(summary.storedShape).toBeNull()
  })

  it('centre crop keeps the middle', async () => {
    const root = tempDir()
    writeFileSync(join(root, 'stripes.png'), await stripes())
    const dataset = (await loadDataset(root, { imageSize: 28 })) as ImageDataset
    expect(dataset.numClasses).toBeNull()
    const image = dataset.getImage(0) // (3, 28, 28): the green middle third scaled to 28x28
    const plane = 28 * 28
    const centre = 14 * 28 + 14
    expect([image[centre], image[plane + centre], image[2 * plane + centre]]).toEqual([0, 255, 0])
    let greenish = 0
    for (let p = 0; p < plane; p++) if (image[plane + p] > 200 && image[p] < 60 && image[2 * plane + p] < 60) greenish++
    expect(greenish / plane).toBeGreaterThan(0.9)
  })

  it('grey output uses BT.601 luma', async () => {
    const root = tempDir()
    await solid(20, 20, { r: 200, g: 100, b: 50 }).png().toFile(join(root, 'a.png'))
    await solid(20, 20, { r: 255, g: 0, b: 0 }).png().toFile(join(root, 'b.png'))
    const dataset = (await loadDataset(root, { imageSize: 28, channels: 1 })) as ImageDataset
    expect(dataset.imageShape).toEqual([1, 28, 28])
    expect(dataset.getImage(0)[0]).toBe(Math.round(0.299 * 200 + 0.587 * 100 + 0.114 * 50))
    expect(dataset.getImage(1)[0]).toBe(76)
  })

  it('inspect and load agree on the checksum', async () => {
    const root = tempDir()
    await writeClassFolder(root)
    const summary = await inspectDataset(root)
    const loaded = await loadDataset(root, { imageSize: 28 })
    expect(summary.checksum).toMatch(/^[0-9a-f]{64}$/)
    expect(loaded.summary.checksum).toBe(summary.checksum)
  })

  it('corrupt images are skipped and reported', async () => {
    const root = tempDir()
    await writeClassFolder(root)
    writeFileSync(join(root, 'cat', 'broken.png'), Buffer.from('this is not a PNG file at all'))
    const jpeg = await solid(64, 64, { r: 9, g: 9, b: 9 }).jpeg().toBuffer()
    writeFileSync(join(root, 'dog', 'cut.jpg'), jpeg.subarray(0, jpeg.length / 2))

    let lastFraction = 0
    const dataset = await loadDataset(root, { imageSize: 28, onProgress: (p) => (lastFraction = p.fraction) })
    expect(lastFraction).toBe(1)
    expect(dataset.length).toBe(3)
    expect(dataset.summary.skipped.map((entry) => entry.path).sort()).toEqual([join(root, 'cat', 'broken.png'), join(root, 'dog', 'cut.jpg')])
    expect(dataset.summary.skipped.every((entry) => entry.reason.length > 0)).toBe(true)
    expect(dataset.summary.warnings.join(' ')).toContain('2 images could not be decoded')
    expect(readBatch(dataset, [0, 1, 2]).y).toEqual([0, 0, 1])
  })

  it('empty folder', async () => {
    const root = tempDir()
    const error = await expectDatasetError(loadDataset(root), 'EMPTY_FOLDER', 'expected PNG, JPEG or WebP images', 'found nothing')
    expect(error.file).toBe(root)
  })

  it('folder without images', async () => {
    const root = tempDir()
    writeFileSync(join(root, 'readme.txt'), 'hello')
    await expectDatasetError(inspectDataset(root), 'EMPTY_FOLDER', 'found 1 other files')
  })

  it('folder of corrupt images only', async () => {
    const root = tempDir()
    writeFileSync(join(root, 'a.png'), 'nope')
    writeFileSync(join(root, 'b.jpg'), 'nope')
    await expectDatasetError(loadDataset(root), 'EMPTY_FOLDER', 'none of the 2 images could be decoded')
  })

  // Root reads any folder whatever its mode, so this check only means something for other users.
  it.skipIf(process.getuid?.() === 0)('unreadable folder', async () => {
    const root = tempDir()
    const locked = join(root, 'locked')
    mkdirSync(locked)
    chmodSync(locked, 0o000)
    try {
      await expectDatasetError(loadDataset(locked), 'UNREADABLE', 'permission denied')
    } finally {
      chmodSync(locked, 0o700)
    }
  })

  it('a single image is not a dataset', async () => {
    const root = tempDir()
    await solid(8, 8, { r: 1, g: 2, b: 3 }).png().toFile(join(root, 'one.png'))
    await expectDatasetError(loadDataset(join(root, 'one.png')), 'UNSUPPORTED', 'single image')
  })
})
