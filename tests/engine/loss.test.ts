import { beforeAll, describe, expect, it } from 'vitest'
import { expectClose, expectNoLeak, startEngine, torch } from '../helpers/engine'
import type { FixtureTensor } from '../helpers/fixtures'
import { float32Gradcheck, gradcheck } from '../helpers/gradcheck'

const { nn } = torch
const F = nn.functional

beforeAll(startEngine)

function randomFixture(shape: number[], seed: number): FixtureTensor {
  const count = shape.reduce((n, d) => n * d, 1)
  return { shape, data: Array.from(new torch.Generator(seed).fillNormal(new Float32Array(count))) }
}

function uniformFixture(shape: number[], seed: number, low: number, high: number): FixtureTensor {
  const count = shape.reduce((n, d) => n * d, 1)
  return { shape, data: Array.from(new torch.Generator(seed).fillUniform(new Float32Array(count), low, high)) }
}

const int32 = (values: number[], shape?: number[]): torch.Tensor => torch.tensor(values, { dtype: 'int32', shape })

describe('regression losses', () => {
  it('mseLoss reductions', () => {
    const input = torch.tensor([[1, 2], [3, 4]])
    const target = torch.tensor([[0, 2], [5, 1]])
    expect(F.mseLoss(input, target).item()).toBeCloseTo((1 + 0 + 4 + 9) / 4, 6)
    expect(F.mseLoss(input, target, { reduction: 'sum' }).item()).toBeCloseTo(14, 6)
    expectClose(F.mseLoss(input, target, { reduction: 'none' }).toArray(), [1, 0, 4, 9])
  })

  it('l1Loss reductions', () => {
    const input = torch.tensor([1, -2, 3])
    const target = torch.tensor([0, 2, 3])
    expect(F.l1Loss(input, target).item()).toBeCloseTo(5 / 3, 6)
    expect(F.l1Loss(input, target, { reduction: 'sum' }).item()).toBeCloseTo(5, 6)
    expectClose(F.l1Loss(input, target, { reduction: 'none' }).toArray(), [1, 4, 0])
  })

  it('node names match PyTorch', () => {
    const input = torch.tensor([1, 2], { requiresGrad: true })
    const target = torch.tensor([0, 0])
    expect(F.mseLoss(input, target).gradFn?.name).toBe('MseLossBackward0')
    expect(F.l1Loss(input, target).gradFn?.name).toBe('MeanBackward0')
    expect(F.l1Loss(input, target, { reduction: 'sum' }).gradFn?.name).toBe('SumBackward0')
  })

  it('gradients match finite differences', () => {
    for (const reduction of ['mean', 'sum', 'none'] as const) {
      gradcheck(
        `mseLoss ${reduction}`,
        ({ input, target }) => ({ out: F.mseLoss(input, target, { reduction }) }),
        { input: randomFixture([3, 4], 1), target: randomFixture([3, 4], 2) },
        float32Gradcheck,
      )
    }
    gradcheck(
      'l1Loss',
      ({ input, target }) => ({ out: F.l1Loss(input, target) }),
      { input: randomFixture([3, 4], 3), target: randomFixture([3, 4], 4) },
      float32Gradcheck,
    )
  })

  it('rejects a target of another shape', () => {
    expect(() => F.mseLoss(torch.zeros([4, 1]), torch.zeros([4]))).toThrow(
      /mse_loss: Using a target size \(\[4\]\) that is different to the input size \(\[4, 1\]\)/,
    )
    expect(() => F.l1Loss(torch.zeros([4, 1]), torch.zeros([4]))).toThrow(/l1_loss: Using a target size/)
  })

  it('rejects an unknown reduction', () => {
    // @ts-expect-error checking the runtime validation of a wrong value
    expect(() => F.mseLoss(torch.zeros([2]), torch.zeros([2]), { reduction: 'avg' })).toThrow(
      `mse_loss: "avg" is not a valid value for reduction; use 'mean', 'sum' or 'none'`,
    )
  })
})

describe('binary cross entropy', () => {
  it('matches the formula', () => {
    const p = [0.1, 0.7, 0.5]
    const t = [0, 1, 0.3]
    const expected = p.map((pi, i) => -(t[i] * Math.log(pi) + (1 - t[i]) * Math.log(1 - pi)))
    expectClose(F.binaryCrossEntropy(torch.tensor(p), torch.tensor(t), { reduction: 'none' }).toArray(), expected)
  })

  it('gives 100 at p = 0 and p = 1', () => {
    const p = torch.tensor([0, 1, 0, 1], { requiresGrad: true })
    const loss = F.binaryCrossEntropy(p, torch.tensor([1, 0, 0, 1]), { reduction: 'none' })
    expectClose(loss.toArray(), [100, 100, 0, 0])
    loss.sum().backward()
    const grad = Array.from(p.grad!.toArray())
    expect(grad.every(Number.isFinite), `gradient ${grad.join(', ')}`).toBe(true)
    // (p - t) / max(p (1 - p), 1e-12): -1e12 and 1e12 where wrong, 0 where right.
    expectClose(grad, [-1e12, 1e12, 0, 0], 0, 1e-5)
  })

  it('weight scales each element', () => {
    const p = torch.tensor([[0.2, 0.6]])
    const t = torch.tensor([[1, 0]])
    const plain = F.binaryCrossEntropy(p, t, { reduction: 'none' }).toArray()
    const weighted = F.binaryCrossEntropy(p, t, { reduction: 'none', weight: torch.tensor([2, 0.5]) }).toArray()
    expectClose(weighted, [plain[0] * 2, plain[1] * 0.5])
  })

  it('with logits is finite at plus and minus 1000', () => {
    const x = torch.tensor([1000, -1000, 1000, -1000], { requiresGrad: true })
    const loss = F.binaryCrossEntropyWithLogits(x, torch.tensor([1, 0, 0, 1]), { reduction: 'none' })
    expectClose(loss.toArray(), [0, 0, 1000, 1000])
    loss.sum().backward()
    expectClose(x.grad!.toArray(), [0, 0, 1, -1])
  })

  it('with logits equals sigmoid then BCE', () => {
    const x = torch.tensor([-2, -0.5, 0, 0.5, 3])
    const t = torch.tensor([0, 1, 0.5, 0.2, 1])
    const fused = F.binaryCrossEntropyWithLogits(x, t, { reduction: 'none' }).toArray()
    const composed = F.binaryCrossEntropy(x.sigmoid(), t, { reduction: 'none' }).toArray()
    expectClose(fused, composed, 1e-5, 1e-4)
  })

  it('posWeight scales the positive term', () => {
    const x = torch.tensor([[0.3, -1.2]])
    const ones = torch.tensor([[1, 1]])
    const plain = F.binaryCrossEntropyWithLogits(x, ones, { reduction: 'none' }).toArray()
    const weighted = F.binaryCrossEntropyWithLogits(x, ones, { reduction: 'none', posWeight: torch.tensor([3, 0.5]) }).toArray()
    expectClose(weighted, [plain[0] * 3, plain[1] * 0.5])
  })

  it('node names match PyTorch', () => {
    const p = torch.tensor([0.5], { requiresGrad: true })
    expect(F.binaryCrossEntropy(p, torch.tensor([1])).gradFn?.name).toBe('BinaryCrossEntropyBackward0')
    expect(F.binaryCrossEntropyWithLogits(p, torch.tensor([1])).gradFn?.name).toBe('BinaryCrossEntropyWithLogitsBackward0')
  })

  it('gradients match finite differences', () => {
    gradcheck(
      'binaryCrossEntropy weighted',
      ({ input, target, weight }) => ({ out: F.binaryCrossEntropy(input, target, { weight }) }),
      { input: uniformFixture([3, 4], 5, 0.1, 0.9), target: uniformFixture([3, 4], 6, 0, 1), weight: uniformFixture([4], 7, 0.5, 2) },
      { ...float32Gradcheck, fixed: ['weight'] },
    )
    gradcheck(
      'binaryCrossEntropyWithLogits weight and posWeight',
      ({ input, target, weight, posWeight }) => ({ out: F.binaryCrossEntropyWithLogits(input, target, { weight, posWeight, reduction: 'sum' }) }),
      {
        input: randomFixture([3, 4], 8),
        target: uniformFixture([3, 4], 9, 0, 1),
        weight: uniformFixture([3, 4], 10, 0.5, 2),
        posWeight: uniformFixture([4], 11, 0.5, 3),
      },
      { ...float32Gradcheck, fixed: ['weight', 'posWeight'] },
    )
  })

  it('rejects a target of another shape', () => {
    expect(() => F.binaryCrossEntropy(torch.full([4, 1], 0.5), torch.zeros([4]))).toThrow(
      /Using a target size \(\[4\]\) that is different to the input size \(\[4, 1\]\)/,
    )
    expect(() => F.binaryCrossEntropyWithLogits(torch.zeros([4, 1]), torch.zeros([4]))).toThrow(
      /Target size \(\[4\]\) must be the same as input size \(\[4, 1\]\)/,
    )
  })

  it('rejects an integer target', () => {
    expect(() => F.binaryCrossEntropy(torch.full([2], 0.5), int32([0, 1]))).toThrow(/expected target to be float32, but got int32/)
  })
})

describe('classification losses', () => {
  it('nllLoss picks the target log-probabilities', () => {
    const logProbs = torch.tensor([[-1, -2, -3], [-0.5, -1.5, -2.5]])
    const target = int32([2, 0])
    expect(F.nllLoss(logProbs, target).item()).toBeCloseTo((3 + 0.5) / 2, 6)
    expectClose(F.nllLoss(logProbs, target, { reduction: 'none' }).toArray(), [3, 0.5])
  })

  it('nllLoss weighted mean divides by the target weights', () => {
    const logProbs = torch.tensor([[-1, -2], [-3, -4], [-5, -6]])
    const loss = F.nllLoss(logProbs, int32([0, 1, 1]), { weight: torch.tensor([2, 0.5]) })
    expect(loss.item()).toBeCloseTo((2 * 1 + 0.5 * 4 + 0.5 * 6) / (2 + 0.5 + 0.5), 6)
  })

  it('nllLoss skips the ignored targets', () => {
    const logProbs = torch.tensor([[-1, -2], [-3, -4], [-5, -6]], { requiresGrad: true })
    const loss = F.nllLoss(logProbs, int32([0, -100, 1]))
    expect(loss.item()).toBeCloseTo((1 + 6) / 2, 6)
    loss.backward()
    expectClose(logProbs.grad!.toArray(), [-0.5, 0, 0, 0, 0, -0.5])
    const custom = F.nllLoss(logProbs, int32([1, 1, 0]), { ignoreIndex: 1 })
    expect(custom.item()).toBeCloseTo(5, 6)
  })

  it('nllLoss is NaN when every target is ignored', () => {
    expect(Number.isNaN(F.nllLoss(torch.zeros([2, 3]), int32([-100, -100])).item())).toBe(true)
  })

  it('crossEntropy equals logSoftmax then nllLoss', () => {
    const logits = torch.tensor([[1, 2, 3], [1, 0, -1], [0.5, 0.5, 0.5]], { requiresGrad: true })
    const target = int32([2, 0, 1])
    const loss = F.crossEntropy(logits, target)
    expect(loss.gradFn?.name).toBe('NllLossBackward0')
    expect(loss.gradFn?.nextFunctions[0]?.name).toBe('LogSoftmaxBackward0')
    expect(loss.item()).toBeCloseTo(F.nllLoss(F.logSoftmax(logits, 1), target).item(), 6)
  })

  it('crossEntropy over (N, C, H, W)', () => {
    const logits = torch.randn([2, 3, 2, 2])
    const target = int32([0, 1, 2, 1, 2, 2, 0, 0], [2, 2, 2])
    const spatial = F.crossEntropy(logits, target, { reduction: 'none' })
    expect(spatial.shape).toEqual([2, 2, 2])
    // The same positions as rows of an (8, 3) problem.
    const rows = F.crossEntropy(logits.permute(0, 2, 3, 1).reshape(8, 3), target.reshape(8), { reduction: 'none' })
    expectClose(spatial.toArray(), rows.toArray(), 1e-5)
    expect(F.crossEntropy(logits.requiresGrad_(), target).gradFn?.name).toBe('NllLoss2DBackward0')
  })

  it('crossEntropy label smoothing', () => {
    const logits = torch.tensor([[2, 0, -1]])
    const smoothing = 0.3
    const logProbs = F.logSoftmax(logits, 1).toArray()
    const nll = -logProbs[0]
    const uniform = -(logProbs[0] + logProbs[1] + logProbs[2])
    const expected = (1 - smoothing) * nll + (smoothing / 3) * uniform
    expect(F.crossEntropy(logits, int32([0]), { labelSmoothing: smoothing }).item()).toBeCloseTo(expected, 5)
  })

  it('crossEntropy with class probabilities', () => {
    const logits = torch.tensor([[2, 0, -1], [0, 1, 0]])
    const probabilities = torch.tensor([[0.5, 0.5, 0], [0, 0, 1]])
    const logProbs = F.logSoftmax(logits, 1).toArray()
    const expected = (-(0.5 * logProbs[0] + 0.5 * logProbs[1]) - logProbs[5]) / 2
    expect(F.crossEntropy(logits, probabilities).item()).toBeCloseTo(expected, 5)
    const asIndices = F.crossEntropy(logits, int32([1, 2])).item()
    expect(F.crossEntropy(logits, torch.tensor([[0, 1, 0], [0, 0, 1]])).item()).toBeCloseTo(asIndices, 5)
  })

  it('gradients match finite differences', () => {
    const target = { shape: [2, 2, 2], data: [0, 1, 2, -100, 1, 1, 0, 2], dtype: 'int32' as const }
    const weight = { shape: [3], data: [1, 2, 0.5] }
    gradcheck(
      'nllLoss weighted (N, C, H, W)',
      ({ input, target: t, weight: w }) => ({ out: F.nllLoss(input, t, { weight: w }) }),
      { input: randomFixture([2, 3, 2, 2], 12), target, weight },
      { ...float32Gradcheck, fixed: ['weight'] },
    )
    gradcheck(
      'crossEntropy weighted with label smoothing',
      ({ input, target: t, weight: w }) => ({ out: F.crossEntropy(input, t, { weight: w, labelSmoothing: 0.2 }) }),
      { input: randomFixture([2, 3, 2, 2], 13), target, weight },
      { ...float32Gradcheck, fixed: ['weight'] },
    )
    gradcheck(
      'crossEntropy class probabilities',
      ({ input, target: t }) => ({ out: F.crossEntropy(input, t, { reduction: 'sum' }) }),
      { input: randomFixture([3, 4], 14), target: uniformFixture([3, 4], 15, 0, 0.5) },
      { ...float32Gradcheck, fixed: ['target'] },
    )
  })

  it('rejects a target out of range', () => {
    expect(() => F.nllLoss(torch.zeros([2, 3]), int32([0, 5]))).toThrow(/Target 5 is out of bounds/)
    expect(() => F.crossEntropy(torch.zeros([2, 3]), int32([-1, 0]))).toThrow(/Target -1 is out of bounds/)
  })

  it('rejects float class indices', () => {
    expect(() => F.crossEntropy(torch.zeros([2, 3]), torch.tensor([0, 1]))).toThrow(/expected the target to be int32 class indices, but got float32/)
  })

  it('rejects a batch size mismatch', () => {
    expect(() => F.nllLoss(torch.zeros([3, 2]), int32([0, 1]))).toThrow('nll_loss: Expected input batch_size (3) to match target batch_size (2).')
  })

  it('rejects a class weight of the wrong size', () => {
    expect(() => F.crossEntropy(torch.zeros([2, 3]), int32([0, 1]), { weight: torch.ones([2]) })).toThrow(
      /weight tensor should be defined either for all 3 classes or no classes but got weight tensor of shape: \[2\]/,
    )
  })

  it('rejects label smoothing above 1', () => {
    expect(() => F.crossEntropy(torch.zeros([2, 3]), int32([0, 1]), { labelSmoothing: 1.5 })).toThrow(
      'label_smoothing must be between 0.0 and 1.0. Got: 1.5',
    )
  })
})

describe('loss modules', () => {
  it('forward the functional losses', () => {
    const input = torch.tensor([[0.2, 0.9], [0.4, 0.1]])
    const target = torch.tensor([[0, 1], [1, 0]])
    expect(new nn.MSELoss().forward(input, target).item()).toBeCloseTo(F.mseLoss(input, target).item(), 6)
    expect(new nn.L1Loss({ reduction: 'sum' }).forward(input, target).item()).toBeCloseTo(F.l1Loss(input, target, { reduction: 'sum' }).item(), 6)
    expect(new nn.BCELoss().forward(input, target).item()).toBeCloseTo(F.binaryCrossEntropy(input, target).item(), 6)
    const logitsLoss = new nn.BCEWithLogitsLoss({ posWeight: torch.tensor([2, 1]) })
    expect(logitsLoss.forward(input, target).item()).toBeCloseTo(
      F.binaryCrossEntropyWithLogits(input, target, { posWeight: torch.tensor([2, 1]) }).item(),
      6,
    )
    expect(Object.keys(logitsLoss.stateDict())).toEqual(['pos_weight'])
    const classes = int32([1, 0])
    expect(new nn.CrossEntropyLoss({ labelSmoothing: 0.1 }).forward(input, classes).item()).toBeCloseTo(
      F.crossEntropy(input, classes, { labelSmoothing: 0.1 }).item(),
      6,
    )
    expect(new nn.NLLLoss().forward(input, classes).item()).toBeCloseTo(F.nllLoss(input, classes).item(), 6)
    expect(String(new nn.BCELoss())).toBe('BCELoss()')
  })

  it('reject invalid options at construction', () => {
    // @ts-expect-error checking the runtime validation of a wrong value
    expect(() => new nn.MSELoss({ reduction: 'avg' })).toThrow(/"avg" is not a valid value for reduction/)
    expect(() => new nn.CrossEntropyLoss({ labelSmoothing: -0.1 })).toThrow(/label_smoothing must be between 0.0 and 1.0/)
  })
})

describe('loss memory', () => {
  it('leaves no tensors inside scope', () => {
    const step = (): void => {
      torch.scope(() => {
        const logits = torch.randn([4, 3], { requiresGrad: true })
        const probabilities = logits.sigmoid()
        const ones = torch.onesLike(logits)
        const classes = int32([0, 1, 2, -100])
        const total = F.mseLoss(logits, ones)
          .add(F.l1Loss(logits, ones))
          .add(F.binaryCrossEntropy(probabilities, ones))
          .add(F.binaryCrossEntropyWithLogits(logits, ones, { posWeight: torch.ones([3]) }))
          .add(F.crossEntropy(logits, classes, { labelSmoothing: 0.1, weight: torch.ones([3]) }))
          .add(F.nllLoss(F.logSoftmax(logits, 1), classes, { reduction: 'sum' }))
        total.backward()
      })
    }
    step()
    expectNoLeak(step)
  })

  it('records nothing under noGrad', () => {
    const step = (): void => {
      torch.scope(() => {
        const x = torch.randn([4, 3], { requiresGrad: true })
        const loss = torch.noGrad(() => F.crossEntropy(x, int32([0, 1, 2, 0])).add(F.binaryCrossEntropyWithLogits(x, torch.zerosLike(x))))
        expect(loss.requiresGrad).toBe(false)
      })
    }
    step()
    expectNoLeak(step)
  })
})
