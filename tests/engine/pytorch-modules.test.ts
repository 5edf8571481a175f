import { beforeAll, describe, expect, it } from 'vitest'
import { expectNoLeak, startEngine, torch } from '../helpers/engine'
import { type FixtureTensor, GradFnNames, expectTensorClose, loadFixture, reductionTolerance, toTensor } from '../helpers/fixtures'
import { type ModuleSpec, buildModule, toStateDict } from '../helpers/fixture-calls'

/** One case of tests/fixtures/modules.json (see tests/fixtures/module_cases.py). */
interface ModuleFixture {
  name: string
  module: ModuleSpec
  stateDict: Record<string, FixtureTensor>
  steps: Array<{
    mode: 'train' | 'eval'
    input: FixtureTensor
    weight: FixtureTensor
    output: FixtureTensor
    gradFn: string | null
    inputGrad: FixtureTensor | null
    paramGrads: Record<string, FixtureTensor | null>
    buffers: Record<string, FixtureTensor>
  }>
}

const fixture = loadFixture<ModuleFixture>('modules.json')

// Convolutions and batch statistics sum many products, so every module case uses the tolerance of reductions.
const tolerance = reductionTolerance

/**
 * grad_fn names where the engine knowingly differs from PyTorch 1.13, with the engine's name.
 * Values and gradients of these cases are still compared.
 */
const knownNameDifferences: Record<string, string> = {
  // PyTorch 1.13 records reshape of a contiguous tensor as ReshapeAliasBackward0, a private op of
  // that release. The engine records a view.
  flatten: 'ViewBackward0',
}

beforeAll(startEngine)

describe('modules against PyTorch', () => {
  it.each(fixture.cases.map((c) => [c.name, c] as const))('%s', (name, c) => {
    const run = (): void =>
      torch.scope(() => {
        const module = buildModule(c.module)
        module.loadStateDict(toStateDict(c.stateDict))
        const parameters = new Map(module.namedParameters())
        c.steps.forEach((step, i) => {
          const label = `modules.json '${name}' step ${i + 1} (${step.mode})`
          module.train(step.mode === 'train')
          module.zeroGrad()
          const input = toTensor(step.input, { requiresGrad: true })
          const output = module.forward(input) as torch.Tensor
          expectTensorClose(output, step.output, `${label} output`, tolerance)

          output.mul(toTensor(step.weight)).sum().backward()
          expectTensorClose(input.requiresGrad ? input.grad : null, step.inputGrad, `${label} gradient of input`, tolerance)
          for (const [key, grad] of Object.entries(step.paramGrads)) {
            expect(parameters.has(key), `${label}: the engine's module has no parameter '${key}'`).toBe(true)
            expectTensorClose(parameters.get(key)?.grad, grad, `${label} gradient of '${key}'`, tolerance)
          }

          const buffers = new Map(module.namedBuffers())
          for (const [key, buffer] of Object.entries(step.buffers)) {
            expectTensorClose(buffers.get(key), buffer, `${label} buffer '${key}'`, tolerance)
          }
        })
        module.dispose()
      })
    run()
    // The first run may fill the engine's cache of scalar constants, so leaks are counted on a second.
    expectNoLeak(run)
  })

  it('state dict keys match PyTorch', () => {
    torch.scope(() => {
      for (const c of fixture.cases) {
        const module = buildModule(c.module)
        expect(Object.keys(module.stateDict()), `modules.json '${c.name}' state dict keys`).toEqual(Object.keys(c.stateDict))
        module.dispose()
      }
    })
  })

  it('grad_fn names match PyTorch', () => {
    const names = new GradFnNames(knownNameDifferences)
    torch.scope(() => {
      for (const c of fixture.cases) {
        const module = buildModule(c.module)
        c.steps.forEach((step, i) => {
          module.train(step.mode === 'train')
          const label = c.steps.length > 1 ? `${c.name} step ${i + 1}` : c.name
          try {
            const output = module.forward(toTensor(step.input, { requiresGrad: true })) as torch.Tensor
            names.check(label, output.gradFn?.name ?? null, step.gradFn)
          } catch (error) {
            names.mismatches.push(`${label}: the engine raised ${(error as Error).message}`)
          }
        })
        module.dispose()
      }
    })
    expect(names.mismatches, 'grad_fn names that differ from PyTorch').toEqual([])
  })
})
