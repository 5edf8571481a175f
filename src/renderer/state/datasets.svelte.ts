/** The datasets the backend offers, their downloads in progress and the summaries already inspected. */
import type { BackendEvent, DatasetEntry, WorkbenchClient } from '../../shared/contract'
import { errorText } from '../lib/errors'

export interface DownloadState {
  fraction: number
  message: string
  done: boolean
  error: string | null
}

/** The parts of a `datasets.inspect` summary the form shows. */
export interface DatasetDetails {
  name: string
  kind: 'image' | 'points'
  count: number | null
  shape: number[] | null
  classes: string[] | null
  format: string | null
  knownAs: string | null
  path: string | null
  warnings: string[]
}

/** Reads the inspect summary defensively: the contract types it as a plain record. */
export function readDetails(summary: Record<string, unknown>): DatasetDetails {
  const classes = Array.isArray(summary.classes)
    ? summary.classes.map((entry: unknown) =>
        typeof entry === 'object' && entry !== null && 'name' in entry ? String((entry as { name: unknown }).name) : String(entry),
      )
    : null
  return {
    name: String(summary.name ?? summary.ref ?? ''),
    kind: summary.kind === 'points' ? 'points' : 'image',
    count: typeof summary.count === 'number' ? summary.count : null,
    shape: Array.isArray(summary.shape) ? summary.shape.map(Number) : null,
    classes,
    format: typeof summary.format === 'string' ? summary.format : null,
    knownAs: typeof summary.knownAs === 'string' ? summary.knownAs : null,
    path: typeof summary.path === 'string' ? summary.path : null,
    warnings: Array.isArray(summary.warnings) ? summary.warnings.map(String) : [],
  }
}

export class DatasetsState {
  entries = $state.raw<DatasetEntry[]>([])
  listError = $state<string | null>(null)
  downloads = $state<Record<string, DownloadState>>({})
  details = $state<Record<string, DatasetDetails>>({})
  inspectErrors = $state<Record<string, string>>({})
  inspecting = $state<Record<string, boolean>>({})
  private readonly unsubscribe: () => void

  constructor(private readonly client: WorkbenchClient) {
    this.unsubscribe = client.subscribe((event) => this.receive(event))
    void this.refresh()
  }

  async refresh(): Promise<void> {
    try {
      this.entries = await this.client.call('datasets.list', {})
      this.listError = null
    } catch (error) {
      this.listError = errorText(error)
    }
  }

  /** Fetches a dataset's summary once; later calls reuse it. */
  async inspect(ref: string): Promise<void> {
    if (this.details[ref] || this.inspecting[ref]) return
    this.inspecting[ref] = true
    try {
      this.details[ref] = readDetails(await this.client.call('datasets.inspect', { ref }))
      delete this.inspectErrors[ref]
    } catch (error) {
      this.inspectErrors[ref] = errorText(error)
    } finally {
      delete this.inspecting[ref]
    }
  }

  async download(name: 'mnist' | 'fashion-mnist' | 'cifar10'): Promise<void> {
    this.downloads[name] = { fraction: 0, message: '', done: false, error: null }
    try {
      await this.client.call('datasets.download', { name })
    } catch (error) {
      this.downloads[name] = { fraction: 0, message: '', done: true, error: errorText(error) }
    }
  }

  /** Opens the desktop's file dialog; returns the chosen path, or null when cancelled or not supported. */
  async choose(kind: 'folder' | 'file'): Promise<{ supported: boolean; path: string | null }> {
    return this.client.call('datasets.choose', { kind })
  }

  dispose(): void {
    this.unsubscribe()
  }

  private receive(event: BackendEvent): void {
    if (event.type !== 'dataset.progress') return
    this.downloads[event.name] = {
      fraction: event.fraction,
      message: event.message,
      done: event.done,
      error: event.error ?? null,
    }
    if (event.done && !event.error) {
      delete this.details[event.name]
      void this.refresh()
    }
  }
}
