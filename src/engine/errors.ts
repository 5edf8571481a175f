/**
 * Errors raised by the engine. Each has a stable `code` so that a user interface can show help for
 * it, and a message in three parts: what happened, why, and what to do.
 */
export type EngineErrorCode =
  | 'BACKWARD_TWICE'
  | 'INPLACE_MODIFIED'
  | 'NON_SCALAR_BACKWARD'
  | 'NO_GRAD_FN'
  | 'LEAF_INPLACE'
  | 'NON_LEAF_REQUIRES_GRAD'
  | 'SHAPE_MISMATCH'
  | 'INVALID_ARGUMENT'
  | 'DISPOSED'
  | 'BACKEND_UNAVAILABLE'
  | 'NOT_SUPPORTED'

export class EngineError extends Error {
  readonly code: EngineErrorCode

  constructor(code: EngineErrorCode, message: string) {
    super(message)
    this.name = 'EngineError'
    this.code = code
  }
}

/** Formats a shape the way PyTorch prints it in its errors: `[64, 100]`. */
export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`
}

export function invalidArgument(message: string): EngineError {
  return new EngineError('INVALID_ARGUMENT', message)
}

/** Throws an INVALID_ARGUMENT error unless `condition` holds; `message` is built only on failure. */
export function check(condition: boolean, message: () => string): asserts condition {
  if (!condition) throw invalidArgument(message())
}
