/**
 * Turns a dataset reference into a source: a built-in name (`digits`, `ring8`, ...), a downloaded or
 * system-installed name (`mnist`, `fashion-mnist`, `cifar10`), or a path to a file or folder.
 */
import { readdir, stat } from 'node:fs/promises'
import { basename, isAbsolute, join, resolve as resolvePath, sep } from 'node:path'
import { datasetsDir } from '../paths'
import { isDownloadName, REMOTE_SOURCES, SYSTEM_DATASET_ROOTS, DOWNLOAD_NAMES } from './catalog'
import { cifarFile, cifarFilesIn, isCifarName, type CifarFiles } from './cifar'
import { downloadFolder, isDownloaded } from './download'
import { DatasetError, fileSystemError } from './errors'
import { findIdxPairInFolder, idxImagesIn, isIdxName, pairIdxFile, type IdxPair } from './idx-set'
import { isImageName } from './image-folder'
import type { SourceInfo } from './source'
import { isToyName, TOY_NAMES, type ToyName } from './toy-specs'
import type { ImageLayout } from './transform'
import type { DatasetOptions, DatasetOrigin, DatasetSummary } from './types'

export type ResolvedSource =
  | { type: 'toy'; name: ToyName }
  | { type: 'digits' }
  | { type: 'idx'; name: string; origin: DatasetOrigin; pair: IdxPair }
  | { type: 'cifar'; name: string; origin: DatasetOrigin; cifar: CifarFiles }
  | { type: 'folder'; name: string; origin: DatasetOrigin; root: string }

const IMAGE_SIZES = [28, 32, 64]

/** Rejects option values that TypeScript cannot rule out for callers in JavaScript or from JSON. */
export function checkOptions(options: DatasetOptions): void {
  if (options.imageSize !== undefined && !IMAGE_SIZES.includes(options.imageSize)) {
    throw new DatasetError('INVALID_OPTION', `image size must be 28, 32 or 64, got ${options.imageSize}`)
  }
  if (options.channels !== undefined && options.channels !== 1 && options.channels !== 3) {
    throw new DatasetError('INVALID_OPTION', `channels must be 1 (grey) or 3 (RGB), got ${options.channels}`)
  }
  if (options.split !== undefined && options.split !== 'train' && options.split !== 'test') {
    throw new DatasetError('INVALID_OPTION', `split must be 'train' or 'test', got ${JSON.stringify(options.split)}`)
  }
}

async function statOrNull(path: string) {
  try {
    return await stat(path)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT' || code === 'ENOTDIR') return null
    throw fileSystemError(error, path)
  }
}

/** Decides what a folder holds: IDX files first, then CIFAR-10 batches, else images. */
export async function resolveFolder(folder: string, name: string, origin: DatasetOrigin, options: DatasetOptions): Promise<ResolvedSource> {
  if ((await idxImagesIn(folder)).length > 0) return { type: 'idx', name, origin, pair: await findIdxPairInFolder(folder, options.split) }
  const cifar = await cifarFilesIn(folder, options.split)
  if (cifar !== null) return { type: 'cifar', name, origin, cifar }
  return { type: 'folder', name, origin, root: folder }
}

async function resolveFile(file: string, name: string, origin: DatasetOrigin): Promise<ResolvedSource> {
  const fileName = basename(file)
  if (isIdxName(fileName)) return { type: 'idx', name, origin, pair: await pairIdxFile(file) }
  if (isCifarName(fileName) || fileName.toLowerCase().endsWith('.bin')) return { type: 'cifar', name, origin, cifar: cifarFile(file) }
  if (isImageName(fileName)) {
    throw new DatasetError('UNSUPPORTED', 'a single image is not a dataset', { file, fix: 'pass the folder that contains the images' })
  }
  if (/\.(tar\.gz|tgz|tar|zip)$/i.test(fileName)) {
    throw new DatasetError('UNSUPPORTED', 'archives are not read directly', {
      file,
      fix: fileName.startsWith('cifar-10') ? 'run `datasets download cifar10`, or extract the archive and pass the folder' : 'extract the archive and pass the folder',
    })
  }
  throw new DatasetError('UNSUPPORTED', 'expected an IDX file (…-idx3-ubyte[.gz]), a CIFAR-10 batch (.bin) or a folder', { file })
}

/** Folders of system packages that hold IDX or CIFAR-10 files, by folder name. */
export async function foundSystemSets(): Promise<Map<string, string>> {
  const found = new Map<string, string>()
  for (const root of SYSTEM_DATASET_ROOTS) {
    let names: string[]
    try {
      names = await readdir(root)
    } catch {
      continue
    }
    for (const name of names.sort()) {
      const folder = join(root, name)
      try {
        if (!(await stat(folder)).isDirectory()) continue
        const files = await readdir(folder)
        if (files.some((file) => isIdxName(file) || isCifarName(file))) found.set(name, folder)
      } catch {
        // An unreadable system folder is simply not offered.
      }
    }
  }
  return found
}

function looksLikePath(ref: string): boolean {
  return isAbsolute(ref) || ref.startsWith('.') || ref.includes('/') || ref.includes(sep)
}

export async function resolveRef(ref: string, options: DatasetOptions): Promise<ResolvedSource> {
  checkOptions(options)
  if (ref === 'digits') return { type: 'digits' }
  if (isToyName(ref)) return { type: 'toy', name: ref }

  if (!looksLikePath(ref)) {
    if (isDownloadName(ref) && (await isDownloaded(REMOTE_SOURCES[ref], options.dataDir))) {
      return resolveFolder(downloadFolder(ref, options.dataDir), ref, 'downloaded', options)
    }
    const system = (await foundSystemSets()).get(ref)
    if (system !== undefined) return resolveFolder(system, ref, 'found', options)
    const own = join(datasetsDir(options.dataDir), ref)
    if (!isDownloadName(ref) && (await statOrNull(own))?.isDirectory()) return resolveFolder(own, ref, 'found', options)
  }

  const path = resolvePath(ref)
  const info = await statOrNull(path)
  if (info?.isDirectory()) return resolveFolder(path, basename(path), 'path', options)
  if (info?.isFile()) return resolveFile(path, basename(path), 'path')

  if (isDownloadName(ref)) {
    throw new DatasetError('NOT_FOUND', `${REMOTE_SOURCES[ref].title} is not downloaded yet (looked in ${downloadFolder(ref, options.dataDir)})`, {
      fix: `run \`npm run cli -- datasets download ${ref}\` or use Download in the app`,
    })
  }
  const problem = looksLikePath(ref) ? `no file or folder exists at ${path}` : `no dataset is named "${ref}" and no file or folder exists at ${path}`
  throw new DatasetError('NOT_FOUND', problem, {
    fix: `use a built-in name (digits, ${TOY_NAMES.join(', ')}), a downloadable one (${DOWNLOAD_NAMES.join(', ')}) or a path`,
  })
}

/** The layout `batch` returns: the requested size and channels, else each source's default. */
export function targetLayout(source: ResolvedSource, stored: ImageLayout | null, options: DatasetOptions): ImageLayout {
  const channels = options.channels ?? stored?.channels ?? 3
  if (options.imageSize !== undefined) return { channels, height: options.imageSize, width: options.imageSize }
  if (stored === null || source.type === 'folder') return { channels, height: 64, width: 64 }
  return { channels, height: stored.height, width: stored.width }
}

export function sourceName(source: ResolvedSource): string {
  if (source.type === 'digits') return 'digits'
  return source.name
}

/** Builds the summary from what the source reported and the output layout. */
export function makeSummary(ref: string, source: ResolvedSource, info: SourceInfo, target: ImageLayout): DatasetSummary {
  const stored = info.storedLayout
  return {
    name: sourceName(source),
    ref,
    origin: source.type === 'digits' || source.type === 'toy' ? 'built-in' : source.origin,
    format: info.format,
    kind: 'image',
    split: info.split,
    count: info.count,
    shape: [target.channels, target.height, target.width],
    storedShape: stored === null ? null : [stored.channels, stored.height, stored.width],
    channels: target.channels,
    classes: info.classes,
    path: info.path,
    files: info.files,
    checksum: info.checksum,
    knownAs: info.knownAs,
    skipped: info.skipped,
    warnings: info.warnings,
  }
}
