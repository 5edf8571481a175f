import { K } from '../kernels'
import { record } from '../autograd/function'
import { type Tensor, normalizeDim, scalarHandle } from '../tensor'

export function relu(a: Tensor): Tensor {
  return record(K.relu(a.value), {
    name: 'ReluBackward0',
    inputs: [a],
    save: () => ['output'],
    backward: (g, [out]) => [K.mul(g, K.step(out, 0))],
  })
}

export function leakyRelu(a: Tensor, negativeSlope = 0.01): Tensor {
  return record(K.leakyRelu(a.value, negativeSlope), {
    name: 'LeakyReluBackward0',
    inputs: [a],
    save: () => [a],
    // The slope applies where x <= 0, as in PyTorch's leaky_relu_backward.
    backward: (g, [x]) => [K.mul(g, K.step(x, negativeSlope))],
  })
}

export function sigmoid(a: Tensor): Tensor {
  return record(K.sigmoid(a.value), {
    name: 'SigmoidBackward0',
    inputs: [a],
    save: () => ['output'],
    // d sigmoid = s * (1 - s)
    backward: (g, [s]) => [K.mul(g, K.mul(s, K.sub(scalarHandle(1), s)))],
  })
}

export function tanh(a: Tensor): Tensor {
  return record(K.tanh(a.value), {
    name: 'TanhBackward0',
    inputs: [a],
    save: () => ['output'],
    // d tanh = 1 - t^2
    backward: (g, [t]) => [K.mul(g, K.sub(scalarHandle(1), K.square(t)))],
  })
}

/**
 * softplus(x) = log(1 + exp(beta * x)) / beta, and x itself where beta * x > threshold (PyTorch's
 * rule for numerical stability).
 */
export function softplus(a: Tensor, beta = 1, threshold = 20): Tensor {
  const x = a.value
  const scaled = beta === 1 ? x : K.mul(x, scalarHandle(beta))
  const smooth = K.softplus(scaled)
  const curve = beta === 1 ? smooth : K.div(smooth, scalarHandle(beta))
  const linear = K.greater(scaled, scalarHandle(threshold))
  const out = K.where(linear, x, curve)
  for (const handle of new Set([scaled, smooth, curve, linear])) if (handle !== x && handle !== out) handle.dispose()
  return record(out, {
    name: 'SoftplusBackward0',
    inputs: [a],
    save: () => [a],
    backward: (g, [input]) => {
      const z = K.mul(input, scalarHandle(beta))
      const slope = K.where(K.greater(z, scalarHandle(threshold)), K.fill(z.shape, 1, 'float32'), K.sigmoid(z))
      return [K.mul(g, slope)]
    },
  })
}

export function logSoftmax(a: Tensor, dim: number): Tensor {
  const axis = normalizeDim(dim, a.ndim)
  return record(K.logSoftmax(a.value, axis), {
    name: 'LogSoftmaxBackward0',
    inputs: [a],
    save: () => ['output'],
    // d/dx = g - softmax * sum(g)
    backward: (g, [out]) => [K.sub(g, K.mul(K.exp(out), K.sum(g, [axis], true)))],
  })
}

export function softmax(a: Tensor, dim: number): Tensor {
  const axis = normalizeDim(dim, a.ndim)
  const logits = K.logSoftmax(a.value, axis)
  const probabilities = K.exp(logits)
  logits.dispose()
  return record(probabilities, {
    name: 'SoftmaxBackward0',
    inputs: [a],
    save: () => ['output'],
    // d/dx = s * (g - sum(g * s))
    backward: (g, [s]) => [K.mul(s, K.sub(g, K.sum(K.mul(g, s), [axis], true)))],
  })
}
