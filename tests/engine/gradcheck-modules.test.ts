import { beforeAll, describe, it } from 'vitest'
import { startEngine, torch } from '../helpers/engine'
import { type FixtureTensor, loadFixture } from '../helpers/fixtures'
import { type ModuleSpec, buildModule, toStateDict } from '../helpers/fixture-calls'
import { float32Gradcheck, gradcheckModule } from '../helpers/gradcheck'

/** The part of a tests/fixtures/modules.json case that the gradient check uses. */
interface ModuleFixture {
  name: string
  module: ModuleSpec
  stateDict: Record<string, FixtureTensor>
  steps: Array<{ mode: 'train' | 'eval'; input: FixtureTensor }>
}

// The padding row of an Embedding gets no gradient by definition, though the output depends on it,
// so a finite difference disagrees there. The plain Embedding case checks the lookup's gradient.
const cases = loadFixture<ModuleFixture>('modules.json').cases.filter((c) => c.name !== 'embedding/paddingIdx')

// The DCGAN pieces and the MLP put ReLU or LeakyReLU after layers whose outputs pass near 0, and a
// step of 1e-2 in a weight moves some of them across the kink. With a step of 1e-3, rounding the
// loss (an estimated 1e-6 for these sizes) moves the quotient by about 5e-4, inside the tolerance.
const composite = { ...float32Gradcheck, eps: 1e-3 }

beforeAll(startEngine)

// Each module is checked in the mode and on the input of its first fixture step, with the
// fixture's weights, so F.conv2d, F.convTranspose2d, F.batchNorm and F.embedding are covered too.
describe('module gradients against finite differences', () => {
  it.each(cases.map((c) => [c.name, c] as const))('%s', (name, c) => {
    const module = buildModule(c.module)
    try {
      module.loadStateDict(toStateDict(c.stateDict))
      module.train(c.steps[0].mode === 'train')
      const options = name.startsWith('dcgan/') || name.startsWith('sequential/') ? composite : float32Gradcheck
      gradcheckModule(`modules.json '${name}'`, module, c.steps[0].input, options)
    } finally {
      module.dispose()
    }
  })
})
