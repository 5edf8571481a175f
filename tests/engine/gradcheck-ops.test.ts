import { beforeAll, describe, it } from 'vitest'
import { startEngine } from '../helpers/engine'
import { type FixtureTensor, loadFixture } from '../helpers/fixtures'
import { namedOutputs, opCases } from '../helpers/fixture-calls'
import { gradcheck } from '../helpers/gradcheck'

/** The part of a tests/fixtures/ops.json case that the gradient check uses: its inputs. */
interface OpFixture {
  name: string
  inputs: Record<string, FixtureTensor>
  /** False where the inputs sit on a kink on purpose (ties, clamp bounds). */
  smooth?: boolean
}

// The inputs come from the fixture because the generator keeps them away from kinks (0 for relu
// and abs, clamp bounds, near ties of max) by more than the finite-difference step.
const cases = loadFixture<OpFixture>('ops.json').cases.filter((c) => c.smooth !== false)

beforeAll(startEngine)

describe('op gradients against finite differences', () => {
  it.each(cases.map((c) => [c.name, c] as const))('%s', (name, c) => {
    gradcheck(`ops.json '${name}'`, (inputs) => namedOutputs(opCases[name](inputs)), c.inputs)
  })
})
