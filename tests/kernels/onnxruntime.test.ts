import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import * as tf from '@tensorflow/tfjs-core'
import * as torch from '../../src/engine'
import { describeDevice, startEngine } from '../../src/main/engine-node'
import { createOnnxProvider, type OnnxProvider } from '../../src/main/kernels/onnxruntime'
import { expectClose } from '../helpers/engine'

type ConvOptions = Parameters<torch.Kernels['conv2d']>[2]

const conv = (stride: number[], padding: number[], dilation = [1, 1]): ConvOptions =>
  ({ stride, padding, dilation }) as ConvOptions

/** Input shape, weight shape and options of the convolutions compared with the tfjs kernels. */
const convCases: Array<[string, number[], number[], ConvOptions]> = [
  ['dcgan discriminator layer', [8, 6, 14, 14], [5, 6, 4, 4], conv([2, 2], [1, 1])],
  ['stride 1, no padding', [2, 3, 7, 7], [4, 3, 3, 3], conv([1, 1], [0, 0])],
  ['rectangular kernel, mixed stride', [3, 2, 9, 7], [4, 2, 3, 2], conv([2, 1], [1, 0])],
  ['odd size with stride 2', [2, 3, 9, 9], [2, 3, 3, 3], conv([2, 2], [1, 1])],
  ['stride 3', [2, 2, 10, 10], [3, 2, 3, 3], conv([3, 3], [0, 0])],
  ['dilation 2', [3, 2, 9, 9], [4, 2, 3, 3], conv([1, 1], [2, 2], [2, 2])],
]

let provider: OnnxProvider
const fallbacks: string[] = []

beforeAll(async () => {
  await startEngine({ backend: 'wasm', kernels: 'tfjs' })
  provider = createOnnxProvider({ threads: 2, onFallback: (message) => fallbacks.push(message) })
})
afterAll(() => provider.dispose())

function values(x: tf.Tensor): Float32Array {
  return x.dataSync() as Float32Array
}

/**
 * Calls a provider kernel three times and checks each result: convolutions run the generic graph,
 * then bake the weight into a new graph, then reuse it (Note [Baked weights]).
 */
function expectSameAsTfjs(ours: () => tf.Tensor, reference: () => tf.Tensor): void {
  const expected = reference()
  for (let call = 0; call < 3; call++) {
    const actual = ours()
    expect(actual.shape).toEqual(expected.shape)
    expectClose(values(actual), values(expected), 1e-4, 1e-4)
    actual.dispose()
  }
  expected.dispose()
}

describe('onnxruntime kernel provider', () => {
  it.each(convCases)('conv and gradients match tfjs: %s', (_, xShape, wShape, options) => {
    const tensors = tf.tidy(() => {
      const x = tf.randomNormal(xShape, 0, 1, 'float32', 1)
      const w = tf.randomNormal(wShape, 0, 1, 'float32', 2)
      const y = torch.defaultKernels.conv2d(x, w, options)
      return { x, w, dy: tf.randomNormal(y.shape, 0, 1, 'float32', 3) }
    })
    const { x, w, dy } = tensors
    const kernels = provider.kernels
    expectSameAsTfjs(() => kernels.conv2d!(x, w, options), () => torch.defaultKernels.conv2d(x, w, options))
    if (options.dilation[0] === 1) {
      // tfjs has no dilated gradients to compare with; the PyTorch fixtures cover those shapes instead.
      expectSameAsTfjs(
        () => kernels.conv2dInputGrad!(dy, w, xShape, options),
        () => torch.defaultKernels.conv2dInputGrad(dy, w, xShape, options),
      )
      expectSameAsTfjs(
        () => kernels.conv2dFilterGrad!(x, dy, wShape, options),
        () => torch.defaultKernels.conv2dFilterGrad(x, dy, wShape, options),
      )
    }
    tf.dispose([x, w, dy])
    expect(fallbacks).toEqual([])
  })

  it.each([
    [[5, 7], [7, 9], false, false],
    [[5, 7], [9, 7], false, true],
    [[7, 5], [7, 9], true, false],
    [[7, 5], [9, 7], true, true],
    [[3, 5, 7], [3, 7, 4], false, false],
    [[3, 7, 5], [3, 4, 7], true, true],
  ])('matMul %j x %j (transposed %s, %s)', (aShape, bShape, transposeA, transposeB) => {
    const a = tf.randomNormal(aShape as number[], 0, 1, 'float32', 4)
    const b = tf.randomNormal(bShape as number[], 0, 1, 'float32', 5)
    expectSameAsTfjs(
      () => provider.kernels.matMul!(a, b, transposeA as boolean, transposeB as boolean),
      () => torch.defaultKernels.matMul(a, b, transposeA as boolean, transposeB as boolean),
    )
    tf.dispose([a, b])
  })

  it('caches one graph per shape, leaks nothing', () => {
    const x = tf.randomNormal([2, 3, 8, 8])
    const w = tf.randomNormal([4, 3, 3, 3])
    const options = conv([1, 1], [1, 1])
    provider.kernels.conv2d!(x, w, options).dispose()
    provider.kernels.conv2d!(x, w, options).dispose()
    const graphs = provider.sessionCount()
    const before = tf.memory().numTensors
    for (let i = 0; i < 5; i++) provider.kernels.conv2d!(x, w, options).dispose()
    expect(tf.memory().numTensors).toBe(before)
    expect(provider.sessionCount()).toBe(graphs)
    tf.dispose([x, w])
  })

  it('bakes each new weight, keeping three', () => {
    const x = tf.randomNormal([4, 6, 14, 14], 0, 1, 'float32', 13)
    const options = conv([2, 2], [1, 1])
    const graphsBefore = provider.sessionCount()
    // Each optimizer step makes a new weight tensor. Once one weight came back, new ones are baked
    // at first use, and only the three newest baked graphs are kept.
    for (let version = 0; version < 6; version++) {
      const w = tf.randomNormal([5, 6, 4, 4], 0, 1, 'float32', 20 + version)
      for (let call = 0; call < 2; call++) {
        const actual = provider.kernels.conv2d!(x, w, options)
        const expected = torch.defaultKernels.conv2d(x, w, options)
        expectClose(values(actual), values(expected), 1e-4, 1e-4)
        tf.dispose([actual, expected])
      }
      w.dispose()
    }
    // One generic graph and at most three baked ones for this kernel and shape.
    expect(provider.sessionCount() - graphsBefore).toBeLessThanOrEqual(4)
    expect(provider.sessionCount() - graphsBefore).toBeGreaterThanOrEqual(2)
    x.dispose()
  })

  it('survives wasm heap growth', () => {
    // A result larger than the whole heap so far (256 MiB) makes it grow, which detaches every view
    // of the heap taken before.
    const a = tf.randomNormal([65536, 4], 0, 1, 'float32', 11)
    const b = tf.randomNormal([4, 1024], 0, 1, 'float32', 12)
    const product = provider.kernels.matMul!(a, b, false, false)
    expect(product.shape).toEqual([65536, 1024])
    const expected = torch.defaultKernels.matMul(a, b, false, false)
    expectClose(values(product).subarray(0, 100_000), values(expected).subarray(0, 100_000), 1e-4, 1e-4)
    tf.dispose([a, b, product, expected])
  })

  it.each([
    [[0, 2, 3], true],
    [[0, 2, 3], false],
    [[0], false],
    [[1], true],
    [[-1], false],
    [[0, 1, 2, 3], false],
  ])('large sum over %j (keepDims %s)', (axes, keepDims) => {
    const x = tf.randomNormal([64, 32, 8, 8], 0, 1, 'float32', 10)
    expectSameAsTfjs(() => provider.kernels.sum!(x, axes, keepDims), () => torch.defaultKernels.sum(x, axes, keepDims))
    x.dispose()
  })

  it('leaves small sums to tfjs', () => {
    const graphs = provider.sessionCount()
    const small = tf.ones([8, 8])
    const ints = tf.ones([300, 300], 'int32')
    tf.dispose([provider.kernels.sum!(ints, [0], false), provider.kernels.sum!(small, [0], false)])
    expect(provider.sessionCount()).toBe(graphs)
    tf.dispose([small, ints])
  })

  it('reads int32 operands as floats', () => {
    const a = tf.tensor2d([[1, 2], [3, 4]], [2, 2], 'int32')
    const b = tf.tensor2d([[1, 0], [0, 1]], [2, 2], 'float32')
    const product = provider.kernels.matMul!(a, b, false, false)
    expect(Array.from(values(product))).toEqual([1, 2, 3, 4])
    tf.dispose([a, b, product])
  })
})

describe('startEngine', () => {
  it('routes wasm kernels to onnxruntime', async () => {
    const info = await startEngine({ backend: 'wasm', kernels: 'auto' })
    expect(info.kernelProviders).toHaveLength(1)
    expect(info.kernelProviders[0]).toMatch(/^onnxruntime \d+\.\d+\.\d+ \(\d+ threads?\)$/)
    expect(describeDevice(info)).toBe(`cpu · ${info.kernelProviders[0]}`)

    // A training step through the provider matches the same step on the tfjs kernels.
    const losses = (): number[] => {
      torch.manualSeed(7)
      const net = new torch.nn.Sequential(new torch.nn.Conv2d(1, 4, 3, { stride: 2, padding: 1 }), new torch.nn.LeakyReLU(0.2), new torch.nn.Flatten(), new torch.nn.Linear(4 * 4 * 4, 1))
      const optimizer = new torch.optim.Adam(net.parameters(), { lr: 0.01 })
      const x = torch.randn([8, 1, 8, 8])
      const out: number[] = []
      for (let step = 0; step < 3; step++) {
        torch.scope(() => {
          optimizer.zeroGrad()
          const loss = net.forward(x).square().mean()
          loss.backward()
          optimizer.step()
          out.push(loss.item())
        })
      }
      return out
    }
    const native = losses()
    await startEngine({ backend: 'wasm', kernels: 'tfjs' })
    expect(torch.getBackend().kernelProviders).toEqual([])
    expectClose(native, losses(), 1e-5, 1e-4)
  })

  it('rejects bad kernel and thread settings', async () => {
    await expect(startEngine({ kernels: 'fast' as 'auto' })).rejects.toThrow(/unknown kernel choice 'fast'.*auto, onnxruntime, tfjs/)
    const saved = process.env.GANWB_THREADS
    process.env.GANWB_THREADS = 'many'
    try {
      await expect(startEngine({ kernels: 'onnxruntime' })).rejects.toThrow(/GANWB_THREADS must be a whole number.*'many'.*unset it/)
    } finally {
      if (saved === undefined) delete process.env.GANWB_THREADS
      else process.env.GANWB_THREADS = saved
    }
  })

  it('uses the requested thread count', async () => {
    const info = await startEngine({ backend: 'wasm', kernels: 'onnxruntime', threads: 1 })
    expect(info.kernelProviders[0]).toMatch(/\(1 thread\)$/)
    await startEngine({ backend: 'wasm', kernels: 'tfjs' })
  })
})
