import type { MetricRecord, RunStatus } from '../store/types'
import type { CheckpointPayload } from './checkpoint'
import type { RunConfig } from './config'
import type { PointsSample } from './trainer'

/** Messages from the host to the training worker. */
export type WorkerCommand =
  | {
      type: 'start'
      runId: number
      config: RunConfig
      /** Continue from this checkpoint (resume, or fork with `applySettings` false). */
      checkpoint: CheckpointPayload | null
      applySettings: boolean
      /** Milliseconds between metric messages. */
      emitIntervalMs: number
      dataDir?: string
      backend?: string
    }
  | { type: 'pause' }
  | { type: 'resume' }
  | { type: 'step' }
  | { type: 'stop' }
  | { type: 'set'; lrG?: number; lrD?: number; dSteps?: number; gSteps?: number }

export interface RunEvent {
  step: number
  kind: 'started' | 'resumed' | 'paused' | 'stopped' | 'completed' | 'lr-change' | 'ratio-change' | 'non-finite' | 'engine-error' | 'single-step'
    /** The batch size or sample interval the worker picked for a run that left them automatic. */
    | 'pace'
    /** The metrics evaluator: which classifier it uses, why some metrics are off, or a failed evaluation. */
    | 'evaluation'
  message: string
  data?: unknown
}

/** Messages from the training worker to the host. */
export type WorkerMessage =
  | { type: 'progress'; phase: 'dataset' | 'model'; fraction: number; message: string }
  | {
      type: 'ready'
      backend: string
      device: string
      dataset: { kind: 'image' | 'points'; length: number; numClasses: number | null }
      step: number
      parameters: { generator: number; discriminator: number }
    }
  /** The configuration with its automatic settings resolved, to store in place of the requested one. */
  | { type: 'config'; config: RunConfig }
  | { type: 'metrics'; rows: MetricRecord[]; step: number; seconds: number }
  | { type: 'sample'; step: number; kind: 'grid'; png: Uint8Array }
  | { type: 'sample'; step: number; kind: 'points'; data: PointsSample }
  | { type: 'checkpoint'; payload: CheckpointPayload }
  | { type: 'event'; event: RunEvent }
  | { type: 'status'; status: RunStatus; step: number }
  | { type: 'done'; status: RunStatus; step: number; error?: string }
