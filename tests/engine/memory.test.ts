import { beforeAll, describe, expect, it } from 'vitest'
import { startEngine, torch } from '../helpers/engine'

beforeAll(startEngine)

const { nn, optim } = torch
const F = torch.nn.functional

describe('memory over a long run', () => {
  it('1,000 GAN steps keep the tensor count flat', () => {
    torch.manualSeed(1)
    const G = new nn.Sequential(new nn.Linear(8, 32), new nn.BatchNorm1d(32), new nn.ReLU(), new nn.Linear(32, 2))
    const D = new nn.Sequential(new nn.Linear(2, 32), new nn.LeakyReLU(0.2), new nn.Linear(32, 1))
    const optG = new optim.Adam(G.parameters(), { lr: 1e-3, betas: [0.5, 0.999] })
    const optD = new optim.Adam(D.parameters(), { lr: 1e-3, betas: [0.5, 0.999] })
    const counts: number[] = []

    for (let step = 1; step <= 1000; step++) {
      torch.scope(() => {
        const real = torch.randn([16, 2]).mul(0.1).add(1)
        const fake = G.forward(torch.randn([16, 8]))
        const realLogits = D.forward(real)
        const fakeLogits = D.forward(fake.detach())
        const lossD = F.binaryCrossEntropyWithLogits(realLogits, torch.onesLike(realLogits))
          .add(F.binaryCrossEntropyWithLogits(fakeLogits, torch.zerosLike(fakeLogits)))
        optD.zeroGrad()
        lossD.backward()
        optD.step()
        const logits = D.forward(G.forward(torch.randn([16, 8])))
        const lossG = F.binaryCrossEntropyWithLogits(logits, torch.onesLike(logits))
        optG.zeroGrad()
        lossG.backward()
        optG.step()
        expect(Number.isFinite(lossD.item() + lossG.item())).toBe(true)
      })
      if (step % 100 === 0) counts.push(torch.memory().numTensors)
    }
    // After the first steps create the optimizer state, nothing may grow.
    expect(new Set(counts).size, `tensor counts every 100 steps: ${counts.join(', ')}`).toBe(1)
  })
})
