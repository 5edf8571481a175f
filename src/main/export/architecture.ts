import * as torch from '../../engine'
import type { Generator } from '../trainer/models'
import { ExportError } from './errors'

const { nn } = torch

/** One layer of the generator's `body`, with the arguments of its torch.nn constructor. */
export type LayerSpec =
  | { type: 'Linear'; inFeatures: number; outFeatures: number; bias: boolean }
  | { type: 'ConvTranspose2d' | 'Conv2d'; inChannels: number; outChannels: number; kernelSize: number[]; stride: number[]; padding: number[]; outputPadding: number[]; bias: boolean }
  | { type: 'BatchNorm1d' | 'BatchNorm2d'; numFeatures: number; eps: number; momentum: number | null; affine: boolean; trackRunningStats: boolean }
  | { type: 'ReLU' | 'Tanh' | 'Sigmoid' }
  | { type: 'LeakyReLU'; negativeSlope: number }
  | { type: 'Flatten'; startDim: number; endDim: number }
  | { type: 'Unflatten'; dim: number; unflattenedSize: number[] }

/** The generator's structure: `body` layers in order and the class embedding of conditional models. */
export interface GeneratorSpec {
  latentDim: number
  layers: LayerSpec[]
  embedding: { numEmbeddings: number; embeddingDim: number } | null
}

function describeLayer(module: torch.nn.Module, index: number): LayerSpec {
  if (module instanceof nn.Linear) {
    return { type: 'Linear', inFeatures: module.inFeatures, outFeatures: module.outFeatures, bias: module.bias !== null }
  }
  if (module instanceof nn.ConvTranspose2d || module instanceof nn.Conv2d) {
    if (typeof module.padding === 'string') throw new ExportError('UNSUPPORTED', `layer ${index} uses padding '${module.padding}', which the export does not write`)
    return {
      type: module instanceof nn.ConvTranspose2d ? 'ConvTranspose2d' : 'Conv2d',
      inChannels: module.inChannels,
      outChannels: module.outChannels,
      kernelSize: [...module.kernelSize],
      stride: [...module.stride],
      padding: [...module.padding],
      outputPadding: module instanceof nn.ConvTranspose2d ? [...module.outputPadding] : [0, 0],
      bias: module.bias !== null,
    }
  }
  if (module instanceof nn.BatchNormBase) {
    return {
      type: module instanceof nn.BatchNorm2d ? 'BatchNorm2d' : 'BatchNorm1d',
      numFeatures: module.numFeatures,
      eps: module.eps,
      momentum: module.momentum,
      affine: module.affine,
      trackRunningStats: module.trackRunningStats,
    }
  }
  if (module instanceof nn.ReLU) return { type: 'ReLU' }
  if (module instanceof nn.Tanh) return { type: 'Tanh' }
  if (module instanceof nn.Sigmoid) return { type: 'Sigmoid' }
  if (module instanceof nn.LeakyReLU) return { type: 'LeakyReLU', negativeSlope: module.negativeSlope }
  if (module instanceof nn.Flatten) return { type: 'Flatten', startDim: module.startDim, endDim: module.endDim }
  if (module instanceof nn.Unflatten) return { type: 'Unflatten', dim: module.dim, unflattenedSize: [...module.unflattenedSize] }
  throw new ExportError('UNSUPPORTED', `layer ${index} of the generator is a ${module.constructor.name}, which the PyTorch export does not write yet`)
}

/** Reads the generator's layers from the engine module, so the export follows whatever the presets build. */
export function describeGenerator(G: Generator): GeneratorSpec {
  const layers = G.body.children().map((module, index) => describeLayer(module, index))
  const embedding = G.labelEmbedding
    ? { numEmbeddings: G.labelEmbedding.numEmbeddings, embeddingDim: G.labelEmbedding.embeddingDim }
    : null
  return { latentDim: G.latentDim, layers, embedding }
}

/** Formats a number as Python source: finite numbers as JavaScript prints them (valid Python), null as None. */
function py(value: number | null): string {
  if (value === null) return 'None'
  if (!Number.isFinite(value)) throw new ExportError('INVALID_ARGUMENT', `cannot write the non-finite value ${value} into the PyTorch script`)
  return String(value)
}

const pyBool = (value: boolean): string => (value ? 'True' : 'False')
const pyTuple = (values: readonly number[]): string => (values.length === 1 ? `(${values[0]},)` : `(${values.join(', ')})`)

/** The torch.nn constructor call that builds the same layer. */
export function pythonLayer(layer: LayerSpec): string {
  switch (layer.type) {
    case 'Linear':
      return `nn.Linear(${layer.inFeatures}, ${layer.outFeatures}, bias=${pyBool(layer.bias)})`
    case 'ConvTranspose2d':
      return (
        `nn.ConvTranspose2d(${layer.inChannels}, ${layer.outChannels}, kernel_size=${pyTuple(layer.kernelSize)}, ` +
        `stride=${pyTuple(layer.stride)}, padding=${pyTuple(layer.padding)}, output_padding=${pyTuple(layer.outputPadding)}, bias=${pyBool(layer.bias)})`
      )
    case 'Conv2d':
      return (
        `nn.Conv2d(${layer.inChannels}, ${layer.outChannels}, kernel_size=${pyTuple(layer.kernelSize)}, ` +
        `stride=${pyTuple(layer.stride)}, padding=${pyTuple(layer.padding)}, bias=${pyBool(layer.bias)})`
      )
    case 'BatchNorm1d':
    case 'BatchNorm2d':
      return (
        `nn.${layer.type}(${layer.numFeatures}, eps=${py(layer.eps)}, momentum=${py(layer.momentum)}, ` +
        `affine=${pyBool(layer.affine)}, track_running_stats=${pyBool(layer.trackRunningStats)})`
      )
    case 'ReLU':
    case 'Tanh':
    case 'Sigmoid':
      return `nn.${layer.type}()`
    case 'LeakyReLU':
      return `nn.LeakyReLU(${py(layer.negativeSlope)})`
    case 'Flatten':
      return `nn.Flatten(${layer.startDim}, ${layer.endDim})`
    case 'Unflatten':
      return `nn.Unflatten(${layer.dim}, ${pyTuple(layer.unflattenedSize)})`
  }
}
