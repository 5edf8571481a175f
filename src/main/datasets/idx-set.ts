/**
 * IDX datasets: an images file paired by name with its labels file, or a folder holding the standard
 * `train-images-idx3-ubyte`, `train-labels-idx1-ubyte`, `t10k-images-idx3-ubyte` and
 * `t10k-labels-idx1-ubyte` files (raw or `.gz`), as MNIST, Fashion-MNIST and KMNIST ship.
 */
import { readdir, stat } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { identifyIdxLabels } from './catalog'
import { DatasetError, fileSystemError, formatCount } from './errors'
import { readIdxFile, scanIdxFile, type IdxFile } from './idx'
import {
  combinedChecksum, countClasses, numericClassNames, stagedProgress,
  type LoadedSource, type SourceInfo, type SourceOptions,
} from './source'
import type { SourceFile, Split } from './types'

export interface IdxPair {
  images: string
  /** Null when no labels file sits beside the images file. */
  labels: string | null
  split: Split | null
}

const IMAGES_PATTERN = /idx3[-_.]ubyte(\.gz)?$/i
const LABELS_PATTERN = /idx1[-_.]ubyte(\.gz)?$/i

export function isIdxImagesName(name: string): boolean {
  return IMAGES_PATTERN.test(name)
}

export function isIdxName(name: string): boolean {
  return IMAGES_PATTERN.test(name) || LABELS_PATTERN.test(name)
}

/** The split a file name implies: MNIST calls its test split `t10k`. */
export function splitOfName(name: string): Split | null {
  if (/t10k|test/i.test(name)) return 'test'
  if (/train/i.test(name)) return 'train'
  return null
}

function withoutGz(name: string): string {
  return name.replace(/\.gz$/i, '')
}

/** Names the labels file of an images file may have: `images` becomes `labels`, `idx3` becomes `idx1`. */
function labelsNamesFor(imagesName: string): string[] {
  const base = withoutGz(imagesName).replace(/images/i, 'labels').replace(/imgs/i, 'labels').replace(/idx3/i, 'idx1')
  return [base, `${base}.gz`]
}

function imagesNamesFor(labelsName: string): string[] {
  const base = withoutGz(labelsName).replace(/labels/i, 'images').replace(/idx1/i, 'idx3')
  return [base, `${base}.gz`]
}

async function listFiles(folder: string): Promise<string[]> {
  try {
    const entries = await readdir(folder, { withFileTypes: true })
    return entries.filter((entry) => entry.isFile() || entry.isSymbolicLink()).map((entry) => entry.name).sort()
  } catch (error) {
    throw fileSystemError(error, folder)
  }
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile()
  } catch {
    return false
  }
}

/** Pairs an IDX images or labels file with its partner in the same folder. */
export async function pairIdxFile(file: string): Promise<IdxPair> {
  const folder = dirname(file)
  const name = basename(file)
  if (LABELS_PATTERN.test(name)) {
    for (const candidate of imagesNamesFor(name)) {
      if (await isFile(join(folder, candidate))) return { images: join(folder, candidate), labels: file, split: splitOfName(name) }
    }
    throw new DatasetError('NOT_FOUND', `this is an IDX labels file, and no images file (${imagesNamesFor(name).join(' or ')}) sits beside it`, {
      file,
      fix: 'pass the images file, or put it in the same folder',
    })
  }
  for (const candidate of labelsNamesFor(name)) {
    if (await isFile(join(folder, candidate))) return { images: file, labels: join(folder, candidate), split: splitOfName(name) }
  }
  return { images: file, labels: null, split: splitOfName(name) }
}

/** Returns the IDX images file names in a folder, one per data set (a raw file wins over its `.gz` twin). */
export async function idxImagesIn(folder: string): Promise<string[]> {
  const names = (await listFiles(folder)).filter((name) => IMAGES_PATTERN.test(name))
  const raw = new Set(names.filter((name) => !/\.gz$/i.test(name)))
  return names.filter((name) => !/\.gz$/i.test(name) || !raw.has(withoutGz(name)))
}

/** Picks the images file of the requested split (train unless given) in a folder and pairs it. */
export async function findIdxPairInFolder(folder: string, split: Split | undefined): Promise<IdxPair> {
  const images = await idxImagesIn(folder)
  const wanted = split ?? 'train'
  let matches = images.filter((name) => splitOfName(name) === wanted)
  if (matches.length === 0 && split === undefined) matches = images.filter((name) => splitOfName(name) === null)
  if (matches.length === 0) {
    throw new DatasetError('NOT_FOUND', `no IDX images file for the ${wanted} split; found ${images.length === 0 ? 'none' : images.join(', ')}`, {
      file: folder,
      fix: images.length === 0 ? undefined : `pass one of the files itself, or choose the split its name implies`,
    })
  }
  if (matches.length > 1) {
    throw new DatasetError('AMBIGUOUS', `${matches.length} IDX images files match the ${wanted} split: ${matches.join(', ')}`, {
      file: folder,
      fix: 'pass the path of the file you want',
    })
  }
  return pairIdxFile(join(folder, matches[0]))
}

function sourceFile(path: string, file: { fileBytes: number; md5: string }, withMd5: boolean): SourceFile {
  return { path, bytes: file.fileBytes, md5: withMd5 ? file.md5 : null }
}

/** Checks the labels against the images and names the classes, from a known set when the checksum matches. */
function describeLabels(pair: IdxPair, images: { header: { dims: number[] } }, labels: IdxFile): { classNames: string[]; knownAs: string | null } {
  const imageCount = images.header.dims[0]
  const labelCount = labels.header.dims[0]
  if (imageCount !== labelCount) {
    throw new DatasetError(
      'COUNT_MISMATCH',
      `the images file ${basename(pair.images)} holds ${formatCount(imageCount)} images but the labels file ${basename(pair.labels!)} holds ${formatCount(labelCount)} labels`,
      { file: dirname(pair.images), fix: 'pair the images and labels files of the same split' },
    )
  }
  const known = identifyIdxLabels(labels.contentMd5 === null ? [labels.md5] : [labels.md5, labels.contentMd5])
  const classNames = known?.classNames ?? numericClassNames(labels.data)
  const limit = known === null ? 255 : classNames.length - 1
  const bad = labels.data.findIndex((label) => label > limit)
  if (bad >= 0) {
    throw new DatasetError('BAD_LABEL', `label ${labels.data[bad]} at item ${bad} is outside 0..${limit} of ${known?.title ?? 'the set'}`, {
      file: pair.labels!,
    })
  }
  return { classNames, knownAs: known?.title ?? null }
}

function describeSource(pair: IdxPair, images: { header: { dims: number[] } }, files: SourceFile[], classes: SourceInfo['classes'], knownAs: string | null): SourceInfo {
  const [count, height, width] = images.header.dims
  const warnings = pair.labels === null ? [`no labels file beside ${basename(pair.images)}, so the set is unlabelled`] : []
  return {
    format: 'idx',
    split: pair.split,
    count,
    storedLayout: { channels: 1, height, width },
    classes,
    path: pair.images,
    files,
    checksum: combinedChecksum(files),
    knownAs,
    skipped: [],
    warnings,
  }
}

/** Loads an IDX pair into memory: labels first (small, so their errors come fast), then images with progress. */
export async function loadIdxPair(pair: IdxPair, options: SourceOptions): Promise<LoadedSource> {
  const progress = stagedProgress(options.onProgress, [1, 99])
  const labels = pair.labels === null ? null : await readIdxFile(pair.labels, 'labels', {
    signal: options.signal,
    onBytes: (read, total) => progress(0, read / total, `Reading ${basename(pair.labels!)}`),
  })
  const images = await readIdxFile(pair.images, 'images', {
    signal: options.signal,
    onBytes: (read, total) => progress(1, read / total, `Reading ${basename(pair.images)}`),
  })

  const files = [sourceFile(pair.images, images, true)]
  let classNames: string[] | null = null
  let knownAs: string | null = null
  if (labels !== null) {
    ;({ classNames, knownAs } = describeLabels(pair, images, labels))
    files.push(sourceFile(pair.labels!, labels, true))
  }
  const classes = labels === null || classNames === null ? null : countClasses(labels.data, classNames)
  const info = describeSource(pair, images, files, classes, knownAs)
  const store = { pixels: images.data, count: info.count, layout: info.storedLayout!, labels: labels?.data ?? null, classNames }
  return { info, store }
}

/** Checks an IDX pair end to end and counts its classes without keeping the images in memory. */
export async function inspectIdxPair(pair: IdxPair, options: SourceOptions): Promise<SourceInfo> {
  const withMd5 = options.checksum ?? true
  const labels = pair.labels === null ? null : await readIdxFile(pair.labels, 'labels', { signal: options.signal })
  const images = await scanIdxFile(pair.images, 'images', { signal: options.signal, withMd5 })
  const files = [sourceFile(pair.images, images, withMd5)]
  if (labels === null) return describeSource(pair, images, files, null, null)

  const { classNames, knownAs } = describeLabels(pair, images, labels)
  files.push(sourceFile(pair.labels!, labels, withMd5))
  return describeSource(pair, images, files, countClasses(labels.data, classNames), knownAs)
}
