import type { Metric } from '../../shared/contract'

export const runStatuses = ['created', 'running', 'paused', 'completed', 'stopped', 'failed', 'interrupted'] as const
export type RunStatus = (typeof runStatuses)[number]

/** A run as stored, with its configuration parsed. */
export interface RunRecord {
  id: number
  name: string
  status: RunStatus
  config: unknown
  seed: number
  dataset: string
  model: string
  backend: string | null
  device: string | null
  parentRunId: number | null
  parentStep: number | null
  /** The last completed step. */
  step: number
  totalSteps: number
  /** Training time in seconds, pauses excluded. */
  seconds: number
  pid: number | null
  error: string | null
  note: string
  tags: string[]
  hidden: boolean
  createdAt: string
  updatedAt: string
}

/**
 * The metrics of one training step, as stored and as the UI receives them: one type on both sides of
 * the contract. Null where a value does not apply (no leak outside the joint scheme).
 */
export type MetricRecord = Metric

export interface SampleRecord {
  runId: number
  step: number
  kind: 'grid' | 'points'
  png: Buffer | null
  data: unknown
}

export interface EventRecord {
  id: number
  runId: number
  step: number
  kind: string
  message: string
  data: unknown
  createdAt: string
}

export interface CheckpointRecord {
  runId: number
  step: number
  generator: Buffer
  discriminator: Buffer
  optimizers: Buffer
  state: unknown
  createdAt: string
}

export interface NewRun {
  name: string
  config: unknown
  seed: number
  dataset: string
  model: string
  totalSteps: number
  backend?: string | null
  device?: string | null
  parentRunId?: number | null
  parentStep?: number | null
}
