import { beforeAll, describe, expect, it } from 'vitest'
import { expectNoLeak, startEngine, torch } from '../helpers/engine'
import {
  type FixtureTensor, GradFnNames, expectTensorClose, loadFixture, toTensors, weightedSum,
} from '../helpers/fixtures'
import { namedOutputs, opCases, opTolerance } from '../helpers/fixture-calls'

/** One case of tests/fixtures/ops.json (see tests/fixtures/ops_cases.py). */
interface OpFixture {
  name: string
  inputs: Record<string, FixtureTensor>
  weights: Record<string, FixtureTensor>
  outputs: Record<string, FixtureTensor>
  gradFns: Record<string, string | null>
  grads: Record<string, FixtureTensor | null>
}

const fixture = loadFixture<OpFixture>('ops.json')

/**
 * grad_fn names where the engine knowingly differs from PyTorch 1.13 (the version that made the
 * fixture), with the engine's name. Values and gradients of these cases are still compared.
 */
const knownNameDifferences: Record<string, string> = {
  // PyTorch names batched matmul after its internal reshapes; the engine uses one name for them.
  'matmul/batched': 'BmmBackward0',
  'matmul/batched-2d': 'BmmBackward0',
  'matmul/broadcast-batch': 'BmmBackward0',
  'matmul/1d-batched': 'BmmBackward0',
  // PyTorch 1.13 records reshape of a contiguous tensor as ReshapeAliasBackward0, a private op of
  // that release, and reshape of a non-contiguous one as a copy. The engine records a view.
  reshape: 'ViewBackward0',
  'reshape/transposed': 'ViewBackward0',
  'flatten/all': 'ViewBackward0',
  'flatten/from1': 'ViewBackward0',
  // Python's `2 / t` computes `t.reciprocal() * 2`; the engine's div(2, t) divides directly.
  'div/scalar-first': 'DivBackward0',
}

beforeAll(startEngine)

describe('ops against PyTorch', () => {
  it('fixture and engine list the same cases', () => {
    const fixtureNames = fixture.cases.map((c) => c.name).sort()
    expect(Object.keys(opCases).sort()).toEqual(fixtureNames)
  })

  it.each(fixture.cases.map((c) => [c.name, c] as const))('%s', (name, c) => {
    const run = opCases[name]
    expect(run, `no engine call for fixture case '${name}' in tests/helpers/fixture-calls.ts`).toBeDefined()
    const tolerance = opTolerance(name)
    const compare = (): void => {
      const inputs = toTensors(c.inputs, { requiresGrad: true })
      const outputs = namedOutputs(run(inputs))
      for (const [key, expected] of Object.entries(c.outputs)) {
        expectTensorClose(outputs[key], expected, `ops.json '${name}' output '${key}'`, tolerance)
      }
      weightedSum(outputs, c.weights).backward()
      for (const [key, expected] of Object.entries(c.grads)) {
        expectTensorClose(inputs[key].grad, expected, `ops.json '${name}' gradient of '${key}'`, tolerance)
      }
    }
    torch.scope(compare)
    // The first run may fill the engine's cache of scalar constants, which lives as long as the
    // engine, so the leak check runs the case a second time.
    expectNoLeak(() => torch.scope(compare))
  })

  it('grad_fn names match PyTorch', () => {
    const names = new GradFnNames(knownNameDifferences)
    torch.scope(() => {
      for (const c of fixture.cases) {
        let outputs: Record<string, torch.Tensor>
        try {
          outputs = namedOutputs(opCases[c.name](toTensors(c.inputs, { requiresGrad: true })))
        } catch (error) {
          names.mismatches.push(`${c.name}: the engine raised ${(error as Error).message}`)
          continue
        }
        for (const [key, expected] of Object.entries(c.gradFns)) {
          const label = key === 'out' ? c.name : `${c.name} ${key}`
          names.check(label, outputs[key].gradFn?.name ?? null, expected)
        }
      }
    })
    expect(names.mismatches, 'grad_fn names that differ from PyTorch').toEqual([])
  })
})
