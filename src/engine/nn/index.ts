/**
 * Neural network layers, PyTorch's torch.nn in camelCase: Module, Parameter, the layers, `init`
 * and `functional`. Layouts, default initialisations and state dict keys are PyTorch's, so weights
 * move between the two unchanged.
 */
export { Module, type StateDict, type LoadStateDictResult } from './module'
export { Parameter } from './parameter'
export { Linear, Identity, type LinearOptions } from './linear'
export { Conv2d, ConvTranspose2d, type Conv2dOptions, type ConvTranspose2dOptions } from './conv'
export { BatchNorm1d, BatchNorm2d, BatchNormBase, type BatchNormOptions } from './batchnorm'
export { Embedding, type EmbeddingOptions } from './embedding'
export { Dropout } from './dropout'
export { ReLU, LeakyReLU, Tanh, Sigmoid, Softplus } from './activation'
export { Flatten, Unflatten } from './flatten'
export { Sequential } from './container'
export { MSELoss, L1Loss, BCELoss, BCEWithLogitsLoss, NLLLoss, CrossEntropyLoss } from './loss'
export * as init from './init'
export * as functional from './functional'
