import { expectNoLeak, torch } from './engine'
import { type FixtureTensor, type Tolerance, expectValuesClose, fixtureValues } from './fixtures'

type Tensor = torch.Tensor

export interface GradcheckOptions {
  /** Step of the central difference. */
  eps: number
  /** How close autograd's gradient must be to the finite-difference one. */
  tolerance: Tolerance
  /** Float inputs to leave out of the check (targets, running statistics). */
  fixed?: string[]
}

/**
 * Default step and tolerance for float32. With a step of 1e-2, the truncation error of a central
 * difference is about 2e-5 times the third derivative. Rounding the loss to float32 (about 1e-6
 * of its size) adds about 1e-4 once divided by the 2e-2 step. A tolerance of
 * 2e-3 + 1e-2 * |gradient| covers both for the small, smooth inputs the fixtures use.
 */
export const float32Gradcheck: GradcheckOptions = { eps: 1e-2, tolerance: { atol: 2e-3, rtol: 1e-2 } }

/** A 32-bit FNV-1a hash, to seed the engine's generator from a case name. */
export function seedFromName(name: string): number {
  let hash = 0x811c9dc5
  for (let i = 0; i < name.length; i++) {
    hash ^= name.charCodeAt(i)
    hash = Math.imul(hash, 0x01000193) >>> 0
  }
  return hash
}

function makeInputs(inputs: Record<string, FixtureTensor>, requiresGrad: boolean, replace?: [string, Float32Array]): Record<string, Tensor> {
  const tensors: Record<string, Tensor> = {}
  for (const [key, fixture] of Object.entries(inputs)) {
    const dtype = fixture.dtype ?? 'float32'
    const values = replace && replace[0] === key ? replace[1] : fixtureValues(fixture)
    const data = dtype === 'int32' ? Int32Array.from(values) : Float32Array.from(values)
    tensors[key] = torch.tensor(data, { shape: fixture.shape, dtype, requiresGrad: requiresGrad && dtype === 'float32' })
  }
  return tensors
}

function weightedLoss(outputs: Record<string, Tensor>, weights: Map<string, Float32Array>): Tensor {
  let loss: Tensor | null = null
  for (const [key, weight] of weights) {
    const output = outputs[key]
    const term = output.mul(torch.tensor(weight, { shape: output.shape })).sum()
    loss = loss === null ? term : loss.add(term)
  }
  if (loss === null) throw new Error('gradcheck: no output requires grad, so there is no gradient to check')
  return loss
}

/**
 * Checks autograd's gradient of `sum(output * weight)` against central differences computed by
 * the engine in float32, for every float input of `f`. The upstream weights are random, drawn
 * from the engine's generator seeded from `label`. Runs inside `torch.scope`, then runs the
 * backward pass once more to check that it leaks no tfjs tensor.
 */
export function gradcheck(
  label: string,
  f: (inputs: Record<string, Tensor>) => Record<string, Tensor>,
  inputs: Record<string, FixtureTensor>,
  options: GradcheckOptions = float32Gradcheck,
): void {
  const checked = Object.entries(inputs).filter(([key, t]) => (t.dtype ?? 'float32') === 'float32' && !options.fixed?.includes(key))
  const weights = new Map<string, Float32Array>()
  const analytic = new Map<string, Float32Array>()

  const backwardPass = (): void => {
    const tensors = makeInputs(inputs, true)
    for (const key of options.fixed ?? []) tensors[key].requiresGrad = false
    const outputs = f(tensors)
    if (weights.size === 0) {
      torch.manualSeed(seedFromName(label))
      for (const [key, output] of Object.entries(outputs)) {
        if (output.requiresGrad) weights.set(key, torch.randn(output.shape).toArray() as Float32Array)
      }
    }
    weightedLoss(outputs, weights).backward()
    for (const [key] of checked) {
      const grad = tensors[key].grad
      if (!grad) throw new Error(`${label}: autograd gave no gradient for input '${key}'`)
      analytic.set(key, grad.toArray() as Float32Array)
    }
  }

  torch.scope(backwardPass)

  for (const [key, fixture] of checked) {
    const base = Float32Array.from(fixtureValues(fixture))
    const numeric = new Array<number>(base.length)
    for (let i = 0; i < base.length; i++) {
      const lossAt = (value: number): number => {
        const moved = base.slice()
        moved[i] = value
        return torch.scope(() => torch.noGrad(() => weightedLoss(f(makeInputs(inputs, false, [key, moved])), weights).item()))
      }
      // Divide by the step between the float32 values actually used, not by 2 * eps.
      const above = Math.fround(base[i] + options.eps)
      const below = Math.fround(base[i] - options.eps)
      numeric[i] = (lossAt(above) - lossAt(below)) / (above - below)
    }
    expectValuesClose(
      analytic.get(key) as Float32Array,
      fixture.shape,
      { shape: fixture.shape, data: numeric },
      `${label}: autograd vs finite-difference gradient of '${key}'`,
      options.tolerance,
    )
  }

  // The first pass may fill the engine's cache of scalar constants, so leaks are counted on a second.
  expectNoLeak(() => torch.scope(backwardPass))
}
