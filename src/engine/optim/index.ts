/**
 * Optimizers with PyTorch's torch.optim data model and update rules (those of PyTorch 1.13's
 * single-tensor implementations), in camelCase.
 *
 *     const optimizer = new torch.optim.Adam(model.parameters(), { lr: 2e-4, betas: [0.5, 0.999] })
 *     optimizer.zeroGrad()
 *     loss.backward()
 *     optimizer.step()
 */
export {
  Optimizer,
  type Hyperparameters,
  type ParamGroup,
  type ParamGroupInput,
  type OptimizerParams,
  type ParamState,
  type OptimizerStateDict,
} from './optimizer'
export { SGD, type SGDHyperparameters, type SGDOptions, type SGDParamGroup } from './sgd'
export {
  Adam,
  AdamW,
  type AdamHyperparameters,
  type AdamOptions,
  type AdamParamGroup,
  type AdamWHyperparameters,
  type AdamWOptions,
  type AdamWParamGroup,
} from './adam'
export { RMSprop, type RMSpropHyperparameters, type RMSpropOptions, type RMSpropParamGroup } from './rmsprop'
