import type { ErrorReply } from '../../shared/contract'
import { DatasetError } from '../datasets'
import { StoreError } from '../store/database'
import { ConfigError } from '../trainer/config'

export type ErrorCode = ErrorReply['code']

/** An error a handler raises on purpose, with the code the caller receives. */
export class ServiceError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly issues?: ErrorReply['issues'],
  ) {
    super(message)
    this.name = 'ServiceError'
  }
}

/**
 * Turns anything a handler threw into an ErrorReply: its own ServiceErrors keep their code, a run
 * configuration error becomes INVALID_CONFIG with one issue per field, a missing run or dataset
 * becomes NOT_FOUND, and everything else FAILED with the error's message.
 */
export function toErrorReply(error: unknown): ErrorReply {
  if (error instanceof ServiceError) {
    return error.issues ? { code: error.code, message: error.message, issues: error.issues } : { code: error.code, message: error.message }
  }
  if (error instanceof ConfigError) return { code: 'INVALID_CONFIG', message: error.message, issues: error.issues }
  if ((error instanceof StoreError || error instanceof DatasetError) && error.code === 'NOT_FOUND') {
    return { code: 'NOT_FOUND', message: error.message }
  }
  if (error instanceof Error) return { code: 'FAILED', message: error.message }
  return { code: 'FAILED', message: String(error) }
}
