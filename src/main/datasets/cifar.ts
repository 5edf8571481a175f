/**
 * CIFAR-10 binary batches (`data_batch_1.bin` ... `data_batch_5.bin`, `test_batch.bin`): records of
 * one label byte and 3,072 pixel bytes, the red, green and blue 32x32 planes one after another. That
 * channel-planar order is already (C, H, W), so records copy straight into the image store.
 */
import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { readdir, readFile } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { CIFAR10_CLASSES } from './catalog'
import { DatasetError, fileSystemError, formatCount, throwIfAborted } from './errors'
import { fileSize, readDataFile } from './read-file'
import {
  combinedChecksum, countClasses, stagedProgress, yieldToEventLoop,
  type LoadedSource, type SourceInfo, type SourceOptions,
} from './source'
import type { SourceFile, Split } from './types'

export const CIFAR_IMAGE_BYTES = 3 * 32 * 32
export const CIFAR_RECORD_BYTES = 1 + CIFAR_IMAGE_BYTES
const CIFAR100_RECORD_BYTES = 2 + CIFAR_IMAGE_BYTES
const TRAIN_PATTERN = /^data_batch_(\d+)\.bin$/i
const TEST_NAME = 'test_batch.bin'
/** The folder name inside the official archive. */
export const CIFAR_ARCHIVE_FOLDER = 'cifar-10-batches-bin'

export interface CifarFiles {
  files: string[]
  split: Split | null
  folder: string
}

export function isCifarName(name: string): boolean {
  return TRAIN_PATTERN.test(name) || name.toLowerCase() === TEST_NAME
}

/** Returns the batch files of a split in a folder (or its `cifar-10-batches-bin` sub-folder); none if it holds no CIFAR files. */
export async function cifarFilesIn(folder: string, split: Split | undefined): Promise<CifarFiles | null> {
  let names: string[]
  try {
    names = await readdir(folder)
  } catch (error) {
    throw fileSystemError(error, folder)
  }
  if (!names.some(isCifarName)) {
    return names.includes(CIFAR_ARCHIVE_FOLDER) ? cifarFilesIn(join(folder, CIFAR_ARCHIVE_FOLDER), split) : null
  }
  const wanted = split ?? 'train'
  const chosen =
    wanted === 'test'
      ? names.filter((name) => name.toLowerCase() === TEST_NAME)
      : names.filter((name) => TRAIN_PATTERN.test(name)).sort((a, b) => batchNumber(a) - batchNumber(b))
  if (chosen.length === 0) {
    throw new DatasetError('NOT_FOUND', `no CIFAR-10 ${wanted} batches (${wanted === 'test' ? TEST_NAME : 'data_batch_*.bin'}) in this folder`, {
      file: folder,
    })
  }
  return { files: chosen.map((name) => join(folder, name)), split: wanted, folder }
}

function batchNumber(name: string): number {
  return Number(TRAIN_PATTERN.exec(name)?.[1] ?? 0)
}

export function cifarFile(file: string): CifarFiles {
  const name = basename(file).toLowerCase()
  const split = name === TEST_NAME ? 'test' : TRAIN_PATTERN.test(name) ? 'train' : null
  return { files: [file], split, folder: dirname(file) }
}

/** Checks that a file is a whole number of CIFAR-10 records and returns how many. */
export function checkCifarSize(file: string, bytes: number): number {
  if (bytes > 0 && bytes % CIFAR_RECORD_BYTES === 0) return bytes / CIFAR_RECORD_BYTES
  let found = `found ${formatCount(bytes)} bytes`
  let fix: string | undefined = 'download or extract the file again'
  if (bytes > 0 && bytes % CIFAR100_RECORD_BYTES === 0) {
    found += `, a multiple of ${formatCount(CIFAR100_RECORD_BYTES)}: CIFAR-100 records (2 label bytes + 3,072 pixel bytes)`
    fix = 'CIFAR-100 binary files are not supported; use CIFAR-10 or a folder of images'
  } else if (bytes > 0) {
    found += ` (${formatCount(Math.floor(bytes / CIFAR_RECORD_BYTES))} records and ${formatCount(bytes % CIFAR_RECORD_BYTES)} bytes left over)`
  }
  return failCifar(file, found, fix)
}

function failCifar(file: string, found: string, fix: string | undefined): never {
  throw new DatasetError(
    'NOT_CIFAR',
    `expected CIFAR-10 binary records of ${formatCount(CIFAR_RECORD_BYTES)} bytes (1 label byte + 3,072 pixel bytes), so a size that is a multiple of ${formatCount(CIFAR_RECORD_BYTES)}; ${found}`,
    { file, fix },
  )
}

function checkLabel(file: string, record: number, label: number): void {
  if (label > 9) failCifar(file, `found label ${label} in record ${formatCount(record)}, outside 0..9`, 'this is not a CIFAR-10 file')
}

/** Class names from `batches.meta.txt` beside the batches, else the published CIFAR-10 names. */
async function classNamesIn(folder: string): Promise<string[]> {
  try {
    const names = (await readFile(join(folder, 'batches.meta.txt'), 'utf8')).split(/\r?\n/).map((line) => line.trim()).filter(Boolean)
    return names.length === 10 ? names : CIFAR10_CLASSES
  } catch {
    return CIFAR10_CLASSES
  }
}

function describe(cifar: CifarFiles, count: number, files: SourceFile[], classNames: string[], labels: Uint8Array): SourceInfo {
  return {
    format: 'cifar10',
    split: cifar.split,
    count,
    storedLayout: { channels: 3, height: 32, width: 32 },
    classes: countClasses(labels, classNames),
    path: cifar.files.length === 1 ? cifar.files[0] : cifar.folder,
    files,
    checksum: combinedChecksum(files),
    knownAs: 'CIFAR-10',
    skipped: [],
    warnings: [],
  }
}

/** Loads the batches into one store, checking every file's size before reading any. */
export async function loadCifar(cifar: CifarFiles, options: SourceOptions): Promise<LoadedSource> {
  const sizes = await Promise.all(cifar.files.map(fileSize))
  const counts = cifar.files.map((file, i) => checkCifarSize(file, sizes[i]))
  const count = counts.reduce((sum, n) => sum + n, 0)
  const pixels = new Uint8Array(count * CIFAR_IMAGE_BYTES) // (N, 3, 32, 32)
  const labels = new Uint8Array(count)
  const progress = stagedProgress(options.onProgress, sizes)
  const files: SourceFile[] = []

  let item = 0
  for (const [stage, file] of cifar.files.entries()) {
    const message = `Reading ${basename(file)}`
    const result = await readDataFile(file, {
      keep: true,
      signal: options.signal,
      onBytes: (read, total) => progress(stage, read / total, message),
    })
    checkCifarSize(file, result.dataBytes)
    const records = result.data
    for (let record = 0; record < counts[stage]; record++, item++) {
      const start = record * CIFAR_RECORD_BYTES
      checkLabel(file, record, records[start])
      labels[item] = records[start]
      pixels.set(records.subarray(start + 1, start + CIFAR_RECORD_BYTES), item * CIFAR_IMAGE_BYTES)
    }
    files.push({ path: file, bytes: result.fileBytes, md5: result.md5 })
    throwIfAborted(options.signal, 'loading CIFAR-10')
    await yieldToEventLoop()
  }
  const classNames = await classNamesIn(cifar.folder)
  const info = describe(cifar, count, files, classNames, labels)
  return { info, store: { pixels, count, layout: info.storedLayout!, labels, classNames } }
}

/** Reads only the label bytes (and the MD5) of each batch, for a summary without keeping the images. */
export async function inspectCifar(cifar: CifarFiles, options: SourceOptions): Promise<SourceInfo> {
  const withMd5 = options.checksum ?? true
  const sizes = await Promise.all(cifar.files.map(fileSize))
  const counts = cifar.files.map((file, i) => checkCifarSize(file, sizes[i]))
  const labels = new Uint8Array(counts.reduce((sum, n) => sum + n, 0))
  const files: SourceFile[] = []
  let item = 0
  for (const [index, file] of cifar.files.entries()) {
    const hash = withMd5 ? createHash('md5') : null
    let offset = 0
    try {
      for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20, signal: options.signal }) as AsyncIterable<Buffer>) {
        hash?.update(chunk)
        // The next label byte at or after this chunk's start.
        let position = (CIFAR_RECORD_BYTES - (offset % CIFAR_RECORD_BYTES)) % CIFAR_RECORD_BYTES
        for (; position < chunk.length; position += CIFAR_RECORD_BYTES) {
          const record = (offset + position) / CIFAR_RECORD_BYTES
          checkLabel(file, record, chunk[position])
          labels[item + record] = chunk[position]
        }
        offset += chunk.length
      }
    } catch (error) {
      throw fileSystemError(error, file)
    }
    item += counts[index]
    files.push({ path: file, bytes: sizes[index], md5: hash?.digest('hex') ?? null })
  }
  return describe(cifar, labels.length, files, await classNamesIn(cifar.folder), labels)
}
