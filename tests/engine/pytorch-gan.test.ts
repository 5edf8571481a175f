import { beforeAll, describe, expect, it } from 'vitest'
import { expectNoLeak, startEngine, torch } from '../helpers/engine'
import { type FixtureTensor, expectTensorClose, loadFixture, reductionTolerance, toTensor } from '../helpers/fixtures'
import { type ModuleSpec, buildModule, toStateDict } from '../helpers/fixture-calls'

type Tensor = torch.Tensor
type Module = torch.nn.Module
type Optimizer = torch.optim.Optimizer
type State = Record<string, FixtureTensor>

/** One case of tests/fixtures/gan.json (see tests/fixtures/gan_cases.py for both schemes). */
interface GanFixture {
  name: string
  scheme: 'alternating' | 'joint'
  generator: ModuleSpec
  discriminator: ModuleSpec
  adam: { lr: number; betas: [number, number] }
  initial: { G: State; D: State }
  iterations: Array<{ noise: FixtureTensor; real: FixtureTensor; lossD: FixtureTensor; lossG: FixtureTensor; G: State; D: State }>
}

const fixture = loadFixture<GanFixture>('gan.json')
const F = torch.nn.functional

// Several Adam steps through two networks compound float32 rounding, hence the tolerance of reductions.
const tolerance = reductionTolerance

function bce(logits: Tensor, label: number): Tensor {
  return F.binaryCrossEntropyWithLogits(logits, torch.full(logits.shape, label))
}

interface Gan {
  G: Module
  D: Module
  optG: Optimizer
  optD: Optimizer
}

/** Runs one iteration of the standard loop: a D step on fake.detach(), then a G step through the updated D. */
function alternatingIteration({ G, D, optG, optD }: Gan, z: Tensor, real: Tensor): [Tensor, Tensor] {
  const fake = G.forward(z) as Tensor

  optD.zeroGrad()
  const lossD = bce(D.forward(real), 1).add(bce(D.forward(fake.detach()), 0))
  lossD.backward()
  optD.step()

  optG.zeroGrad()
  const lossG = bce(D.forward(fake), 1)
  lossG.backward()
  optG.step()
  return [lossD, lossG]
}

/** Runs one joint iteration: both losses share one D(fake) and its graph, then both networks step. */
function jointIteration({ G, D, optG, optD }: Gan, z: Tensor, real: Tensor): [Tensor, Tensor] {
  optG.zeroGrad()
  optD.zeroGrad()
  const fake = G.forward(z) as Tensor
  const dFake = D.forward(fake) as Tensor
  const lossG = bce(dFake, 1)
  const lossD = bce(D.forward(real), 1).add(bce(dFake, 0))
  lossG.backward(undefined, { retainGraph: true })
  lossD.backward()
  optG.step()
  optD.step()
  return [lossD, lossG]
}

function expectStateClose(module: Module, expected: State, label: string): void {
  const actual = module.stateDict()
  expect(Object.keys(actual), `${label} state dict keys`).toEqual(Object.keys(expected))
  for (const [key, value] of Object.entries(expected)) expectTensorClose(actual[key], value, `${label} '${key}'`, tolerance)
}

function train(c: GanFixture): void {
  const G = buildModule(c.generator)
  const D = buildModule(c.discriminator)
  G.loadStateDict(toStateDict(c.initial.G))
  D.loadStateDict(toStateDict(c.initial.D))
  const gan: Gan = {
    G,
    D,
    optG: new torch.optim.Adam(G.parameters(), { lr: c.adam.lr, betas: c.adam.betas }),
    optD: new torch.optim.Adam(D.parameters(), { lr: c.adam.lr, betas: c.adam.betas }),
  }
  const iteration = c.scheme === 'alternating' ? alternatingIteration : jointIteration

  c.iterations.forEach((expected, i) => {
    const label = `gan.json '${c.name}' iteration ${i + 1}`
    torch.scope(() => {
      const [lossD, lossG] = iteration(gan, toTensor(expected.noise), toTensor(expected.real))
      expectTensorClose(lossD, expected.lossD, `${label} lossD`, tolerance)
      expectTensorClose(lossG, expected.lossG, `${label} lossG`, tolerance)
    })
    expectStateClose(G, expected.G, `${label} G`)
    expectStateClose(D, expected.D, `${label} D`)
  })

  gan.optG.dispose()
  gan.optD.dispose()
  G.dispose()
  D.dispose()
}

beforeAll(startEngine)

describe('GAN training against PyTorch', () => {
  it.each(fixture.cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    torch.scope(() => train(c))
    // The first run may fill the engine's cache of scalar constants, so leaks are counted on a second.
    expectNoLeak(() => torch.scope(() => train(c)))
  })
})
