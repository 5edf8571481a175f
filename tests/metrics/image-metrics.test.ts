import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadDataset, type ImageDataset } from '../../src/main/datasets'
import { ClassifierUnavailableError, loadOrTrainClassifier, type ReadyClassifier } from '../../src/main/metrics/classifier-setup'
import { readClassifier } from '../../src/main/metrics/classifier-store'
import { Evaluator } from '../../src/main/metrics/evaluator'
import { classShares } from '../../src/main/metrics/names'
import { ClassifierReference, PIXEL_DIVERSITY_SAMPLES, PixelReference } from '../../src/main/metrics/sample-metrics'
import { parseRunConfig } from '../../src/main/trainer/config'
import { loadTrainingData } from '../../src/main/trainer/data'
import { GanTrainer } from '../../src/main/trainer/trainer'
import { startEngine, torch } from '../helpers/engine'
import { writeDigitsIdx } from './digits-idx'

let dir: string
let setDir: string
let digits: ImageDataset
let cached: ReadyClassifier | null = null

beforeAll(async () => {
  await startEngine()
  dir = mkdtempSync(join(tmpdir(), 'ganwb-metrics-'))
  process.env.GANWB_DATA_DIR = dir
  setDir = join(dir, 'digit-set')
  mkdirSync(setDir)
  digits = (await loadDataset('digits')) as ImageDataset
  writeDigitsIdx(setDir, digits, 'train', 3, 0) // 3,334 images
  writeDigitsIdx(setDir, digits, 't10k', 10, 1) // 1,000 images
})

afterAll(() => {
  if (cached) new ClassifierReference(cached).dispose()
  rmSync(dir, { recursive: true, force: true })
})

describe('metrics classifier cache', () => {
  it('trains once, then loads', async () => {
    const first = await loadOrTrainClassifier(setDir, { dataDir: dir })
    expect(first.trained).toBe(true)
    expect(first.info.test.source).toBe('test split')
    expect(first.info.test.count).toBe(1000)
    expect(first.info.test.accuracy).toBeGreaterThan(0.85)
    expect(first.info.reference.count).toBe(3334)
    expect(first.info.floor.fd).toBeGreaterThan(0)
    const weightsFile = join(first.folder, 'classifier.safetensors')
    const written = statSync(weightsFile).mtimeMs

    const second = await loadOrTrainClassifier(setDir, { dataDir: dir })
    expect(second.trained).toBe(false)
    expect(second.folder).toBe(first.folder)
    expect(statSync(weightsFile).mtimeMs).toBe(written)
    expect(second.info).toEqual(first.info)
    expect(Array.from(second.statistics.covariance)).toEqual(Array.from(first.statistics.covariance))
    const weight = (ready: ReadyClassifier): number[] => Array.from(ready.model.head.weight.toArray())
    expect(weight(second)).toEqual(weight(first))
    new ClassifierReference(first).dispose()
    cached = second
  })

  it('changed dataset trains again', async () => {
    const changedDir = join(dir, 'changed-set')
    mkdirSync(changedDir)
    const images = readFileSync(join(setDir, 'train-images-idx3-ubyte'))
    images[16 + 300] ^= 0xff // one pixel of the first image
    writeFileSync(join(changedDir, 'train-images-idx3-ubyte'), images)
    writeFileSync(join(changedDir, 'train-labels-idx1-ubyte'), readFileSync(join(setDir, 'train-labels-idx1-ubyte')))

    const changed = await loadOrTrainClassifier(changedDir, { dataDir: dir })
    try {
      expect(changed.trained).toBe(true)
      expect(changed.folder).not.toBe(cached?.folder)
      // No test split: 20% of the set is held out (at most 2,000).
      expect(changed.info.test.source).toBe('held-out images')
      expect(changed.info.test.count).toBe(666)
      expect(changed.info.test.accuracy).toBeGreaterThan(0.85)
    } finally {
      new ClassifierReference(changed).dispose()
    }
  })

  it('unlabelled set has no classifier', async () => {
    const unlabelled = join(dir, 'unlabelled-set')
    mkdirSync(unlabelled)
    writeFileSync(join(unlabelled, 'train-images-idx3-ubyte'), readFileSync(join(setDir, 'train-images-idx3-ubyte')))
    await expect(loadOrTrainClassifier(unlabelled, { dataDir: dir })).rejects.toThrow(ClassifierUnavailableError)
  })

  it('unreadable cache is reported', async () => {
    const ready = cached as ReadyClassifier
    const identity = ready.info.dataset
    const infoFile = join(ready.folder, 'info.json')
    const saved = readFileSync(infoFile)
    try {
      writeFileSync(infoFile, JSON.stringify({ ...ready.info, version: 0 }))
      await expect(readClassifier(ready.folder, identity)).rejects.toThrow(/is for classifier version 0/)
      unlinkSync(infoFile)
      // Without info.json the folder is an unfinished write, not a cache entry.
      expect(await readClassifier(ready.folder, identity)).toBeNull()
    } finally {
      writeFileSync(infoFile, saved)
    }
  })
})

describe('classifier reference', () => {
  /** Feeds `images` (N, 1, 28, 28) to a fresh collector in batches of 64 and returns the metrics. */
  function measure(images: torch.Tensor): Record<string, number | null> {
    const collector = new ClassifierReference(cached as ReadyClassifier).start()
    for (let start = 0; start < images.shape[0]; start += 64) collector.add(images.narrow(0, start, 64), null)
    return collector.finish()
  }

  it('one repeated image: no recall, one bar', () => {
    const before = torch.memory().numTensors
    const metrics = torch.scope(() => measure(digits.batch([5000]).x.expand(1024, 1, 28, 28)))
    expect(torch.memory().numTensors).toBe(before)
    expect(metrics.recall).toBeLessThan(0.01)
    expect(metrics.classesCovered).toBe(1)
    const shares = classShares(metrics) as number[]
    expect(shares).toHaveLength(10)
    expect(shares.filter((share) => share > 0)).toEqual([1])
    expect(metrics.diversity).toBe(0)
  })

  it('real images score near the floor', () => {
    const ready = cached as ReadyClassifier
    // Digits outside the IDX training set (whose indices are multiples of 3), so new to the reference.
    const indices = Array.from({ length: 1024 }, (_, i) => (i * 9 + 7) % digits.length)
    const metrics = torch.scope(() => measure(digits.batch(indices).x))
    expect(metrics.fd).toBeLessThan(3 * ready.info.floor.fd)
    expect(metrics.precision).toBeGreaterThan(0.6)
    expect(metrics.recall).toBeGreaterThan(0.6)
    expect(metrics.classesCovered).toBe(10)
    expect(metrics.diversity).toBeGreaterThan(0.8)
    expect(metrics.diversity).toBeLessThan(1.25)
  })
})

describe('evaluator on images', () => {
  it('evaluates a DCGAN without side effects', async () => {
    const config = parseRunConfig({
      dataset: setDir, model: { preset: 'dcgan', width: 8, latentDim: 16 }, batchSize: 64, steps: 4, metricsEvery: 2,
    })
    const { data, sampler } = await loadTrainingData(config, { dataDir: dir })
    const trainer = new GanTrainer(config, data, sampler)
    const evaluator = await Evaluator.prepare(config, data, { dataDir: dir }) as Evaluator
    expect(evaluator.notes[0].message).toMatch(/^metrics use the digit-set classifier \(cached\): test accuracy \d+\.\d% on 1000 test split/)
    expect([1, 2, 3, 4].map((step) => evaluator.isDue(step, 4))).toEqual([false, true, false, true])

    trainer.iterate()
    const buffers = (): number[][] => [...trainer.G.namedBuffers(), ...trainer.D.namedBuffers()].map(([, b]) => Array.from(b.toArray()))
    const before = buffers()
    const tensors = torch.memory().numTensors
    const metrics = evaluator.evaluate(trainer)
    expect(torch.memory().numTensors).toBe(tensors)
    expect(buffers()).toEqual(before)

    for (const key of ['fd', 'precision', 'recall', 'classesCovered', 'diversity', 'dAccuracyReal', 'dAccuracyFake', 'classifierAccuracy']) {
      expect(metrics[key], key).toEqual(expect.any(Number))
    }
    expect(metrics.evaluationSamples).toBe(1024)
    expect(metrics.labelAccuracy).toBeUndefined()
    const shares = classShares(metrics) as number[]
    expect(shares.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9)
    // The same noise every time: a second evaluation of unchanged networks repeats the numbers.
    expect(evaluator.evaluate(trainer).fd).toBe(metrics.fd)
    trainer.dispose()
  })

  it('conditional model reports label accuracy', async () => {
    const config = parseRunConfig({
      dataset: setDir, model: { preset: 'cgan-mlp', width: 32, latentDim: 8 }, batchSize: 128, steps: 10, metricsEvery: 10,
    })
    const { data, sampler } = await loadTrainingData(config, { dataDir: dir })
    const trainer = new GanTrainer(config, data, sampler)
    const evaluator = await Evaluator.prepare(config, data, { dataDir: dir }) as Evaluator
    const metrics = evaluator.evaluate(trainer)
    expect(metrics.labelAccuracy).toBeGreaterThanOrEqual(0)
    expect(metrics.labelAccuracy).toBeLessThanOrEqual(1)
    trainer.dispose()
  })

  it('unlabelled set gets pixel diversity', async () => {
    const unlabelled = join(dir, 'pixels-only')
    mkdirSync(unlabelled)
    writeFileSync(join(unlabelled, 'train-images-idx3-ubyte'), readFileSync(join(setDir, 'train-images-idx3-ubyte')))
    const config = parseRunConfig({ dataset: unlabelled, model: { preset: 'mlp', width: 32, latentDim: 8 }, steps: 5, metricsEvery: 5 })
    const { data, sampler } = await loadTrainingData(config, { dataDir: dir })
    const trainer = new GanTrainer(config, data, sampler)
    const evaluator = await Evaluator.prepare(config, data, { dataDir: dir }) as Evaluator
    expect(evaluator.notes[0].message).toMatch(/has no class labels.*D accuracy and pixel-space diversity only$/)
    const metrics = evaluator.evaluate(trainer)
    expect(Object.keys(metrics).sort()).toEqual(['dAccuracyFake', 'dAccuracyReal', 'diversity', 'evaluationSamples', 'evaluationSeconds'])
    expect(metrics.diversity).toBeGreaterThan(0)
    trainer.dispose()
  })

  it('pixel diversity of real and repeated images', () => {
    const real = digits.batch(Array.from({ length: PIXEL_DIVERSITY_SAMPLES }, (_, i) => i * 37))
    const reference = new PixelReference(real.x)
    const same = reference.start()
    same.add(real.x, null)
    expect(same.finish().diversity).toBeCloseTo(1, 6)
    const repeated = reference.start()
    torch.scope(() => repeated.add(real.x.narrow(0, 0, 1).expand(PIXEL_DIVERSITY_SAMPLES, 1, 28, 28), null))
    expect(repeated.finish().diversity).toBe(0)
    real.x.dispose()
    real.y?.dispose()
  })

  it('metrics off or too late give no evaluator', async () => {
    const base = { dataset: 'ring8', model: { preset: 'mlp' } }
    const off = parseRunConfig({ ...base, metricsEvery: 0 })
    const { data } = await loadTrainingData(off, { dataDir: dir })
    expect(await Evaluator.prepare(off, data, { dataDir: dir })).toBeNull()
    expect(await Evaluator.prepare(parseRunConfig({ ...base, steps: 100, metricsEvery: 500 }), data, { dataDir: dir })).toBeNull()
  })
})

describe('classifier files', () => {
  it('cache folder names the set and shape', () => {
    const folder = (cached as ReadyClassifier).folder
    expect(folder.startsWith(join(dir, 'metrics', 'classifiers', 'digit-set-1x28x28-v1-'))).toBe(true)
    const info = JSON.parse(readFileSync(join(folder, 'info.json'), 'utf8'))
    expect(info.reference.mean).toHaveLength(64)
    expect(info.reference.covariance).toHaveLength(64 * 64)
    expect(info.test.accuracy).toBe((cached as ReadyClassifier).info.test.accuracy)
  })
})
