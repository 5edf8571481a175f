import * as torch from '../../engine'
import type { Tensor } from '../../engine'
import type { RunConfig } from './config'

const { nn } = torch

/** What a model needs to know about the data. */
export interface DataShape {
  kind: 'image' | 'points'
  /** (C, H, W) for images. */
  imageShape: [number, number, number] | null
  numClasses: number | null
}

/**
 * DCGAN initialisation (Radford et al. 2016): conv and linear weights from N(0, 0.02), BatchNorm
 * weights from N(1, 0.02) and biases 0.
 */
export function dcganInit(module: torch.nn.Module): void {
  for (const m of module.modules()) {
    if (m instanceof nn.Conv2d || m instanceof nn.ConvTranspose2d || m instanceof nn.Linear) {
      nn.init.normal_(m.weight, 0, 0.02)
      if (m.bias) nn.init.zeros_(m.bias)
    } else if (m instanceof nn.BatchNorm1d || m instanceof nn.BatchNorm2d) {
      if (m.weight) nn.init.normal_(m.weight, 1, 0.02)
      if (m.bias) nn.init.zeros_(m.bias)
    }
  }
}

/** A generator: noise (N, latentDim) and, for conditional models, labels (N) to samples. */
export class Generator extends nn.Module {
  readonly latentDim: number
  readonly conditional: boolean

  constructor(
    readonly body: torch.nn.Sequential,
    latentDim: number,
    readonly labelEmbedding: torch.nn.Embedding | null,
  ) {
    super()
    this.latentDim = latentDim
    this.conditional = labelEmbedding !== null
  }

  forward(z: Tensor, labels?: Tensor | null): Tensor {
    if (this.labelEmbedding) {
      if (!labels) throw new Error('a conditional generator needs class labels')
      return this.body.forward(torch.cat([z, this.labelEmbedding.forward(labels)], 1))
    }
    return this.body.forward(z)
  }
}

/** A discriminator: samples (and labels) to one logit per sample, shape (N). */
export class Discriminator extends nn.Module {
  constructor(
    readonly body: torch.nn.Sequential,
    readonly labelEmbedding: torch.nn.Embedding | null,
    /** Images get the embedded label as an extra channel; points and flattened inputs get it appended. */
    readonly labelAsChannel: [number, number] | null,
  ) {
    super()
  }

  forward(x: Tensor, labels?: Tensor | null): Tensor {
    let input = x
    if (this.labelEmbedding) {
      if (!labels) throw new Error('a conditional discriminator needs class labels')
      const embedded = this.labelEmbedding.forward(labels) // (N, E)
      if (this.labelAsChannel) {
        const [h, w] = this.labelAsChannel
        input = torch.cat([x, embedded.view(-1, 1, h, w)], 1) // (N, C + 1, H, W)
      } else {
        input = torch.cat([x.flatten(1), embedded], 1)
      }
    }
    return this.body.forward(input).view(-1)
  }
}

function mlpGenerator(config: RunConfig, data: DataShape, inputDim: number): torch.nn.Sequential {
  const { width, depth } = config.model
  const outDim = data.kind === 'points' ? 2 : (data.imageShape as number[]).reduce((n, d) => n * d, 1)
  const layers: torch.nn.Module[] = []
  let features = inputDim
  for (let i = 0; i < depth; i++) {
    layers.push(new nn.Linear(features, width), new nn.ReLU())
    features = width
  }
  layers.push(new nn.Linear(features, outDim))
  if (data.kind === 'image') layers.push(new nn.Tanh(), new nn.Unflatten(1, data.imageShape as number[]))
  return new nn.Sequential(...layers)
}

function mlpDiscriminator(config: RunConfig, data: DataShape, extraInputs: number): torch.nn.Sequential {
  const { width, depth } = config.model
  const inDim = data.kind === 'points' ? 2 : (data.imageShape as number[]).reduce((n, d) => n * d, 1)
  const layers: torch.nn.Module[] = data.kind === 'image' && extraInputs === 0 ? [new nn.Flatten()] : []
  let features = inDim + extraInputs
  for (let i = 0; i < depth; i++) {
    layers.push(new nn.Linear(features, width), new nn.LeakyReLU(0.2))
    features = width
  }
  layers.push(new nn.Linear(features, 1))
  return new nn.Sequential(...layers)
}

/**
 * Number of stride-2 stages for a DCGAN at this image size: 28 = 7 * 2^2, 32 = 4 * 2^3, 64 = 4 * 2^4.
 */
function dcganStages(size: number): { base: number; stages: number } {
  if (size === 28) return { base: 7, stages: 2 }
  if (size === 32) return { base: 4, stages: 3 }
  if (size === 64) return { base: 4, stages: 4 }
  throw new Error(`the DCGAN presets support 28, 32 and 64 pixel images, got ${size}`)
}

function dcganGenerator(config: RunConfig, data: DataShape, inputDim: number): torch.nn.Sequential {
  const [channels, size] = [(data.imageShape as number[])[0], (data.imageShape as number[])[1]]
  const { base, stages } = dcganStages(size)
  const width = config.model.width
  let features = width * 2 ** (stages - 1)
  const layers: torch.nn.Module[] = [
    new nn.Linear(inputDim, features * base * base), // (N, F * base * base)
    new nn.BatchNorm1d(features * base * base),
    new nn.ReLU(),
    new nn.Unflatten(1, [features, base, base]), // (N, F, base, base)
  ]
  for (let stage = 1; stage < stages; stage++) {
    layers.push(new nn.ConvTranspose2d(features, features / 2, 4, { stride: 2, padding: 1, bias: false }))
    layers.push(new nn.BatchNorm2d(features / 2), new nn.ReLU())
    features /= 2
  }
  layers.push(new nn.ConvTranspose2d(features, channels, 4, { stride: 2, padding: 1 }), new nn.Tanh()) // (N, C, H, W)
  return new nn.Sequential(...layers)
}

function dcganDiscriminator(config: RunConfig, data: DataShape, extraChannels: number): torch.nn.Sequential {
  const [channels, size] = [(data.imageShape as number[])[0], (data.imageShape as number[])[1]]
  const { base, stages } = dcganStages(size)
  const width = config.model.width
  const layers: torch.nn.Module[] = [
    new nn.Conv2d(channels + extraChannels, width, 4, { stride: 2, padding: 1 }), // (N, W, H/2, W/2)
    new nn.LeakyReLU(0.2),
  ]
  let features = width
  for (let stage = 1; stage < stages; stage++) {
    layers.push(new nn.Conv2d(features, features * 2, 4, { stride: 2, padding: 1, bias: false }))
    layers.push(new nn.BatchNorm2d(features * 2), new nn.LeakyReLU(0.2))
    features *= 2
  }
  layers.push(new nn.Flatten(), new nn.Linear(features * base * base, 1))
  return new nn.Sequential(...layers)
}

/** Builds G and D for a configuration, initialised from the engine's default generator. */
export function buildModels(config: RunConfig, data: DataShape): { G: Generator; D: Discriminator } {
  const preset = config.model.preset
  const conditional = preset.startsWith('cgan')
  const convolutional = preset.endsWith('dcgan')
  if (conditional && !data.numClasses) {
    throw new Error(`the ${preset} preset needs a labelled dataset; this one has no class labels. Choose ${preset.slice(5)} instead`)
  }
  if (convolutional && data.kind !== 'image') {
    throw new Error(`the ${preset} preset needs an image dataset; use the mlp presets for 2-D point sets`)
  }
  const { latentDim, embedDim } = config.model
  const numClasses = data.numClasses ?? 0

  const gEmbedding = conditional ? new nn.Embedding(numClasses, embedDim) : null
  const gInput = latentDim + (conditional ? embedDim : 0)
  const gBody = convolutional ? dcganGenerator(config, data, gInput) : mlpGenerator(config, data, gInput)

  let dEmbedding: torch.nn.Embedding | null = null
  let labelAsChannel: [number, number] | null = null
  let dBody: torch.nn.Sequential
  if (convolutional) {
    const [, h, w] = data.imageShape as number[]
    if (conditional) {
      dEmbedding = new nn.Embedding(numClasses, h * w)
      labelAsChannel = [h, w]
    }
    dBody = dcganDiscriminator(config, data, conditional ? 1 : 0)
  } else {
    if (conditional) dEmbedding = new nn.Embedding(numClasses, embedDim)
    dBody = mlpDiscriminator(config, data, conditional ? embedDim : 0)
  }

  const G = new Generator(gBody, latentDim, gEmbedding)
  const D = new Discriminator(dBody, dEmbedding, labelAsChannel)
  if (convolutional) {
    dcganInit(G)
    dcganInit(D)
  }
  return { G, D }
}
