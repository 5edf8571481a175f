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

/** Estimates the derivative of `lossAt` along element `i` of `base` by a central difference of step `eps`. */
function centralDifference(base: Float32Array, i: number, eps: number, lossAt: (values: Float32Array) => number): number {
  // Divide by the step between the float32 values actually used, not by 2 * eps.
  const above = Math.fround(base[i] + eps)
  const below = Math.fround(base[i] - eps)
  const moved = base.slice()
  moved[i] = above
  const lossAbove = lossAt(moved)
  moved[i] = below
  const lossBelow = lossAt(moved)
  return (lossAbove - lossBelow) / (above - below)
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
      numeric[i] = centralDifference(base, i, options.eps, (moved) =>
        torch.scope(() => torch.noGrad(() => weightedLoss(f(makeInputs(inputs, false, [key, moved])), weights).item())),
      )
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

/** Element positions to check in a tensor of `size` elements: all of them, or `limit` spread evenly. */
function sampledPositions(size: number, limit: number): number[] {
  if (size <= limit) return [...Array(size).keys()]
  return Array.from({ length: limit }, (_, k) => Math.floor((k * size) / limit))
}

/**
 * Checks autograd's gradients of `sum(module.forward(input) * weight)` with respect to the input
 * (when it is float) and every parameter, against central differences computed by the engine in
 * float32. Tensors of more than `limit` elements are checked at `limit` evenly spread elements.
 * The module's mode (train or eval) is the caller's. Parameters are moved with in-place copies and
 * restored afterwards.
 */
export function gradcheckModule(
  label: string,
  module: torch.nn.Module,
  input: FixtureTensor,
  options: GradcheckOptions & { limit?: number } = float32Gradcheck,
): void {
  const limit = options.limit ?? 64
  const float = (input.dtype ?? 'float32') === 'float32'
  const parameters = module.namedParameters()
  const weights = new Map<string, Float32Array>()
  const analytic = new Map<string, Float32Array>()

  const forwardLoss = (x: Tensor): Tensor => {
    const output = module.forward(x) as Tensor
    if (weights.size === 0) {
      torch.manualSeed(seedFromName(label))
      weights.set('out', torch.randn(output.shape).toArray() as Float32Array)
    }
    return weightedLoss({ out: output }, weights)
  }
  const backwardPass = (): void => {
    module.zeroGrad()
    const x = makeInputs({ input }, true).input
    forwardLoss(x).backward()
    if (float) analytic.set('input', x.grad?.toArray() as Float32Array)
    for (const [name, param] of parameters) {
      if (!param.grad) throw new Error(`${label}: autograd gave no gradient for parameter '${name}'`)
      analytic.set(name, param.grad.toArray() as Float32Array)
    }
  }
  const lossWith = (x: Record<string, FixtureTensor>): number =>
    torch.scope(() => torch.noGrad(() => forwardLoss(makeInputs(x, false).input).item()))

  torch.scope(backwardPass)

  const targets: Array<[string, number[], Float32Array, (values: Float32Array) => number]> = []
  if (float) {
    const base = Float32Array.from(fixtureValues(input))
    targets.push(['input', input.shape, base, (values) => lossWith({ input: { shape: input.shape, data: Array.from(values) } })])
  }
  for (const [name, param] of parameters) {
    const base = param.toArray() as Float32Array
    const setTo = (values: Float32Array): void => {
      torch.noGrad(() => torch.scope(() => param.copy_(torch.tensor(values, { shape: param.shape }))))
    }
    targets.push([name, param.shape, base, (values) => {
      setTo(values)
      const loss = lossWith({ input })
      setTo(base)
      return loss
    }])
  }

  for (const [name, shape, base, lossAt] of targets) {
    const computed = analytic.get(name) as Float32Array
    // Unchecked elements copy autograd's value, so a failure names the real index of the worst element.
    const numeric = Array.from(computed)
    for (const i of sampledPositions(base.length, limit)) numeric[i] = centralDifference(base, i, options.eps, lossAt)
    expectValuesClose(computed, shape, { shape, data: numeric }, `${label}: autograd vs finite-difference gradient of '${name}'`, options.tolerance)
  }

  // The first pass may fill the engine's cache of scalar constants, so leaks are counted on a second.
  expectNoLeak(() => torch.scope(backwardPass))
}
