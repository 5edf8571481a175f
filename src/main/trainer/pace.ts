import type { RunConfig } from './config'
import { createSampler } from './data'
import { GanTrainer, type TrainingData } from './trainer'

/**
 * Picks the settings a run leaves to the machine (0 in the configuration): the batch size and the
 * interval between sample grids. The aim is a live view that stays fluid: a training iteration
 * short enough that pause, stop and rate changes apply within a quarter of a second, and a new grid
 * about every two seconds whatever the machine's speed.
 */
export const paceTargets = {
  /** Maximum iteration time an automatic batch size may take, in seconds. */
  stepSeconds: 0.25,
  /** Wall time between sample grids that an automatic interval aims for, in seconds. */
  sampleSeconds: 2,
}

/** One measured iteration time at a batch size. */
export interface Timing {
  batchSize: number
  seconds: number
}

/** Batch sizes an automatic batch is chosen from, smallest first. */
export const batchCandidates = [16, 32, 64, 128, 256] as const

/** Rounds up to 1, 2 or 5 times a power of ten, so the intervals read well: 1, 2, 5, 10, 20, 50, 100... */
export function roundInterval(value: number): number {
  if (!(value > 1)) return 1
  const power = 10 ** Math.floor(Math.log10(value))
  const step = [1, 2, 5, 10].find((factor) => factor * power >= value) as number
  return step * power
}

/** Iterations between sample grids for a measured iteration time. */
export function sampleIntervalFor(stepSeconds: number): number {
  return Math.min(100_000, roundInterval(paceTargets.sampleSeconds / Math.max(stepSeconds, 1e-4)))
}

/** Picks the largest measured batch whose iteration fits the target, or the smallest measured one when none does. */
export function batchSizeFor(timings: readonly Timing[]): number {
  const fitting = timings.filter((timing) => timing.seconds <= paceTargets.stepSeconds)
  const pool = fitting.length > 0 ? fitting : timings.slice(0, 1)
  return Math.max(...pool.map((timing) => timing.batchSize))
}

/** Median time of `count` iterations of a trainer, after one warm-up iteration. */
function timeIterations(trainer: GanTrainer, count: number): number {
  trainer.iterate()
  const times: number[] = []
  for (let i = 0; i < count; i++) times.push(trainer.iterate().metrics.seconds ?? 0)
  times.sort((a, b) => a - b)
  return times[Math.floor(times.length / 2)]
}

export interface PaceChoice {
  config: RunConfig
  /** One sentence for the run's event log: what was picked and from which measurement. */
  message: string
  /** The event's data, from which the app words the message in the user's language. */
  data: {
    batchSize: number
    sampleEvery: number
    /** Iteration time at the chosen batch size, in milliseconds. */
    stepMs: number
    /** Flags for the settings that were automatic. */
    automatic: { batchSize: boolean; sampleEvery: boolean }
    timings: Timing[]
  }
}

/**
 * Resolves an automatic batch size by timing a few iterations of throwaway networks at each
 * candidate size (largest that fits `paceTargets.stepSeconds`), and an automatic sample interval
 * from the iteration time at the chosen size. The real networks are built afterwards from the run's
 * seed, and a generated data set's state is put back, so the run is the same as one started with the
 * chosen numbers. Returns null when nothing is automatic.
 */
export function choosePace(config: RunConfig, data: TrainingData, onProgress?: (fraction: number, message: string) => void): PaceChoice | null {
  if (config.batchSize > 0 && config.sampleEvery > 0) return null
  const dataState = data.getState?.()
  const candidates = config.batchSize > 0 ? [config.batchSize] : batchCandidates.filter((size) => size <= data.length)
  if (candidates.length === 0) candidates.push(data.length)
  const timings: Timing[] = []
  for (const [index, batchSize] of candidates.entries()) {
    onProgress?.(index / candidates.length, `measuring the speed at batch size ${batchSize}`)
    const probeConfig = { ...config, batchSize }
    const probe = new GanTrainer(probeConfig, data, createSampler(data, batchSize, config.seed))
    let seconds: number
    try {
      seconds = timeIterations(probe, 2)
    } finally {
      probe.dispose()
    }
    timings.push({ batchSize, seconds })
    // Larger batches only take longer.
    if (seconds > paceTargets.stepSeconds) break
  }
  if (dataState !== undefined) data.setState?.(dataState)

  const batchSize = config.batchSize > 0 ? config.batchSize : batchSizeFor(timings)
  const stepSeconds = timings.find((timing) => timing.batchSize === batchSize)?.seconds ?? timings[0].seconds
  const sampleEvery = config.sampleEvery > 0 ? config.sampleEvery : sampleIntervalFor(stepSeconds)
  const parts: string[] = []
  if (config.batchSize === 0) parts.push(`batch size ${batchSize}`)
  if (config.sampleEvery === 0) parts.push(`a sample grid every ${sampleEvery} iterations`)
  const message =
    `picked ${parts.join(' and ')}: an iteration takes ${(stepSeconds * 1000).toFixed(0)} ms at batch size ${batchSize} here ` +
    `(aiming at most ${paceTargets.stepSeconds * 1000} ms per iteration and a grid about every ${paceTargets.sampleSeconds} s)`
  const eventData = {
    batchSize,
    sampleEvery,
    stepMs: Math.round(stepSeconds * 1000),
    automatic: { batchSize: config.batchSize === 0, sampleEvery: config.sampleEvery === 0 },
    timings,
  }
  return { config: { ...config, batchSize, sampleEvery }, message, data: eventData }
}
