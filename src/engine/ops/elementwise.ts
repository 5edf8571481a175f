import type { Handle } from '../tf'
import { K } from '../kernels'
import { record } from '../autograd/function'
import { type Dtype, type Tensor, type TensorLike, fromHandle, scalarHandle, withOperand } from '../tensor'
import { broadcastShapes, unbroadcast } from './broadcast'

type Operand = { tensor: Tensor | null; value: number; shape: number[] }

function operand(x: TensorLike): Operand {
  return typeof x === 'number' ? { tensor: null, value: x, shape: [] } : { tensor: x, value: NaN, shape: x.shape }
}

/** Handle of an operand inside backward: the saved tensor value, or a cached scalar. */
function operandHandle(x: Operand, saved: Handle | undefined): Handle {
  return x.tensor ? (saved as Handle) : scalarHandle(x.value)
}

/** The saved values of two operands that were saved in order, skipping numbers (which are not saved). */
function savedOperands(x: Operand, y: Operand, saved: Handle[]): [Handle | undefined, Handle | undefined] {
  const first = x.tensor ? saved[0] : undefined
  const yIndex = x.tensor ? 1 : 0
  const second = y.tensor ? saved[yIndex] : undefined
  return [first, second]
}

/** `b * alpha`, folded into the number when `b` is one. */
function scaleOperand(b: TensorLike, alpha: number): TensorLike {
  if (alpha === 1) return b
  if (typeof b === 'number') return b * alpha
  return mul(b, alpha)
}

function binary(a: TensorLike, b: TensorLike, kernel: (x: Handle, y: Handle) => Handle): Handle {
  return withOperand(a, (x) => withOperand(b, (y) => {
    if (x.dtype !== y.dtype) {
      // Promote int32 and bool to float32, as PyTorch promotes integer tensors with float operands.
      return kernel(x.dtype === 'float32' ? x : K.cast(x, 'float32'), y.dtype === 'float32' ? y : K.cast(y, 'float32'))
    }
    return kernel(x, y)
  }))
}

export function add(a: TensorLike, b: TensorLike, alpha = 1): Tensor {
  const scaled = scaleOperand(b, alpha)
  const x = operand(a)
  const y = operand(scaled)
  broadcastShapes(x.shape, y.shape)
  return record(binary(a, scaled, K.add), {
    name: 'AddBackward0',
    inputs: [x.tensor, y.tensor],
    backward: (g, _saved, needs) => [
      needs[0] ? unbroadcast(g, x.shape) : null,
      needs[1] ? unbroadcast(g, y.shape) : null,
    ],
  })
}

export function sub(a: TensorLike, b: TensorLike, alpha = 1): Tensor {
  const scaled = scaleOperand(b, alpha)
  const x = operand(a)
  const y = operand(scaled)
  broadcastShapes(x.shape, y.shape)
  return record(binary(a, scaled, K.sub), {
    name: x.tensor ? 'SubBackward0' : 'RsubBackward1',
    inputs: [x.tensor, y.tensor],
    backward: (g, _saved, needs) => [
      needs[0] ? unbroadcast(g, x.shape) : null,
      needs[1] ? unbroadcast(K.neg(g), y.shape) : null,
    ],
  })
}

export function mul(a: TensorLike, b: TensorLike): Tensor {
  const x = operand(a)
  const y = operand(b)
  broadcastShapes(x.shape, y.shape)
  return record(binary(a, b, K.mul), {
    name: 'MulBackward0',
    inputs: [x.tensor, y.tensor],
    // Each input's gradient needs the other input; numbers are not saved, they are re-made as scalars.
    save: () => [x.tensor, y.tensor].filter((t): t is Tensor => t !== null),
    backward: (g, saved, needs) => {
      const [xs, ys] = savedOperands(x, y, saved)
      return [
        needs[0] ? unbroadcast(K.mul(g, operandHandle(y, ys)), x.shape) : null,
        needs[1] ? unbroadcast(K.mul(g, operandHandle(x, xs)), y.shape) : null,
      ]
    },
  })
}

export function div(a: TensorLike, b: TensorLike): Tensor {
  const x = operand(a)
  const y = operand(b)
  broadcastShapes(x.shape, y.shape)
  return record(binary(a, b, K.div), {
    name: 'DivBackward0',
    inputs: [x.tensor, y.tensor],
    save: () => [x.tensor, y.tensor].filter((t): t is Tensor => t !== null),
    backward: (g, saved, needs) => {
      const [xs, ys] = savedOperands(x, y, saved)
      const denominator = operandHandle(y, ys)
      return [
        needs[0] ? unbroadcast(K.div(g, denominator), x.shape) : null,
        // d(x / y)/dy = -x / y^2
        needs[1]
          ? unbroadcast(K.neg(K.div(K.mul(g, operandHandle(x, xs)), K.square(denominator))), y.shape)
          : null,
      ]
    },
  })
}

export function neg(a: Tensor): Tensor {
  return record(K.neg(a.value), {
    name: 'NegBackward0',
    inputs: [a],
    backward: (g) => [K.neg(g)],
  })
}

export function pow(a: TensorLike, b: TensorLike): Tensor {
  const x = operand(a)
  const y = operand(b)
  broadcastShapes(x.shape, y.shape)
  // PyTorch: tensor ** number, tensor ** tensor, number ** tensor.
  let name = 'PowBackward2'
  if (!y.tensor) name = 'PowBackward0'
  else if (x.tensor) name = 'PowBackward1'
  return record(binary(a, b, K.pow), {
    name,
    inputs: [x.tensor, y.tensor],
    save: () => [...[x.tensor, y.tensor].filter((t): t is Tensor => t !== null), 'output'],
    backward: (g, saved, needs) => {
      const [savedX, savedY] = savedOperands(x, y, saved)
      const xs = operandHandle(x, savedX)
      const ys = operandHandle(y, savedY)
      const out = saved[saved.length - 1]
      let gradX: Handle | null = null
      if (needs[0]) {
        // d(x^y)/dx = y * x^(y-1); PyTorch returns 0 where y == 0, even at x == 0.
        const raw = K.mul(ys, K.pow(xs, K.sub(ys, scalarHandle(1))))
        const safe = K.where(K.equal(ys, scalarHandle(0)), K.fill(raw.shape, 0, 'float32'), raw)
        gradX = unbroadcast(K.mul(g, safe), x.shape)
      }
      let gradY: Handle | null = null
      if (needs[1]) {
        // d(x^y)/dy = x^y * log(x), taken as 0 where x == 0 and y >= 0, as PyTorch does.
        const raw = K.mul(out, K.log(xs))
        const zeroBase = K.equal(xs, scalarHandle(0))
        const safe = K.where(zeroBase, K.fill(raw.shape, 0, 'float32'), raw)
        gradY = unbroadcast(K.mul(g, safe), y.shape)
      }
      return [gradX, gradY]
    },
  })
}

function unary(
  name: string,
  a: Tensor,
  forward: (x: Handle) => Handle,
  saveWhat: 'input' | 'output' | 'none',
  backward: (g: Handle, saved: Handle) => Handle,
): Tensor {
  return record(forward(a.value), {
    name,
    inputs: [a],
    save: saveWhat === 'none' ? undefined : () => [saveWhat === 'input' ? a : 'output'],
    backward: (g, saved) => [backward(g, saved[0])],
  })
}

export function exp(a: Tensor): Tensor {
  return unary('ExpBackward0', a, K.exp, 'output', (g, out) => K.mul(g, out))
}

export function log(a: Tensor): Tensor {
  return unary('LogBackward0', a, K.log, 'input', (g, x) => K.div(g, x))
}

export function sqrt(a: Tensor): Tensor {
  return unary('SqrtBackward0', a, K.sqrt, 'output', (g, out) => K.div(g, K.mul(out, scalarHandle(2))))
}

export function abs(a: Tensor): Tensor {
  return unary('AbsBackward0', a, K.abs, 'input', (g, x) => K.mul(g, K.sign(x)))
}

/** Clamps to [min, max]; the gradient passes where min <= x <= max, as in PyTorch. */
export function clamp(a: Tensor, min: number | null, max: number | null): Tensor {
  const low = min ?? -Infinity
  const high = max ?? Infinity
  return unary('ClampBackward1', a, (x) => K.clip(x, low, high), 'input', (g, x) => {
    const inside = K.mul(
      K.cast(K.greaterEqual(x, scalarHandle(low)), 'float32'),
      K.cast(K.lessEqual(x, scalarHandle(high)), 'float32'),
    )
    return K.mul(g, inside)
  })
}

/** Element-wise maximum; where the inputs tie, each gets half the gradient, as in PyTorch. */
export function maximum(a: Tensor, b: Tensor): Tensor {
  return minMax('MaximumBackward0', a, b, K.maximum, K.greater)
}

export function minimum(a: Tensor, b: Tensor): Tensor {
  return minMax('MinimumBackward0', a, b, K.minimum, K.less)
}

function minMax(
  name: string,
  a: Tensor,
  b: Tensor,
  kernel: (x: Handle, y: Handle) => Handle,
  wins: (x: Handle, y: Handle) => Handle,
): Tensor {
  broadcastShapes(a.shape, b.shape)
  return record(kernel(a.value, b.value), {
    name,
    inputs: [a, b],
    save: () => [a, b],
    backward: (g, [x, y], needs) => {
      const half = scalarHandle(0.5)
      const tie = K.mul(K.cast(K.equal(x, y), 'float32'), half)
      const shareX = K.add(K.cast(wins(x, y), 'float32'), tie)
      const shareY = K.add(K.cast(wins(y, x), 'float32'), tie)
      return [
        needs[0] ? unbroadcast(K.mul(g, shareX), a.shape) : null,
        needs[1] ? unbroadcast(K.mul(g, shareY), b.shape) : null,
      ]
    },
  })
}

export type Comparison = 'greater' | 'greaterEqual' | 'less' | 'lessEqual' | 'equal'

/** Element-wise comparison; the result is a bool tensor outside the graph. */
export function compare(kind: Comparison, a: Tensor, b: TensorLike): Tensor {
  return fromHandle(binary(a, b, K[kind]), null, false)
}

export function clone(a: Tensor): Tensor {
  return record(K.clone(a.value), {
    name: 'CloneBackward0',
    inputs: [a],
    backward: (g) => [g],
  })
}

export function cast(a: Tensor, dtype: Dtype): Tensor {
  if (a.dtype === dtype) return a
  return record(K.cast(a.value, dtype), {
    name: 'ToCopyBackward0',
    inputs: dtype === 'float32' ? [a] : [null],
    backward: (g) => [g],
  })
}
