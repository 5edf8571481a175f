import type { Kernels } from '../../engine'
import type { GraphNode, GraphSpec } from './onnx-graph'

/**
 * ONNX graphs for the engine's convolution kernels. Layouts are the engine's: activations NCHW,
 * weights (O, C, kH, kW). The "baked" variants carry the weight as a constant, which lets
 * onnxruntime reorder it once into its blocked NCHWc layout and run its direct convolution, about
 * twice as fast as the generic path that takes the weight as an input (docs/benchmarks.md).
 */

export type ConvOptions = Parameters<Kernels['conv2d']>[2]
type Shape = readonly number[]

function pads(options: ConvOptions): number[] {
  const [ph, pw] = options.padding
  return [ph, pw, ph, pw]
}

function convAttributes(options: ConvOptions, kernel: Shape): Record<string, number[]> {
  return { strides: [...options.stride], pads: pads(options), dilations: [...options.dilation], kernel_shape: [kernel[2], kernel[3]] }
}

export function convOutputShape(x: Shape, w: Shape, options: ConvOptions): number[] {
  const size = (axis: number): number => {
    const span = options.dilation[axis] * (w[axis + 2] - 1) + 1
    return Math.floor((x[axis + 2] + 2 * options.padding[axis] - span) / options.stride[axis]) + 1
  }
  return [x[0], w[0], size(0), size(1)]
}

/** conv2d with the weight as an input (`baked` absent) or as a constant. */
export function convGraph(x: Shape, w: Shape, options: ConvOptions, baked?: Float32Array): GraphSpec {
  return {
    inputs: baked ? [{ name: 'x', shape: x }] : [{ name: 'x', shape: x }, { name: 'w', shape: w }],
    output: 'y',
    nodes: [{ op: 'Conv', inputs: ['x', 'w'], outputs: ['y'], attributes: convAttributes(options, w) }],
    floatTensors: baked ? { w: { shape: w, values: baked } } : undefined,
  }
}

/**
 * The conv2d input gradient as a transposed convolution. ConvTranspose's weight is (C_in of the
 * transposed conv, C_out, kH, kW), the forward conv's (O, C, kH, kW) as it is; output_padding makes
 * the result exactly the forward input's size.
 */
export function inputGradGraph(dy: Shape, w: Shape, inputShape: Shape, options: ConvOptions, baked?: Float32Array): GraphSpec {
  const outputPadding = [0, 1].map((axis) => {
    const natural = (dy[axis + 2] - 1) * options.stride[axis] - 2 * options.padding[axis] + options.dilation[axis] * (w[axis + 2] - 1) + 1
    return inputShape[axis + 2] - natural
  })
  return {
    inputs: baked ? [{ name: 'dy', shape: dy }] : [{ name: 'dy', shape: dy }, { name: 'w', shape: w }],
    output: 'dx',
    nodes: [
      {
        op: 'ConvTranspose',
        inputs: ['dy', 'w'],
        outputs: ['dx'],
        attributes: { ...convAttributes(options, w), output_padding: outputPadding },
      },
    ],
    floatTensors: baked ? { w: { shape: w, values: baked } } : undefined,
  }
}

interface Phase {
  /** Kernel rows (or columns) of this phase, flipped: r + stride * (taps - 1 - t). */
  taps: number[]
  /** Padding before and after, so the stride-1 convolution covers exactly this phase's rows. */
  before: number
  after: number
}

/** See Note [Transposed convolution by phases] in src/engine/kernels/conv-phases.ts. */
function phase(residue: number, stride: number, padding: number, kernel: number, inputSize: number, outputSize: number): Phase | null {
  const r = (residue + padding) % stride
  const first = Math.ceil((padding - r) / stride)
  const last = Math.floor((inputSize - 1 + padding - r) / stride)
  const count = Math.max(0, Math.ceil((kernel - r) / stride))
  const before = count - 1 - first
  const after = last - (outputSize - 1)
  if (count === 0 || before < 0 || after < 0 || last - first + 1 !== inputSize / stride) return null
  return { taps: Array.from({ length: count }, (_, t) => r + stride * (count - 1 - t)), before, after }
}

/**
 * The conv2d input gradient with a constant weight, as one stride-1 convolution per output phase
 * (each on onnxruntime's fast path) interleaved by DepthToSpace. Returns null where the shape does
 * not allow it (unequal strides, dilation, sizes not a multiple of the stride, a phase that needs
 * cropping); the caller then bakes the weight into a ConvTranspose instead.
 */
export function bakedInputGradByPhases(dy: Shape, w: Shape, inputShape: Shape, options: ConvOptions, weight: Float32Array): GraphSpec | null {
  const [, , kh, kw] = w
  const stride = options.stride[0]
  if (options.stride[1] !== stride || stride < 2 || options.dilation.some((d) => d !== 1)) return null
  if (inputShape[2] % stride !== 0 || inputShape[3] % stride !== 0) return null
  const nodes: GraphNode[] = []
  const int64Constants: Record<string, number[]> = {}
  const outputs: string[] = []
  // Phases in row-major order of the input residue, the channel order DepthToSpace's DCR mode reads.
  for (let my = 0; my < stride; my++) {
    const rows = phase(my, stride, options.padding[0], kh, inputShape[2], dy[2])
    for (let mx = 0; mx < stride; mx++) {
      const cols = phase(mx, stride, options.padding[1], kw, inputShape[3], dy[3])
      if (!rows || !cols) return null
      // Sub-kernel as a conv weight from O to C channels: w[:, :, rows.taps, cols.taps] with its
      // first two axes swapped. These nodes act on the constant only, so onnxruntime folds them
      // into a constant weight when it loads the graph.
      const id = `${my}_${mx}`
      int64Constants[`rows${id}`] = rows.taps
      int64Constants[`cols${id}`] = cols.taps
      nodes.push(
        { op: 'Gather', inputs: ['w', `rows${id}`], outputs: [`wr${id}`], attributes: { axis: 2 } },
        { op: 'Gather', inputs: [`wr${id}`, `cols${id}`], outputs: [`wrc${id}`], attributes: { axis: 3 } },
        { op: 'Transpose', inputs: [`wrc${id}`], outputs: [`sub${id}`], attributes: { perm: [1, 0, 2, 3] } },
        {
          op: 'Conv',
          inputs: ['dy', `sub${id}`],
          outputs: [`p${id}`],
          attributes: { kernel_shape: [rows.taps.length, cols.taps.length], pads: [rows.before, cols.before, rows.after, cols.after] },
        },
      )
      outputs.push(`p${id}`)
    }
  }
  nodes.push({ op: 'Concat', inputs: outputs, outputs: ['phases'], attributes: { axis: 1 } })
  nodes.push({ op: 'DepthToSpace', inputs: ['phases'], outputs: ['dx'], attributes: { blocksize: stride, mode: 'DCR' } })
  return { inputs: [{ name: 'dy', shape: dy }], output: 'dx', nodes, int64Constants, floatTensors: { w: { shape: w, values: weight } } }
}

/**
 * The filter gradient as one convolution, inside a single graph. With the input seen as a batch of
 * C images of N channels, and the output gradient as C_out filters of N channels and size (Ho, Wo)
 * dilated by the forward stride, a convolution with the forward dilation as its stride gives dW at
 * every kernel offset; offsets past the kernel size come from rows the strided forward never read
 * and are sliced off.
 */
export function filterGradGraph(xShape: Shape, dyShape: Shape, filterShape: Shape, options: ConvOptions): GraphSpec {
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
