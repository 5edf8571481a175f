import { beforeAll, describe, expect, it } from 'vitest'
import { startEngine, torch } from '../helpers/engine'
import { parseRunConfig, type RunConfigInput } from '../../src/main/trainer/config'
import { GanTrainer, type IndexSampler, type TrainingData } from '../../src/main/trainer/trainer'
import { captureCheckpoint, restoreCheckpoint } from '../../src/main/trainer/checkpoint'

beforeAll(startEngine)

/** Points around (1, -1) with std 0.1; `poison` makes every value NaN. */
function points(poison = false): TrainingData {
  const generator = new torch.Generator(5)
  const values = generator.fillNormal(new Float32Array(512 * 2), 0, 0.1)
  for (let i = 0; i < values.length; i++) values[i] += i % 2 === 0 ? 1 : -1
  if (poison) values.fill(NaN)
  return {
    kind: 'points',
    imageShape: null,
    numClasses: null,
    length: 512,
    modes: [[1, -1]],
    batch: (indices) => {
      const out = new Float32Array(indices.length * 2)
      indices.forEach((index, i) => out.set(values.subarray(index * 2, index * 2 + 2), i * 2))
      return { x: torch.tensor(out, { shape: [indices.length, 2] }), y: null }
    },
  }
}

/** Labelled 28x28 images: class k is a bright square at position k. */
function images(): TrainingData {
  return {
    kind: 'image',
    imageShape: [1, 28, 28],
    numClasses: 3,
    length: 300,
    batch: (indices) => {
      const out = new Float32Array(indices.length * 784).fill(-1)
      const labels = new Int32Array(indices.length)
      indices.forEach((index, i) => {
        const k = index % 3
        labels[i] = k
        for (let y = 4; y < 12; y++) for (let x = 4 + 6 * k; x < 12 + 6 * k; x++) out[i * 784 + y * 28 + x] = 1
      })
      return { x: torch.tensor(out, { shape: [indices.length, 1, 28, 28] }), y: torch.tensor(labels, { dtype: 'int32' }) }
    },
  }
}

class CountingSampler implements IndexSampler {
  position = 0
  constructor(private readonly length: number, private readonly batch: number) {}
  next(): Int32Array {
    const out = Int32Array.from({ length: this.batch }, (_, i) => (this.position + i) % this.length)
    this.position = (this.position + this.batch) % this.length
    return out
  }
  getState(): unknown {
    return { position: this.position }
  }
  setState(state: unknown): void {
    this.position = (state as { position: number }).position
  }
}

function makeTrainer(input: RunConfigInput, data = points()): GanTrainer {
  const config = parseRunConfig({ model: { preset: 'mlp', width: 16, depth: 1, latentDim: 4 }, batchSize: 32, ...input })
  return new GanTrainer(config, data, new CountingSampler(data.length, config.batchSize))
}

describe('GAN trainer', () => {
  it('alternating steps record every metric', () => {
    const trainer = makeTrainer({ dSteps: 2, gSteps: 1 })
    const { metrics, problem } = trainer.iterate()
    expect(problem).toBeNull()
    expect(trainer.step).toBe(1)
    for (const key of ['dLoss', 'gLoss', 'dReal', 'dFake', 'gradNormG', 'gradNormD', 'seconds'] as const) {
      expect(Number.isFinite(metrics[key]), key).toBe(true)
    }
    expect(metrics.leakNorm).toBeNull()
    trainer.dispose()
  })

  it('every loss and grouping trains', () => {
    for (const loss of ['bce', 'minimax', 'lsgan', 'hinge'] as const) {
      for (const grouping of ['separate', 'grouped'] as const) {
        const trainer = makeTrainer({ loss, grouping })
        for (let i = 0; i < 3; i++) expect(trainer.iterate().problem, `${loss} ${grouping}`).toBeNull()
        trainer.dispose()
      }
    }
  })

  it('grouped and separate optimizers give the same run', () => {
    const a = makeTrainer({ grouping: 'separate' })
    const b = makeTrainer({ grouping: 'grouped' })
    for (let i = 0; i < 4; i++) {
      const ma = a.iterate().metrics
      const mb = b.iterate().metrics
      expect(mb.dLoss).toBeCloseTo(ma.dLoss as number, 5)
      expect(mb.gLoss).toBeCloseTo(ma.gLoss as number, 5)
    }
    a.dispose()
    b.dispose()
  })

  it('joint scheme measures the leak into D', () => {
    const trainer = makeTrainer({ scheme: 'joint' })
    const { metrics, problem } = trainer.iterate()
    expect(problem).toBeNull()
    expect(metrics.leakNorm).toBeGreaterThan(0)
    trainer.dispose()
  })

  it('joint scheme without retainGraph fails with the fix', () => {
    const trainer = makeTrainer({ scheme: 'joint', joint: { retainGraph: false } })
    const { problem } = trainer.iterate()
    expect(problem).toMatchObject({ kind: 'engine-error', code: 'BACKWARD_TWICE' })
    expect((problem as { message: string }).message).toMatch(/retainGraph: true/)
    expect(trainer.step).toBe(0)
    trainer.dispose()
  })

  it('stepping D between backwards fails with versions', () => {
    const trainer = makeTrainer({ scheme: 'joint', joint: { stepBetween: true } })
    const { problem } = trainer.iterate()
    expect(problem).toMatchObject({ kind: 'engine-error', code: 'INPLACE_MODIFIED' })
    expect((problem as { message: string }).message).toMatch(/is at version \d+; expected version \d+/)
    trainer.dispose()
  })

  it('a NaN loss stops the step before the update', () => {
    const trainer = makeTrainer({}, points(true))
    const before = trainer.D.parameters()[0].toArray()
    const { problem } = trainer.iterate()
    expect(problem).toMatchObject({ kind: 'non-finite', what: 'D loss' })
    expect(Array.from(trainer.D.parameters()[0].toArray())).toEqual(Array.from(before))
    trainer.dispose()
  })

  it('live changes reach the optimizers', () => {
    const trainer = makeTrainer({ grouping: 'grouped' })
    trainer.setLearningRates({ g: 0.01 })
    trainer.setRatio({ dSteps: 3 })
    const { metrics } = trainer.iterate()
    expect(metrics.lrG).toBe(0.01)
    expect(trainer.optimizers.list[0].paramGroups[0].lr).toBe(0.01)
    expect(trainer.settings.dSteps).toBe(3)
    trainer.dispose()
  })

  it('conditional DCGAN samples one row per class', () => {
    const trainer = makeTrainer({ model: { preset: 'cgan-dcgan', width: 8, latentDim: 8 }, batchSize: 16 }, images())
    expect(trainer.iterate().problem).toBeNull()
    const sample = trainer.sampleImages()
    expect(sample.shape.slice(1)).toEqual([1, 28, 28])
    expect(sample.shape[0] / sample.nrow).toBe(3)
    expect(Math.max(...sample.data)).toBeLessThanOrEqual(1)
    trainer.dispose()
  })

  it('2-D sample has points and a surface', () => {
    const trainer = makeTrainer({})
    const sample = trainer.samplePoints(8)
    expect(sample.fake).toHaveLength(512)
    expect(sample.surface.values).toHaveLength(64)
    expect(sample.surface.values.every((v) => v >= 0 && v <= 1)).toBe(true)
    trainer.dispose()
  })

  it('checkpoint restore continues identically', () => {
    const a = makeTrainer({ seed: 9 })
    for (let i = 0; i < 3; i++) a.iterate()
    const payload = captureCheckpoint(a, a.sampler.getState())
    const expected = [a.iterate().metrics, a.iterate().metrics]

    const b = makeTrainer({ seed: 9 })
    restoreCheckpoint(b, payload)
    expect(b.step).toBe(3)
    const actual = [b.iterate().metrics, b.iterate().metrics]
    expect(actual.map((m) => [m.dLoss, m.gLoss])).toEqual(expected.map((m) => [m.dLoss, m.gLoss]))
    a.dispose()
    b.dispose()
  })

  it('training step leaks no tensors', () => {
    const trainer = makeTrainer({ scheme: 'joint' })
    trainer.iterate()
    const before = torch.memory().numTensors
    for (let i = 0; i < 5; i++) trainer.iterate()

    trainer.samplePoints(4)
    expect(torch.memory().numTensors).toBe(before)
    trainer.dispose()
  })
})
