import type { Kernels } from '../../engine'
import type { GraphNode, GraphSpec } from './onnx-graph'

/**
 * ONNX graphs for the engine's convolution kernels, in the engine's layouts: activations NCHW,
 * weights (O, C, kH, kW). A conv2d graph with a "baked" weight carries it as a constant. onnxruntime
 * then reorders it once into its blocked NCHWc layout and runs its direct convolution, which measured
 * about twice as fast as taking the weight as an input (docs/speed.md).
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

/** Builds a conv2d graph that takes the weight as an input, or carries `baked` as a constant. */
export function convGraph(x: Shape, w: Shape, options: ConvOptions, baked?: Float32Array): GraphSpec {
  return {
    inputs: baked ? [{ name: 'x', shape: x }] : [{ name: 'x', shape: x }, { name: 'w', shape: w }],
    output: 'y',
    nodes: [{ op: 'Conv', inputs: ['x', 'w'], outputs: ['y'], attributes: convAttributes(options, w) }],
    floatTensors: baked ? { w: { shape: w, values: baked } } : undefined,
  }
}

/**
 * Builds the conv2d input gradient as a transposed convolution. ConvTranspose's weight layout is
 * (C_in of the transposed conv, C_out, kH, kW), so the forward conv's (O, C, kH, kW) weight fits as
 * it is. output_padding makes the result exactly the forward input's size.
 */
export function inputGradGraph(dy: Shape, w: Shape, inputShape: Shape, options: ConvOptions): GraphSpec {
  const outputPadding = [0, 1].map((axis) => {
    const natural = (dy[axis + 2] - 1) * options.stride[axis] - 2 * options.padding[axis] + options.dilation[axis] * (w[axis + 2] - 1) + 1
    return inputShape[axis + 2] - natural
  })
  return {
    inputs: [{ name: 'dy', shape: dy }, { name: 'w', shape: w }],
    output: 'dx',
    nodes: [
      {
        op: 'ConvTranspose',
        inputs: ['dy', 'w'],
        outputs: ['dx'],
        attributes: { ...convAttributes(options, w), output_padding: outputPadding },
      },
    ],
  }
}

/**
 * Builds the conv2d input gradient as one matrix product and a Col2Im. The product wᵀ·dy gives
 * C·kH·kW values per output position for the whole batch, and Col2Im scatters them onto the input
 * grid. One batch-wide product stays efficient even with one output channel (a generator's last
 * layer), where onnxruntime's ConvTranspose measured a few GFLOP/s.
 */
export function inputGradByCol2Im(dy: Shape, w: Shape, inputShape: Shape, options: ConvOptions): GraphSpec {
  const [n, o, ho, wo] = dy
  const [, c, kh, kw] = w
  const positions = ho * wo
  return {
    opset: 18,
    inputs: [{ name: 'dy', shape: dy }, { name: 'w', shape: w }],
    output: 'dx',
    nodes: [
      { op: 'Reshape', inputs: ['dy', 'dyRows'], outputs: ['dy3'] },
      { op: 'Transpose', inputs: ['dy3'], outputs: ['dyT'], attributes: { perm: [1, 0, 2] } },
      { op: 'Reshape', inputs: ['dyT', 'dyMatrix'], outputs: ['dyM'] },
      { op: 'Reshape', inputs: ['w', 'wMatrix'], outputs: ['wM'] },
      { op: 'Gemm', inputs: ['wM', 'dyM'], outputs: ['columns'], attributes: { transA: 1 } },
      { op: 'Reshape', inputs: ['columns', 'columnsShape'], outputs: ['columns3'] },
      { op: 'Transpose', inputs: ['columns3'], outputs: ['columnsN'], attributes: { perm: [1, 0, 2] } },
      {
        op: 'Col2Im',
        inputs: ['columnsN', 'image', 'block'],
        outputs: ['dx'],
        attributes: { strides: [...options.stride], pads: pads(options), dilations: [...options.dilation] },
      },
    ],
    int64Constants: {
      dyRows: [n, o, positions],
      dyMatrix: [o, n * positions],
      wMatrix: [o, c * kh * kw],
      columnsShape: [c * kh * kw, n, positions],
      image: [inputShape[2], inputShape[3]],
      block: [kh, kw],
    },
  }
}

/**
 * Builds the filter gradient as one convolution in a single graph. The input is seen as a batch of
 * C images of N channels, and the output gradient as C_out filters of N channels and size (Ho, Wo),
 * dilated by the forward stride. A convolution with the forward dilation as its stride then gives dW
 * at every kernel offset. Offsets past the kernel size come from rows the strided forward never read,
 * so they are sliced off.
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
