/**
 * Errors raised while finding, reading or downloading a dataset. Each has a stable `code` so that the
 * app can show help for it, and a message that names the file, what was expected, what was found and,
 * where there is one, the fix.
 */
export type DatasetErrorCode =
  | 'NOT_FOUND'
  | 'AMBIGUOUS'
  | 'UNSUPPORTED'
  | 'INVALID_OPTION'
  | 'BAD_MAGIC'
  | 'SIZE_MISMATCH'
  | 'TRUNCATED'
  | 'NOT_GZIP'
  | 'CORRUPT_GZIP'
  | 'COUNT_MISMATCH'
  | 'BAD_LABEL'
  | 'NOT_CIFAR'
  | 'EMPTY_FOLDER'
  | 'UNREADABLE'
  | 'CHECKSUM'
  | 'DOWNLOAD_FAILED'
  | 'ABORTED'

export interface DatasetErrorDetails {
  /** The file or folder at fault. */
  file?: string
  /** What to do about it, appended to the message after "Fix:". */
  fix?: string
  cause?: unknown
}

export class DatasetError extends Error {
  readonly code: DatasetErrorCode
  readonly file: string | null
  readonly fix: string | null

  constructor(code: DatasetErrorCode, problem: string, details: DatasetErrorDetails = {}) {
    const located = details.file === undefined ? problem : `${details.file}: ${problem}`
    super(details.fix === undefined ? located : `${located}\nFix: ${details.fix}`, { cause: details.cause })
    this.name = 'DatasetError'
    this.code = code
    this.file = details.file ?? null
    this.fix = details.fix ?? null
  }

  /** Plain data for JSON output and for crossing a process boundary. */
  toJSON(): { code: DatasetErrorCode; message: string; file: string | null; fix: string | null } {
    return { code: this.code, message: this.message, file: this.file, fix: this.fix }
  }
}

/** Throws ABORTED when the caller's signal has fired, so long loops stop between chunks. */
export function throwIfAborted(signal: AbortSignal | undefined, what: string): void {
  if (signal?.aborted) throw new DatasetError('ABORTED', `${what} was cancelled`)
}

/** Maps a file-system error to NOT_FOUND or UNREADABLE, and passes anything else through. */
export function fileSystemError(error: unknown, file: string): unknown {
  const code = (error as NodeJS.ErrnoException | null)?.code
  if (code === 'ENOENT') {
    return new DatasetError('NOT_FOUND', 'no such file or folder', { file, cause: error })
  }
  if (code === 'EACCES' || code === 'EPERM') {
    return new DatasetError('UNREADABLE', `permission denied (${code})`, {
      file,
      fix: 'give your user read permission on it, or copy the data somewhere readable',
      cause: error,
    })
  }
  if (code === 'EISDIR' || code === 'ENOTDIR') {
    return new DatasetError('UNREADABLE', `expected a ${code === 'EISDIR' ? 'file' : 'folder'} here (${code})`, {
      file,
      cause: error,
    })
  }
  return error
}

/** Formats a count with thousands separators, as messages and summaries print them. */
export function formatCount(value: number): string {
  return value.toLocaleString('en-US')
}

/** Shows the first bytes of a file as hex plus printable text, for messages about wrong signatures. */
export function describeBytes(bytes: Uint8Array): string {
  const hex = Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join(' ')
  const text = Array.from(bytes, (byte) => (byte >= 0x20 && byte < 0x7f ? String.fromCharCode(byte) : '.')).join('')
  return `${hex} ("${text}")`
}

/** True when the bytes look like the start of an HTML document, as an error page saved by a failed download does. */
export function looksLikeHtml(bytes: Uint8Array): boolean {
  const start = new TextDecoder().decode(bytes.subarray(0, 64)).trimStart().toLowerCase()
  return start.startsWith('<!doctype') || start.startsWith('<html') || start.startsWith('<?xml') || start.startsWith('<head')
}
