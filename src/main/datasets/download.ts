/**
 * Downloads of the published sets into `<dataDir>/datasets/<name>/`. Each file is written to
 * `<file>.partial`, checked against its MD5 and only then renamed, so a partial file is never taken
 * for a whole one. A `.partial` left by an interrupted download is resumed with an HTTP Range request.
 */
import { createHash } from 'node:crypto'
import { createReadStream, createWriteStream } from 'node:fs'
import { mkdir, rename, rm, rmdir, stat } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { Readable, Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { createGunzip } from 'node:zlib'
import { datasetsDir } from '../paths'
import { extractMembers } from './archive'
import { isDownloadName, REMOTE_SOURCES, DOWNLOAD_NAMES, type RemoteFile, type RemoteSource } from './catalog'
import { DatasetError, looksLikeHtml } from './errors'
import { readHead } from './read-file'
import type { SourceFile } from './types'

/** Environment variable that replaces every official address; files are fetched from `<url>/<set name>/<file>`. */
export const DOWNLOAD_BASE_URL_ENV = 'GANWB_DOWNLOAD_BASE_URL'

export interface DownloadProgress {
  fraction: number
  message: string
  /** Bytes received so far, over all files of the set. */
  bytes: number
  /** Expected bytes of all files: the published sizes until the server sends lengths. */
  totalBytes: number
}

export interface DownloadOptions {
  /** The app data folder; `appDataDir()` unless given. */
  dataDir?: string
  /** Replaces the official addresses (and GANWB_DOWNLOAD_BASE_URL); files come from `<baseUrl>/<set name>/<file>`. */
  baseUrl?: string
  onProgress?: (progress: DownloadProgress) => void
  signal?: AbortSignal
}

export interface DownloadResult {
  name: string
  folder: string
  /** The files of the set in its folder (MD5 left null: each was checked against the published one). */
  files: SourceFile[]
  /** Files that were already present and verified, so not fetched again. */
  reused: string[]
}

/** Folder a downloaded set lives in. */
export function downloadFolder(name: string, dataDir?: string): string {
  return join(datasetsDir(dataDir), name)
}

/** Returns the files that make a downloaded set whole: the archive members for archives, else the files themselves. */
export function finalFiles(source: RemoteSource): string[] {
  return source.extract ?? source.files.map((file) => file.name)
}

export async function isDownloaded(source: RemoteSource, dataDir?: string): Promise<boolean> {
  const folder = downloadFolder(source.name, dataDir)
  for (const name of finalFiles(source)) {
    try {
      if (!(await stat(join(folder, name))).isFile()) return false
    } catch {
      return false
    }
  }
  return true
}

function fileUrl(source: RemoteSource, file: RemoteFile, baseUrl: string | undefined): string {
  const override = baseUrl ?? process.env[DOWNLOAD_BASE_URL_ENV]
  if (override === undefined || override === '') return new URL(file.name, source.baseUrl).href
  return `${override.replace(/\/+$/, '')}/${source.name}/${file.name}`
}

async function sizeOf(path: string): Promise<number | null> {
  try {
    return (await stat(path)).size
  } catch {
    return null
  }
}

async function md5OfFile(path: string, gunzip: boolean): Promise<string> {
  const hash = createHash('md5')
  const source = createReadStream(path, { highWaterMark: 1 << 20 })
  const stream = gunzip ? source.pipe(createGunzip()) : source
  if (gunzip) source.on('error', (error) => stream.destroy(error))
  for await (const chunk of stream as AsyncIterable<Buffer>) hash.update(chunk)
  return hash.digest('hex')
}

/** Returns null when the file matches its published MD5 (stored, or decompressed for `.gz`), else what was found. */
async function verify(path: string, file: RemoteFile): Promise<string | null> {
  const md5 = await md5OfFile(path, false)
  if (md5 === file.md5) return null
  if (file.contentMd5 !== undefined) {
    const contentMd5 = await md5OfFile(path, true).catch(() => null)
    if (contentMd5 === file.contentMd5) return null
  }
  return md5
}

interface Tracker {
  sizes: number[]
  received: number[]
  report(message: string): void
}

/** Fetches one file into `<dest>.partial`, resuming a previous partial file, and verifies it before renaming. */
async function fetchFile(url: string, dest: string, file: RemoteFile, index: number, tracker: Tracker, signal?: AbortSignal): Promise<void> {
  const partial = `${dest}.partial`
  let offset = (await sizeOf(partial)) ?? 0
  const message = `Downloading ${file.name}`

  let response: Response
  try {
    response = await fetch(url, { headers: offset > 0 ? { Range: `bytes=${offset}-` } : {}, signal })
    if (response.status === 416 && offset > 0) {
      // The partial file is already as long as the server's copy, or longer: start over.
      await response.body?.cancel()
      await rm(partial, { force: true })
      offset = 0
      response = await fetch(url, { signal })
    }
  } catch (error) {
    throw downloadError(error, url, signal)
  }
  if (response.status !== 200 && response.status !== 206) {
    await response.body?.cancel()
    throw new DatasetError('DOWNLOAD_FAILED', `the server returned HTTP ${response.status} ${response.statusText} for ${url}`, {
      file: dest,
      fix: response.status === 404 ? 'check the download address' : 'try again later',
    })
  }
  const resumed = response.status === 206 && offset > 0
  if (!resumed) offset = 0
  const length = Number(response.headers.get('content-length'))
  if (Number.isFinite(length) && length > 0) tracker.sizes[index] = offset + length
  tracker.received[index] = offset
  tracker.report(message)

  const count = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      tracker.received[index] += chunk.length
      tracker.report(message)
      done(null, chunk)
    },
  })
  try {
    if (response.body === null) throw new Error('the response has no body')
    await pipeline(Readable.fromWeb(response.body as import('node:stream/web').ReadableStream), count, createWriteStream(partial, { flags: resumed ? 'a' : 'w' }), { signal })
  } catch (error) {
    throw downloadError(error, url, signal, partial)
  }

  const mismatch = await verify(partial, file)
  if (mismatch !== null) {
    const head = await readHead(partial, 64)
    await rm(partial, { force: true })
    const found = looksLikeHtml(head) ? `${mismatch}, and the file is an HTML page, not the data` : mismatch
    throw new DatasetError('CHECKSUM', `expected MD5 ${file.md5}${file.contentMd5 ? ` (or ${file.contentMd5} decompressed)` : ''} for ${url}, found ${found}; the partial file was deleted`, {
      file: dest,
      fix: 'run the download again; if it keeps failing, the address no longer serves the official file',
    })
  }
  await rename(partial, dest)
}

function downloadError(error: unknown, url: string, signal: AbortSignal | undefined, partial?: string): DatasetError {
  if (error instanceof DatasetError) return error
  if (signal?.aborted || (error as Error | null)?.name === 'AbortError') {
    return new DatasetError('ABORTED', `the download of ${url} was cancelled${partial ? '; it resumes from the partial file next time' : ''}`, { cause: error })
  }
  const cause = (error as { cause?: { message?: string } } | null)?.cause?.message
  const reason = [(error as Error).message, cause].filter(Boolean).join(': ')
  return new DatasetError('DOWNLOAD_FAILED', `could not download ${url}: ${reason}`, {
    file: partial,
    fix: partial ? 'run the download again; it resumes from the partial file' : 'check the network connection and the address, then try again',
    cause: error,
  })
}

/** Downloads and verifies every file of `source`, extracting archives; files already present and valid are kept. */
export async function downloadSource(source: RemoteSource, options: DownloadOptions = {}): Promise<DownloadResult> {
  const folder = downloadFolder(source.name, options.dataDir)
  // An extracted archive cannot be checked against the archive's MD5 again, so its presence is enough.
  if (source.extract !== undefined && (await isDownloaded(source, options.dataDir))) {
    const files = await Promise.all(source.extract.map(async (name) => ({ path: join(folder, name), bytes: (await sizeOf(join(folder, name))) ?? 0, md5: null })))
    return { name: source.name, folder, files, reused: [...source.extract] }
  }
  const staging = source.extract === undefined ? folder : join(datasetsDir(options.dataDir), '.downloads', source.name)
  await mkdir(staging, { recursive: true })

  const tracker: Tracker = {
    sizes: source.files.map((file) => file.bytes),
    received: source.files.map(() => 0),
    report(message) {
      const bytes = sum(this.received)
      const totalBytes = sum(this.sizes)
      // Extraction takes the last 5% of an archive's bar.
      const downloadShare = source.extract === undefined ? 1 : 0.95
      options.onProgress?.({ fraction: downloadShare * Math.min(bytes / totalBytes, 1), message, bytes, totalBytes })
    },
  }

  const reused: string[] = []
  for (const [index, file] of source.files.entries()) {
    const dest = join(staging, file.name)
    const existing = await sizeOf(dest)
    if (existing !== null && (await verify(dest, file)) === null) {
      reused.push(file.name)
      tracker.sizes[index] = existing
      tracker.received[index] = existing
      tracker.report(`${file.name} is already downloaded`)
      continue
    }
    await fetchFile(fileUrl(source, file, options.baseUrl), dest, file, index, tracker, options.signal)
  }

  if (source.extract !== undefined) {
    const partialFolder = `${folder}.partial`
    await rm(partialFolder, { recursive: true, force: true })
    options.onProgress?.({ fraction: 0.95, message: 'Extracting', bytes: sum(tracker.received), totalBytes: sum(tracker.sizes) })
    await extractMembers(join(staging, source.files[0].name), partialFolder, source.extract)
    await rm(folder, { recursive: true, force: true })
    await rename(partialFolder, folder)
    await rm(staging, { recursive: true, force: true })
    // Remove the staging root too when no other download is using it.
    await rmdir(dirname(staging)).catch(() => undefined)
  }
  options.onProgress?.({ fraction: 1, message: `Downloaded ${source.title}`, bytes: sum(tracker.received), totalBytes: sum(tracker.sizes) })

  const files: SourceFile[] = []
  for (const name of finalFiles(source)) {
    const path = join(folder, name)
    files.push({ path, bytes: (await sizeOf(path)) ?? 0, md5: null })
  }
  return { name: source.name, folder, files, reused }
}

function sum(values: readonly number[]): number {
  return values.reduce((total, n) => total + n, 0)
}

/** Downloads a published set by name: 'mnist', 'fashion-mnist' or 'cifar10'. */
export async function downloadDataset(name: string, options: DownloadOptions = {}): Promise<DownloadResult> {
  if (!isDownloadName(name)) {
    throw new DatasetError('NOT_FOUND', `no downloadable dataset is named "${name}"`, { fix: `choose one of ${DOWNLOAD_NAMES.join(', ')}` })
  }
  return downloadSource(REMOTE_SOURCES[name], options)
}
