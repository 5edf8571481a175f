// The one place the engine imports TensorFlow.js core from, so every file shares one tfjs instance.
export * as tf from '@tensorflow/tfjs-core'
export type { Tensor as Handle, DataType, TypedArray } from '@tensorflow/tfjs-core'
