import type { Handle } from './tf'
import { EngineError, check, formatShape } from './errors'
import { K } from './kernels'
import { type Dtype, type Tensor, fromHandle } from './tensor'
import { defaultGenerator, type Generator } from './random'

export interface TensorOptions {
  /** float32 unless given: JavaScript has one number type, so `[1, 2]` cannot mean int64 as in PyTorch. */
  dtype?: Dtype
  requiresGrad?: boolean
}

export interface RandomOptions extends TensorOptions {
  generator?: Generator
}

type NestedArray = number | boolean | NestedArray[]
export type TensorData = NestedArray | Float32Array | Int32Array | Uint8Array

/** The shape of nested arrays, checking that they are rectangular as PyTorch does. */
function inferDataShape(data: NestedArray): number[] {
  const shape: number[] = []
  let level: NestedArray = data
  while (Array.isArray(level)) {
    shape.push(level.length)
    if (level.length === 0) break
    level = level[0]
  }
  const walk = (value: NestedArray, depth: number): void => {
    if (depth === shape.length) {
      if (Array.isArray(value)) throw raggedError(depth, shape[depth - 1], value.length)
      return
    }
    if (!Array.isArray(value) || value.length !== shape[depth]) {
      throw raggedError(depth, shape[depth], Array.isArray(value) ? value.length : 'a number')
    }
    for (const item of value) walk(item, depth + 1)
  }
  walk(data, 0)
  return shape
}

function raggedError(depth: number, expected: number, got: number | string): EngineError {
  return new EngineError('INVALID_ARGUMENT', `expected sequence of length ${expected} at dim ${depth} (got ${got})`)
}

function finish(value: Handle, options: TensorOptions): Tensor {
  const result = fromHandle(value, null, false)
  if (options.requiresGrad) result.requiresGrad_(true)
  return result
}

function checkShape(shape: readonly number[]): number[] {
  for (const size of shape) {
    check(Number.isInteger(size) && size >= 0, () => `invalid shape ${formatShape(shape)}: sizes must be non-negative integers`)
  }
  return [...shape]
}

/** A tensor from nested arrays or a typed array (give `shape` for a flat typed array). */
export function tensor(data: TensorData, options: TensorOptions & { shape?: number[] } = {}): Tensor {
  const dtype = options.dtype ?? 'float32'
  let shape: number[]
  let values: ArrayLike<number>
  if (ArrayBuffer.isView(data)) {
    shape = options.shape ? checkShape(options.shape) : [data.length]
    const count = shape.reduce((n, d) => n * d, 1)
    check(count === data.length, () => `shape ${formatShape(shape)} needs ${count} values, got ${data.length}`)
    values = data
  } else {
    shape = inferDataShape(data)
    values = (Array.isArray(data) ? (data as unknown[]).flat(Infinity) : [data]).map(Number)
    if (options.shape) {
      const target = checkShape(options.shape)
      const count = target.reduce((n, d) => n * d, 1)
      check(count === values.length, () => `shape ${formatShape(target)} needs ${count} values, got ${values.length}`)
      shape = target
    }
  }
  return finish(K.fromValues(values, shape, dtype), options)
}

export function full(shape: readonly number[], value: number, options: TensorOptions = {}): Tensor {
  return finish(K.fill(checkShape(shape), value, options.dtype ?? 'float32'), options)
}

export function zeros(shape: readonly number[], options: TensorOptions = {}): Tensor {
  return full(shape, 0, options)
}

export function ones(shape: readonly number[], options: TensorOptions = {}): Tensor {
  return full(shape, 1, options)
}

export function zerosLike(other: Tensor, options: TensorOptions = {}): Tensor {
  return full(other.shape, 0, { dtype: other.dtype, ...options })
}

export function fullLike(other: Tensor, value: number, options: TensorOptions = {}): Tensor {
  return full(other.shape, value, { dtype: other.dtype, ...options })
}

export function onesLike(other: Tensor, options: TensorOptions = {}): Tensor {
  return full(other.shape, 1, { dtype: other.dtype, ...options })
}

/** Uniform samples in [0, 1) from the seeded generator. */
export function rand(shape: readonly number[], options: RandomOptions = {}): Tensor {
  const size = checkShape(shape).reduce((n, d) => n * d, 1)
  const values = (options.generator ?? defaultGenerator).fillUniform(new Float32Array(size))
  return finish(K.fromValues(values, shape, 'float32'), options)
}

/** Standard normal samples from the seeded generator. */
export function randn(shape: readonly number[], options: RandomOptions = {}): Tensor {
  const size = checkShape(shape).reduce((n, d) => n * d, 1)
  const values = (options.generator ?? defaultGenerator).fillNormal(new Float32Array(size))
  return finish(K.fromValues(values, shape, 'float32'), options)
}

export function randnLike(other: Tensor, options: RandomOptions = {}): Tensor {
  return randn(other.shape, options)
}

/** Integers uniform in [low, high), int32. */
export function randint(low: number, high: number, shape: readonly number[], options: RandomOptions = {}): Tensor {
  check(Number.isInteger(low) && Number.isInteger(high) && high > low, () => `randint expects integers low < high, got ${low} and ${high}`)
  const size = checkShape(shape).reduce((n, d) => n * d, 1)
  const generator = options.generator ?? defaultGenerator
  const values = new Int32Array(size)
  for (let i = 0; i < size; i++) values[i] = low + generator.nextInt(high - low)
  return finish(K.fromValues(values, shape, 'int32'), { ...options, dtype: 'int32' })
}

/** A random permutation of 0 .. n-1 (Fisher-Yates), int32. */
export function randperm(n: number, options: RandomOptions = {}): Tensor {
  const generator = options.generator ?? defaultGenerator
  const values = new Int32Array(n)
  for (let i = 0; i < n; i++) values[i] = i
  for (let i = n - 1; i > 0; i--) {
    const j = generator.nextInt(i + 1)
    const swap = values[i]
    values[i] = values[j]
    values[j] = swap
  }
  return finish(K.fromValues(values, [n], 'int32'), { ...options, dtype: 'int32' })
}

/** Values from `start` to `end` (exclusive) in steps of `step`; `arange(5)` is 0..4. */
export function arange(start: number, end?: number, step = 1, options: TensorOptions = {}): Tensor {
  const [from, to] = end === undefined ? [0, start] : [start, end]
  check(step !== 0, () => 'arange: step must be nonzero')
  check((to - from) / step >= 0, () => `arange: upper bound and larger bound inconsistent with step sign (start ${from}, end ${to}, step ${step})`)
  const count = Math.max(0, Math.ceil((to - from) / step))
  const values = Array.from({ length: count }, (_, i) => from + i * step)
  return finish(K.fromValues(values, [count], options.dtype ?? 'float32'), options)
}

export function linspace(start: number, end: number, steps: number, options: TensorOptions = {}): Tensor {
  check(Number.isInteger(steps) && steps >= 0, () => `linspace: number of steps must be a non-negative integer, got ${steps}`)
  const values = Array.from({ length: steps }, (_, i) => (steps === 1 ? start : start + ((end - start) * i) / (steps - 1)))
  return finish(K.fromValues(values, [steps], options.dtype ?? 'float32'), options)
}
