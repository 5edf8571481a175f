/**
 * The one contract between the UI and the backend: every request channel with its argument schema and
 * result type, and every event the backend pushes. Electron IPC (preload) and the browser transport
 * (`cli serve`, WebSocket) carry exactly these messages; main validates each argument with these
 * schemas on arrival, so a malformed message gets an error reply and never reaches the services.
 */
import { z } from 'zod'

const runId = z.number().int().positive()
const step = z.number().int().min(0)
const learningRate = z.number().positive().max(10)
const stepsPerIteration = z.number().int().min(1).max(100)

/** Argument schemas, one per request channel. Channels without arguments take an empty object. */
export const requestSchemas = {
  'app.info': z.object({}).strict(),
  'config.defaults': z.object({}).strict(),
  'datasets.list': z.object({}).strict(),
  'datasets.inspect': z.object({ ref: z.string().min(1).max(4096) }).strict(),
  /** Opens a native dialog (desktop only); the browser transport answers with `supported: false`. */
  'datasets.choose': z.object({ kind: z.enum(['folder', 'file']) }).strict(),
  'datasets.download': z.object({ name: z.enum(['mnist', 'fashion-mnist', 'cifar10']) }).strict(),
  'runs.list': z.object({ includeHidden: z.boolean().optional() }).strict(),
  'runs.get': z.object({ runId }).strict(),
  /** Metrics of steps `fromStep`.. in order; `maxPoints` thins them evenly for overview charts. */
  'runs.metrics': z.object({ runId, fromStep: step.optional(), maxPoints: z.number().int().min(10).max(1_000_000).optional() }).strict(),
  /** The stored sample nearest to `step` (the latest without one). */
  'runs.sample': z.object({ runId, kind: z.enum(['grid', 'points']), step: step.optional() }).strict(),
  'runs.update': z
    .object({
      runId,
      name: z.string().min(1).max(200).optional(),
      note: z.string().max(10_000).optional(),
      tags: z.array(z.string().min(1).max(50)).max(50).optional(),
      hidden: z.boolean().optional(),
    })
    .strict(),
  'runs.delete': z.object({ runId }).strict(),
  /**
   * Exports a run (see src/main/export). With `path` the files are written there on the backend's
   * machine; without it, a single-file format comes back as a data: URL to download.
   */
  'runs.export': z
    .object({
      runId,
      format: z.enum(['png-grid', 'png-folder', 'gif', 'apng', 'csv', 'json', 'safetensors', 'pytorch']),
      step: step.optional(),
      path: z.string().min(1).max(4096).optional(),
    })
    .strict(),
  /** Starts a run; `config` is validated again by the run-config schema, with its field names in errors. */
  'training.start': z.object({ config: z.record(z.string(), z.unknown()) }).strict(),
  'training.control': z.object({ runId, action: z.enum(['pause', 'resume', 'step', 'stop']) }).strict(),
  'training.set': z
    .object({
      runId,
      lrG: learningRate.optional(),
      lrD: learningRate.optional(),
      dSteps: stepsPerIteration.optional(),
      gSteps: stepsPerIteration.optional(),
    })
    .strict(),
  'training.resume': z.object({ runId, steps: z.number().int().positive().max(10_000_000).optional() }).strict(),
  'training.fork': z.object({ runId, step: step.optional(), changes: z.record(z.string(), z.unknown()) }).strict(),
} as const

export type Channel = keyof typeof requestSchemas
export type RequestOf<C extends Channel> = z.infer<(typeof requestSchemas)[C]>

export type RunStatus = 'created' | 'running' | 'paused' | 'completed' | 'stopped' | 'failed' | 'interrupted'

/** The metrics of one training step; null where a value does not apply (no leak outside the joint scheme). */
export interface Metric {
  step: number
  dLoss: number | null
  gLoss: number | null
  dReal: number | null
  dFake: number | null
  gradNormG: number | null
  gradNormD: number | null
  leakNorm: number | null
  lrG: number | null
  lrD: number | null
  seconds: number | null
  extra?: Record<string, number | null>
}

export interface RunSummary {
  id: number
  name: string
  status: RunStatus
  dataset: string
  model: string
  step: number
  totalSteps: number
  seconds: number
  parentRunId: number | null
  parentStep: number | null
  tags: string[]
  note: string
  hidden: boolean
  createdAt: string
  /** The run configuration as validated (see src/main/trainer/config.ts). */
  config: Record<string, unknown>
  last: Metric | null
  /**
   * The numbers of the run's newest sample-quality evaluation (fd, precision, recall, modesCovered,
   * ...; see src/main/metrics/names.ts), with `step` set to the evaluated step. Absent when the run
   * was never evaluated.
   */
  latestEvaluation?: Record<string, number>
  /** True while a session in this process trains it (controls act on it). */
  live: boolean
}

export interface RunEvent {
  step: number
  kind: string
  message: string
  data?: unknown
}

export interface RunDetail extends RunSummary {
  backend: string | null
  device: string | null
  error: string | null
  checkpoints: number[]
  gridSteps: number[]
  pointSteps: number[]
  events: RunEvent[]
}

export interface PointsSample {
  fake: number[][]
  real: number[][]
  surface: { xMin: number; xMax: number; yMin: number; yMax: number; resolution: number; values: number[] }
}

/** A stored sample: a PNG grid as a data: URL, or 2-D points with D's decision surface. */
export type Sample =
  | { runId: number; step: number; kind: 'grid'; dataUrl: string }
  | { runId: number; step: number; kind: 'points'; data: PointsSample }

export interface BackendSummary {
  name: string
  device: string
  /** The tfjs backend behind the engine's backend: 'tensorflow', 'wasm' or 'cpu'. */
  tfjsBackend?: string
  tried: Array<{ name: string; ok: boolean; error?: string }>
}

export interface DatasetEntry {
  name: string
  ref: string
  origin: 'built-in' | 'downloaded' | 'found' | 'path' | 'downloadable'
  kind: 'image' | 'points'
  count: number | null
  shape: number[] | null
  classes: number | null
}

/** Each channel's result. */
export interface Results {
  'app.info': { version: string; backend: BackendSummary | null; backendError: string | null; dataDir: string; database: string; transport: 'electron' | 'browser' }
  'config.defaults': { defaults: Record<string, unknown> }
  'datasets.list': DatasetEntry[]
  'datasets.inspect': Record<string, unknown>
  'datasets.choose': { supported: boolean; path: string | null }
  'datasets.download': { started: true }
  'runs.list': RunSummary[]
  'runs.get': RunDetail
  'runs.metrics': Metric[]
  'runs.sample': Sample | null
  'runs.update': RunSummary
  'runs.delete': { deleted: number }
  /** `files`: paths written (empty for a download); `step`: the grid or checkpoint step exported, null for whole-run formats. */
  'runs.export': { files: string[]; step: number | null; download: { name: string; dataUrl: string } | null }
  'training.start': { runId: number }
  'training.control': { ok: true }
  'training.set': { ok: true }
  'training.resume': { runId: number }
  'training.fork': { runId: number }
}

/** Events the backend pushes to every connected UI. */
export type BackendEvent =
  | { type: 'run.progress'; runId: number; phase: string; fraction: number; message: string }
  | { type: 'run.ready'; runId: number; backend: string; device: string; step: number }
  | { type: 'run.metrics'; runId: number; rows: Metric[] }
  | { type: 'run.sample'; sample: Sample }
  | { type: 'run.event'; runId: number; event: RunEvent }
  | { type: 'run.status'; runId: number; status: RunStatus; step: number }
  | { type: 'run.done'; runId: number; status: RunStatus; step: number; error?: string }
  | { type: 'dataset.progress'; name: string; fraction: number; message: string; done: boolean; error?: string }
  /** Desktop app menu (View > Runs, View > New run): show that view. */
  | { type: 'app.navigate'; view: 'runs' | 'new-run' }
  /** Desktop app menu (File > Open dataset folder/file): the path chosen in the native dialog. */
  | { type: 'app.dataset-chosen'; kind: 'folder' | 'file'; path: string }

/** An error crossing the boundary as data: a stable code, the message, and per-field issues. */
export interface ErrorReply {
  code: 'INVALID_REQUEST' | 'UNKNOWN_CHANNEL' | 'NOT_FOUND' | 'INVALID_CONFIG' | 'CONFLICT' | 'FAILED'
  message: string
  issues?: Array<{ path: string; message: string }>
}

export type Reply<C extends Channel> = { ok: true; result: Results[C] } | { ok: false; error: ErrorReply }

/**
 * Validates a request from outside: the channel must be known and the argument must match its schema.
 * Returns the parsed argument, or an ErrorReply naming each invalid field.
 */
export function parseRequest(channel: unknown, payload: unknown):
  | { ok: true; channel: Channel; payload: RequestOf<Channel> }
  | { ok: false; error: ErrorReply } {
  if (typeof channel !== 'string' || !Object.hasOwn(requestSchemas, channel)) {
    return { ok: false, error: { code: 'UNKNOWN_CHANNEL', message: `unknown channel ${JSON.stringify(channel)}` } }
  }
  const schema = requestSchemas[channel as Channel]
  const parsed = schema.safeParse(payload ?? {}, { reportInput: true })
  if (parsed.success) return { ok: true, channel: channel as Channel, payload: parsed.data }
  const issues = parsed.error.issues.map((issue) => ({
    path: issue.path.join('.'),
    message: 'input' in issue && issue.input !== undefined ? `${issue.message} (got ${JSON.stringify(issue.input)?.slice(0, 80)})` : issue.message,
  }))
  return {
    ok: false,
    error: {
      code: 'INVALID_REQUEST',
      message: `invalid arguments for ${channel}: ${issues.map((issue) => `${issue.path || '(root)'}: ${issue.message}`).join('; ')}`,
      issues,
    },
  }
}

/** The API the renderer sees, whatever the transport: one function per channel, and event subscription. */
export interface WorkbenchClient {
  call<C extends Channel>(channel: C, payload: RequestOf<C>): Promise<Results[C]>
  /** Subscribes to backend events; returns the unsubscribe function. */
  subscribe(listener: (event: BackendEvent) => void): () => void
}
