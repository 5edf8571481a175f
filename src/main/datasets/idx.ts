/**
 * The IDX format of MNIST and its relatives: a 4-byte magic number (two zero bytes, the element type,
 * the number of dimensions), one big-endian uint32 per dimension, then the elements in row-major
 * order. Only unsigned bytes (type 0x08) are supported: images are (N, H, W), magic 2051, and labels
 * are (N,), magic 2049.
 */
import { createHash } from 'node:crypto'
import { DatasetError, describeBytes, formatCount, looksLikeHtml } from './errors'
import { fileSize, isGzipName, readDataFile, readHead, type ReadOptions } from './read-file'

export type IdxRole = 'images' | 'labels'

export const IDX_MAGIC: Record<IdxRole, number> = { images: 2051, labels: 2049 }
const IDX_RANK: Record<IdxRole, number> = { images: 3, labels: 1 }
const ELEMENT_TYPES: Record<number, string> = {
  0x08: 'unsigned byte',
  0x09: 'signed byte',
  0x0b: 'int16',
  0x0c: 'int32',
  0x0d: 'float32',
  0x0e: 'float64',
}

export interface IdxHeader {
  magic: number
  /** (N, H, W) for images, (N,) for labels. */
  dims: number[]
  headerBytes: number
  /** Bytes of elements the dimensions call for. */
  dataBytes: number
}

/** Largest header: magic plus three dimensions. */
export const IDX_HEADER_BYTES = 16

function describeMagic(role: IdxRole): string {
  return `IDX magic number ${IDX_MAGIC[role]} (unsigned bytes, ${IDX_RANK[role]} dimension${IDX_RANK[role] > 1 ? 's' : ''}: ${role})`
}

/** Parses and checks the header at the start of `bytes`, raising a DatasetError that names `file`. */
export function parseIdxHeader(bytes: Uint8Array, file: string, role: IdxRole): IdxHeader {
  if (bytes.length < 4) {
    throw new DatasetError('TRUNCATED', `the file ends after ${bytes.length} bytes, inside the 4-byte IDX magic number`, {
      file,
      fix: 'the file was cut off: download or copy it again',
    })
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const magic = view.getUint32(0)
  if (magic !== IDX_MAGIC[role]) throw badMagic(bytes, magic, file, role)

  const rank = bytes[3]
  const headerBytes = 4 + 4 * rank
  if (bytes.length < headerBytes) {
    throw new DatasetError('TRUNCATED', `the data ends after ${bytes.length} bytes, inside the ${headerBytes}-byte IDX header`, {
      file,
      fix: 'the file was cut off: download or copy it again',
    })
  }
  const dims = Array.from({ length: rank }, (_, i) => view.getUint32(4 + 4 * i))
  if (role === 'images' && (dims[1] === 0 || dims[2] === 0)) {
    throw new DatasetError('SIZE_MISMATCH', `the header declares images of ${dims[1]} x ${dims[2]} pixels`, { file })
  }
  return { magic, dims, headerBytes, dataBytes: dims.reduce((product, size) => product * size, 1) }
}

function badMagic(bytes: Uint8Array, magic: number, file: string, role: IdxRole): DatasetError {
  const expected = `expected ${describeMagic(role)}`
  let found = `found ${magic}`
  let fix: string | undefined
  const other: IdxRole = role === 'images' ? 'labels' : 'images'
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    found += ', the gzip signature 1f 8b: the file is compressed'
    fix = 'give the file a .gz extension so it is decompressed, or decompress it with gunzip'
  } else if (magic === IDX_MAGIC[other]) {
    found += `, the magic number of an IDX ${other} file`
    fix = `pass the ${role} file; its name usually contains "${role === 'images' ? 'images-idx3' : 'labels-idx1'}"`
  } else if (bytes[0] === 0 && bytes[1] === 0 && ELEMENT_TYPES[bytes[2]] !== undefined) {
    found += `, an IDX file of ${ELEMENT_TYPES[bytes[2]]} elements with ${bytes[3]} dimension${bytes[3] === 1 ? '' : 's'}`
    fix = 'only unsigned-byte IDX files with (N, H, W) images or (N,) labels are supported'
  } else if (looksLikeHtml(bytes)) {
    found += ', the start of an HTML page (a failed download often saves the server error page)'
    fix = 'download the file again'
  } else {
    found += ` (first bytes ${describeBytes(bytes.subarray(0, 8))}), which is not an IDX file`
  }
  return new DatasetError('BAD_MAGIC', `${expected}, ${found}`, { file, fix })
}

/** Checks that the data after the header is exactly what the dimensions call for. */
export function checkIdxSize(header: IdxHeader, dataBytes: number, compressed: boolean, file: string): void {
  const expected = header.headerBytes + header.dataBytes
  if (dataBytes === expected) return
  const where = compressed ? 'the decompressed data' : 'the file'
  const difference = Math.abs(dataBytes - expected)
  const fix =
    dataBytes < expected
      ? `${where} is ${formatCount(difference)} bytes short, so it was probably cut off: download or copy it again`
      : `${where} has ${formatCount(difference)} bytes too many: the header dimensions are wrong or two files were joined`
  throw new DatasetError(
    'SIZE_MISMATCH',
    `the header declares ${header.dims.join(' x ')} unsigned bytes, so ${where} should be ${formatCount(expected)} bytes, found ${formatCount(dataBytes)}`,
    { file, fix },
  )
}

export interface IdxFile {
  header: IdxHeader
  /** The elements after the header. */
  data: Uint8Array
  md5: string
  /**
   * MD5 of the decompressed file, header included, which identifies a set however it was compressed.
   * Computed for labels files only, because hashing 47 MB of images on every load would waste time.
   */
  contentMd5: string | null
  fileBytes: number
  compressed: boolean
}

/** Reads and checks a whole IDX file (raw or `.gz`). */
export async function readIdxFile(file: string, role: IdxRole, options: Omit<ReadOptions, 'keep'>): Promise<IdxFile> {
  const result = await readDataFile(file, { ...options, keep: true })
  const header = parseIdxHeader(result.data, file, role)
  checkIdxSize(header, result.dataBytes, result.compressed, file)
  const data = new Uint8Array(result.data.buffer, result.data.byteOffset + header.headerBytes, header.dataBytes)
  let contentMd5: string | null = null
  if (role === 'labels') contentMd5 = result.compressed ? createHash('md5').update(result.data).digest('hex') : result.md5
  return { header, data, md5: result.md5, contentMd5, fileBytes: result.fileBytes, compressed: result.compressed }
}

/**
 * Checks an IDX file but keeps only its header, for summaries of large image files. A raw file
 * without `withMd5` is checked from its header and size alone, in milliseconds; the MD5 is then
 * an empty string. A `.gz` file is always decompressed, because only that reveals its true size.
 */
export async function scanIdxFile(
  file: string,
  role: IdxRole,
  options: Omit<ReadOptions, 'keep'> & { withMd5: boolean },
): Promise<Omit<IdxFile, 'data' | 'contentMd5'>> {
  if (!options.withMd5 && !isGzipName(file)) {
    const head = await readHead(file, IDX_HEADER_BYTES)
    const header = parseIdxHeader(head, file, role)
    const fileBytes = await fileSize(file)
    checkIdxSize(header, fileBytes, false, file)
    return { header, md5: '', fileBytes, compressed: false }
  }
  const result = await readDataFile(file, { ...options, keep: IDX_HEADER_BYTES })
  const header = parseIdxHeader(result.data, file, role)
  checkIdxSize(header, result.dataBytes, result.compressed, file)
  return { header, md5: result.md5, fileBytes: result.fileBytes, compressed: result.compressed }
}
