/**
 * A folder of PNG, JPEG or WebP images, decoded with sharp (libvips), resized so the shorter side
 * fits, centre-cropped to a square and converted to grey or RGB. Sub-folders are classes, as in
 * torchvision's `ImageFolder`; a folder without sub-folders of images is one unlabelled set.
 * A corrupt image is skipped and reported; only a folder with no decodable image is an error.
 */
import { createHash } from 'node:crypto'
import type { Dirent } from 'node:fs'
import { readdir, readFile, stat } from 'node:fs/promises'
import { basename, extname, join, relative } from 'node:path'
import { DatasetError, fileSystemError, formatCount, throwIfAborted } from './errors'
import { countClasses, type LoadedSource, type SourceInfo, type SourceOptions } from './source'
import { LUMA, type ImageLayout } from './transform'
import type { SkippedFile } from './types'

export const IMAGE_EXTENSIONS = ['.png', '.jpg', '.jpeg', '.webp']

/** Images decoded at once; sharp runs each on libuv's thread pool (4 threads unless UV_THREADPOOL_SIZE sets another count). */
const DECODE_CONCURRENCY = 4

interface FolderItem {
  path: string
  label: number | null
}

export interface FolderScan {
  root: string
  classNames: string[] | null
  items: FolderItem[]
  /** Files that are not images, and images at the top level when classes come from sub-folders. */
  ignored: number
  warnings: string[]
}

export function isImageName(name: string): boolean {
  return IMAGE_EXTENSIONS.includes(extname(name).toLowerCase())
}

/** Orders directory entries by name in code-unit order, the same on every locale. */
function byName(a: Dirent, b: Dirent): number {
  if (a.name === b.name) return 0
  return a.name < b.name ? -1 : 1
}

async function listEntries(folder: string): Promise<Dirent[]> {
  try {
    return (await readdir(folder, { withFileTypes: true })).filter((entry) => !entry.name.startsWith('.'))
  } catch (error) {
    throw fileSystemError(error, folder)
  }
}

async function isFolder(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory()
  } catch {
    return false
  }
}

/** Collects image paths under `folder`, recursing into sub-folders, in a locale-independent sorted order. */
async function collectImages(folder: string, found: string[], others: { count: number }): Promise<void> {
  const entries = (await listEntries(folder)).sort(byName)
  for (const entry of entries) {
    const path = join(folder, entry.name)
    if (entry.isDirectory() || (entry.isSymbolicLink() && (await isFolder(path)))) await collectImages(path, found, others)
    else if (isImageName(entry.name)) found.push(path)
    else others.count++
  }
}

/** Lists the images of a folder and their classes without decoding any of them. */
export async function scanImageFolder(root: string): Promise<FolderScan> {
  const entries = (await listEntries(root)).sort(byName)
  const topImages = entries.filter((entry) => !entry.isDirectory() && isImageName(entry.name)).map((entry) => join(root, entry.name))
  const others = { count: entries.filter((entry) => !entry.isDirectory() && !isImageName(entry.name)).length }
  const warnings: string[] = []

  const classNames: string[] = []
  const items: FolderItem[] = []
  for (const entry of entries) {
    const path = join(root, entry.name)
    if (!entry.isDirectory() && !(entry.isSymbolicLink() && (await isFolder(path)))) continue
    const found: string[] = []
    await collectImages(path, found, others)
    if (found.length === 0) {
      warnings.push(`sub-folder ${entry.name} holds no images and is not a class`)
      continue
    }
    const label = classNames.length
    classNames.push(entry.name)
    for (const file of found) items.push({ path: file, label })
  }

  if (classNames.length > 0) {
    if (topImages.length > 0) {
      warnings.push(`${formatCount(topImages.length)} images at the top level are ignored, because classes come from sub-folders`)
    }
    return { root, classNames, items, ignored: others.count + topImages.length, warnings }
  }
  if (topImages.length === 0) {
    throw new DatasetError(
      'EMPTY_FOLDER',
      `expected PNG, JPEG or WebP images (${IMAGE_EXTENSIONS.join(', ')}) in the folder or its sub-folders, found ${others.count === 0 ? 'nothing' : `${formatCount(others.count)} other files`}`,
      { file: root, fix: 'point to a folder of images, with one sub-folder per class for labels' },
    )
  }
  return { root, classNames: null, items: topImages.map((path) => ({ path, label: null })), ignored: others.count, warnings }
}

function describeScan(scan: FolderScan, count: number, labels: ArrayLike<number> | null, checksum: string | null, skipped: SkippedFile[], layout: ImageLayout | null): SourceInfo {
  const warnings = [...scan.warnings]
  if (skipped.length > 0) warnings.push(`${formatCount(skipped.length)} images could not be decoded and were skipped`)
  return {
    format: 'image-folder',
    split: null,
    count,
    storedLayout: layout,
    classes: scan.classNames === null || labels === null ? null : countClasses(labels, scan.classNames),
    path: scan.root,
    files: [],
    checksum,
    knownAs: null,
    skipped,
    warnings,
  }
}

/** SHA-256 over the lines `<md5>  <relative path>` of the images in scan order, as `md5sum` prints them. */
function folderChecksum(scan: FolderScan, md5s: readonly string[]): string {
  const hash = createHash('sha256')
  scan.items.forEach((item, index) => hash.update(`${md5s[index]}  ${relative(scan.root, item.path)}\n`))
  return hash.digest('hex')
}

async function readImage(path: string): Promise<Buffer> {
  try {
    return await readFile(path)
  } catch (error) {
    throw fileSystemError(error, path)
  }
}

function md5Of(bytes: Buffer): string {
  return createHash('md5').update(bytes).digest('hex')
}

/** Summarises a folder from its file list alone; corrupt images are found only when loading. */
export async function inspectImageFolder(root: string, options: SourceOptions): Promise<SourceInfo> {
  const scan = await scanImageFolder(root)
  const labels = scan.classNames === null ? null : scan.items.map((item) => item.label!)
  let checksum: string | null = null
  if (options.checksum ?? true) {
    const md5s: string[] = []
    for (const item of scan.items) {
      throwIfAborted(options.signal, `reading ${root}`)
      md5s.push(md5Of(await readImage(item.path)))
    }
    checksum = folderChecksum(scan, md5s)
  }
  return describeScan(scan, scan.items.length, labels, checksum, [], null)
}

/**
 * Copies sharp's interleaved (H, W, 3) RGB into the channel-planar (C, H, W) store. Grey output uses
 * the BT.601 luma weights, as PIL's `convert('L')` and the CIFAR path do. libvips's own greyscale
 * goes through CIE L*, which would make pure red 127 where PIL gives 76.
 */
function writePlanar(rgb: Buffer, pixels: Uint8Array, offset: number, layout: ImageLayout): void {
  const plane = layout.height * layout.width
  for (let p = 0; p < plane; p++) {
    const red = rgb[3 * p]
    const green = rgb[3 * p + 1]
    const blue = rgb[3 * p + 2]
    if (layout.channels === 1) {
      pixels[offset + p] = Math.round(LUMA[0] * red + LUMA[1] * green + LUMA[2] * blue)
    } else {
      pixels[offset + p] = red
      pixels[offset + plane + p] = green
      pixels[offset + 2 * plane + p] = blue
    }
  }
}

/** Decodes every image to `layout` (square) with limited concurrency, skipping and reporting corrupt ones. */
export async function loadImageFolder(root: string, layout: ImageLayout, options: SourceOptions): Promise<LoadedSource> {
  const { default: sharp } = await import('sharp')
  const scan = await scanImageFolder(root)
  const imageBytes = layout.channels * layout.height * layout.width
  const total = scan.items.length
  const pixels = new Uint8Array(total * imageBytes) // (N, C, H, W), compacted after decoding
  const decoded = new Uint8Array(total)
  const failures: Array<SkippedFile | undefined> = new Array(total)
  // An unreadable file keeps '-' here, so the checksum still covers its name.
  const md5s = new Array<string>(total).fill('-')
  let next = 0
  let done = 0

  const decodeOne = async (index: number): Promise<void> => {
    const item = scan.items[index]
    try {
      const bytes = await readFile(item.path)
      md5s[index] = md5Of(bytes)
      const { data, info } = await sharp(bytes, { failOn: 'error' })
        .rotate() // apply the EXIF orientation
        .flatten({ background: '#000000' }) // transparent pixels become black
        .resize(layout.width, layout.height, { fit: 'cover', position: 'centre' })
        .toColourspace('srgb')
        .raw()
        .toBuffer({ resolveWithObject: true })
      if (info.channels !== 3 || info.width !== layout.width || info.height !== layout.height) {
        throw new Error(`decoded to ${info.width}x${info.height}x${info.channels}, expected ${layout.width}x${layout.height}x3`)
      }
      writePlanar(data, pixels, index * imageBytes, layout)
      decoded[index] = 1
    } catch (error) {
      failures[index] = { path: item.path, reason: (error as Error).message.split('\n')[0] }
    }
    done++
    if (done % 64 === 0 || done === total) {
      options.onProgress?.({ fraction: done / total, message: `Decoding images (${formatCount(done)} of ${formatCount(total)})` })
    }
  }

  const worker = async (): Promise<void> => {
    while (next < total) {
      throwIfAborted(options.signal, `loading ${root}`)
      await decodeOne(next++)
    }
  }
  await Promise.all(Array.from({ length: Math.min(DECODE_CONCURRENCY, total) }, worker))

  const skipped = failures.filter((failure): failure is SkippedFile => failure !== undefined)
  const count = total - skipped.length
  if (count === 0) {
    throw new DatasetError('EMPTY_FOLDER', `none of the ${formatCount(total)} images could be decoded; the first error: ${skipped[0].reason} (${basename(skipped[0].path)})`, {
      file: root,
      fix: 'check that the files are valid PNG, JPEG or WebP images',
    })
  }

  // Compact: move decoded images (and labels) down over the skipped slots, keeping scan order.
  const labels = scan.classNames === null ? null : new Int32Array(count)
  let slot = 0
  for (let index = 0; index < total; index++) {
    if (decoded[index] === 0) continue
    if (slot !== index) pixels.copyWithin(slot * imageBytes, index * imageBytes, (index + 1) * imageBytes)
    if (labels !== null) labels[slot] = scan.items[index].label!
    slot++
  }
  const info = describeScan(scan, count, labels, folderChecksum(scan, md5s), skipped, layout)
  const store = { pixels: pixels.subarray(0, count * imageBytes), count, layout, labels, classNames: scan.classNames }
  return { info, store }
}
