import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { expect } from 'vitest'
import { torch } from './engine'

/**
 * A tensor as tests/fixtures/generate.py writes it: row-major values rounded to float32, with
 * "Infinity", "-Infinity" and "NaN" as strings because JSON has no such numbers.
 */
export interface FixtureTensor {
  shape: number[]
  data: Array<number | string>
  dtype?: 'int32'
}

export interface FixtureFile<Case> {
  about: string
  /** The PyTorch version that made the values. */
  torch: string
  cases: Case[]
}

const fixtureDir = fileURLToPath(new URL('../fixtures/', import.meta.url))

/** Reads tests/fixtures/<name>; the files are committed, so CI needs no PyTorch. */
export function loadFixture<Case extends { name: string }>(name: string): FixtureFile<Case> {
  const path = `${fixtureDir}${name}`
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (error) {
    throw new Error(`fixture ${path} could not be read (${(error as Error).message}); run \`npm run fixtures\` to make it`)
  }
  return JSON.parse(text) as FixtureFile<Case>
}

export function isFixtureTensor(value: unknown): value is FixtureTensor {
  return typeof value === 'object' && value !== null && 'shape' in value && 'data' in value
}

export function fixtureValues(tensor: FixtureTensor): number[] {
  return tensor.data.map((value) => (typeof value === 'number' ? value : Number(value)))
}

/** Makes an engine tensor with the fixture's values: float32, or int32 for integer fixtures. */
export function toTensor(fixture: FixtureTensor, options: { requiresGrad?: boolean } = {}): torch.Tensor {
  const dtype = fixture.dtype ?? 'float32'
  const values = dtype === 'int32' ? Int32Array.from(fixtureValues(fixture)) : Float32Array.from(fixtureValues(fixture))
  return torch.tensor(values, { shape: fixture.shape, dtype, requiresGrad: options.requiresGrad && dtype === 'float32' })
}

/** Maps every fixture tensor in a record to an engine tensor. */
export function toTensors(fixtures: Record<string, FixtureTensor>, options: { requiresGrad?: boolean } = {}): Record<string, torch.Tensor> {
  return Object.fromEntries(Object.entries(fixtures).map(([key, value]) => [key, toTensor(value, options)]))
}

/** Allowed difference `atol + rtol * |expected|`, per element. */
export interface Tolerance {
  atol: number
  rtol: number
}

/** Element-wise results (add, exp, relu, views): float32 rounding of one or two operations. */
export const elementwiseTolerance: Tolerance = { atol: 1e-5, rtol: 1e-5 }
/** Sums over many terms (reductions, matmul, convolutions, losses): the order of summation differs. */
export const reductionTolerance: Tolerance = { atol: 1e-5, rtol: 1e-4 }

/**
 * Returns a tolerance of `rtol` times the largest magnitude in `expected`. Use it for tensors whose
 * values are all far below 1 (Adam's second moments), where a fixed absolute tolerance accepts anything.
 */
export function relativeToLargest(expected: FixtureTensor, rtol: number): Tolerance {
  const largest = fixtureValues(expected).reduce((max, value) => Math.max(max, Math.abs(value)), 0)
  return { atol: rtol * largest, rtol }
}

function indexOf(flat: number, shape: readonly number[]): number[] {
  const index = new Array<number>(shape.length)
  let rest = flat
  for (let d = shape.length - 1; d >= 0; d--) {
    index[d] = rest % shape[d]
    rest = Math.floor(rest / shape[d])
  }
  return index
}

function sameValue(actual: number, expected: number): boolean {
  return Number.isNaN(expected) ? Number.isNaN(actual) : actual === expected
}

/**
 * Compares `actual` with PyTorch's values and fails with the case, the worst element (its index,
 * both values and the allowed difference) and how many elements are off. Integer fixtures must
 * match exactly; infinities and NaN must match in kind.
 */
export function expectValuesClose(
  actual: ArrayLike<number>,
  actualShape: readonly number[],
  expected: FixtureTensor,
  label: string,
  tolerance: Tolerance,
): void {
  const shapeText = (shape: readonly number[]): string => `[${shape.join(', ')}]`
  if (shapeText(actualShape) !== shapeText(expected.shape)) {
    expect.fail(`${label}: shape ${shapeText(actualShape)}, expected ${shapeText(expected.shape)}`)
  }
  const want = fixtureValues(expected)
  const exact = expected.dtype === 'int32'
  let worst = -1
  let worstExcess = 0
  let failures = 0
  for (let i = 0; i < want.length; i++) {
    const got = actual[i]
    let excess: number
    if (exact || !Number.isFinite(want[i])) {
      excess = sameValue(got, want[i]) ? 0 : Infinity
    } else {
      excess = Number.isNaN(got) ? Infinity : Math.abs(got - want[i]) - (tolerance.atol + tolerance.rtol * Math.abs(want[i]))
    }
    if (excess > 0) {
      failures++
      if (excess > worstExcess || worst < 0) {
        worst = i
        worstExcess = excess
      }
    }
  }
  if (worst >= 0) {
    const allowed = exact ? 'exact match' : `allowed ${tolerance.atol} + ${tolerance.rtol} * |expected|`
    const diff = Math.abs(actual[worst] - want[worst])
    expect.fail(
      `${label}: ${failures} of ${want.length} elements differ; worst at [${indexOf(worst, expected.shape).join(', ')}]: ` +
        `got ${actual[worst]}, expected ${want[worst]} (|diff| ${diff.toPrecision(3)}, ${allowed})`,
    )
  }
}

/** Like `expectValuesClose` for an engine tensor; a null fixture means PyTorch had no tensor (no grad). */
export function expectTensorClose(
  actual: torch.Tensor | null | undefined,
  expected: FixtureTensor | null,
  label: string,
  tolerance: Tolerance,
): void {
  if (expected === null) {
    expect(actual ?? null, `${label}: PyTorch has no tensor here`).toBeNull()
    return
  }
  if (!actual) expect.fail(`${label}: the engine gave no tensor, PyTorch has one of shape [${expected.shape.join(', ')}]`)
  expectValuesClose(actual.toArray(), actual.shape, expected, label, tolerance)
}

/** The engine's value of `sum(output * weight)`, the scalar every fixture backpropagates. */
export function weightedSum(outputs: Record<string, torch.Tensor>, weights: Record<string, FixtureTensor | torch.Tensor>): torch.Tensor {
  let loss: torch.Tensor | null = null
  for (const [key, weight] of Object.entries(weights)) {
    const w = weight instanceof torch.Tensor ? weight : toTensor(weight)
    const term = outputs[key].mul(w).sum()
    loss = loss === null ? term : loss.add(term)
  }
  if (loss === null) throw new Error('weightedSum: no output has a weight, so there is nothing to backpropagate')
  return loss
}

/**
 * Collects grad_fn names that differ from PyTorch's, skipping `allowed` differences (case name to
 * the engine's name), so that one test can list every mismatch at once.
 */
export class GradFnNames {
  readonly mismatches: string[] = []

  constructor(private readonly allowed: Record<string, string> = {}) {}

  check(caseName: string, actual: string | null, expected: string | null): void {
    const permitted = this.allowed[caseName]
    if (actual === expected || (permitted !== undefined && actual === permitted)) return
    this.mismatches.push(`${caseName}: engine ${actual ?? 'null'}, PyTorch ${expected ?? 'null'}`)
  }
}
