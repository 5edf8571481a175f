import type { ErrorReply } from '../../shared/contract'

/** A request the backend rejected with `ok: false`; `reply` carries its code and per-field issues. */
export class BackendError extends Error {
  constructor(
    readonly channel: string,
    readonly reply: ErrorReply,
  ) {
    super(reply.message)
    this.name = 'BackendError'
  }

  get code(): ErrorReply['code'] {
    return this.reply.code
  }
}

/** Reads a backend error's message, or any thrown value's text, for showing to a person. */
export function errorText(error: unknown): string {
  if (error instanceof Error) return error.message
  return String(error)
}

/** Returns the ErrorReply an error carries, or null for errors that did not come from the backend. */
export function errorReply(error: unknown): ErrorReply | null {
  return error instanceof BackendError ? error.reply : null
}
