import { EngineError } from '../errors'
import { K } from '../kernels'
import { record } from '../autograd/function'
import type { Tensor } from '../tensor'
import { defaultGenerator, type Generator } from '../random'

export function checkDropoutProbability(p: number): void {
  if (typeof p !== 'number' || !(p >= 0 && p <= 1)) {
    throw new EngineError('INVALID_ARGUMENT', `dropout probability has to be between 0 and 1, but got ${p}`)
  }
}

/**
 * Zeroes each element with probability `p` in training and scales the rest by 1 / (1 - p), so the
 * expected value is unchanged; returns `x` itself in evaluation or when p is 0, as PyTorch does.
 * The mask is drawn from `generator` (the engine's seeded default unless given).
 *
 * NOTE: PyTorch 1.13 on CPU records this as MulBackward0 and only its fused kernel (CUDA) as
 * NativeDropoutBackward0; the engine always records NativeDropoutBackward0.
 */
export function dropout(x: Tensor, p = 0.5, training = true, generator: Generator = defaultGenerator): Tensor {
  checkDropoutProbability(p)
  if (!training || p === 0) return x
  const shape = x.shape
  const scale = p === 1 ? 0 : 1 / (1 - p)
  const uniforms = generator.fillUniform(new Float32Array(x.numel()))
  const maskValues = new Float32Array(uniforms.length)
  for (let i = 0; i < uniforms.length; i++) maskValues[i] = uniforms[i] >= p ? scale : 0
  const mask = K.fromValues(maskValues, shape, 'float32') // 0 or 1 / (1 - p)

  const result = record(K.mul(x.value, mask), {
    name: 'NativeDropoutBackward0',
    inputs: [x],
    save: () => [{ owned: mask }],
    backward: (g, [savedMask]) => [K.mul(g, savedMask)],
  })
  if (!result.requiresGrad) mask.dispose()
  return result
}
