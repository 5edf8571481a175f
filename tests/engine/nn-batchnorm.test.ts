import { beforeAll, describe, expect, it } from 'vitest'
import { expectClose, expectNoLeak, startEngine, torch } from '../helpers/engine'
import type { FixtureTensor } from '../helpers/fixtures'
import { float32Gradcheck, gradcheck } from '../helpers/gradcheck'

const { nn } = torch
const F = nn.functional

beforeAll(startEngine)

function randomFixture(shape: number[], seed: number, mean = 0, std = 1): FixtureTensor {
  const count = shape.reduce((n, d) => n * d, 1)
  return { shape, data: Array.from(new torch.Generator(seed).fillNormal(new Float32Array(count), mean, std)) }
}

function randomTensor(shape: number[], seed: number, mean = 0, std = 1): torch.Tensor {
  return torch.tensor(Float32Array.from(randomFixture(shape, seed, mean, std).data as number[]), { shape })
}

/** Per-channel mean and variance (biased and unbiased) of an (N, C, *) array, in float64. */
function channelStats(x: torch.Tensor): { mean: number[]; biased: number[]; unbiased: number[] } {
  const [n, c] = x.shape
  const inner = x.numel() / (n * c)
  const values = x.toArray()
  const mean: number[] = []
  const biased: number[] = []
  const unbiased: number[] = []
  for (let ch = 0; ch < c; ch++) {
    const items: number[] = []
    for (let b = 0; b < n; b++) for (let i = 0; i < inner; i++) items.push(values[(b * c + ch) * inner + i])
    const m = items.reduce((s, v) => s + v, 0) / items.length
    const squares = items.reduce((s, v) => s + (v - m) ** 2, 0)
    mean.push(m)
    biased.push(squares / items.length)
    unbiased.push(squares / (items.length - 1))
  }
  return { mean, biased, unbiased }
}

describe('batchNorm op', () => {
  it('training output has zero mean and unit variance', () => {
    const x = randomTensor([4, 3, 5, 5], 1, 2, 3)
    const y = F.batchNorm(x, null, null, null, null, true)
    const stats = channelStats(y)
    expectClose(stats.mean, [0, 0, 0], 1e-5)
    expectClose(stats.biased, [1, 1, 1], 1e-3)
  })

  it('applies weight and bias per channel', () => {
    const x = randomTensor([8, 2], 2)
    const y = F.batchNorm(x, null, null, torch.tensor([2, 3]), torch.tensor([-1, 5]), true)
    const stats = channelStats(y)
    expectClose(stats.mean, [-1, 5], 1e-5)
    expectClose(stats.biased, [4, 9], 1e-3)
  })

  it('updates running stats with the unbiased variance', () => {
    const x = randomTensor([6, 3, 2, 2], 3, 1, 2)
    const runningMean = torch.tensor([0.5, -0.5, 0])
    const runningVar = torch.tensor([1, 2, 3])
    F.batchNorm(x, runningMean, runningVar, null, null, true, 0.2)
    const stats = channelStats(x)
    expectClose(runningMean.toArray(), [0.5, -0.5, 0].map((old, c) => 0.8 * old + 0.2 * stats.mean[c]))
    expectClose(runningVar.toArray(), [1, 2, 3].map((old, c) => 0.8 * old + 0.2 * stats.unbiased[c]))
    expect(runningMean._version).toBe(1)
  })

  it('evaluation uses the running stats', () => {
    const x = randomTensor([2, 2, 3], 4)
    const runningMean = torch.tensor([1, -2])
    const runningVar = torch.tensor([4, 0.25])
    const y = F.batchNorm(x, runningMean, runningVar, torch.tensor([1, 2]), torch.tensor([0, 1]), false, 0.1, 0)
    const values = x.toArray()
    const expected = Array.from(values, (v, i) => {
      const channel = Math.floor(i / 3) % 2
      return channel === 0 ? (v - 1) / 2 : ((v + 2) / 0.5) * 2 + 1
    })
    expectClose(y.toArray(), expected, 1e-5)
    expectClose(runningMean.toArray(), [1, -2])
    expect(runningMean._version).toBe(0)
  })

  it('records NativeBatchNormBackward0', () => {
    const x = randomTensor([4, 2], 5).requiresGrad_()
    expect(F.batchNorm(x, null, null, null, null, true).gradFn?.name).toBe('NativeBatchNormBackward0')
  })

  it('training gradients match finite differences', () => {
    gradcheck(
      'batchNorm training (N, C, H, W)',
      ({ x, weight, bias }) => ({ out: F.batchNorm(x, null, null, weight, bias, true) }),
      { x: randomFixture([3, 2, 2, 3], 6), weight: randomFixture([2], 7, 1, 0.5), bias: randomFixture([2], 8) },
      float32Gradcheck,
    )
  })

  it('training gradients for (N, C)', () => {
    gradcheck(
      'batchNorm training (N, C)',
      ({ x }) => ({ out: F.batchNorm(x, null, null, null, null, true) }),
      { x: randomFixture([5, 3], 9) },
      float32Gradcheck,
    )
  })

  it('evaluation gradients match finite differences', () => {
    gradcheck(
      'batchNorm evaluation',
      ({ x, weight, bias, runningMean, runningVar }) => ({ out: F.batchNorm(x, runningMean, runningVar, weight, bias, false) }),
      {
        x: randomFixture([2, 3, 2, 2], 10),
        weight: randomFixture([3], 11),
        bias: randomFixture([3], 12),
        runningMean: randomFixture([3], 13),
        runningVar: { shape: [3], data: [0.5, 1, 2] },
      },
      { ...float32Gradcheck, fixed: ['runningMean', 'runningVar'] },
    )
  })

  it('rejects one value per channel in training', () => {
    expect(() => F.batchNorm(torch.zeros([1, 3]), null, null, null, null, true)).toThrow(
      /Expected more than 1 value per channel when training, got input size \[1, 3\]/,
    )
  })

  it('rejects stats of the wrong size', () => {
    expect(() => F.batchNorm(torch.zeros([2, 3]), torch.zeros([4]), torch.ones([4]), null, null, false)).toThrow(
      /running_mean should contain 3 elements not 4/,
    )
  })

  it('evaluation needs running stats', () => {
    expect(() => F.batchNorm(torch.zeros([2, 3]), null, null, null, null, false)).toThrow(/evaluation mode needs running_mean/)
  })
})

describe('BatchNorm layers', () => {
  it('running stats change only in train mode', () => {
    const bn = new nn.BatchNorm2d(3)
    const x = randomTensor([4, 3, 2, 2], 20, 3, 2)
    bn.forward(x)
    const afterTrain = bn.runningMean!.toArray()
    expect(Array.from(afterTrain).every((v) => v !== 0)).toBe(true)
    expect(bn.numBatchesTracked!.item()).toBe(1)

    bn.eval()
    bn.forward(x)
    expectClose(bn.runningMean!.toArray(), afterTrain)
    expect(bn.numBatchesTracked!.item()).toBe(1)

    bn.train()
    bn.forward(x)
    expect(bn.numBatchesTracked!.item()).toBe(2)
    bn.dispose()
  })

  it('running stats follow the momentum', () => {
    const bn = new nn.BatchNorm1d(2, { momentum: 0.3 })
    const x = randomTensor([10, 2], 21, -1, 0.5)
    bn.forward(x)
    const stats = channelStats(x)
    expectClose(bn.runningMean!.toArray(), stats.mean.map((m) => 0.3 * m))
    expectClose(bn.runningVar!.toArray(), stats.unbiased.map((v) => 0.7 + 0.3 * v))
    bn.dispose()
  })

  it('null momentum averages all batches', () => {
    const bn = new nn.BatchNorm1d(1, { momentum: null })
    const batches = [randomTensor([4, 1], 22), randomTensor([4, 1], 23, 5), randomTensor([4, 1], 24, -2)]
    for (const batch of batches) bn.forward(batch)
    const means = batches.map((batch) => channelStats(batch).mean[0])
    expectClose(bn.runningMean!.toArray(), [(means[0] + means[1] + means[2]) / 3], 1e-5)
    bn.dispose()
  })

  it('eval output uses the running stats', () => {
    const bn = new nn.BatchNorm1d(2)
    torch.noGrad(() => {
      bn.runningMean!.copy_(torch.tensor([1, 2]))
      bn.runningVar!.copy_(torch.tensor([4, 9]))
    })
    bn.eval()
    const y = bn.forward(torch.tensor([[3, 5], [1, 2]]))
    expectClose(y.toArray(), [1, 1, 0, 0], 1e-5)
    bn.dispose()
  })

  it('without running stats normalises by batch', () => {
    const bn = new nn.BatchNorm1d(2, { trackRunningStats: false, affine: false })
    expect(bn.runningMean).toBeNull()
    expect(bn.parameters()).toHaveLength(0)
    expect(Object.keys(bn.stateDict())).toEqual([])
    bn.eval()
    const y = bn.forward(randomTensor([6, 2], 25, 4, 2))
    expectClose(channelStats(y).mean, [0, 0], 1e-5)
  })

  it('accepts (N, C, L) input in BatchNorm1d', () => {
    const bn = new nn.BatchNorm1d(3)
    expect(bn.forward(randomTensor([2, 3, 4], 26)).shape).toEqual([2, 3, 4])
    bn.dispose()
  })

  it('rejects inputs of the wrong rank', () => {
    const bn2 = new nn.BatchNorm2d(3)
    expect(() => bn2.forward(torch.zeros([2, 3]))).toThrow('BatchNorm2d: expected 4D input (got 2D input)')
    const bn1 = new nn.BatchNorm1d(3)
    expect(() => bn1.forward(torch.zeros([2, 3, 2, 2]))).toThrow('BatchNorm1d: expected 2D or 3D input (got 4D input)')
    bn1.dispose()
    bn2.dispose()
  })

  it('rejects invalid constructor arguments', () => {
    expect(() => new nn.BatchNorm2d(0)).toThrow('BatchNorm2d: num_features must be a positive integer, got 0')
    expect(() => new nn.BatchNorm2d(3, { momentum: 2 })).toThrow('BatchNorm2d: momentum must be in [0, 1] or null, got 2')
    expect(() => new nn.BatchNorm2d(3, { eps: -1 })).toThrow('BatchNorm2d: eps must be a positive finite number, got -1')
  })

  it('resetRunningStats restores the initial values', () => {
    const bn = new nn.BatchNorm1d(2)
    bn.forward(randomTensor([4, 2], 27, 3))
    bn.resetRunningStats()
    expectClose(bn.runningMean!.toArray(), [0, 0])
    expectClose(bn.runningVar!.toArray(), [1, 1])
    expect(bn.numBatchesTracked!.item()).toBe(0)
    bn.dispose()
  })

  it('leaves no tensors inside scope', () => {
    const bn = new nn.BatchNorm2d(2)
    const step = (): void => {
      torch.scope(() => {
        bn.forward(randomTensor([3, 2, 2, 2], 28).requiresGrad_()).pow(2).sum().backward()
        bn.zeroGrad()
      })
    }
    step()
    expectNoLeak(step)
    bn.eval()
    expectNoLeak(() => torch.scope(() => void torch.noGrad(() => bn.forward(randomTensor([3, 2, 2, 2], 29)))))
    bn.dispose()
  })
})
