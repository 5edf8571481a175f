import { beforeAll, describe, expect, it } from 'vitest'
import { expectNoLeak, startEngine, torch } from '../helpers/engine'
import { GradFnNames, expectTensorClose, loadFixture, reductionTolerance, toTensor } from '../helpers/fixtures'
import { type LossFixture, callLoss } from '../helpers/fixture-calls'

const fixture = loadFixture<LossFixture>('losses.json')

beforeAll(startEngine)

describe('losses against PyTorch', () => {
  it.each(fixture.cases.map((c) => [c.name, c] as const))('%s', (name, c) => {
    const compare = (): void => {
      const input = toTensor(c.input, { requiresGrad: true })
      const output = callLoss(c, input, toTensor(c.target))
      expectTensorClose(output, c.output, `losses.json '${name}' output`, reductionTolerance)
      output.mul(toTensor(c.weight)).sum().backward()
      expectTensorClose(input.grad, c.inputGrad, `losses.json '${name}' gradient of input`, reductionTolerance)
    }
    torch.scope(compare)
    // The first run may fill the engine's cache of scalar constants, so leaks are counted on a second.
    expectNoLeak(() => torch.scope(compare))
  })

  it('grad_fn names match PyTorch', () => {
    const names = new GradFnNames()
    torch.scope(() => {
      for (const c of fixture.cases) {
        try {
          const output = callLoss(c, toTensor(c.input, { requiresGrad: true }), toTensor(c.target))
          names.check(c.name, output.gradFn?.name ?? null, c.gradFn)
        } catch (error) {
          names.mismatches.push(`${c.name}: the engine raised ${(error as Error).message}`)
        }
      }
    })
    expect(names.mismatches, 'grad_fn names that differ from PyTorch').toEqual([])
  })
})
