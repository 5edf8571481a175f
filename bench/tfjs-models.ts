/**
 * The benchmark's GANs written in plain TensorFlow.js (NHWC, tf.variableGrads, tf.train.adam), the way
 * a tfjs user would write them, as the reference for the engine's overhead on the same backend.
 */
import * as tf from '@tensorflow/tfjs'

type Vars = Record<string, tf.Variable>

function normal(shape: number[], std: number): tf.Variable {
  return tf.variable(tf.randomNormal(shape, 0, std))
}

function batchNorm(x: tf.Tensor, axes: number[], gamma: tf.Variable, beta: tf.Variable): tf.Tensor {
  const { mean, variance } = tf.moments(x, axes, true)
  return tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, 1e-5))), gamma), beta)
}

export interface PlainGan {
  G: Vars
  D: Vars
  generate(z: tf.Tensor): tf.Tensor
  discriminate(x: tf.Tensor): tf.Tensor
}

export function plainMlp(latent: number, width: number, features: number): PlainGan {
  const G: Vars = {
    w1: normal([latent, width], 0.05), b1: tf.variable(tf.zeros([width])),
    w2: normal([width, width], 0.05), b2: tf.variable(tf.zeros([width])),
    w3: normal([width, features], 0.05), b3: tf.variable(tf.zeros([features])),
  }
  const D: Vars = {
    w1: normal([features, width], 0.05), b1: tf.variable(tf.zeros([width])),
    w2: normal([width, width], 0.05), b2: tf.variable(tf.zeros([width])),
    w3: normal([width, 1], 0.05), b3: tf.variable(tf.zeros([1])),
  }
  return {
    G,
    D,
    generate: (z) => {
      const h1 = tf.relu(tf.add(tf.matMul(z, G.w1), G.b1))
      const h2 = tf.relu(tf.add(tf.matMul(h1, G.w2), G.b2))
      return tf.tanh(tf.add(tf.matMul(h2, G.w3), G.b3))
    },
    discriminate: (x) => {
      const flat = tf.reshape(x, [x.shape[0], -1])
      const h1 = tf.leakyRelu(tf.add(tf.matMul(flat, D.w1), D.b1), 0.2)
      const h2 = tf.leakyRelu(tf.add(tf.matMul(h1, D.w2), D.b2), 0.2)
      return tf.reshape(tf.add(tf.matMul(h2, D.w3), D.b3), [-1])
    },
  }
}

const pad1: [[number, number], [number, number], [number, number], [number, number]] = [[0, 0], [1, 1], [1, 1], [0, 0]]

/** DCGAN for 28x28 in NHWC: G dense to 7x7x(2w), two stride-2 transposed convs; D two stride-2 convs, dense. */
export function plainDcgan(latent: number, width: number): PlainGan {
  const f = 2 * width
  const G: Vars = {
    w0: normal([latent, f * 49], 0.02), b0: tf.variable(tf.zeros([f * 49])),
    g0: tf.variable(tf.ones([f * 49])), be0: tf.variable(tf.zeros([f * 49])),
    k1: normal([4, 4, width, f], 0.02), g1: tf.variable(tf.ones([width])), be1: tf.variable(tf.zeros([width])),
    k2: normal([4, 4, 1, width], 0.02), b2: tf.variable(tf.zeros([1])),
  }
  const D: Vars = {
    k1: normal([4, 4, 1, width], 0.02), b1: tf.variable(tf.zeros([width])),
    k2: normal([4, 4, width, f], 0.02), g2: tf.variable(tf.ones([f])), be2: tf.variable(tf.zeros([f])),
    w3: normal([f * 49, 1], 0.02), b3: tf.variable(tf.zeros([1])),
  }
  return {
    G,
    D,
    generate: (z) => {
      const n = z.shape[0]
      const h0 = tf.relu(batchNorm(tf.add(tf.matMul(z, G.w0), G.b0), [0], G.g0, G.be0))
      const x0 = tf.reshape(h0, [n, 7, 7, f]) as tf.Tensor4D
      const x1 = tf.conv2dTranspose(x0, G.k1 as tf.Tensor4D, [n, 14, 14, width], 2, pad1 as never)
      const h1 = tf.relu(batchNorm(x1, [0, 1, 2], G.g1, G.be1)) as tf.Tensor4D
      const x2 = tf.conv2dTranspose(h1, G.k2 as tf.Tensor4D, [n, 28, 28, 1], 2, pad1 as never)
      return tf.tanh(tf.add(x2, G.b2))
    },
    discriminate: (x) => {
      const n = x.shape[0]
      const h1 = tf.leakyRelu(tf.add(tf.conv2d(x as tf.Tensor4D, D.k1 as tf.Tensor4D, 2, pad1), D.b1), 0.2) as tf.Tensor4D
      const x2 = tf.conv2d(h1, D.k2 as tf.Tensor4D, 2, pad1)
      const h2 = tf.leakyRelu(batchNorm(x2, [0, 1, 2], D.g2, D.be2), 0.2)
      return tf.reshape(tf.add(tf.matMul(tf.reshape(h2, [n, -1]), D.w3), D.b3), [-1])
    },
  }
}

/** One D step on detached fakes, then one G step, with two Adam optimizers; returns nothing. */
export function plainStepper(gan: PlainGan, latent: number, batch: number, imageShape: number[]): () => void {
  const optG = tf.train.adam(2e-4, 0.5, 0.999)
  const optD = tf.train.adam(2e-4, 0.5, 0.999)
  const real = tf.keep(tf.randomUniform([batch, ...imageShape], -1, 1))
  const gList = Object.values(gan.G)
  const dList = Object.values(gan.D)
  const bce = (logits: tf.Tensor, target: number): tf.Scalar =>
    tf.losses.sigmoidCrossEntropy(tf.fill(logits.shape, target), logits) as tf.Scalar
  return () => {
    tf.tidy(() => {
      const fake = tf.tidy(() => gan.generate(tf.randomNormal([batch, latent])))
      const d = tf.variableGrads(() => tf.add(bce(gan.discriminate(real), 1), bce(gan.discriminate(fake), 0)) as tf.Scalar, dList)
      optD.applyGradients(d.grads as never)
      const g = tf.variableGrads(() => bce(gan.discriminate(gan.generate(tf.randomNormal([batch, latent]))), 1), gList)
      optG.applyGradients(g.grads as never)
      d.value.dataSync()
      g.value.dataSync()
    })
  }
}
