import * as torch from '../../engine'
import type { Tensor } from '../../engine'
import type { OptimizerConfig, RunConfig } from './config'

type Optimizer = torch.optim.Optimizer
type ParamGroup = Optimizer['paramGroups'][number]

/**
 * The optimizers of a run, behind one interface for both groupings: two optimizers, or one optimizer
 * whose first parameter group is G's and second is D's, each group with its own hyperparameters.
 */
export interface OptimizerSet {
  readonly list: Optimizer[]
  readonly groupG: ParamGroup
  readonly groupD: ParamGroup
  zeroGradG(): void
  zeroGradD(): void
  zeroGradAll(): void
  stepG(): void
  stepD(): void
  stepAll(): void
  dispose(): void
}

function hyperparameters(config: OptimizerConfig): Record<string, unknown> {
  switch (config.type) {
    case 'adam':
      return { lr: config.lr, betas: config.betas, eps: config.eps, weightDecay: config.weightDecay }
    case 'sgd':
      return { lr: config.lr, momentum: config.momentum, weightDecay: config.weightDecay }
    case 'rmsprop':
      return { lr: config.lr, alpha: config.alpha, eps: config.eps, momentum: config.momentum, weightDecay: config.weightDecay }
  }
}

function construct(type: OptimizerConfig['type'], groups: Array<{ params: Tensor[] } & Record<string, unknown>>): Optimizer {
  // Each group carries all its hyperparameters, so the constructor defaults do not matter here.
  const params = groups as never
  switch (type) {
    case 'adam':
      return new torch.optim.Adam(params)
    case 'sgd':
      return new torch.optim.SGD(params)
    case 'rmsprop':
      return new torch.optim.RMSprop(params)
  }
}

export function createOptimizers(config: RunConfig, gParams: Tensor[], dParams: Tensor[]): OptimizerSet {
  if (config.grouping === 'grouped') {
    const optimizer = construct(config.optimizerG.type, [
      { params: gParams, ...hyperparameters(config.optimizerG) },
      { params: dParams, ...hyperparameters(config.optimizerD) },
    ])
    // With one optimizer, zeroGrad and step act on both groups and step() skips parameters without a
    // gradient. The trainer freezes D during G's updates, so a G update leaves D's parameters alone.
    return {
      list: [optimizer],
      groupG: optimizer.paramGroups[0],
      groupD: optimizer.paramGroups[1],
      zeroGradG: () => optimizer.zeroGrad(),
      zeroGradD: () => optimizer.zeroGrad(),
      zeroGradAll: () => optimizer.zeroGrad(),
      stepG: () => optimizer.step(),
      stepD: () => optimizer.step(),
      stepAll: () => optimizer.step(),
      dispose: () => optimizer.dispose(),
    }
  }
  const optimizerG = construct(config.optimizerG.type, [{ params: gParams, ...hyperparameters(config.optimizerG) }])
  const optimizerD = construct(config.optimizerD.type, [{ params: dParams, ...hyperparameters(config.optimizerD) }])
  return {
    list: [optimizerG, optimizerD],
    groupG: optimizerG.paramGroups[0],
    groupD: optimizerD.paramGroups[0],
    zeroGradG: () => optimizerG.zeroGrad(),
    zeroGradD: () => optimizerD.zeroGrad(),
    zeroGradAll: () => {
      optimizerG.zeroGrad()
      optimizerD.zeroGrad()
    },
    stepG: () => optimizerG.step(),
    stepD: () => optimizerD.step(),
    stepAll: () => {
      optimizerG.step()
      optimizerD.step()
    },
    dispose: () => {
      optimizerG.dispose()
      optimizerD.dispose()
    },
  }
}
