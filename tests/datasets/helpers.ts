import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { afterEach, expect } from 'vitest'
import { DatasetError, type DatasetErrorCode } from '../../src/main/datasets/errors'

/** Debian's `dataset-fashion-mnist` package puts the official files here; CI installs it. */
export const FASHION_DIR = '/usr/share/datasets/fashion-mnist'

const folders: string[] = []

/** Creates a temporary folder that is removed after the test. */
export function tempDir(prefix = 'ganwb-datasets-'): string {
  const folder = mkdtempSync(join(tmpdir(), prefix))
  folders.push(folder)
  return folder
}

afterEach(() => {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true })
})

/** Builds an unsigned-byte IDX file: magic 0x0000 08 <rank>, big-endian dims, then data. */
export function idxBytes(dims: number[], data: Uint8Array | number[], magicRank = dims.length): Buffer {
  const header = Buffer.alloc(4 + 4 * dims.length)
  header[2] = 0x08
  header[3] = magicRank
  dims.forEach((size, i) => header.writeUInt32BE(size, 4 + 4 * i))
  return Buffer.concat([header, Buffer.from(data)])
}

/** Builds an IDX file of `count` images whose pixel (y, x) of image i is (i * 31 + y * 3 + x) % 256. */
export function imagesIdx(count: number, size = 28): Buffer {
  const data = new Uint8Array(count * size * size)
  for (let i = 0; i < count; i++) {
    for (let p = 0; p < size * size; p++) data[i * size * size + p] = (i * 31 + Math.floor(p / size) * 3 + (p % size)) % 256
  }
  return idxBytes([count, size, size], data)
}

export function labelsIdx(labels: number[]): Buffer {
  return idxBytes([labels.length], labels)
}

/** Writes the four standard MNIST-style files (gzipped when `gzip`) into `folder`. */
export function writeIdxFolder(folder: string, options: { train: number[]; test: number[]; gzip?: boolean }): void {
  const suffix = options.gzip ? '.gz' : ''
  const pack = (bytes: Buffer): Buffer => (options.gzip ? gzipSync(bytes) : bytes)
  writeFileSync(join(folder, `train-images-idx3-ubyte${suffix}`), pack(imagesIdx(options.train.length)))
  writeFileSync(join(folder, `train-labels-idx1-ubyte${suffix}`), pack(labelsIdx(options.train)))
  writeFileSync(join(folder, `t10k-images-idx3-ubyte${suffix}`), pack(imagesIdx(options.test.length)))
  writeFileSync(join(folder, `t10k-labels-idx1-ubyte${suffix}`), pack(labelsIdx(options.test)))
}

/** Awaits `promise`, expecting a DatasetError with `code` whose message contains every fragment. */
export async function expectDatasetError(promise: Promise<unknown>, code: DatasetErrorCode, ...fragments: string[]): Promise<DatasetError> {
  let caught: unknown = null
  try {
    await promise
  } catch (error) {
    caught = error
  }
  expect(caught, 'expected a DatasetError').toBeInstanceOf(DatasetError)
  const error = caught as DatasetError
  expect(error.code, error.message).toBe(code)
  for (const fragment of fragments) expect(error.message).toContain(fragment)
  return error
}

/** Gzips `bytes` with the original file name in the header (FLG.FNAME), as the official MNIST files have it. */
export function gzipWithName(bytes: Buffer, name: string): Buffer {
  const plain = gzipSync(bytes)
  const header = Buffer.from(plain.subarray(0, 10))
  header[3] |= 0x08
  return Buffer.concat([header, Buffer.from(`${name}\0`, 'latin1'), plain.subarray(10)])
}
