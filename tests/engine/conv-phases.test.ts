import * as tf from '@tensorflow/tfjs-core'
import { beforeAll, describe, expect, it } from 'vitest'
import { expectClose, startEngine } from '../helpers/engine'
import { inputGradByPhases } from '../../src/engine/kernels/conv-phases'

beforeAll(startEngine)

/** The backend's own Conv2DBackpropInput in NCHW, as the reference. */
function reference(dy: tf.Tensor, w: tf.Tensor, inputShape: number[], stride: number, padding: number): tf.Tensor {
  return tf.tidy(() => {
    const [n, c, h, width] = inputShape
    const dx = tf.engine().runKernel('Conv2DBackpropInput', { dy: tf.transpose(dy, [0, 2, 3, 1]), filter: tf.transpose(w, [2, 3, 1, 0]) }, {
      strides: [stride, stride],
      pad: [[0, 0], [padding, padding], [padding, padding], [0, 0]],
      dataFormat: 'NHWC',
      inputShape: [n, h, width, c],
    }) as tf.Tensor
    return tf.transpose(dx, [0, 3, 1, 2])
  })
}

const cases = [
  { name: 'DCGAN k4 s2 p1', c: 3, o: 5, k: 4, s: 2, p: 1, h: 8 },
  { name: 'k3 s1 p1', c: 2, o: 4, k: 3, s: 1, p: 1, h: 6 },
  { name: 'k5 s2 p2', c: 2, o: 3, k: 5, s: 2, p: 2, h: 10 },
  { name: 'k3 s2 p1', c: 2, o: 3, k: 3, s: 2, p: 1, h: 8 },
  { name: 'k4 s2 p0', c: 1, o: 2, k: 4, s: 2, p: 0, h: 10 },
  { name: 'k2 s2 p0', c: 2, o: 2, k: 2, s: 2, p: 0, h: 6 },
  { name: 'k1 s2 p0', c: 2, o: 2, k: 1, s: 2, p: 0, h: 6 },
  { name: 'k4 s4 p0', c: 2, o: 3, k: 4, s: 4, p: 0, h: 8 },
]

describe('conv input gradient by phases', () => {
  for (const { name, c, o, k, s, p, h } of cases) {
    it(`matches the backend kernel: ${name}`, () => {
      const ho = Math.floor((h + 2 * p - k) / s) + 1
      const dy = tf.randomNormal([2, o, ho, ho], 0, 1, 'float32', 1)
      const w = tf.randomNormal([o, c, k, k], 0, 1, 'float32', 2)
      const expected = reference(dy, w, [2, c, h, h], s, p)
      const before = tf.memory().numTensors
      const actual = inputGradByPhases(dy, w, [2, c, h, h], { stride: [s, s], padding: [p, p], dilation: [1, 1] })
      expect(actual).not.toBeNull()
      expect(actual!.shape).toEqual(expected.shape)
      expectClose(actual!.dataSync(), expected.dataSync(), 1e-4, 1e-4)
      actual!.dispose()
      expect(tf.memory().numTensors).toBe(before)
      tf.dispose([dy, w, expected])
    })
  }

  it('declines sizes not divisible by the stride', () => {
    const dy = tf.zeros([1, 1, 3, 3])
    const w = tf.zeros([1, 1, 3, 3])
    expect(inputGradByPhases(dy, w, [1, 1, 7, 7], { stride: [2, 2], padding: [1, 1], dilation: [1, 1] })).toBeNull()
    tf.dispose([dy, w])
  })
})
