import { createRequire } from 'node:module'
import { availableParallelism } from 'node:os'
import * as tf from '@tensorflow/tfjs-core'
import { defaultKernels, type KernelProvider, type Kernels } from '../../engine'
import { encodeGraph, type GraphNode, type GraphSpec } from './onnx-graph'
import { convGraph, convOutputShape, filterGradGraph, inputGradByCol2Im, inputGradGraph } from './conv-graphs'

/**
 * Note [onnxruntime as a kernel provider]
 * Under Node the tfjs wasm backend runs on one thread with 128-bit SIMD. onnxruntime-node ships
 * native CPU kernels (MLAS) inside its npm package, using every core and the CPU's widest vector
 * instructions. It has no autograd, so it serves only as a kernel provider under the engine. Each
 * heavy kernel (convolutions, their gradients, matrix products, large sums) becomes a small ONNX
 * graph, built once per shape and cached. On the wasm backend a call hands the operands over as views
 * of the wasm heap and onnxruntime writes the result in place, so nothing is copied. On the cpu
 * backend the operands are tfjs's own arrays and the result is copied back once. Layout changes a
 * kernel needs (the filter gradient's transposes) run inside the same graph, in native code.
 *
 * The binding's `run` is synchronous, as the engine's kernel interface requires. Its `loadModel`
 * returns a promise, but for sessions without JavaScript callbacks it finishes before returning, and
 * `load` checks that. Any kernel whose graph fails to load falls back to the tfjs kernel, once, with a warning.
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
  const ort = requirePackage('onnxruntime-node') as { Tensor: OrtTensorConstructor }
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
  /** Number of cached graphs: one per kernel and shape, plus the baked ones. */
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
 * Returns the wasm backend when it is the active one, so that operands go to onnxruntime as views of
 * its heap (dataSync would copy a slice) and results are written in place. Returns null otherwise.
 */
function wasmHeap(): WasmHeap | null {
  if (tf.getBackend() !== 'wasm') return null
  const backend = tf.backend() as unknown as Partial<WasmHeap>
  return typeof backend.typedArrayFromHeap === 'function' && typeof backend.makeOutput === 'function' ? (backend as WasmHeap) : null
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
    graphOptimizationLevel: 'all',
    executionMode: 'sequential',
    executionProviders: [{ name: 'cpu' }],
    enableCpuMemArena: true,
    extra: { session: { intra_op: { allow_spinning: '0' } } },
  }
  const graphs = new Map<string, CachedGraph>()

  /** Builds a session for a graph, or an entry without one (and a warning) when onnxruntime rejects it. */
  function load(key: string, spec: GraphSpec): CachedGraph {
    try {
      const bytes = encodeGraph(spec)
      const session = runtime.newSession()
      void session.loadModel(bytes.buffer as ArrayBuffer, bytes.byteOffset, bytes.byteLength, sessionOptions).catch(() => undefined)
      if (session.inputMetadata.length !== spec.inputs.length) throw new Error('the session did not load synchronously')
      return { session, inputNames: spec.inputs.map((input) => input.name), output: spec.output }
    } catch (error) {
      const reason = error instanceof Error ? error.message.split('\n')[0] : String(error)
      options.onFallback?.(`onnxruntime could not build the kernel ${key} (${reason}); the tfjs kernel serves it instead`)
      return { session: null, inputNames: [], output: '' }
    }
  }

  /** Returns the cached graph for a kernel and shape, building it on first use. */
  function graph(key: string, build: () => GraphSpec): CachedGraph {
    let entry = graphs.get(key)
    if (!entry) {
      entry = load(key, build())
      graphs.set(key, entry)
    }
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

  /**
   * Note [Baked weights]
   * A convolution whose weight is a graph constant runs about twice as fast (onnxruntime then
   * reorders it once into its blocked NCHWc layout), but building that graph costs a few
   * milliseconds. Training uses most weights several times between optimizer steps (D's second
   * convolution: three forwards), so a kernel bakes weights once it has seen one weight tensor
   * twice, and from then on bakes each new weight at its first use. tfjs tensors are immutable and
   * the optimizers make new ones, so a tensor's identity is the weight's version.
   */
  interface BakedKernel {
    /** True once a weight tensor came back: weights here are reused, so baking pays. */
    reuses: boolean
    /** Weight tensors seen lately, newest last. */
    seen: object[]
    /** Graphs by weight tensor, oldest first. */
    graphs: Map<object, CachedGraph>
  }
  const bakedKernels = new Map<string, BakedKernel>()
  const bakedPerKernel = 3

  function bakedFor(key: string, w: tf.Tensor, build: (weight: Float32Array) => GraphSpec): CachedGraph | null {
    if (w.dtype !== 'float32') return null
    const weight = w.dataId
    let kernel = bakedKernels.get(key)
    if (!kernel) {
      kernel = { reuses: false, seen: [], graphs: new Map() }
      bakedKernels.set(key, kernel)
    }
    const found = kernel.graphs.get(weight)
    if (found) return found.session ? found : null
    if (!kernel.reuses) {
      if (!kernel.seen.includes(weight)) {
        kernel.seen = [...kernel.seen.slice(-(bakedPerKernel - 1)), weight]
        return null
      }
      kernel.reuses = true
    }
    if (kernel.graphs.size >= bakedPerKernel) {
      const [oldest, entry] = kernel.graphs.entries().next().value as [object, CachedGraph]
      entry.session?.dispose()
      kernel.graphs.delete(oldest)
    }
    const entry = load(`${key} baked`, build(w.dataSync() as Float32Array))
    kernel.graphs.set(weight, entry)
    return entry.session ? entry : null
  }

  const kernels: Partial<Kernels> = {
    conv2d(x, w, convOptions) {
      const key = `conv2d ${x.shape} ${w.shape} ${convOptions.stride} ${convOptions.padding} ${convOptions.dilation}`
      const outputShape = convOutputShape(x.shape, w.shape, convOptions)
      const baked = bakedFor(key, w, (weight) => convGraph(x.shape, w.shape, convOptions, weight))
      if (baked) return run(baked, [x], outputShape) ?? defaultKernels.conv2d(x, w, convOptions)
      const entry = graph(key, () => convGraph(x.shape, w.shape, convOptions))
      return run(entry, [x, w], outputShape) ?? defaultKernels.conv2d(x, w, convOptions)
    },

    conv2dInputGrad(dy, w, inputShape, convOptions) {
      const key = `conv2dInputGrad ${dy.shape} ${w.shape} ${inputShape} ${convOptions.stride} ${convOptions.padding} ${convOptions.dilation}`
      // Col2Im needs opset 18; where this onnxruntime lacks it, ConvTranspose serves.
      let entry = graph(`${key} col2im`, () => inputGradByCol2Im(dy.shape, w.shape, inputShape, convOptions))
      if (!entry.session) entry = graph(key, () => inputGradGraph(dy.shape, w.shape, inputShape, convOptions))
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
    sessionCount: () => graphs.size + [...bakedKernels.values()].reduce((total, kernel) => total + kernel.graphs.size, 0),
    dispose() {
      for (const entry of graphs.values()) entry.session?.dispose()
      for (const kernel of bakedKernels.values()) for (const entry of kernel.graphs.values()) entry.session?.dispose()
      graphs.clear()
      bakedKernels.clear()
    },
  }
}
