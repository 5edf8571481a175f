import { EngineError } from '../errors'

// Hyperparameter checks shared by the optimizers. Each message starts as PyTorch's does
// ("Invalid learning rate: -1"), so people who know torch.optim recognise it, then states the valid range.

function invalid(message: string): EngineError {
  return new EngineError('INVALID_ARGUMENT', message)
}

function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value)
}

function show(value: unknown): string {
  return Array.isArray(value) ? `[${value.map(show).join(', ')}]` : String(value)
}

export function checkLearningRate(lr: unknown): void {
  if (!isFiniteNumber(lr) || lr < 0) {
    throw invalid(`Invalid learning rate: ${show(lr)}. The learning rate (lr) must be a finite number >= 0.`)
  }
}

export function checkEpsilon(eps: unknown): void {
  if (!isFiniteNumber(eps) || eps < 0) {
    throw invalid(`Invalid epsilon value: ${show(eps)}. eps must be a finite number >= 0, typically 1e-8.`)
  }
}

export function checkMomentum(momentum: unknown): void {
  if (!isFiniteNumber(momentum) || momentum < 0) {
    throw invalid(`Invalid momentum value: ${show(momentum)}. momentum must be a finite number >= 0 (0 turns it off).`)
  }
}

export function checkWeightDecay(weightDecay: unknown): void {
  if (!isFiniteNumber(weightDecay) || weightDecay < 0) {
    throw invalid(
      `Invalid weight_decay value: ${show(weightDecay)}. weightDecay must be a finite number >= 0 (0 turns it off).`,
    )
  }
}

export function checkAlpha(alpha: unknown): void {
  if (!isFiniteNumber(alpha) || alpha < 0) {
    throw invalid(`Invalid alpha value: ${show(alpha)}. alpha, the smoothing constant, must be a finite number >= 0.`)
  }
}

export function checkDampening(dampening: unknown): void {
  if (!isFiniteNumber(dampening)) {
    throw invalid(`Invalid dampening value: ${show(dampening)}. dampening must be a finite number (0 turns it off).`)
  }
}

export function checkBetas(betas: unknown): void {
  if (!Array.isArray(betas) || betas.length !== 2) {
    throw invalid(`Invalid betas: ${show(betas)}. betas must be a pair [beta1, beta2], for example [0.9, 0.999].`)
  }
  betas.forEach((beta: unknown, index) => {
    if (!isFiniteNumber(beta) || beta < 0 || beta >= 1) {
      throw invalid(`Invalid beta parameter at index ${index}: ${show(beta)}. Each beta must be in [0, 1).`)
    }
  })
}

export function checkFlag(name: string, value: unknown): void {
  if (typeof value !== 'boolean') {
    throw invalid(`Invalid ${name} value: ${show(value)}. ${name} must be true or false.`)
  }
}
