import { EngineError } from '../errors'

/** Checks a layer size (features, channels, rows) at construction: an integer of at least 1. */
export function checkPositiveInt(value: unknown, name: string, layer: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new EngineError('INVALID_ARGUMENT', `${layer}: ${name} must be a positive integer, got ${String(value)}`)
  }
  return value
}

export function checkPositiveNumber(value: unknown, name: string, layer: string): number {
  if (typeof value !== 'number' || !(value > 0) || !Number.isFinite(value)) {
    throw new EngineError('INVALID_ARGUMENT', `${layer}: ${name} must be a positive finite number, got ${String(value)}`)
  }
  return value
}

export function checkBoolean(value: unknown, name: string, layer: string): boolean {
  if (typeof value !== 'boolean') {
    throw new EngineError('INVALID_ARGUMENT', `${layer}: ${name} must be true or false, got ${String(value)}`)
  }
  return value
}

/**
 * A number as Python's repr prints it, so that module reprs read like PyTorch's: exponent notation
 * below 1e-4 and from 1e16 on, with at least two exponent digits (1e-05).
 */
export function pyFloat(value: number): string {
  if (Number.isNaN(value)) return 'nan'
  if (!Number.isFinite(value)) return value > 0 ? 'inf' : '-inf'
  const magnitude = Math.abs(value)
  if (value !== 0 && (magnitude < 1e-4 || magnitude >= 1e16)) {
    return value.toExponential().replace(/e([+-])(\d)$/, 'e$10$2')
  }
  return String(value)
}

export function pyBool(value: boolean): string {
  return value ? 'True' : 'False'
}

/** A Python tuple: (3, 3), or (64,) for one element. */
export function pyTuple(values: readonly number[]): string {
  return values.length === 1 ? `(${values[0]},)` : `(${values.join(', ')})`
}
