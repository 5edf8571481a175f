import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import sharp from 'sharp'
import { beforeAll, describe, expect, it } from 'vitest'
import { startEngine } from '../helpers/engine'
import { inspectDataset } from '../../src/main/datasets/inspect'
import { listDatasets } from '../../src/main/datasets/list'
import { loadDataset } from '../../src/main/datasets/load'
import { expectDatasetError, tempDir, writeIdxFolder } from './helpers'

beforeAll(startEngine)

describe('dataset references', () => {
  it('rejects invalid options', async () => {
    await expectDatasetError(inspectDataset('digits', { imageSize: 30 as 32 }), 'INVALID_OPTION', 'image size must be 28, 32 or 64, got 30')
    await expectDatasetError(inspectDataset('digits', { channels: 2 as 1 }), 'INVALID_OPTION', 'got 2')
    await expectDatasetError(inspectDataset('digits', { split: 'val' as 'test' }), 'INVALID_OPTION', '"val"')
  })

  it('unknown name lists the known ones', async () => {
    await expectDatasetError(loadDataset('celeba', { dataDir: tempDir() }), 'NOT_FOUND', 'no dataset is named "celeba"', 'ring8', 'cifar10')
  })

  it('set not downloaded says how to get it', async () => {
    const error = await expectDatasetError(loadDataset('mnist', { dataDir: tempDir() }), 'NOT_FOUND', 'MNIST is not downloaded yet')
    expect(error.fix).toContain('datasets download mnist')
  })

  it('archives are not read directly', async () => {
    const folder = tempDir()
    writeFileSync(join(folder, 'cifar-10-binary.tar.gz'), 'x')
    const error = await expectDatasetError(loadDataset(join(folder, 'cifar-10-binary.tar.gz')), 'UNSUPPORTED', 'archives')
    expect(error.fix).toContain('datasets download cifar10')
  })

  it('folders in the datasets folder load by name', async () => {
    const dataDir = tempDir()
    const own = join(dataDir, 'datasets', 'sketches')
    mkdirSync(join(own, 'circle'), { recursive: true })
    await sharp({ create: { width: 8, height: 8, channels: 3, background: '#ffffff' } }).png().toFile(join(own, 'circle', 'a.png'))
    mkdirSync(join(dataDir, 'datasets', 'mnist.partial'))
    mkdirSync(join(dataDir, 'datasets', 'kmnist'))
    writeIdxFolder(join(dataDir, 'datasets', 'kmnist'), { train: [1, 2], test: [3] })

    const dataset = await loadDataset('sketches', { dataDir, imageSize: 28 })
    expect(dataset.summary.origin).toBe('found')
    expect(dataset.classNames).toEqual(['circle'])
    expect((await loadDataset('kmnist', { dataDir })).length).toBe(2)

    const listings = await listDatasets({ dataDir })
    const names = listings.map((entry) => entry.name)
    expect(names).toContain('sketches')
    expect(names).toContain('kmnist')
    expect(names).not.toContain('mnist.partial')
  })

  it('list has built-in and downloadable sets', async () => {
    const listings = await listDatasets({ dataDir: tempDir() })
    const byName = new Map(listings.map((entry) => [entry.name, entry]))
    for (const name of ['digits', 'ring8', 'grid25', 'spiral', 'moons', 'gaussian']) expect(byName.get(name)?.origin).toBe('built-in')
    expect(byName.get('digits')?.count).toBe(10_000)
    expect(byName.get('ring8')?.kind).toBe('points')
    expect(byName.get('mnist')?.origin).toBe('downloadable')
    expect(byName.get('cifar10')?.origin).toBe('downloadable')
  })
})
