/** Stable codes, so the UI can pick the help it shows for a failed export. */
export type ExportErrorCode = 'NOT_FOUND' | 'INVALID_ARGUMENT' | 'UNSUPPORTED'

/** An export that cannot run as requested; the message names the run, the step and what exists. */
export class ExportError extends Error {
  constructor(
    readonly code: ExportErrorCode,
    message: string,
  ) {
    super(message)
    this.name = 'ExportError'
  }
}
