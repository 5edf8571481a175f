/**
 * Stateless forms of the layers and the losses, PyTorch's torch.nn.functional in camelCase:
 * `F.conv2d(x, weight, bias, { stride: 2, padding: 1 })`, `F.binaryCrossEntropy(p, t)`.
 */
export { linear } from '../ops/linalg'
export { conv2d, convTranspose2d, type Conv2dArgs, type ConvTranspose2dArgs, type IntPair } from '../ops/conv'
export { batchNorm } from '../ops/norm'
export { embedding } from '../ops/embedding'
export { dropout } from '../ops/dropout'
export { relu, leakyRelu, sigmoid, tanh, softplus, logSoftmax, softmax } from '../ops/activation'
export {
  mseLoss, l1Loss, binaryCrossEntropy, binaryCrossEntropyWithLogits, nllLoss, crossEntropy,
  type Reduction, type LossOptions, type WeightedLossOptions, type BceWithLogitsOptions, type NllLossOptions,
  type CrossEntropyOptions,
} from '../ops/loss'
