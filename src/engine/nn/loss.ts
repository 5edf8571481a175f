import type { Tensor } from '../tensor'
import {
  type BceWithLogitsOptions, type CrossEntropyOptions, type LossOptions, type NllLossOptions, type Reduction,
  type WeightedLossOptions, binaryCrossEntropy, binaryCrossEntropyWithLogits, checkReduction, crossEntropy,
  l1Loss, mseLoss, nllLoss,
} from '../ops/loss'
import { EngineError } from '../errors'
import { Module } from './module'

/**
 * The loss modules of PyTorch (nn.MSELoss and the rest), each a thin wrapper over the function in
 * nn.functional. As in PyTorch, a class weight is registered as a buffer named 'weight' (and
 * 'pos_weight'), so it appears in the state dict.
 */
abstract class Loss extends Module {
  readonly reduction: Reduction

  constructor(options: LossOptions, op: string) {
    super()
    this.reduction = checkReduction(options.reduction, op)
  }

  abstract override forward(input: Tensor, target: Tensor): Tensor

  override extraRepr(): string {
    return this.reduction === 'mean' ? '' : `reduction=${this.reduction}`
  }
}

export class MSELoss extends Loss {
  constructor(options: LossOptions = {}) {
    super(options, 'MSELoss')
  }

  forward(input: Tensor, target: Tensor): Tensor {
    return mseLoss(input, target, { reduction: this.reduction })
  }
}

export class L1Loss extends Loss {
  constructor(options: LossOptions = {}) {
    super(options, 'L1Loss')
  }

  forward(input: Tensor, target: Tensor): Tensor {
    return l1Loss(input, target, { reduction: this.reduction })
  }
}

/** Binary cross entropy of probabilities (after a sigmoid). */
export class BCELoss extends Loss {
  constructor(options: WeightedLossOptions = {}) {
    super(options, 'BCELoss')
    this.registerBuffer('weight', options.weight ?? null)
  }

  forward(input: Tensor, target: Tensor): Tensor {
    return binaryCrossEntropy(input, target, { weight: this.getBuffer('weight'), reduction: this.reduction })
  }
}

/** Binary cross entropy of logits, with the sigmoid folded in for stability. */
export class BCEWithLogitsLoss extends Loss {
  constructor(options: BceWithLogitsOptions = {}) {
    super(options, 'BCEWithLogitsLoss')
    this.registerBuffer('weight', options.weight ?? null)
    this.registerBuffer('pos_weight', options.posWeight ?? null)
  }

  forward(input: Tensor, target: Tensor): Tensor {
    return binaryCrossEntropyWithLogits(input, target, {
      weight: this.getBuffer('weight'),
      posWeight: this.getBuffer('pos_weight'),
      reduction: this.reduction,
    })
  }
}

function checkIgnoreIndex(value: unknown, layer: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new EngineError('INVALID_ARGUMENT', `${layer}: ignore_index must be an integer, got ${String(value)}`)
  }
  return value
}

export class NLLLoss extends Loss {
  readonly ignoreIndex: number

  constructor(options: NllLossOptions = {}) {
    super(options, 'NLLLoss')
    this.ignoreIndex = checkIgnoreIndex(options.ignoreIndex ?? -100, 'NLLLoss')
    this.registerBuffer('weight', options.weight ?? null)
  }

  forward(input: Tensor, target: Tensor): Tensor {
    return nllLoss(input, target, { weight: this.getBuffer('weight'), reduction: this.reduction, ignoreIndex: this.ignoreIndex })
  }
}

export class CrossEntropyLoss extends Loss {
  readonly ignoreIndex: number
  readonly labelSmoothing: number

  constructor(options: CrossEntropyOptions = {}) {
    super(options, 'CrossEntropyLoss')
    this.ignoreIndex = checkIgnoreIndex(options.ignoreIndex ?? -100, 'CrossEntropyLoss')
    const smoothing = options.labelSmoothing ?? 0
    if (typeof smoothing !== 'number' || !(smoothing >= 0 && smoothing <= 1)) {
      throw new EngineError('INVALID_ARGUMENT', `CrossEntropyLoss: label_smoothing must be between 0.0 and 1.0. Got: ${String(smoothing)}`)
    }
    this.labelSmoothing = smoothing
    this.registerBuffer('weight', options.weight ?? null)
  }

  forward(input: Tensor, target: Tensor): Tensor {
    return crossEntropy(input, target, {
      weight: this.getBuffer('weight'),
      reduction: this.reduction,
      ignoreIndex: this.ignoreIndex,
      labelSmoothing: this.labelSmoothing,
    })
  }
}
