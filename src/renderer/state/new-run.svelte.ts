/**
 * The New run form's state: the values as typed, the problems found in them, the server's reply to
 * the last start, and the start itself.
 */
import type { WorkbenchClient } from '../../shared/contract'
import { configFromForm, formFromConfig, splitIssues, validateForm, type DatasetTraits, type FieldProblem, type FormValues } from '../logic/config-form'
import { errorReply, errorText } from '../lib/errors'

export class NewRunState {
  defaults = $state.raw<Record<string, unknown> | null>(null)
  values = $state<FormValues>({})
  dataset = $state('digits')
  name = $state('')
  traits = $state<DatasetTraits>({ kind: 'image', classes: 10 })
  /** Problems the server reported for the last start, by field path; cleared when the field changes. */
  serverIssues = $state<Record<string, string>>({})
  serverGeneral = $state<string[]>([])
  startError = $state<string | null>(null)
  starting = $state(false)
  loadError = $state<string | null>(null)

  readonly problems: Map<string, FieldProblem> = $derived(validateForm(this.values, this.traits))

  constructor(private readonly client: WorkbenchClient) {
    void this.loadDefaults()
  }

  async loadDefaults(): Promise<void> {
    try {
      const { defaults } = await this.client.call('config.defaults', {})
      this.defaults = defaults
      this.reset()
      this.loadError = null
    } catch (error) {
      this.loadError = errorText(error)
    }
  }

  /** Puts every field back to the server's defaults. */
  reset(): void {
    if (!this.defaults) return
    this.values = formFromConfig(this.defaults)
    if (typeof this.defaults.dataset === 'string') this.dataset = this.defaults.dataset
    this.serverIssues = {}
    this.serverGeneral = []
    this.startError = null
  }

  setValue(path: string, value: string | boolean): void {
    this.values[path] = value
    delete this.serverIssues[path]
  }

  /** Starts the run; returns its id, or null when the form or the server found a problem. */
  async start(): Promise<number | null> {
    if (this.problems.size > 0 || this.starting) return null
    this.starting = true
    this.serverIssues = {}
    this.serverGeneral = []
    this.startError = null
    try {
      const config = configFromForm(this.values, this.dataset, this.traits, this.name)
      const { runId } = await this.client.call('training.start', { config })
      return runId
    } catch (error) {
      const reply = errorReply(error)
      if (reply?.issues?.length) {
        const { byField, general } = splitIssues(reply.issues)
        this.serverIssues = Object.fromEntries(byField)
        this.serverGeneral = general
      }
      this.startError = errorText(error)
      return null
    } finally {
      this.starting = false
    }
  }
}
