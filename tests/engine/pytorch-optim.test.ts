import { beforeAll, describe, expect, it } from 'vitest'
import { expectNoLeak, startEngine, torch } from '../helpers/engine'
import {
  type FixtureTensor, expectTensorClose, expectValuesClose, isFixtureTensor, loadFixture, reductionTolerance,
  relativeToLargest, toTensor,
} from '../helpers/fixtures'

type Tensor = torch.Tensor
type PyTorchState = Record<string, Record<string, FixtureTensor | number | null>>
type PyTorchGroup = Record<string, unknown> & { params: number[] }

/** One case of tests/fixtures/optim.json (see tests/fixtures/optim_cases.py). */
interface OptimFixture {
  name: string
  optimizer: {
    type: 'SGD' | 'Adam' | 'AdamW' | 'RMSprop'
    options: Record<string, unknown>
    groups: Array<Record<string, unknown> & { params: string[] }> | null
  }
  params: Record<string, FixtureTensor>
  data: { x: FixtureTensor; y: FixtureTensor }
  steps: Array<{ loss: FixtureTensor; grads: Record<string, FixtureTensor>; params: Record<string, FixtureTensor> }>
  midStep: number
  midStateDict: { state: PyTorchState; param_groups: PyTorchGroup[] }
  stateDict: { state: PyTorchState; param_groups: PyTorchGroup[] }
}

const fixture = loadFixture<OptimFixture>('optim.json')

const optimizers = {
  SGD: torch.optim.SGD,
  Adam: torch.optim.Adam,
  AdamW: torch.optim.AdamW,
  RMSprop: torch.optim.RMSprop,
}

// Keys of PyTorch 1.13's param_groups that select an implementation rather than the update rule.
const implementationKeys = new Set(['foreach', 'capturable', 'differentiable', 'fused'])

// Five steps of an optimizer compound float32 rounding, hence the tolerance of reductions.
const tolerance = reductionTolerance

function camelCase(name: string): string {
  return name.replace(/_([a-z])/g, (_, letter: string) => letter.toUpperCase())
}

/** Computes the loss of optim_cases.py's fixed problem: mean((tanh(x @ weight.T + bias) - y)^2). */
function lossOf(params: Record<string, Tensor>, x: Tensor, y: Tensor): Tensor {
  return x.matmul(params.weight.t()).add(params.bias).tanh().sub(y).pow(2).mean()
}

function makeOptimizer(c: OptimFixture, params: Record<string, Tensor>): torch.optim.Optimizer {
  const { type, options, groups } = c.optimizer
  const target = groups === null
    ? Object.values(params)
    : groups.map((group) => ({ ...group, params: group.params.map((key) => params[key]) }))
  const Optimizer = optimizers[type] as unknown as new (
    params: unknown,
    options: Record<string, unknown>,
  ) => torch.optim.Optimizer
  return new Optimizer(target, options)
}

function paramsFrom(values: Record<string, FixtureTensor>): Record<string, Tensor> {
  return Object.fromEntries(Object.entries(values).map(([key, value]) => [key, toTensor(value, { requiresGrad: true })]))
}

/** Runs steps `from`..`to` (1-based) and compares loss, gradients and parameters with PyTorch's. */
function runSteps(c: OptimFixture, params: Record<string, Tensor>, optimizer: torch.optim.Optimizer, from: number, to: number): void {
  const x = toTensor(c.data.x)
  const y = toTensor(c.data.y)
  for (let step = from; step <= to; step++) {
    const expected = c.steps[step - 1]
    const label = `optim.json '${c.name}' step ${step}`
    torch.scope(() => {
      optimizer.zeroGrad()
      const loss = lossOf(params, x, y)
      expectTensorClose(loss, expected.loss, `${label} loss`, tolerance)
      loss.backward()
      for (const [key, grad] of Object.entries(expected.grads)) {
        expectTensorClose(params[key].grad, grad, `${label} gradient of '${key}'`, tolerance)
      }
      optimizer.step()
    })
    for (const [key, value] of Object.entries(expected.params)) {
      expectTensorClose(params[key], value, `${label} '${key}' after the step`, tolerance)
    }
  }
}

/** Compares the engine's stateDict() with PyTorch's state_dict(), keys translated to camelCase. */
function expectStateDictMatches(c: OptimFixture, actual: torch.optim.OptimizerStateDict): void {
  const label = `optim.json '${c.name}' stateDict`
  const expected = c.stateDict
  for (const [id, entries] of Object.entries(expected.state)) {
    const state = actual.state[Number(id)] as Record<string, Tensor | number> | undefined
    expect(state, `${label}: no state for parameter ${id}`).toBeDefined()
    for (const [key, value] of Object.entries(entries)) {
      // PyTorch 1.13's SGD stores momentum_buffer: None when momentum is 0.
      if (value === null) continue
      const engineValue = state?.[key]
      expect(engineValue, `${label}: parameter ${id} has no '${key}'`).toBeDefined()
      const expectedTensor: FixtureTensor = typeof value === 'number' ? { shape: [], data: [value] } : value
      const stateTolerance = relativeToLargest(expectedTensor, tolerance.rtol)
      if (typeof engineValue === 'number') {
        expectValuesClose([engineValue], [], expectedTensor, `${label} ${id}.${key}`, stateTolerance)
      } else {
        expectTensorClose(engineValue, expectedTensor, `${label} ${id}.${key}`, stateTolerance)
      }
    }
  }
  expect(actual.paramGroups.length, `${label}: number of parameter groups`).toBe(expected.param_groups.length)
  expected.param_groups.forEach((group, i) => {
    const engineGroup = actual.paramGroups[i] as unknown as Record<string, unknown>
    for (const [key, value] of Object.entries(group)) {
      if (implementationKeys.has(key)) continue
      expect(engineGroup[camelCase(key)], `${label}: group ${i} '${camelCase(key)}'`).toEqual(value)
    }
  })
}

/** PyTorch's state dict as the engine's loadStateDict takes it: tensors made, group keys in camelCase. */
function engineStateDict(dict: OptimFixture['midStateDict']): torch.optim.OptimizerStateDict {
  const state: Record<number, Record<string, Tensor | number>> = {}
  for (const [id, entries] of Object.entries(dict.state)) {
    state[Number(id)] = {}
    for (const [key, value] of Object.entries(entries)) {
      if (value === null) continue
      state[Number(id)][key] = isFixtureTensor(value) ? toTensor(value) : value
    }
  }
  const paramGroups = dict.param_groups.map((group) =>
    Object.fromEntries(Object.entries(group).filter(([key]) => !implementationKeys.has(key)).map(([key, value]) => [camelCase(key), value])),
  )
  return { state, paramGroups } as unknown as torch.optim.OptimizerStateDict
}

beforeAll(startEngine)

describe('optimizers against PyTorch', () => {
  it.each(fixture.cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const run = (): void =>
      torch.scope(() => {
        const params = paramsFrom(c.params)
        const optimizer = makeOptimizer(c, params)
        runSteps(c, params, optimizer, 1, c.steps.length)
        expectStateDictMatches(c, optimizer.stateDict())
        optimizer.dispose()
      })
    run()
    // The first run may fill the engine's cache of scalar constants, so leaks are counted on a second.
    expectNoLeak(run)
  })

  it.each(fixture.cases.map((c) => [c.name, c] as const))('%s resumes from state dict', (_name, c) => {
    torch.scope(() => {
      // Start from PyTorch's parameters and state after the middle step, then run the remaining steps.
      const params = paramsFrom(c.steps[c.midStep - 1].params)
      const optimizer = makeOptimizer(c, params)
      optimizer.loadStateDict(engineStateDict(c.midStateDict))
      runSteps(c, params, optimizer, c.midStep + 1, c.steps.length)
      optimizer.dispose()
    })
  })
})
