import { beforeAll, describe, expect, it } from 'vitest'
import { expectClose, expectNoLeak, startEngine, torch } from '../helpers/engine'
import type { FixtureTensor } from '../helpers/fixtures'
import { float32Gradcheck, gradcheck } from '../helpers/gradcheck'

const F = torch.nn.functional

beforeAll(startEngine)

/** Normal values from a generator of its own, so inputs do not depend on the order tests run in. */
function randomFixture(shape: number[], seed: number): FixtureTensor {
  const count = shape.reduce((n, d) => n * d, 1)
  return { shape, data: Array.from(new torch.Generator(seed).fillNormal(new Float32Array(count))) }
}

function randomTensor(shape: number[], seed: number, requiresGrad = false): torch.Tensor {
  const fixture = randomFixture(shape, seed)
  return torch.tensor(Float32Array.from(fixture.data as number[]), { shape, requiresGrad })
}

interface Geometry {
  stride: [number, number]
  padding: [number, number]
  dilation: [number, number]
}

/** Direct float64 cross-correlation, PyTorch's conv2d definition, as the reference. */
function referenceConv2d(x: torch.Tensor, w: torch.Tensor, g: Geometry): { shape: number[]; data: number[] } {
  const [n, c, h, width] = x.shape
  const [o, , kh, kw] = w.shape
  const xs = x.toArray()
  const ws = w.toArray()
  const outH = Math.floor((h + 2 * g.padding[0] - g.dilation[0] * (kh - 1) - 1) / g.stride[0]) + 1
  const outW = Math.floor((width + 2 * g.padding[1] - g.dilation[1] * (kw - 1) - 1) / g.stride[1]) + 1
  const data: number[] = []
  for (let b = 0; b < n; b++) {
    for (let oc = 0; oc < o; oc++) {
      for (let i = 0; i < outH; i++) {
        for (let j = 0; j < outW; j++) {
          let sum = 0
          for (let ic = 0; ic < c; ic++) {
            for (let ki = 0; ki < kh; ki++) {
              for (let kj = 0; kj < kw; kj++) {
                const row = i * g.stride[0] - g.padding[0] + ki * g.dilation[0]
                const col = j * g.stride[1] - g.padding[1] + kj * g.dilation[1]
                if (row < 0 || row >= h || col < 0 || col >= width) continue
                sum += xs[((b * c + ic) * h + row) * width + col] * ws[((oc * c + ic) * kh + ki) * kw + kj]
              }
            }
          }
          data.push(sum)
        }
      }
    }
  }
  return { shape: [n, o, outH, outW], data }
}

/** Direct transposed convolution: each input value scatters weight * value into the output. */
function referenceConvTranspose2d(x: torch.Tensor, w: torch.Tensor, stride: number, padding: number, outputPadding: number): { shape: number[]; data: number[] } {
  const [n, cin, h, width] = x.shape
  const [, cout, kh, kw] = w.shape
  const outH = (h - 1) * stride - 2 * padding + kh + outputPadding
  const outW = (width - 1) * stride - 2 * padding + kw + outputPadding
  const xs = x.toArray()
  const ws = w.toArray()
  const data = new Array<number>(n * cout * outH * outW).fill(0)
  for (let b = 0; b < n; b++) {
    for (let ic = 0; ic < cin; ic++) {
      for (let i = 0; i < h; i++) {
        for (let j = 0; j < width; j++) {
          const value = xs[((b * cin + ic) * h + i) * width + j]
          for (let oc = 0; oc < cout; oc++) {
            for (let ki = 0; ki < kh; ki++) {
              for (let kj = 0; kj < kw; kj++) {
                const row = i * stride - padding + ki
                const col = j * stride - padding + kj
                if (row < 0 || row >= outH || col < 0 || col >= outW) continue
                data[((b * cout + oc) * outH + row) * outW + col] += value * ws[((ic * cout + oc) * kh + ki) * kw + kj]
              }
            }
          }
        }
      }
    }
  }
  return { shape: [n, cout, outH, outW], data }
}

describe('conv2d', () => {
  it('matches direct convolution', () => {
    const cases: Geometry[] = [
      { stride: [1, 1], padding: [0, 0], dilation: [1, 1] },
      { stride: [2, 2], padding: [1, 1], dilation: [1, 1] },
      { stride: [2, 1], padding: [0, 2], dilation: [1, 1] },
      { stride: [1, 1], padding: [2, 2], dilation: [2, 2] },
    ]
    const x = randomTensor([2, 3, 7, 6], 1)
    const w = randomTensor([4, 3, 3, 3], 2)
    for (const geometry of cases) {
      const y = F.conv2d(x, w, null, geometry)
      const expected = referenceConv2d(x, w, geometry)
      expect(y.shape, JSON.stringify(geometry)).toEqual(expected.shape)
      expectClose(y.toArray(), expected.data, 1e-4, 1e-4)
    }
  })

  it('adds the bias per channel', () => {
    const x = randomTensor([1, 2, 4, 4], 3)
    const w = randomTensor([3, 2, 3, 3], 4)
    const bias = torch.tensor([1, -2, 0.5])
    const withBias = F.conv2d(x, w, bias, { padding: 1 }).toArray()
    const without = F.conv2d(x, w, null, { padding: 1 }).toArray()
    for (let i = 0; i < withBias.length; i++) {
      const channel = Math.floor(i / 16)
      expect(withBias[i]).toBeCloseTo(without[i] + [1, -2, 0.5][channel], 5)
    }
  })

  it('output shapes of DCGAN discriminator layers', () => {
    const x = torch.zeros([2, 1, 28, 28])
    const first = F.conv2d(x, torch.zeros([64, 1, 4, 4]), null, { stride: 2, padding: 1 })
    expect(first.shape).toEqual([2, 64, 14, 14])
    const second = F.conv2d(first, torch.zeros([128, 64, 4, 4]), null, { stride: 2, padding: 1 })
    expect(second.shape).toEqual([2, 128, 7, 7])
  })

  it('takes an unbatched (C, H, W) input', () => {
    const x = randomTensor([3, 5, 5], 5)
    const w = randomTensor([2, 3, 3, 3], 6)
    const single = F.conv2d(x, w, null, { padding: 1 })
    const batched = F.conv2d(x.unsqueeze(0), w, null, { padding: 1 })
    expect(single.shape).toEqual([2, 5, 5])
    expectClose(single.toArray(), batched.toArray())
  })

  it("padding 'same' keeps the size", () => {
    const x = randomTensor([1, 1, 6, 6], 7)
    expect(F.conv2d(x, torch.ones([1, 1, 5, 5]), null, { padding: 'same' }).shape).toEqual([1, 1, 6, 6])
    expect(F.conv2d(x, torch.ones([1, 1, 3, 3]), null, { padding: 'valid' }).shape).toEqual([1, 1, 4, 4])
    expect(() => F.conv2d(x, torch.ones([1, 1, 4, 4]), null, { padding: 'same' })).toThrow(/uneven padding/)
  })

  it('records ConvolutionBackward0', () => {
    const x = randomTensor([1, 1, 4, 4], 8, true)
    const y = F.conv2d(x, torch.ones([1, 1, 3, 3]))
    expect(y.gradFn?.name).toBe('ConvolutionBackward0')
  })

  it('gradients match finite differences', () => {
    gradcheck(
      'conv2d stride 2 padding 1',
      ({ x, w, b }) => ({ out: F.conv2d(x, w, b, { stride: 2, padding: 1 }) }),
      { x: randomFixture([2, 2, 5, 5], 10), w: randomFixture([3, 2, 3, 3], 11), b: randomFixture([3], 12) },
      float32Gradcheck,
    )
  })

  it('gradient of rows a stride leaves out', () => {
    // With H = 8, k = 3 and stride 2 the last input row and column reach no output, so their gradient is 0.
    gradcheck(
      'conv2d uncovered rows',
      ({ x, w }) => ({ out: F.conv2d(x, w, null, { stride: 2 }) }),
      { x: randomFixture([1, 2, 8, 8], 13), w: randomFixture([2, 2, 3, 3], 14) },
      float32Gradcheck,
    )
  })

  it('rejects a channel mismatch', () => {
    const x = torch.zeros([1, 1, 5, 5])
    expect(() => F.conv2d(x, torch.zeros([2, 3, 3, 3]))).toThrow(
      'Given groups=1, weight of size [2, 3, 3, 3], expected input[1, 1, 5, 5] to have 3 channels, but got 1 channels instead',
    )
  })

  it('rejects a kernel larger than the input', () => {
    expect(() => F.conv2d(torch.zeros([1, 3, 5, 5]), torch.zeros([2, 3, 7, 7]))).toThrow(
      "Calculated padded input size per channel: (5 x 5). Kernel size: (7 x 7). Kernel size can't be greater than actual input size",
    )
  })

  it('rejects groups other than 1', () => {
    expect(() => F.conv2d(torch.zeros([1, 4, 5, 5]), torch.zeros([4, 2, 3, 3]), null, { groups: 2 })).toThrow(/groups=2 is not supported/)
  })

  it('rejects a bias of the wrong size', () => {
    expect(() => F.conv2d(torch.zeros([1, 1, 5, 5]), torch.zeros([2, 1, 3, 3]), torch.zeros([3]))).toThrow(/expected bias of shape \[2\]/)
  })

  it('rejects a negative stride', () => {
    expect(() => F.conv2d(torch.zeros([1, 1, 5, 5]), torch.zeros([1, 1, 3, 3]), null, { stride: 0 })).toThrow(
      /stride must be an integer >= 1 or a pair of them, got 0/,
    )
  })

  it('dilated backward raises a clear error', () => {
    const x = randomTensor([1, 1, 6, 6], 15, true)
    const y = F.conv2d(x, torch.ones([1, 1, 3, 3]), null, { dilation: 2 })
    expect(() => y.sum().backward()).toThrow(/dilation \[2,2\] is not supported/)
  })

  it('leaves no tensors inside scope', () => {
    const w = randomTensor([3, 2, 3, 3], 16, true)
    const b = torch.zeros([3], { requiresGrad: true })
    const step = (): void => {
      torch.scope(() => {
        const x = randomTensor([2, 2, 6, 6], 17, true)
        F.conv2d(x, w, b, { stride: 2, padding: 1 }).relu().sum().backward()
        w.grad = null
        b.grad = null
      })
    }
    // The first step may fill the engine's cache of scalar constants, so leaks are counted on a second.
    step()
    expectNoLeak(step)
    w.dispose()
    b.dispose()
  })
})

describe('convTranspose2d', () => {
  it('matches direct transposed convolution', () => {
    const cases = [
      { stride: 1, padding: 0, outputPadding: 0 },
      { stride: 2, padding: 1, outputPadding: 0 },
      { stride: 2, padding: 1, outputPadding: 1 },
      { stride: 3, padding: 0, outputPadding: 2 },
    ]
    const x = randomTensor([2, 3, 4, 5], 20)
    const w = randomTensor([3, 2, 4, 4], 21)
    for (const c of cases) {
      const y = F.convTranspose2d(x, w, null, c)
      const expected = referenceConvTranspose2d(x, w, c.stride, c.padding, c.outputPadding)
      expect(y.shape, JSON.stringify(c)).toEqual(expected.shape)
      expectClose(y.toArray(), expected.data, 1e-4, 1e-4)
    }
  })

  it('output shapes of DCGAN generator layers', () => {
    const x = torch.zeros([2, 128, 7, 7])
    const up = F.convTranspose2d(x, torch.zeros([128, 64, 4, 4]), torch.zeros([64]), { stride: 2, padding: 1 })
    expect(up.shape).toEqual([2, 64, 14, 14])
    const image = F.convTranspose2d(up, torch.zeros([64, 1, 4, 4]), null, { stride: 2, padding: 1 })
    expect(image.shape).toEqual([2, 1, 28, 28])
    const layer = new torch.nn.ConvTranspose2d(128, 64, 4, { stride: 2, padding: 1 })
    expect(layer.forward(x).shape).toEqual([2, 64, 14, 14])
    layer.dispose()
  })

  it('output padding picks the larger size', () => {
    const x = torch.zeros([1, 1, 7, 7])
    const w = torch.zeros([1, 1, 3, 3])
    expect(F.convTranspose2d(x, w, null, { stride: 2, padding: 1 }).shape).toEqual([1, 1, 13, 13])
    expect(F.convTranspose2d(x, w, null, { stride: 2, padding: 1, outputPadding: 1 }).shape).toEqual([1, 1, 14, 14])
  })

  it('records ConvolutionBackward0', () => {
    const x = randomTensor([1, 2, 3, 3], 22, true)
    expect(F.convTranspose2d(x, torch.ones([2, 1, 2, 2])).gradFn?.name).toBe('ConvolutionBackward0')
  })

  it('gradients match finite differences', () => {
    gradcheck(
      'convTranspose2d stride 2 padding 1 output padding 1',
      ({ x, w, b }) => ({ out: F.convTranspose2d(x, w, b, { stride: 2, padding: 1, outputPadding: 1 }) }),
      { x: randomFixture([2, 3, 3, 3], 23), w: randomFixture([3, 2, 4, 4], 24), b: randomFixture([2], 25) },
      float32Gradcheck,
    )
  })

  it('gradients with stride 1', () => {
    gradcheck(
      'convTranspose2d stride 1',
      ({ x, w }) => ({ out: F.convTranspose2d(x, w, null, { padding: 1 }) }),
      { x: randomFixture([1, 2, 4, 4], 26), w: randomFixture([2, 3, 3, 3], 27) },
      float32Gradcheck,
    )
  })

  it('rejects output padding not below the stride', () => {
    expect(() => F.convTranspose2d(torch.zeros([1, 2, 3, 3]), torch.zeros([2, 2, 4, 4]), null, { stride: 2, padding: 1, outputPadding: 2 })).toThrow(
      'output padding must be smaller than either stride or dilation, but got output_padding_height: 2 output_padding_width: 2 ' +
        'stride_height: 2 stride_width: 2 dilation_height: 1 dilation_width: 1',
    )
  })

  it('rejects a channel mismatch', () => {
    expect(() => F.convTranspose2d(torch.zeros([1, 3, 4, 4]), torch.zeros([2, 5, 3, 3]))).toThrow(/expected input\[1, 3, 4, 4\] to have 2 channels/)
  })

  it('rejects dilation', () => {
    expect(() => F.convTranspose2d(torch.zeros([1, 1, 4, 4]), torch.zeros([1, 1, 3, 3]), null, { dilation: 2 })).toThrow(/dilation \[2, 2\] is not supported/)
  })

  it('leaves no tensors inside scope', () => {
    const w = randomTensor([4, 2, 4, 4], 28, true)
    const step = (): void => {
      torch.scope(() => {
        const x = randomTensor([2, 4, 3, 3], 29, true)
        F.convTranspose2d(x, w, null, { stride: 2, padding: 1 }).tanh().sum().backward()
        w.grad = null
      })
    }
    step()
    expectNoLeak(step)
    w.dispose()
  })
})
