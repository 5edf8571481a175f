import * as torch from '../../engine'
import type { Tensor } from '../../engine'
import type { MetricRecord } from '../store/types'
import type { OptimizerConfig, RunConfig } from './config'
import { buildModels, type DataShape, type Discriminator, type Generator } from './models'
import { discriminatorLoss, discriminatorScore, generatorLoss } from './gan-loss'
import { createOptimizers, type OptimizerSet } from './optimizers'
import { gradNorm } from './grad-norm'
import { fixedNoise } from './fixed-noise'

/** The data a trainer draws from: a dataset's batches and a seeded sampler of indices. */
export interface TrainingData extends DataShape {
  length: number
  /** `x` is (N, C, H, W) in [-1, 1] or (N, 2); `y` contains int32 class indices or is null. */
  batch(indices: Int32Array): { x: Tensor; y: Tensor | null }
  /** True centres of a 2-D toy set, for the decision-surface bounds. */
  modes?: Array<[number, number]>
  /** State of a set that draws its data from a generator (the 2-D toys), for exact resumes. */
  getState?(): unknown
  setState?(state: unknown): void
}

export interface IndexSampler {
  next(): Int32Array
  getState(): unknown
  setState(state: unknown): void
}

/** The reason an iteration did not finish normally. */
export type StepProblem =
  | { kind: 'non-finite'; what: string; value: number }
  | { kind: 'engine-error'; code: string; message: string }

export interface StepOutcome {
  metrics: MetricRecord
  /** Set when the iteration stopped early; the optimizer step that would have used bad values was skipped. */
  problem: StepProblem | null
}

/** The live settings a person can change while a run trains. */
export interface LiveSettings {
  lrG: number
  lrD: number
  dSteps: number
  gSteps: number
}

/** A 2-D run's picture: fake points from the fixed noise and D's probability of "real" on a grid. */
export interface PointsSample {
  fake: number[][]
  real: number[][]
  surface: { xMin: number; xMax: number; yMin: number; yMax: number; resolution: number; values: number[] }
}

export interface ImageSample {
  /** (N, C, H, W) values in [-1, 1]. */
  data: Float32Array
  shape: [number, number, number, number]
  /** Images per row: 8, or the samples per class for conditional models (one row per class). */
  nrow: number
}

/**
 * One GAN training run in memory: the networks, their optimizers and the update scheme. It has no
 * dependency on threads, the database or the UI. `iterate()` runs one iteration and returns its metrics.
 */
export class GanTrainer {
  readonly G: Generator
  readonly D: Discriminator
  readonly optimizers: OptimizerSet
  readonly settings: LiveSettings
  /** Completed iterations. */
  step = 0
  /** Draws the training noise and fake labels; its state goes into every checkpoint. */
  readonly generator: torch.Generator
  private readonly fixedNoise: Tensor
  private readonly fixedLabels: Tensor | null
  private readonly realTarget: number

  constructor(
    readonly config: RunConfig,
    readonly data: TrainingData,
    readonly sampler: IndexSampler,
  ) {
    // Weights are initialised from the engine's default generator, seeded here. Training draws from
    // the trainer's own generator, so two trainers in one thread never share a random sequence.
    torch.manualSeed(config.seed)
    this.generator = new torch.Generator(config.seed)
    const { G, D } = buildModels(config, data)
    this.G = G
    this.D = D
    this.optimizers = createOptimizers(config, G.parameters(), D.parameters())
    this.settings = {
      lrG: config.optimizerG.lr,
      lrD: config.optimizerD.lr,
      dSteps: config.dSteps,
      gSteps: config.gSteps,
    }
    this.realTarget = 1 - config.labelSmoothing

    // The fixed noise has its own generator, so sampling never shifts the training sequence.
    const noise = fixedNoise(config, data)
    this.fixedNoise = torch.keep(torch.tensor(noise.z, { shape: [noise.count, config.model.latentDim] }))
    this.fixedLabels = noise.labels ? torch.keep(torch.tensor(noise.labels, { dtype: 'int32' })) : null
  }

  setLearningRates(lr: { g?: number; d?: number }): void {
    if (lr.g !== undefined) this.settings.lrG = lr.g
    if (lr.d !== undefined) this.settings.lrD = lr.d
    this.optimizers.groupG.lr = this.settings.lrG
    this.optimizers.groupD.lr = this.settings.lrD
  }

  setRatio(ratio: { dSteps?: number; gSteps?: number }): void {
    if (ratio.dSteps !== undefined) this.settings.dSteps = ratio.dSteps
    if (ratio.gSteps !== undefined) this.settings.gSteps = ratio.gSteps
  }

  /** Runs one iteration: `dSteps` D updates then `gSteps` G updates, or one joint update. */
  iterate(): StepOutcome {
    const started = performance.now()
    const metrics: MetricRecord = {
      step: this.step + 1,
      dLoss: null, gLoss: null, dReal: null, dFake: null,
      gradNormG: null, gradNormD: null, leakNorm: null,
      lrG: this.settings.lrG, lrD: this.settings.lrD, seconds: null,
    }
    let problem: StepProblem | null = null
    try {
      problem = torch.scope(() => (this.config.scheme === 'joint' ? this.jointStep(metrics) : this.alternatingStep(metrics)))
    } catch (error) {
      if (!(error instanceof torch.EngineError)) throw error
      problem = { kind: 'engine-error', code: error.code, message: error.message }
    }
    metrics.seconds = (performance.now() - started) / 1000
    if (problem === null) this.step++
    return { metrics, problem }
  }

  private noise(): { z: Tensor; labels: Tensor | null } {
    const generator = this.generator
    const z = torch.randn([this.config.batchSize, this.config.model.latentDim], { generator })
    const labels = this.G.conditional
      ? torch.randint(0, this.data.numClasses as number, [this.config.batchSize], { generator })
      : null
    return { z, labels }
  }

  private alternatingStep(metrics: MetricRecord): StepProblem | null {
    const { G, D, optimizers } = this
    const loss = this.config.loss

    for (let k = 0; k < this.settings.dSteps; k++) {
      const real = this.data.batch(this.sampler.next())
      const { z, labels } = this.noise()
      const fake = G.forward(z, labels)
      const realLogits = D.forward(real.x, real.y)
      const fakeLogits = D.forward(fake.detach(), labels) // no gradient into G from D's loss
      const lossD = discriminatorLoss(loss, realLogits, fakeLogits, this.realTarget)
      optimizers.zeroGradD()
      lossD.backward()
      metrics.dLoss = lossD.item()
      metrics.dReal = discriminatorScore(loss, realLogits)
      metrics.dFake = discriminatorScore(loss, fakeLogits)
      metrics.gradNormD = gradNorm(D.parameters())
      const bad = nonFinite({ 'D loss': metrics.dLoss, 'D gradient norm': metrics.gradNormD })
      if (bad) return bad
      optimizers.stepD()
    }

    // D is frozen during G's updates: its parameters get no gradient, so even one optimizer holding
    // both networks (grouped) updates only G, and D's weight gradients are not computed at all.
    const dParams = D.parameters()
    for (const p of dParams) p.requiresGrad_(false)
    try {
      for (let m = 0; m < this.settings.gSteps; m++) {
        const { z, labels } = this.noise()
        const fakeLogits = D.forward(G.forward(z, labels), labels)
        const lossG = generatorLoss(loss, fakeLogits)
        optimizers.zeroGradG()
        lossG.backward()
        metrics.gLoss = lossG.item()
        metrics.gradNormG = gradNorm(G.parameters())
        const bad = nonFinite({ 'G loss': metrics.gLoss, 'G gradient norm': metrics.gradNormG })
        if (bad) return bad
        optimizers.stepG()
      }
    } finally {
      for (const p of dParams) p.requiresGrad_(true)
    }
    return null
  }

  /**
   * Runs the joint scheme: one forward pass, lossG.backward({ retainGraph: true }), lossD.backward(),
   * one step for both networks. Because D(G(z)) is not detached, lossG's gradient also reaches D's
   * parameters and lossD's reaches G's: the leak is measured before the second backward adds to it.
   */
  private jointStep(metrics: MetricRecord): StepProblem | null {
    const { G, D, optimizers } = this
    const loss = this.config.loss
    const real = this.data.batch(this.sampler.next())
    const { z, labels } = this.noise()
    const fake = G.forward(z, labels)
    const realLogits = D.forward(real.x, real.y)
    const fakeLogits = D.forward(fake, labels)
    const lossG = generatorLoss(loss, fakeLogits)
    const lossD = discriminatorLoss(loss, realLogits, fakeLogits, this.realTarget)
    optimizers.zeroGradAll()

    lossG.backward(undefined, { retainGraph: this.config.joint.retainGraph })
    metrics.leakNorm = gradNorm(D.parameters()) // lossG's gradient that reached D
    if (this.config.joint.stepBetween) optimizers.stepD()
    lossD.backward()

    metrics.dLoss = lossD.item()
    metrics.gLoss = lossG.item()
    metrics.dReal = discriminatorScore(loss, realLogits)
    metrics.dFake = discriminatorScore(loss, fakeLogits)
    metrics.gradNormD = gradNorm(D.parameters())
    metrics.gradNormG = gradNorm(G.parameters())
    const bad = nonFinite({
      'D loss': metrics.dLoss, 'G loss': metrics.gLoss,
      'D gradient norm': metrics.gradNormD, 'G gradient norm': metrics.gradNormG,
    })
    if (bad) return bad
    if (this.config.joint.stepBetween) optimizers.stepG()
    else optimizers.stepAll()
    return null
  }

  /** Images from the fixed noise, generated without recording a graph. */
  sampleImages(): ImageSample {
    return torch.scope(() =>
      torch.noGrad(() => {
        const images = this.G.forward(this.fixedNoise, this.fixedLabels).detach() // (N, C, H, W)
        const [n, c, h, w] = images.shape
        const perClass = this.fixedLabels ? n / (this.data.numClasses as number) : 8
        return { data: images.toArray() as Float32Array, shape: [n, c, h, w], nrow: perClass }
      }),
    )
  }

  /** Fake points from the fixed noise and D's decision surface, for 2-D sets. */
  samplePoints(resolution = 48): PointsSample {
    return torch.scope(() =>
      torch.noGrad(() => {
        const fake = this.G.forward(this.fixedNoise, this.fixedLabels).detach()
        const fakeValues = fake.toArray()
        // Drawing real points must not move a generated set's sequence, or sampling would change training.
        const dataState = this.data.getState?.()
        const realBatch = this.data.batch(Int32Array.from({ length: 512 }, (_, i) => i % this.data.length))
        if (dataState !== undefined) this.data.setState?.(dataState)
        const realValues = realBatch.x.toArray()

        const extent = Math.max(2, ...(this.data.modes ?? []).flat().map(Math.abs)) * 1.3
        const coords: number[] = []
        for (let row = 0; row < resolution; row++) {
          for (let col = 0; col < resolution; col++) {
            coords.push(-extent + (2 * extent * (col + 0.5)) / resolution, extent - (2 * extent * (row + 0.5)) / resolution)
          }
        }
        const grid = torch.tensor(Float32Array.from(coords), { shape: [resolution * resolution, 2] })
        const labels = this.G.conditional ? torch.zeros([resolution * resolution], { dtype: 'int32' }) : null
        const surface = Array.from(this.D.forward(grid, labels).sigmoid().toArray(), (v) => Math.round(v * 1000) / 1000)
        const pairs = (values: ArrayLike<number>): number[][] =>
          Array.from({ length: values.length / 2 }, (_, i) => [values[2 * i], values[2 * i + 1]])
        return {
          fake: pairs(fakeValues),
          real: pairs(realValues),
          surface: { xMin: -extent, xMax: extent, yMin: -extent, yMax: extent, resolution, values: surface },
        }
      }),
    )
  }

  dispose(): void {
    this.fixedNoise.dispose()
    this.fixedLabels?.dispose()
    for (const p of [...this.G.parameters(), ...this.D.parameters()]) {
      p.grad = null
      p.dispose()
    }
    for (const [, b] of [...this.G.namedBuffers(), ...this.D.namedBuffers()]) b.dispose()
    this.optimizers.dispose()
  }
}

function nonFinite(values: Record<string, number | null>): StepProblem | null {
  for (const [what, value] of Object.entries(values)) {
    if (value !== null && !Number.isFinite(value)) return { kind: 'non-finite', what, value }
  }
  return null
}

export type { OptimizerConfig }
