import { tf } from '../tf'
import type { Handle } from '../tf'
import { K } from '../kernels'
import type { Tensor } from '../tensor'
import { type OptimizerParams, Optimizer, type ParamGroup, type ParamState } from './optimizer'
import { type StepScalars, commitStep, scaled, stateTensor } from './fused-update'
import { checkBetas, checkEpsilon, checkFlag, checkLearningRate, checkWeightDecay } from './validate'

export type AdamHyperparameters = {
  lr: number
  betas: [number, number]
  eps: number
  weightDecay: number
  amsgrad: boolean
  maximize: boolean
}

export type AdamOptions = Partial<AdamHyperparameters>
export type AdamParamGroup = ParamGroup<AdamHyperparameters>
export type AdamWHyperparameters = AdamHyperparameters
export type AdamWOptions = AdamOptions
export type AdamWParamGroup = AdamParamGroup

function adamDefaults(options: AdamOptions, weightDecay: number): AdamHyperparameters {
  return {
    lr: options.lr ?? 1e-3,
    betas: options.betas ?? [0.9, 0.999],
    eps: options.eps ?? 1e-8,
    weightDecay: options.weightDecay ?? weightDecay,
    amsgrad: options.amsgrad ?? false,
    maximize: options.maximize ?? false,
  }
}

function checkAdamHyperparameters(group: AdamHyperparameters): void {
  checkLearningRate(group.lr)
  checkEpsilon(group.eps)
  checkBetas(group.betas)
  checkWeightDecay(group.weightDecay)
  checkFlag('amsgrad', group.amsgrad)
  checkFlag('maximize', group.maximize)
}

/**
 * Applies one Adam or AdamW step to one parameter, as PyTorch 1.13's `_single_tensor_adam(w)`. With `g`
 * the gradient (negated when `maximize`) and `t` the parameter's step count after this step:
 *
 *     g = g + weightDecay * p                 (Adam)
 *     p = p * (1 - lr * weightDecay)          (AdamW, decoupled weight decay)
 *     m = beta1 * m + (1 - beta1) * g
 *     v = beta2 * v + (1 - beta2) * g^2
 *     vMax = max(vMax, v)                     (amsgrad; vMax replaces v below)
 *     denom = sqrt(v) / sqrt(1 - beta2^t) + eps
 *     p = p - lr / (1 - beta1^t) * m / denom
 */
function adamUpdate(
  decoupled: boolean,
  param: Tensor,
  grad: Handle,
  state: ParamState,
  group: AdamParamGroup,
  scalars: StepScalars,
): void {
  const { lr, eps, weightDecay, amsgrad, maximize } = group
  const [beta1, beta2] = group.betas
  const step = (typeof state.step === 'number' ? state.step : 0) + 1
  const expAvg = stateTensor(state, 'exp_avg')
  const expAvgSq = stateTensor(state, 'exp_avg_sq')
  const maxExpAvgSq = amsgrad ? stateTensor(state, 'max_exp_avg_sq') : undefined

  const stepSize = lr / (1 - beta1 ** step)
  const biasCorrection2Sqrt = Math.sqrt(1 - beta2 ** step)

  const next = tf.tidy(() => {
    let p = param.value
    let g = maximize ? K.neg(grad) : grad
    if (weightDecay !== 0) {
      if (decoupled) p = K.mul(p, scalars.perStep(1 - lr * weightDecay))
      else g = K.add(g, K.mul(p, scalars.constant(weightDecay)))
    }
    // A missing state tensor is zeros (see Note [Fused optimizer updates]).
    const newG = K.mul(g, scalars.constant(1 - beta1))
    const m = expAvg ? K.add(K.mul(expAvg.value, scalars.constant(beta1)), newG) : newG
    const newSq = K.mul(K.square(g), scalars.constant(1 - beta2))
    const v = expAvgSq ? K.add(K.mul(expAvgSq.value, scalars.constant(beta2)), newSq) : newSq
    let vMax: Handle | null = null
    if (amsgrad) vMax = maxExpAvgSq ? K.maximum(maxExpAvgSq.value, v) : K.clone(v)

    const root = K.sqrt(vMax ?? v)
    const denom = K.add(scaledDiv(root, biasCorrection2Sqrt, scalars), scalars.constant(eps))
    const updated = K.sub(p, scaled(K.div(m, denom), stepSize, scalars.perStep(stepSize)))
    return vMax ? [updated, m, v, vMax] : [updated, m, v]
  })

  const [updated, m, v, vMax] = next
  const states: Record<string, Handle> = { exp_avg: m, exp_avg_sq: v }
  if (vMax) states.max_exp_avg_sq = vMax
  commitStep(decoupled ? 'AdamW.step' : 'Adam.step', param, updated, state, states)
  state.step = step
}

/** `x / divisor`, with no kernel call when the divisor is 1 (late in training, 1 - beta2^t rounds to 1). */
function scaledDiv(x: Handle, divisor: number, scalars: StepScalars): Handle {
  return divisor === 1 ? x : K.div(x, scalars.perStep(divisor))
}

/**
 * Adam, as PyTorch 1.13's `torch.optim.Adam` (single-tensor path); see `adamUpdate` for the rule.
 * State: `step`, `exp_avg`, `exp_avg_sq`, and `max_exp_avg_sq` with amsgrad.
 */
export class Adam extends Optimizer<AdamHyperparameters> {
  constructor(params: OptimizerParams<AdamHyperparameters>, options: AdamOptions = {}) {
    super(params, adamDefaults(options, 0))
  }

  protected override checkHyperparameters(group: AdamHyperparameters): void {
    checkAdamHyperparameters(group)
  }

  protected override updateParameter(
    param: Tensor,
    grad: Handle,
    state: ParamState,
    group: AdamParamGroup,
    scalars: StepScalars,
  ): void {
    adamUpdate(false, param, grad, state, group, scalars)
  }
}

/**
 * AdamW, as PyTorch 1.13's `torch.optim.AdamW`: Adam with decoupled weight decay, which shrinks the
 * parameter by `lr * weightDecay` instead of adding to the gradient. `weightDecay` defaults to 1e-2.
 */
export class AdamW extends Optimizer<AdamHyperparameters> {
  constructor(params: OptimizerParams<AdamHyperparameters>, options: AdamWOptions = {}) {
    super(params, adamDefaults(options, 1e-2))
  }

  protected override checkHyperparameters(group: AdamHyperparameters): void {
    checkAdamHyperparameters(group)
  }

  protected override updateParameter(
    param: Tensor,
    grad: Handle,
    state: ParamState,
    group: AdamParamGroup,
    scalars: StepScalars,
  ): void {
    adamUpdate(true, param, grad, state, group, scalars)
  }
}
