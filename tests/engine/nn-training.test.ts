import { beforeAll, describe, expect, it } from 'vitest'
import { expectNoLeak, startEngine, torch } from '../helpers/engine'

const { nn } = torch
const F = nn.functional

beforeAll(startEngine)

/** Plain SGD by hand, so these tests depend on nothing but nn and autograd. */
function sgdStep(model: torch.nn.Module, lr: number): void {
  torch.noGrad(() => {
    for (const param of model.parameters()) if (param.grad) param.sub_(param.grad.mul(lr))
  })
  model.zeroGrad()
}

/** Runs `steps` training steps, each inside its own scope, and returns the loss of each. */
function fit(model: torch.nn.Module, steps: number, lr: number, lossOf: () => torch.Tensor): number[] {
  const losses: number[] = []
  for (let step = 0; step < steps; step++) {
    torch.scope(() => {
      const loss = lossOf()
      loss.backward()
      losses.push(loss.item())
      sgdStep(model, lr)
    })
  }
  return losses
}

describe('training with nn', () => {
  it('tiny MLP reduces its loss', () => {
    torch.manualSeed(0)
    const model = new nn.Sequential(new nn.Linear(2, 16), new nn.Tanh(), new nn.Linear(16, 1))
    const x = torch.randn([64, 2])
    const y = x.index(null, [0, 1]).mul(x.index(null, [1, 2])).tanh() // (64, 1), a nonlinear target
    const losses = fit(model, 150, 0.1, () => F.mseLoss(model.forward(x), y))
    expect(losses[losses.length - 1]).toBeLessThan(losses[0] / 3)
    // A further step in a scope leaves nothing behind once the scalar constants are cached.
    expectNoLeak(() => fit(model, 1, 0.1, () => F.mseLoss(model.forward(x), y)))
    model.dispose()
  })

  it('tiny conv net reduces its loss', () => {
    torch.manualSeed(1)
    // Class 0 images are bright in the top half, class 1 in the bottom half, both with noise.
    const count = 16
    const pixels = new Float32Array(count * 64)
    const labels = new Int32Array(count)
    const noise = new torch.Generator(2).fillNormal(new Float32Array(count * 64), 0, 0.3)
    for (let n = 0; n < count; n++) {
      labels[n] = n % 2
      for (let i = 0; i < 64; i++) {
        const top = i < 32
        pixels[n * 64 + i] = (top === (labels[n] === 0) ? 1 : 0) + noise[n * 64 + i]
      }
    }
    const images = torch.tensor(pixels, { shape: [count, 1, 8, 8] })
    const targets = torch.tensor(labels, { shape: [count], dtype: 'int32' })

    const model = new nn.Sequential(
      new nn.Conv2d(1, 4, 3, { padding: 1 }),
      new nn.BatchNorm2d(4),
      new nn.LeakyReLU(0.2),
      new nn.Conv2d(4, 8, 4, { stride: 2, padding: 1 }),
      new nn.ReLU(),
      new nn.Flatten(),
      new nn.Linear(8 * 4 * 4, 2),
    )
    const losses = fit(model, 25, 0.1, () => F.crossEntropy(model.forward(images), targets))
    expect(losses[losses.length - 1]).toBeLessThan(losses[0] / 2)

    model.eval()
    const predicted = torch.noGrad(() => model.forward(images).argmax(1)).toArray()
    const correct = Array.from(predicted).filter((p, i) => p === labels[i]).length
    expect(correct).toBeGreaterThanOrEqual(14)
    model.dispose()
  })

  it('conv autoencoder trains through ConvTranspose2d', () => {
    torch.manualSeed(3)
    const images = torch.rand([8, 1, 8, 8])
    const model = new nn.Sequential(
      new nn.Conv2d(1, 8, 4, { stride: 2, padding: 1 }),
      new nn.ReLU(),
      new nn.ConvTranspose2d(8, 1, 4, { stride: 2, padding: 1 }),
    )
    const losses = fit(model, 40, 0.5, () => F.mseLoss(model.forward(images), images))
    expect(losses[losses.length - 1]).toBeLessThan(losses[0] / 2)
    model.dispose()
  })

  it('GAN step keeps the two gradients apart', () => {
    torch.manualSeed(4)
    const generator = new nn.Sequential(new nn.Linear(4, 16), new nn.ReLU(), new nn.Linear(16, 2))
    const discriminator = new nn.Sequential(new nn.Linear(2, 16), new nn.LeakyReLU(0.2), new nn.Linear(16, 1))
    const step = (): void => {
      torch.scope(() => {
        const real = torch.randn([8, 2]).add(3)
        const fake = generator.forward(torch.randn([8, 4]))
        const ones = torch.ones([8, 1])
        const zeros = torch.zeros([8, 1])

        // Discriminator step: the detached fake sends no gradient into the generator.
        const lossD = F.binaryCrossEntropyWithLogits(discriminator.forward(real), ones)
          .add(F.binaryCrossEntropyWithLogits(discriminator.forward(fake.detach()), zeros))
        lossD.backward()
        expect(generator.parameters().every((p) => p.grad === null)).toBe(true)
        expect(discriminator.parameters().every((p) => p.grad !== null)).toBe(true)
        sgdStep(discriminator, 0.05)

        // Generator step through the updated discriminator.
        const lossG = F.binaryCrossEntropyWithLogits(discriminator.forward(fake), ones)
        lossG.backward()
        expect(generator.parameters().every((p) => p.grad !== null)).toBe(true)
        expect(Number.isFinite(lossD.item())).toBe(true)
        expect(Number.isFinite(lossG.item())).toBe(true)
        discriminator.zeroGrad()
        sgdStep(generator, 0.05)
      })
    }
    step()
    expectNoLeak(step)
    generator.dispose()
    discriminator.dispose()
  })
})
