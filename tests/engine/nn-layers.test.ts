import { beforeAll, describe, expect, it } from 'vitest'
import { expectClose, expectNoLeak, startEngine, torch } from '../helpers/engine'

const { nn } = torch
const F = nn.functional

beforeAll(startEngine)

function maxAbs(t: torch.Tensor): number {
  return Array.from(t.toArray()).reduce((m, v) => Math.max(m, Math.abs(v)), 0)
}

const int32 = (values: number[], shape?: number[]): torch.Tensor => torch.tensor(values, { dtype: 'int32', shape })

describe('Linear', () => {
  it('computes x W^T + b', () => {
    const layer = new nn.Linear(2, 3)
    torch.noGrad(() => {
      layer.weight.copy_(torch.tensor([[1, 2], [3, 4], [5, 6]]))
      layer.bias!.copy_(torch.tensor([0.5, -1, 0]))
    })
    const y = layer.forward(torch.tensor([[1, 1], [2, -1]]))
    expectClose(y.toArray(), [3.5, 6, 11, 0.5, 1, 4])
    expect(layer.forward(torch.zeros([4, 5, 2])).shape).toEqual([4, 5, 3])
    layer.dispose()
  })

  it('initialises within 1/sqrt(in_features)', () => {
    const layer = new nn.Linear(50, 40)
    const bound = 1 / Math.sqrt(50)
    expect(maxAbs(layer.weight)).toBeLessThanOrEqual(bound)
    expect(maxAbs(layer.weight)).toBeGreaterThan(0.9 * bound)
    expect(maxAbs(layer.bias!)).toBeLessThanOrEqual(bound)
    layer.dispose()
  })

  it('has no bias when asked', () => {
    const layer = new nn.Linear(2, 2, { bias: false })
    expect(layer.bias).toBeNull()
    expect(layer.namedParameters().map(([name]) => name)).toEqual(['weight'])
    expect(String(layer)).toBe('Linear(in_features=2, out_features=2, bias=False)')
    layer.dispose()
  })

  it('rejects invalid sizes', () => {
    expect(() => new nn.Linear(-1, 2)).toThrow('Linear: in_features must be a positive integer, got -1')
    expect(() => new nn.Linear(2, 1.5)).toThrow('Linear: out_features must be a positive integer, got 1.5')
  })

  it('rejects the wrong number of input features', () => {
    const layer = new nn.Linear(3, 2)
    expect(() => layer.forward(torch.zeros([4, 5]))).toThrow(/the layer expects 3 input features/)
    layer.dispose()
  })
})

describe('convolution layers', () => {
  it('Conv2d initialises from its fan-in', () => {
    const layer = new nn.Conv2d(4, 8, 3)
    const bound = 1 / Math.sqrt(4 * 3 * 3)
    expect(layer.weight.shape).toEqual([8, 4, 3, 3])
    expect(maxAbs(layer.weight)).toBeLessThanOrEqual(bound)
    expect(maxAbs(layer.weight)).toBeGreaterThan(0.9 * bound)
    expect(maxAbs(layer.bias!)).toBeLessThanOrEqual(bound)
    layer.dispose()
  })

  it('ConvTranspose2d fan-in uses out channels', () => {
    // Its weight is (in, out, kH, kW), so PyTorch's fan-in rule gives out * kH * kW = 2 * 16.
    const layer = new nn.ConvTranspose2d(64, 2, 4)
    const bound = 1 / Math.sqrt(2 * 4 * 4)
    expect(layer.weight.shape).toEqual([64, 2, 4, 4])
    expect(maxAbs(layer.weight)).toBeLessThanOrEqual(bound)
    expect(maxAbs(layer.weight)).toBeGreaterThan(0.9 * bound)
    expect(maxAbs(layer.bias!)).toBeLessThanOrEqual(bound)
    expect(maxAbs(layer.bias!)).toBeGreaterThan(0.3 * bound)
    layer.dispose()
  })

  it('forward matches the functional form', () => {
    const conv = new nn.Conv2d(2, 3, 3, { stride: 2, padding: 1 })
    const x = torch.randn([1, 2, 6, 6])
    expectClose(conv.forward(x).toArray(), F.conv2d(x, conv.weight, conv.bias, { stride: 2, padding: 1 }).toArray())
    const deconv = new nn.ConvTranspose2d(3, 2, 4, { stride: 2, padding: 1 })
    const y = conv.forward(x)
    expectClose(deconv.forward(y).toArray(), F.convTranspose2d(y, deconv.weight, deconv.bias, { stride: 2, padding: 1 }).toArray())
    conv.dispose()
    deconv.dispose()
  })

  it('reject unsupported options at construction', () => {
    expect(() => new nn.Conv2d(4, 4, 3, { groups: 2 })).toThrow('Conv2d: groups=2 is not supported')
    expect(() => new nn.Conv2d(1, 1, 3, { padding: 'same', stride: 2 })).toThrow("padding='same' is not supported for strided convolutions")
    expect(() => new nn.Conv2d(1, 1, 0)).toThrow('kernel_size must be an integer >= 1 or a pair of them, got 0')
    expect(() => new nn.ConvTranspose2d(1, 1, 4, { stride: 2, outputPadding: 2 })).toThrow(
      /output padding must be smaller than either stride or dilation/,
    )
    expect(() => new nn.ConvTranspose2d(1, 1, 3, { dilation: 2 })).toThrow(/dilation \(2, 2\) is not supported/)
    expect(() => new nn.Conv2d(0, 1, 3)).toThrow('Conv2d: in_channels must be a positive integer, got 0')
  })

  it('DCGAN generator and discriminator shapes', () => {
    const generator = new nn.Sequential(
      new nn.Linear(100, 128 * 7 * 7),
      new nn.Unflatten(1, [128, 7, 7]),
      new nn.BatchNorm2d(128),
      new nn.ReLU(),
      new nn.ConvTranspose2d(128, 64, 4, { stride: 2, padding: 1 }),
      new nn.BatchNorm2d(64),
      new nn.ReLU(),
      new nn.ConvTranspose2d(64, 1, 4, { stride: 2, padding: 1 }),
      new nn.Tanh(),
    )
    const discriminator = new nn.Sequential(
      new nn.Conv2d(1, 64, 4, { stride: 2, padding: 1 }),
      new nn.LeakyReLU(0.2),
      new nn.Conv2d(64, 128, 4, { stride: 2, padding: 1 }),
      new nn.BatchNorm2d(128),
      new nn.LeakyReLU(0.2),
      new nn.Flatten(),
      new nn.Linear(128 * 7 * 7, 1),
    )
    torch.scope(() => {
      const images = generator.forward(torch.randn([2, 100]))
      expect(images.shape).toEqual([2, 1, 28, 28])
      expect(maxAbs(images)).toBeLessThanOrEqual(1)
      expect(discriminator.forward(images).shape).toEqual([2, 1])
    })
    generator.dispose()
    discriminator.dispose()
  })
})

describe('Embedding', () => {
  it('looks up rows', () => {
    const table = new nn.Embedding(4, 2)
    torch.noGrad(() => table.weight.copy_(torch.tensor([[0, 1], [2, 3], [4, 5], [6, 7]])))
    const y = table.forward(int32([3, 0, 3, 1], [2, 2]))
    expect(y.shape).toEqual([2, 2, 2])
    expectClose(y.toArray(), [6, 7, 0, 1, 6, 7, 2, 3])
    expect(y.gradFn?.name).toBe('EmbeddingBackward0')
    table.dispose()
  })

  it('sums gradients of repeated rows', () => {
    const table = new nn.Embedding(3, 2)
    const y = table.forward(int32([2, 0, 2]))
    y.mul(torch.tensor([[1, 2], [3, 4], [5, 6]])).sum().backward()
    expectClose(table.weight.grad!.toArray(), [3, 4, 0, 0, 6, 8])
    table.dispose()
  })

  it('padding row starts at zero and gets no gradient', () => {
    const table = new nn.Embedding(4, 3, { paddingIdx: -1 })
    expect(table.paddingIdx).toBe(3)
    expectClose(table.weight.toArray().slice(9), [0, 0, 0])
    expect(maxAbs(table.weight)).toBeGreaterThan(0)
    table.forward(int32([3, 1, 3])).sum().backward()
    expectClose(table.weight.grad!.toArray(), [0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0])
    expect(String(table)).toBe('Embedding(4, 3, padding_idx=3)')
    table.dispose()
  })

  it('initialises from N(0, 1)', () => {
    const table = new nn.Embedding(100, 50)
    const values = Array.from(table.weight.toArray())
    const mean = values.reduce((s, v) => s + v, 0) / values.length
    const variance = values.reduce((s, v) => s + (v - mean) ** 2, 0) / values.length
    expect(Math.abs(mean)).toBeLessThan(0.05)
    expect(Math.abs(variance - 1)).toBeLessThan(0.05)
    table.dispose()
  })

  it('rejects bad indices', () => {
    const table = new nn.Embedding(3, 2)
    expect(() => table.forward(int32([0, 3]))).toThrow(/index out of range in self: embedding index 3/)
    expect(() => table.forward(torch.tensor([0, 1]))).toThrow(/'indices' to have scalar type int32, but got float32/)
    expect(() => new nn.Embedding(3, 2, { paddingIdx: 3 })).toThrow(/padding_idx must be within num_embeddings/)
    table.dispose()
  })
})

describe('Dropout', () => {
  it('zeroes about p and scales the rest', () => {
    torch.manualSeed(3)
    const y = new nn.Dropout(0.25).forward(torch.ones([4000])).toArray()
    const zeros = Array.from(y).filter((v) => v === 0).length
    expect(Array.from(y).every((v) => v === 0 || Math.abs(v - 4 / 3) < 1e-6)).toBe(true)
    expect(zeros / 4000).toBeGreaterThan(0.22)
    expect(zeros / 4000).toBeLessThan(0.28)
  })

  it('gradient follows the mask', () => {
    const x = torch.ones([50], { requiresGrad: true })
    const y = F.dropout(x, 0.5, true)
    expect(y.gradFn?.name).toBe('NativeDropoutBackward0')
    y.sum().backward()
    expectClose(x.grad!.toArray(), y.toArray())
  })

  it('repeats with the same seed', () => {
    torch.manualSeed(11)
    const a = F.dropout(torch.ones([20]), 0.5).toArray()
    torch.manualSeed(11)
    const b = F.dropout(torch.ones([20]), 0.5).toArray()
    expect(Array.from(a)).toEqual(Array.from(b))
  })

  it('p = 0 and eval return the input, p = 1 zeroes', () => {
    const x = torch.randn([10])
    expect(F.dropout(x, 0, true)).toBe(x)
    expect(F.dropout(x, 0.5, false)).toBe(x)
    expectClose(F.dropout(x, 1, true).toArray(), new Array(10).fill(0))
  })

  it('rejects p outside [0, 1]', () => {
    expect(() => new nn.Dropout(1.5)).toThrow('dropout probability has to be between 0 and 1, but got 1.5')
    expect(() => F.dropout(torch.ones([2]), -0.1)).toThrow('dropout probability has to be between 0 and 1, but got -0.1')
  })

  it('leaves no tensors inside scope', () => {
    const step = (): void => torch.scope(() => F.dropout(torch.ones([8], { requiresGrad: true }), 0.5).sum().backward())
    step()
    expectNoLeak(step)
  })
})

describe('activation and shape layers', () => {
  it('activations match their functions', () => {
    const x = torch.tensor([-30, -1, -0.1, 0, 0.5, 2, 30])
    const cases: Array<[torch.nn.Module, torch.Tensor]> = [
      [new nn.ReLU(), F.relu(x)],
      [new nn.LeakyReLU(0.2), F.leakyRelu(x, 0.2)],
      [new nn.Tanh(), F.tanh(x)],
      [new nn.Sigmoid(), F.sigmoid(x)],
      [new nn.Softplus(2, 10), F.softplus(x, 2, 10)],
      [new nn.Identity(), x],
    ]
    for (const [module, expected] of cases) expectClose(module.forward(x).toArray(), expected.toArray())
    expectClose(new nn.LeakyReLU().forward(x).toArray().slice(0, 2), [-0.3, -0.01])
  })

  it('Flatten and Unflatten reshape', () => {
    const x = torch.zeros([2, 3, 4, 5])
    expect(new nn.Flatten().forward(x).shape).toEqual([2, 60])
    expect(new nn.Flatten(0, 1).forward(x).shape).toEqual([6, 4, 5])
    expect(new nn.Unflatten(1, [3, -1]).forward(torch.zeros([2, 12])).shape).toEqual([2, 3, 4])
    expect(() => new nn.Unflatten(1, [])).toThrow(/unflattened_size must be a non-empty array/)
  })

  it('reject invalid constructor arguments', () => {
    expect(() => new nn.Softplus(0)).toThrow('Softplus: beta must be a positive finite number, got 0')
    expect(() => new nn.LeakyReLU(Number.NaN)).toThrow('LeakyReLU: negative_slope must be a finite number, got NaN')
    // @ts-expect-error checking the runtime validation of a wrong value
    expect(() => new nn.Flatten('1')).toThrow('Flatten: start_dim must be an integer dimension, got 1')
  })
})

describe('Sequential', () => {
  it('indexes, appends and iterates', () => {
    const first = new nn.Linear(2, 3)
    const model = new nn.Sequential(first, new nn.ReLU())
    expect(model.length).toBe(2)
    expect(model.at(0)).toBe(first)
    expect(model.at(-1)).toBeInstanceOf(nn.ReLU)
    model.append(new nn.Linear(3, 1))
    expect(model.length).toBe(3)
    expect([...model].map((m) => m.constructor.name)).toEqual(['Linear', 'ReLU', 'Linear'])
    expect(model.forward(torch.zeros([5, 2])).shape).toEqual([5, 1])
    expect(() => model.at(3)).toThrow('index 3 is out of range for a Sequential of 3 modules')
    model.dispose()
  })

  it('keeps the order past ten modules', () => {
    const modules = Array.from({ length: 12 }, () => new nn.Identity())
    modules[10] = new nn.Tanh()
    const model = new nn.Sequential(...modules)
    expect(model.at(10)).toBeInstanceOf(nn.Tanh)
    expect(model.namedChildren().map(([name]) => name)).toEqual(modules.map((_, i) => String(i)))
  })

  it('takes named modules', () => {
    const model = new nn.Sequential({ fc: new nn.Linear(2, 2), act: new nn.Tanh() })
    expect(Object.keys(model.stateDict())).toEqual(['fc.weight', 'fc.bias'])
    expect(model.at(1)).toBeInstanceOf(nn.Tanh)
    model.dispose()
  })

  it('rejects values that are not modules', () => {
    // @ts-expect-error checking the runtime validation of a wrong value
    expect(() => new nn.Sequential(new nn.ReLU(), (x: torch.Tensor) => x)).toThrow(/Sequential: entry 1 is not a Module \(got function\)/)
  })
})
