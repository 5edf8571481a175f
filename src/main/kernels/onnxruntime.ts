import { createRequire } from 'node:module'
import { availableParallelism } from 'node:os'
import * as tf from '@tensorflow/tfjs-core'
import { defaultKernels, type KernelProvider, type Kernels } from '../../engine'
import { encodeGraph, type GraphNode, type GraphSpec } from './onnx-graph'

/**
 * Note [onnxruntime as a kernel provider]
 * Under Node the tfjs wasm backend runs on one thread with 128-bit SIMD. onnxruntime-node ships
 * native CPU kernels (MLAS) inside its npm package, using every core and the CPU's widest vector
 * instructions. It has no autograd, so it serves only as a kernel provider under the engine: each
 * heavy kernel (convolutions, their gradients, matrix products) becomes a tiny fixed-shape ONNX
 * graph, built once per shape and cached, and every call copies the operands out of tfjs, runs the
 * graph, and copies the result back. The copies cost far less than the kernels they replace (see
 * docs/benchmarks.md). Layout changes a kernel needs (the filter gradient's transposes) run inside
 * the same graph, in native code.
 *
 * The binding's `run` is synchronous, which the engine's kernel interface requires; its `loadModel`
 * returns a promise but finishes before returning for sessions without JavaScript callbacks, which is
 * checked below. Any kernel whose graph fails to load falls back to the tfjs kernel, once, with a warning.
 */

interface OrtTensor {
  readonly data: ArrayLike<number>
  readonly dims: readonly number[]
}

type OrtTensorConstructor = new (type: 'float32', data: Float32Array, dims: readonly number[]) => OrtTensor

interface BindingSession {
  loadModel(buffer: ArrayBuffer, byteOffset: number, byteLength: number, options: Record<string, unknown>): Promise<void>
  readonly inputMetadata: unknown[]
  run(feeds: Record<string, OrtTensor>, fetches: Record<string, OrtTensor | null>, options: Record<string, unknown>): Record<string, OrtTensor>
  dispose(): void
}

interface Runtime {
  version: string
  Tensor: OrtTensorConstructor
  newSession(): BindingSession
}

const requirePackage = createRequire(import.meta.url)

function loadRuntime(): Runtime {
  const ort = requirePackage('onnxruntime-node') as { Tensor: OrtTensorConstructor; env: { versions?: { node?: string } } }
  const native = requirePackage('onnxruntime-node/dist/binding') as {
    binding: { InferenceSession: new () => BindingSession }
    initOrt: () => void
  }
  native.initOrt()
  const version = (requirePackage('onnxruntime-node/package.json') as { version: string }).version
  return { version, Tensor: ort.Tensor, newSession: () => new native.binding.InferenceSession() }
}

/** Sums over fewer elements than this stay on tfjs, whose kernel then finishes before a native call would start. */
export const nativeMinimumSize = 1 << 16

export interface OnnxProviderOptions {
  /** Threads for one kernel; defaults to the machine's available parallelism. */
  threads?: number
  /** Called once for each kernel shape that falls back to tfjs. */
  onFallback?: (message: string) => void
}

export interface OnnxProvider extends KernelProvider {
  threads: number
  version: string
  /** Number of cached graphs, one per kernel and shape. */
  sessionCount(): number
  dispose(): void
}

interface CachedGraph {
  session: BindingSession | null
  inputNames: string[]
  output: string
}

/** The parts of tfjs's wasm backend that expose a tensor's memory on the wasm heap. */
interface WasmHeap {
  typedArrayFromHeap(info: { shape: number[]; dtype: string; dataId: object }): Float32Array
  makeOutput(shape: number[], dtype: 'float32'): { shape: number[]; dtype: 'float32'; dataId: object }
}

/**
 * The wasm backend, when it is the active one: operands are then handed to onnxruntime as views of
 * the heap instead of copies (dataSync slices the heap), and results are written in place.
 */
function wasmHeap(): WasmHeap | null {
  if (tf.getBackend() !== 'wasm') return null
  const backend = tf.backend() as unknown as Partial<WasmHeap>
  return typeof backend.typedArrayFromHeap === 'function' && typeof backend.makeOutput === 'function' ? (backend as WasmHeap) : null
}

type ConvOptions = Parameters<Kernels['conv2d']>[2]

function pads(options: ConvOptions): number[] {
  const [ph, pw] = options.padding
  return [ph, pw, ph, pw]
}

function convAttributes(options: ConvOptions, kernel: readonly number[]): Record<string, number[]> {
  return { strides: [...options.stride], pads: pads(options), dilations: [...options.dilation], kernel_shape: [kernel[2], kernel[3]] }
}

function convOutputSize(size: number, kernel: number, options: ConvOptions, axis: number): number {
  const span = options.dilation[axis] * (kernel - 1) + 1
  return Math.floor((size + 2 * options.padding[axis] - span) / options.stride[axis]) + 1
}

/** Shape of a (batched) matrix product, with the batch dimensions broadcast as MatMul does. */
function matMulShape(a: readonly number[], b: readonly number[], transposeA: boolean, transposeB: boolean): number[] {
  const rows = transposeA ? a[a.length - 1] : a[a.length - 2]
  const cols = transposeB ? b[b.length - 2] : b[b.length - 1]
  const batch = tf.backend_util.assertAndGetBroadcastShape(a.slice(0, -2), b.slice(0, -2))
  return [...batch, rows, cols]
}

/** Transposes the last two axes of a rank-`rank` tensor. */
function swapLast(rank: number): number[] {
  const perm = [...Array(rank).keys()]
  perm[rank - 2] = rank - 1
  perm[rank - 1] = rank - 2
  return perm
}

/**
 * Creates the provider, or throws when onnxruntime-node cannot load (not installed, or no build for
 * this platform). The caller decides whether that is an error.
 */
export function createOnnxProvider(options: OnnxProviderOptions = {}): OnnxProvider {
  const runtime = loadRuntime()
  const threads = Math.max(1, Math.floor(options.threads ?? availableParallelism()))
  const sessionOptions = {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    graphOptimizationLevel: process.env.ORT_LEVEL ?? 'all',
    executionMode: 'sequential',
    executionProviders: [{ name: 'cpu' }],
    enableCpuMemArena: true,
    extra: { session: { intra_op: { allow_spinning: process.env.ORT_SPIN ?? '0' } } },
  }
  const graphs = new Map<string, CachedGraph>()

  function graph(key: string, build: () => GraphSpec): CachedGraph {
    const found = graphs.get(key)
    if (found) return found
    const spec = build()
    let entry: CachedGraph
    try {
      const bytes = encodeGraph(spec)
      const session = runtime.newSession()
      void session.loadModel(bytes.buffer as ArrayBuffer, bytes.byteOffset, bytes.byteLength, sessionOptions).catch(() => undefined)
      if (session.inputMetadata.length !== spec.inputs.length) throw new Error('the session did not load synchronously')
      entry = {
        session,
        inputNames: spec.inputs.map((input) => input.name),
        output: spec.output,
      }
    } catch (error) {
      const reason = error instanceof Error ? error.message.split('\n')[0] : String(error)
      options.onFallback?.(`onnxruntime could not build the kernel ${key} (${reason}); the tfjs kernel serves it instead`)
      entry = { session: null, inputNames: [], output: '' }
    }
    graphs.set(key, entry)
    return entry
  }

  /**
   * Runs a cached graph on tfjs tensors, or returns null when the graph could not be built. The
   * caller gives the result's shape, so that on the wasm backend onnxruntime writes it in place.
   */
  function run(entry: CachedGraph, operands: tf.Tensor[], outputShape: number[]): tf.Tensor | null {
    if (!entry.session) return null
    const heap = wasmHeap()
    // Allocate the output first: a wasm allocation can grow the heap, which detaches every view of
    // it taken before. Nothing allocates between taking the views below and the end of the run.
    const output = heap ? tf.engine().makeTensorFromTensorInfo(heap.makeOutput(outputShape, 'float32')) : null
    const feeds: Record<string, OrtTensor> = {}
    entry.inputNames.forEach((name, index) => {
      const operand = operands[index]
      let values: Float32Array
      if (operand.dtype !== 'float32') values = Float32Array.from(operand.dataSync())
      else values = heap ? heap.typedArrayFromHeap(operand) : (operand.dataSync() as Float32Array)
      feeds[name] = new runtime.Tensor('float32', values, operand.shape)
    })
    if (heap && output) {
      // Preallocated output: onnxruntime writes straight into the new tensor on the wasm heap.
      const view = heap.typedArrayFromHeap(output)
      entry.session.run(feeds, { [entry.output]: new runtime.Tensor('float32', view, output.shape) }, {})
      return output
    }
    const result = entry.session.run(feeds, { [entry.output]: null }, {})[entry.output]
    return tf.tensor(result.data as Float32Array, [...result.dims], 'float32')
  }

  const kernels: Partial<Kernels> = {
    conv2d(x, w, convOptions) {
      const key = `conv2d ${x.shape} ${w.shape} ${convOptions.stride} ${convOptions.padding} ${convOptions.dilation}`
      const entry = graph(key, () => ({
        inputs: [{ name: 'x', shape: x.shape }, { name: 'w', shape: w.shape }],
        output: 'y',
        nodes: [{ op: 'Conv', inputs: ['x', 'w'], outputs: ['y'], attributes: convAttributes(convOptions, w.shape) }],
      }))
      const outputShape = [x.shape[0], w.shape[0], ...[0, 1].map((axis) => convOutputSize(x.shape[axis + 2], w.shape[axis + 2], convOptions, axis))]
      return run(entry, [x, w], outputShape) ?? defaultKernels.conv2d(x, w, convOptions)
    },

    conv2dInputGrad(dy, w, inputShape, convOptions) {
      const key = `conv2dInputGrad ${dy.shape} ${w.shape} ${inputShape} ${convOptions.stride} ${convOptions.padding} ${convOptions.dilation}`
      const entry = graph(key, () => {
        // ConvTranspose's weight is (C_in of the transposed conv, C_out, kH, kW): the forward conv's
        // (O, C, kH, kW) as it is. output_padding makes the result exactly the forward input's size.
        const outputPadding = [0, 1].map((axis) => {
          const natural =
            (dy.shape[axis + 2] - 1) * convOptions.stride[axis] -
            2 * convOptions.padding[axis] +
            convOptions.dilation[axis] * (w.shape[axis + 2] - 1) +
            1
          return inputShape[axis + 2] - natural
        })
        return {
          inputs: [{ name: 'dy', shape: dy.shape }, { name: 'w', shape: w.shape }],
          output: 'dx',
          nodes: [
            {
              op: 'ConvTranspose',
              inputs: ['dy', 'w'],
              outputs: ['dx'],
              attributes: { ...convAttributes(convOptions, w.shape), output_padding: outputPadding },
            },
          ],
        }
      })
      return run(entry, [dy, w], [...inputShape]) ?? defaultKernels.conv2dInputGrad(dy, w, inputShape, convOptions)
    },

    conv2dFilterGrad(x, dy, filterShape, convOptions) {
      const key = `conv2dFilterGrad ${x.shape} ${dy.shape} ${filterShape} ${convOptions.stride} ${convOptions.padding} ${convOptions.dilation}`
      const entry = graph(key, () => filterGradGraph(x.shape, dy.shape, filterShape, convOptions))
      return run(entry, [x, dy], [...filterShape]) ?? defaultKernels.conv2dFilterGrad(x, dy, filterShape, convOptions)
    },

    matMul(a, b, transposeA, transposeB) {
      const key = `matMul ${a.shape} ${b.shape} ${transposeA} ${transposeB}`
      const entry = graph(key, () => {
        const nodes: GraphNode[] = []
        let left = 'a'
        let right = 'b'
        if (a.rank === 2 && b.rank === 2) {
          nodes.push({ op: 'Gemm', inputs: ['a', 'b'], outputs: ['y'], attributes: { transA: transposeA ? 1 : 0, transB: transposeB ? 1 : 0 } })
        } else {
          if (transposeA) nodes.push({ op: 'Transpose', inputs: ['a'], outputs: ['at'], attributes: { perm: swapLast(a.rank) } })
          if (transposeB) nodes.push({ op: 'Transpose', inputs: ['b'], outputs: ['bt'], attributes: { perm: swapLast(b.rank) } })
          left = transposeA ? 'at' : 'a'
          right = transposeB ? 'bt' : 'b'
          nodes.push({ op: 'MatMul', inputs: [left, right], outputs: ['y'] })
        }
        return { inputs: [{ name: 'a', shape: a.shape }, { name: 'b', shape: b.shape }], output: 'y', nodes }
      })
      return run(entry, [a, b], matMulShape(a.shape, b.shape, transposeA, transposeB)) ?? defaultKernels.matMul(a, b, transposeA, transposeB)
    },
  }

  /**
   * Sums of large tensors go native: onnxruntime reduces any set of axes in one pass, where the wasm
   * backend reduces only the last axis without a transposed copy. Element-wise kernels stay on tfjs:
   * measured on the DCGAN shapes, onnxruntime's were slower than the wasm backend's vectorized ones
   * (docs/benchmarks.md). The graph leaves every dimension free, so one graph per rank and set of
   * axes serves every shape.
   */
  kernels.sum = (x, axes, keepDims) => {
    if (axes === null || axes.length === 0 || x.dtype !== 'float32' || x.size < nativeMinimumSize) return defaultKernels.sum(x, axes, keepDims)
    const rank = x.rank
    const summed = [...new Set(axes.map((axis) => (axis < 0 ? axis + rank : axis)))].sort((p, q) => p - q)
    const shape = keepDims
      ? x.shape.map((size, axis) => (summed.includes(axis) ? 1 : size))
      : x.shape.filter((_, axis) => !summed.includes(axis))
    const entry = graph(`ReduceSum rank ${rank} axes ${summed} keep ${keepDims}`, () => ({
      inputs: [{ name: 'x', shape: x.shape.map(() => null) }],
      output: 'y',
      nodes: [{ op: 'ReduceSum', inputs: ['x', 'axes'], outputs: ['y'], attributes: { keepdims: keepDims ? 1 : 0 } }],
      int64Constants: { axes: summed },
    }))
    return run(entry, [x], shape) ?? defaultKernels.sum(x, axes, keepDims)
  }

  return {
    name: `onnxruntime ${runtime.version} (${threads} thread${threads === 1 ? '' : 's'})`,
    kernels,
    threads,
    version: runtime.version,
    sessionCount: () => graphs.size,
    dispose() {
      for (const entry of graphs.values()) entry.session?.dispose()
      graphs.clear()
    },
  }
}

/**
 * The filter gradient as one convolution, inside a single graph. With the input seen as a batch of
 * C images of N channels, and the output gradient as C_out filters of N channels and size (Ho, Wo)
 * dilated by the forward stride, a convolution with the forward dilation as its stride gives dW at
 * every kernel offset; offsets past the kernel size come from rows the strided forward never read
 * and are sliced off.
 */
function filterGradGraph(
  xShape: readonly number[],
  dyShape: readonly number[],
  filterShape: readonly number[],
  options: ConvOptions,
): GraphSpec {
  const [, , kh, kw] = filterShape
  const [, , ho, wo] = dyShape
  const [h, w] = [xShape[2] + 2 * options.padding[0], xShape[3] + 2 * options.padding[1]]
  const fullH = Math.floor((h - (ho - 1) * options.stride[0] - 1) / options.dilation[0]) + 1
  const fullW = Math.floor((w - (wo - 1) * options.stride[1] - 1) / options.dilation[1]) + 1
  const nodes: GraphNode[] = [
    { op: 'Transpose', inputs: ['x'], outputs: ['xt'], attributes: { perm: [1, 0, 2, 3] } },
    { op: 'Transpose', inputs: ['dy'], outputs: ['dyt'], attributes: { perm: [1, 0, 2, 3] } },
    {
      op: 'Conv',
      inputs: ['xt', 'dyt'],
      outputs: ['full'],
      attributes: {
        strides: [...options.dilation],
        dilations: [...options.stride],
        pads: pads(options),
        kernel_shape: [ho, wo],
      },
    },
  ]
  const int64Constants: Record<string, number[]> = {}
  let cut = 'full'
  if (fullH !== kh || fullW !== kw) {
    int64Constants.starts = [0, 0]
    int64Constants.ends = [kh, kw]
    int64Constants.axes = [2, 3]
    nodes.push({ op: 'Slice', inputs: ['full', 'starts', 'ends', 'axes'], outputs: ['cut'] })
    cut = 'cut'
  }
  nodes.push({ op: 'Transpose', inputs: [cut], outputs: ['dw'], attributes: { perm: [1, 0, 2, 3] } })
  return {
    inputs: [{ name: 'x', shape: xShape }, { name: 'dy', shape: dyShape }],
    output: 'dw',
    nodes,
    int64Constants,
  }
}
