import type { RunStore } from '../store/run-store'
import type { CheckpointRecord, RunRecord } from '../store/types'
import { ExportError } from './errors'

/** Lists steps for an error message: all of them when few, else the first and last ones with the count. */
export function describeSteps(steps: readonly number[]): string {
  if (steps.length === 0) return 'none'
  if (steps.length <= 12) return steps.join(', ')
  return `${steps.slice(0, 8).join(', ')}, ..., ${steps.slice(-3).join(', ')} (${steps.length} steps)`
}

/** Rejects image exports for runs on 2-D point sets, which store point clouds instead of grids. */
export function requireImageRun(store: RunStore, run: RunRecord, format: string): void {
  if (store.sampleSteps(run.id, 'grid').length === 0 && store.sampleSteps(run.id, 'points').length > 0) {
    throw new ExportError(
      'UNSUPPORTED',
      `run ${run.id} trains on the 2-D point set ${run.dataset}, so it has no image grids for --format ${format}; ` +
        'export its metrics (csv, json) or its generator (safetensors, pytorch) instead',
    )
  }
}

/** Finds the stored grid PNG at exactly `step`, or the latest one without a step. */
export function storedGrid(store: RunStore, run: RunRecord, step?: number): { step: number; png: Buffer } {
  const sample = store.sample(run.id, 'grid', step)
  if (sample?.png && (step === undefined || sample.step === step)) return { step: sample.step, png: sample.png }
  const steps = store.sampleSteps(run.id, 'grid')
  throw new ExportError(
    'NOT_FOUND',
    `run ${run.id} has no stored grid ${step === undefined ? 'yet' : `at step ${step}`}; ` +
      `grids exist at steps: ${describeSteps(steps)}` +
      (steps.length > 0 ? '. Choose one of those steps' : ''),
  )
}

/** Finds the checkpoint at or before `step` (the latest without a step), or raises an error listing the saved ones. */
export function checkpointAtOrBefore(store: RunStore, run: RunRecord, step?: number): CheckpointRecord {
  const checkpoint = store.checkpoint(run.id, { atOrBefore: step ?? Number.MAX_SAFE_INTEGER })
  if (checkpoint) return checkpoint
  const steps = store.checkpointSteps(run.id)
  throw new ExportError(
    'NOT_FOUND',
    `run ${run.id} has no checkpoint ${step === undefined ? 'yet' : `at or before step ${step}`}; ` +
      `checkpoints exist at steps: ${describeSteps(steps)}`,
  )
}
