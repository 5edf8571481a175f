import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { ImageDataset } from '../../src/main/datasets'

/** Builds an unsigned-byte IDX file: magic 0x0000 08 <rank>, big-endian dims, then the data. */
function idxBytes(dims: number[], data: Uint8Array): Buffer {
  const header = Buffer.alloc(4 + 4 * dims.length)
  header[2] = 0x08
  header[3] = dims.length
  dims.forEach((size, i) => header.writeUInt32BE(size, 4 + 4 * i))
  return Buffer.concat([header, Buffer.from(data)])
}

/**
 * Writes every `stride`-th built-in digit from `offset` as an MNIST-style IDX pair named for `split`
 * (the digits are stored class by class, so a stride keeps every class).
 */
export function writeDigitsIdx(folder: string, digits: ImageDataset, split: 'train' | 't10k', stride: number, offset: number): number {
  const indices: number[] = []
  for (let i = offset; i < digits.length; i += stride) indices.push(i)
  const pixels = new Uint8Array(indices.length * 28 * 28)
  const labels = new Uint8Array(indices.length)
  indices.forEach((index, n) => {
    pixels.set(digits.getImage(index), n * 28 * 28)
    labels[n] = digits.getLabel(index) as number
  })
  writeFileSync(join(folder, `${split}-images-idx3-ubyte`), idxBytes([indices.length, 28, 28], pixels))
  writeFileSync(join(folder, `${split}-labels-idx1-ubyte`), idxBytes([indices.length], labels))
  return indices.length
}
