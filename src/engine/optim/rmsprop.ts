import { tf } from '../tf'
import type { Handle } from '../tf'
import { K } from '../kernels'
import type { Tensor } from '../tensor'
import { type OptimizerParams, Optimizer, type ParamGroup, type ParamState } from './optimizer'
import { type StepScalars, commitStep, stateTensor } from './fused-update'
import { checkAlpha, checkEpsilon, checkFlag, checkLearningRate, checkMomentum, checkWeightDecay } from './validate'

export type RMSpropHyperparameters = {
  lr: number
  alpha: number
  eps: number
  weightDecay: number
  momentum: number
  centered: boolean
  maximize: boolean
}

export type RMSpropOptions = Partial<RMSpropHyperparameters>
export type RMSpropParamGroup = ParamGroup<RMSpropHyperparameters>

/**
 * RMSprop, as PyTorch 1.13's `torch.optim.RMSprop` (single-tensor path). With `g` the gradient
 * (negated when `maximize`), per step:
 *
 *     g = g + weightDecay * p
 *     s = alpha * s + (1 - alpha) * g^2
 *     a = alpha * a + (1 - alpha) * g                  (centered)
 *     avg = sqrt(s - a^2) + eps if centered, else sqrt(s) + eps
 *     buf = momentum * buf + g / avg; p = p - lr * buf  (momentum > 0)
 *     p = p - lr * g / avg                             (otherwise)
 *
 * State: `step`, `square_avg`, `momentum_buffer` when momentum > 0, `grad_avg` when centered.
 */
export class RMSprop extends Optimizer<RMSpropHyperparameters> {
  constructor(params: OptimizerParams<RMSpropHyperparameters>, options: RMSpropOptions = {}) {
    super(params, {
      lr: options.lr ?? 1e-2,
      alpha: options.alpha ?? 0.99,
      eps: options.eps ?? 1e-8,
      weightDecay: options.weightDecay ?? 0,
      momentum: options.momentum ?? 0,
      centered: options.centered ?? false,
      maximize: options.maximize ?? false,
    })
  }

  protected override checkHyperparameters(group: RMSpropHyperparameters): void {
    checkLearningRate(group.lr)
    checkEpsilon(group.eps)
    checkMomentum(group.momentum)
    checkWeightDecay(group.weightDecay)
    checkAlpha(group.alpha)
    checkFlag('centered', group.centered)
    checkFlag('maximize', group.maximize)
  }

  protected override updateParameter(
    param: Tensor,
    grad: Handle,
    state: ParamState,
    group: RMSpropParamGroup,
    scalars: StepScalars,
  ): void {
    const { lr, alpha, eps, weightDecay, momentum, centered, maximize } = group
    const squareAvg = stateTensor(state, 'square_avg')
    const gradAvg = centered ? stateTensor(state, 'grad_avg') : undefined
    const buffer = momentum > 0 ? stateTensor(state, 'momentum_buffer') : undefined

    const next = tf.tidy(() => {
      const p = param.value
      let g = maximize ? K.neg(grad) : grad
      if (weightDecay !== 0) g = K.add(g, K.mul(p, scalars.constant(weightDecay)))
      const oneMinusAlpha = scalars.constant(1 - alpha)

      // A missing state tensor is zeros (see Note [Fused optimizer updates]).
      const newSq = K.mul(K.square(g), oneMinusAlpha)
      const s = squareAvg ? K.add(K.mul(squareAvg.value, scalars.constant(alpha)), newSq) : newSq
      const results: Record<string, Handle> = { square_avg: s }
      let variance = s
      if (centered) {
        const newG = K.mul(g, oneMinusAlpha)
        const a = gradAvg ? K.add(K.mul(gradAvg.value, scalars.constant(alpha)), newG) : newG
        results.grad_avg = a
        variance = K.sub(s, K.square(a))
      }
      const avg = K.add(K.sqrt(variance), scalars.constant(eps))

      let direction = K.div(g, avg)
      if (momentum > 0) {
        direction = buffer ? K.add(K.mul(buffer.value, scalars.constant(momentum)), direction) : direction
        results.momentum_buffer = direction
      }
      results.param = K.sub(p, K.mul(direction, scalars.perStep(lr)))
      return results
    })

    const { param: updated, ...states } = next
    commitStep('RMSprop.step', param, updated, state, states)
    state.step = (typeof state.step === 'number' ? state.step : 0) + 1
  }
}
