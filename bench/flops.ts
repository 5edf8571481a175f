/** FLOP counts of the engine's matrix kernels, for the benchmark's GFLOP/s figures. */

type Shape = readonly number[]

/** Multiply-adds times two, the usual FLOP count, for the kernels that do matrix work. */
export function kernelFlops(name: string, args: unknown[]): number {
  const shape = (index: number): Shape => (args[index] as { shape: Shape }).shape
  const product = (values: Shape): number => values.reduce((total, value) => total * value, 1)
  switch (name) {
    case 'conv2d': {
      // Output positions times one dot product of C_in * kH * kW.
      const [n, , h, w] = shape(0)
      const [o, c, kh, kw] = shape(1)
      const options = args[2] as { stride: number[]; padding: number[]; dilation: number[] }
      const out = (size: number, k: number, axis: number): number =>
        Math.floor((size + 2 * options.padding[axis] - options.dilation[axis] * (k - 1) - 1) / options.stride[axis]) + 1
      return 2 * n * o * out(h, kh, 0) * out(w, kw, 1) * c * kh * kw
    }
    case 'conv2dInputGrad':
      // The same multiply-adds as the forward convolution that made dy.
      return 2 * product(shape(0)) * product(shape(1).slice(1))
    case 'conv2dFilterGrad':
      return 2 * product(shape(1)) * product((args[2] as Shape).slice(1))
    case 'matMul': {
      const a = shape(0)
      const b = shape(1)
      const rows = args[2] ? a[a.length - 1] : a[a.length - 2]
      const inner = args[2] ? a[a.length - 2] : a[a.length - 1]
      const cols = args[3] ? b[b.length - 2] : b[b.length - 1]
      const batch = Math.max(product(a.slice(0, -2)), product(b.slice(0, -2)))
      return 2 * batch * rows * inner * cols
    }
    default:
      return 0
  }
}

