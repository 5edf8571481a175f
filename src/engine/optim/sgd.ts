import { tf } from '../tf'
import type { Handle } from '../tf'
import { EngineError } from '../errors'
import { K } from '../kernels'
import type { Tensor } from '../tensor'
import { type OptimizerParams, Optimizer, type ParamGroup, type ParamState } from './optimizer'
import { type StepScalars, commitStep, scaled, stateTensor } from './fused-update'
import { checkDampening, checkFlag, checkLearningRate, checkMomentum, checkWeightDecay } from './validate'

export type SGDHyperparameters = {
  lr: number
  momentum: number
  dampening: number
  weightDecay: number
  nesterov: boolean
  maximize: boolean
}

export type SGDOptions = Partial<SGDHyperparameters>
export type SGDParamGroup = ParamGroup<SGDHyperparameters>

/**
 * Stochastic gradient descent with optional momentum, as PyTorch 1.13's `torch.optim.SGD`
 * (single-tensor path). With `g` the gradient (negated when `maximize`), per step:
 *
 *     g = g + weightDecay * p
 *     buf = g on the first step, else momentum * buf + (1 - dampening) * g
 *     g = nesterov ? g + momentum * buf : buf          (when momentum > 0)
 *     p = p - lr * g
 *
 * State: `momentum_buffer` when momentum > 0. PyTorch requires `lr`; here it defaults to 1e-3.
 */
export class SGD extends Optimizer<SGDHyperparameters> {
  constructor(params: OptimizerParams<SGDHyperparameters>, options: SGDOptions = {}) {
    super(params, {
      lr: options.lr ?? 1e-3,
      momentum: options.momentum ?? 0,
      dampening: options.dampening ?? 0,
      weightDecay: options.weightDecay ?? 0,
      nesterov: options.nesterov ?? false,
      maximize: options.maximize ?? false,
    })
  }

  protected override checkHyperparameters(group: SGDHyperparameters): void {
    checkLearningRate(group.lr)
    checkMomentum(group.momentum)
    checkWeightDecay(group.weightDecay)
    checkDampening(group.dampening)
    checkFlag('nesterov', group.nesterov)
    checkFlag('maximize', group.maximize)
    if (group.nesterov && (group.momentum <= 0 || group.dampening !== 0)) {
      throw new EngineError(
        'INVALID_ARGUMENT',
        `Nesterov momentum requires a momentum and zero dampening (got momentum ${group.momentum}, ` +
          `dampening ${group.dampening}). Set momentum > 0 and dampening 0, or nesterov false.`,
      )
    }
  }

  protected override updateParameter(
    param: Tensor,
    grad: Handle,
    state: ParamState,
    group: SGDParamGroup,
    scalars: StepScalars,
  ): void {
    const { lr, momentum, dampening, weightDecay, nesterov, maximize } = group
    const buffer = momentum !== 0 ? stateTensor(state, 'momentum_buffer') : undefined

    const [next, nextBuffer] = tf.tidy(() => {
      const p = param.value
      let d = maximize ? K.neg(grad) : grad
      if (weightDecay !== 0) d = K.add(d, K.mul(p, scalars.constant(weightDecay)))
      let buf: Handle | null = null
      if (momentum !== 0) {
        if (buffer === undefined) {
          // The first step copies the gradient into the buffer (no dampening), as PyTorch does.
          buf = d === grad ? K.clone(d) : d
        } else {
          const decayed = K.mul(buffer.value, scalars.constant(momentum))
          buf = K.add(decayed, scaled(d, 1 - dampening, scalars.constant(1 - dampening)))
        }
        d = nesterov ? K.add(d, K.mul(buf, scalars.constant(momentum))) : buf
      }
      const updated = K.sub(p, K.mul(d, scalars.perStep(lr)))
      return buf === null ? [updated] : [updated, buf]
    })

    commitStep('SGD.step', param, next, state, nextBuffer ? { momentum_buffer: nextBuffer } : {})
  }
}
