import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { create as createTar } from 'tar'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startEngine } from '../helpers/engine'
import { REMOTE_SOURCES, type RemoteSource } from '../../src/main/datasets/catalog'
import { downloadDataset, downloadSource, DOWNLOAD_BASE_URL_ENV, type DownloadProgress } from '../../src/main/datasets/download'
import { listDatasets } from '../../src/main/datasets/list'
import { loadDataset } from '../../src/main/datasets/load'
import { expectDatasetError, FASHION_DIR, imagesIdx, labelsIdx, tempDir } from './helpers'
import { TestServer } from './server'

const md5 = (bytes: Buffer): string => createHash('md5').update(bytes).digest('hex')

const server = new TestServer()
beforeAll(async () => {
  await startEngine()
  await server.start()
})
afterAll(() => server.stop())

/** Four small gzipped IDX files named as MNIST's, served under /<prefix>/, and a source listing their MD5s. */
function smallMnist(prefix: string): RemoteSource {
  const bodies: Record<string, Buffer> = {
    'train-images-idx3-ubyte.gz': gzipSync(imagesIdx(6)),
    'train-labels-idx1-ubyte.gz': gzipSync(labelsIdx([0, 1, 2, 3, 4, 5])),
    't10k-images-idx3-ubyte.gz': gzipSync(imagesIdx(2)),
    't10k-labels-idx1-ubyte.gz': gzipSync(labelsIdx([6, 7])),
  }
  for (const [name, body] of Object.entries(bodies)) server.serve(`/${prefix}/mnist/${name}`, body)
  return {
    ...REMOTE_SOURCES.mnist,
    baseUrl: 'http://127.0.0.1:9/unused/',
    files: Object.entries(bodies).map(([name, body]) => ({ name, md5: md5(body), bytes: body.length })),
  }
}

describe('downloads', () => {
  it('downloads, verifies and loads a set', async () => {
    const dataDir = tempDir()
    const source = smallMnist('a')
    const progress: DownloadProgress[] = []
    const result = await downloadSource(source, { dataDir, baseUrl: `${server.url}/a`, onProgress: (p) => progress.push(p) })

    expect(result.folder).toBe(join(dataDir, 'datasets', 'mnist'))
    expect(readdirSync(result.folder).sort()).toEqual(source.files.map((file) => file.name).sort())
    expect(progress.at(-1)?.fraction).toBe(1)
    expect(progress.at(-1)?.bytes).toBe(source.files.reduce((sum, file) => sum + file.bytes, 0))
    expect(progress.some((p) => p.message.includes('t10k-images'))).toBe(true)

    const dataset = await loadDataset('mnist', { dataDir })
    expect(dataset.summary.origin).toBe('downloaded')
    expect(dataset.length).toBe(6)
    const listing = (await listDatasets({ dataDir })).find((entry) => entry.name === 'mnist')
    expect(listing?.origin).toBe('downloaded')
  })

  it('verified files are not fetched again', async () => {
    const dataDir = tempDir()
    const source = smallMnist('b')
    await downloadSource(source, { dataDir, baseUrl: `${server.url}/b` })
    const before = server.requests.length
    const again = await downloadSource(source, { dataDir, baseUrl: `${server.url}/b` })
    expect(server.requests.length).toBe(before)
    expect(again.reused).toHaveLength(4)
  })

  it('wrong checksum leaves nothing behind', async () => {
    const dataDir = tempDir()
    const source = smallMnist('c')
    server.serve('/c/mnist/train-labels-idx1-ubyte.gz', gzipSync(labelsIdx([9, 9, 9, 9, 9, 9])))
    const error = await expectDatasetError(
      downloadSource(source, { dataDir, baseUrl: `${server.url}/c` }),
      'CHECKSUM',
      `expected MD5 ${source.files[1].md5}`,
      'partial file was deleted',
    )
    const folder = join(dataDir, 'datasets', 'mnist')
    expect(error.file).toBe(join(folder, 'train-labels-idx1-ubyte.gz'))
    expect(readdirSync(folder)).toEqual(['train-images-idx3-ubyte.gz'])
    await expectDatasetError(loadDataset('mnist', { dataDir }), 'NOT_FOUND', 'not downloaded yet')
  })

  it('HTML error page is named', async () => {
    const dataDir = tempDir()
    const source = smallMnist('d')
    server.serve('/d/mnist/train-images-idx3-ubyte.gz', Buffer.alloc(0), 'html')
    await expectDatasetError(downloadSource(source, { dataDir, baseUrl: `${server.url}/d` }), 'CHECKSUM', 'HTML page')
  })

  it('HTTP 404 fails the download', async () => {
    const dataDir = tempDir()
    const source = smallMnist('e')
    server.serve('/e/mnist/train-images-idx3-ubyte.gz', Buffer.alloc(0), 'missing')
    await expectDatasetError(downloadSource(source, { dataDir, baseUrl: `${server.url}/e` }), 'DOWNLOAD_FAILED', 'HTTP 404')
  })

  it('interrupted download resumes', async () => {
    const dataDir = tempDir()
    const source = smallMnist('f')
    const path = '/f/mnist/train-images-idx3-ubyte.gz'
    const body = server.routes.get(path)!.body
    server.serve(path, body, 'cut')
    await expectDatasetError(downloadSource(source, { dataDir, baseUrl: `${server.url}/f` }), 'DOWNLOAD_FAILED', 'resumes from the partial file')

    const dest = join(dataDir, 'datasets', 'mnist', 'train-images-idx3-ubyte.gz')
    expect(existsSync(dest)).toBe(false)
    const partialSize = readFileSync(`${dest}.partial`).length
    expect(partialSize).toBeGreaterThan(0)
    expect(partialSize).toBeLessThan(body.length)

    server.serve(path, body, 'ok')
    await downloadSource(source, { dataDir, baseUrl: `${server.url}/f` })
    expect(server.requests.filter((request) => request.path === path).at(-1)?.range).toBe(`bytes=${partialSize}-`)
    expect(md5(readFileSync(dest))).toBe(source.files[0].md5)
    expect(existsSync(`${dest}.partial`)).toBe(false)
  })

  it('base URL from the environment', async () => {
    const dataDir = tempDir()
    const source = smallMnist('g')
    process.env[DOWNLOAD_BASE_URL_ENV] = `${server.url}/g/`
    try {
      await downloadSource(source, { dataDir })
    } finally {
      delete process.env[DOWNLOAD_BASE_URL_ENV]
    }
    expect(server.requests.some((request) => request.path === '/g/mnist/t10k-labels-idx1-ubyte.gz')).toBe(true)
  })

  it('CIFAR-10 archive is extracted', async () => {
    const work = tempDir()
    const inner = join(work, 'cifar-10-batches-bin')
    mkdirSync(inner)
    const record = (label: number): Buffer => Buffer.concat([Buffer.from([label]), Buffer.alloc(3072, label * 20)])
    const names = ['data_batch_1.bin', 'data_batch_2.bin', 'data_batch_3.bin', 'data_batch_4.bin', 'data_batch_5.bin', 'test_batch.bin']
    names.forEach((name, i) => writeFileSync(join(inner, name), Buffer.concat([record(i), record(9 - i)])))
    writeFileSync(join(inner, 'batches.meta.txt'), REMOTE_SOURCES.cifar10.classNames.join('\n'))
    writeFileSync(join(inner, 'readme.html'), '<html></html>')
    const archive = join(work, 'cifar-10-binary.tar.gz')
    await createTar({ gzip: true, file: archive, cwd: work }, ['cifar-10-batches-bin'])
    const body = readFileSync(archive)
    server.serve('/h/cifar10/cifar-10-binary.tar.gz', body)

    const dataDir = tempDir()
    const source: RemoteSource = { ...REMOTE_SOURCES.cifar10, files: [{ name: 'cifar-10-binary.tar.gz', md5: md5(body), bytes: body.length }] }
    const result = await downloadSource(source, { dataDir, baseUrl: `${server.url}/h` })
    expect(readdirSync(result.folder).sort()).toEqual([...names, 'batches.meta.txt'].sort())
    expect(readdirSync(join(dataDir, 'datasets')).sort()).toEqual(['cifar10'])

    const train = await loadDataset('cifar10', { dataDir })
    expect(train.length).toBe(10)
    expect(train.summary.origin).toBe('downloaded')
    const test = await loadDataset('cifar10', { dataDir, split: 'test' })
    expect(test.length).toBe(2)
  })

  it('unknown name', async () => {
    await expectDatasetError(downloadDataset('imagenet', { dataDir: tempDir() }), 'NOT_FOUND', 'imagenet', 'mnist, fashion-mnist, cifar10')
  })

  it.skipIf(!existsSync(FASHION_DIR))('Fashion-MNIST passes by its content checksum', async () => {
    // Debian recompressed the official files without their names, so only the decompressed MD5 matches.
    for (const file of REMOTE_SOURCES['fashion-mnist'].files) {
      server.serve(`/debian/fashion-mnist/${file.name}`, readFileSync(join(FASHION_DIR, file.name)))
    }
    const dataDir = tempDir()
    await downloadDataset('fashion-mnist', { dataDir, baseUrl: `${server.url}/debian` })
    const dataset = await loadDataset('fashion-mnist', { dataDir, split: 'test' })
    expect(dataset.summary.origin).toBe('downloaded')
    expect(dataset.length).toBe(10_000)
    expect(dataset.summary.knownAs).toBe('Fashion-MNIST')
  })
})
