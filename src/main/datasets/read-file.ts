/**
 * Streams a data file from disk, decompressing it when its name ends in `.gz`, computing the MD5 of the
 * stored bytes on the way and reporting progress. Reading in 1 MiB chunks keeps the event loop free.
 */
import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { open, stat } from 'node:fs/promises'
import { Transform, Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { createGunzip } from 'node:zlib'
import { DatasetError, describeBytes, fileSystemError, formatCount, looksLikeHtml, throwIfAborted } from './errors'

export interface ReadOptions {
  /** Keep all decompressed bytes (true) or only the first `keep` bytes (a number) and count the rest. */
  keep: true | number
  /** Called with the number of stored bytes read so far and the file size. */
  onBytes?: (read: number, total: number) => void
  signal?: AbortSignal
}

export interface ReadResult {
  /** The decompressed bytes kept, all of them or the first `keep`. */
  data: Buffer
  /** Size of the decompressed data. */
  dataBytes: number
  /** Size of the file on disk. */
  fileBytes: number
  /** MD5 of the file on disk, as published checksums give it. */
  md5: string
  compressed: boolean
}

const GZIP_SIGNATURE = [0x1f, 0x8b]
const CHUNK_BYTES = 1 << 20

export function isGzipName(file: string): boolean {
  return file.toLowerCase().endsWith('.gz')
}

export async function fileSize(file: string): Promise<number> {
  try {
    return (await stat(file)).size
  } catch (error) {
    throw fileSystemError(error, file)
  }
}

/** Reads the first `count` bytes of a file, fewer if it is shorter. */
export async function readHead(file: string, count: number): Promise<Buffer> {
  let handle
  try {
    handle = await open(file, 'r')
  } catch (error) {
    throw fileSystemError(error, file)
  }
  try {
    const buffer = Buffer.alloc(count)
    const { bytesRead } = await handle.read(buffer, 0, count, 0)
    return buffer.subarray(0, bytesRead)
  } finally {
    await handle.close()
  }
}

/** Rejects a `.gz` file that does not start with the gzip signature, naming what it looks like instead. */
export async function checkGzipSignature(file: string): Promise<void> {
  const head = await readHead(file, 64)
  if (head.length >= 2 && head[0] === GZIP_SIGNATURE[0] && head[1] === GZIP_SIGNATURE[1]) return

  let found = head.length === 0 ? 'an empty file' : describeBytes(head.subarray(0, 8))
  let fix = 'download or copy the file again'
  if (looksLikeHtml(head)) {
    found += ', the start of an HTML page (a failed download often saves the server error page)'
  } else if (head.length >= 4 && head[0] === 0 && head[1] === 0 && head[2] === 0x08) {
    found += ', an uncompressed IDX header'
    fix = `remove the .gz extension: the file is not compressed`
  }
  throw new DatasetError('NOT_GZIP', `expected the gzip signature 1f 8b at the start of a .gz file, found ${found}`, { file, fix })
}

/** Streams `file`, gunzipping `.gz` files, and returns the kept bytes with sizes and the MD5. */
export async function readDataFile(file: string, options: ReadOptions): Promise<ReadResult> {
  let fileBytes: number
  try {
    const info = await stat(file)
    if (info.isDirectory()) throw new DatasetError('UNREADABLE', 'expected a file, found a folder', { file })
    fileBytes = info.size
  } catch (error) {
    throw fileSystemError(error, file)
  }
  const compressed = isGzipName(file)
  if (compressed) await checkGzipSignature(file)
  throwIfAborted(options.signal, `reading ${file}`)

  const hash = createHash('md5')
  let read = 0
  const tap = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk)
      read += chunk.length
      options.onBytes?.(read, fileBytes)
      done(null, chunk)
    },
  })

  const kept: Buffer[] = []
  let keptBytes = 0
  let dataBytes = 0
  const limit = options.keep === true ? Infinity : options.keep
  const collect = new Writable({
    write(chunk: Buffer, _encoding, done) {
      dataBytes += chunk.length
      if (keptBytes < limit) {
        const part = keptBytes + chunk.length <= limit ? chunk : chunk.subarray(0, limit - keptBytes)
        kept.push(part)
        keptBytes += part.length
      }
      done()
    },
  })

  const source = createReadStream(file, { highWaterMark: CHUNK_BYTES })
  const stages: NodeJS.ReadWriteStream[] = compressed ? [tap, createGunzip({ chunkSize: CHUNK_BYTES })] : [tap]
  try {
    await pipeline([source, ...stages, collect], { signal: options.signal })
  } catch (error) {
    throw readError(error, file, dataBytes, options.signal)
  }
  return { data: Buffer.concat(kept, keptBytes), dataBytes, fileBytes, md5: hash.digest('hex'), compressed }
}

function readError(error: unknown, file: string, decompressed: number, signal: AbortSignal | undefined): unknown {
  if (signal?.aborted || (error as Error | null)?.name === 'AbortError') {
    return new DatasetError('ABORTED', 'reading was cancelled', { file, cause: error })
  }
  const code = (error as NodeJS.ErrnoException | null)?.code
  if (code === 'Z_BUF_ERROR') {
    return new DatasetError('TRUNCATED', `the gzip stream ends early, after ${formatCount(decompressed)} decompressed bytes`, {
      file,
      fix: 'the file was cut off during a download or copy: download or copy it again',
      cause: error,
    })
  }
  if (code === 'Z_DATA_ERROR') {
    return new DatasetError('CORRUPT_GZIP', `the gzip data is corrupt (${(error as Error).message})`, {
      file,
      fix: 'download or copy the file again',
      cause: error,
    })
  }
  return fileSystemError(error, file)
}
