/**
 * GAN Workbench's autograd engine: PyTorch's tensor and autograd semantics on TensorFlow.js kernels.
 *
 *     import * as torch from './engine'
 *     await torch.initEngine()
 *     const t = torch.tensor([[0.1, 0.2], [0.3, 0.4]], { requiresGrad: true })
 *     t.mul(2).add(5).mean().backward() // t.grad is 0.5 everywhere
 */
export { Tensor, Storage, isTensor, type Dtype, type TensorLike } from './tensor'
export {
  tensor, zeros, ones, full, zerosLike, onesLike, fullLike, rand, randn, randnLike, randint, randperm, arange, linspace,
  type TensorOptions, type RandomOptions, type TensorData,
} from './creation'
export { cat, stack } from './ops/shape'
export { noGrad, enableGrad, isGradEnabled, setGradEnabled } from './autograd/grad-mode'
export { Node } from './autograd/node'
export { scope, keep, memory, type MemoryInfo } from './scope'
export { manualSeed, Generator, defaultGenerator, type RngState } from './random'
export { initEngine, setBackend, getBackend, isEngineReady, requestedBackend, backendOrder, type BackendName, type BackendInfo, type InitOptions } from './backend'
export { registerKernelProvider, removeKernelProvider, defaultKernels, type KernelProvider, type Kernels } from './kernels'
export { EngineError, type EngineErrorCode } from './errors'
export type { Device } from './device'
export * as nn from './nn'
export * as optim from './optim'
