/**
 * App-wide state: the transport, the screen shown, the backend's report and the connection. One
 * instance is made in App.svelte and handed to components through `getApp()`.
 */
import { getContext, setContext } from 'svelte'
import type { Results, WorkbenchClient } from '../../shared/contract'
import type { ConnectionState, Transport } from '../lib/client'
import { errorText } from '../lib/errors'

export type Screen = 'new' | 'live' | 'runs' | 'compare'

export class AppState {
  readonly client: WorkbenchClient
  readonly transportKind: Transport['kind']
  screen = $state<Screen>('new')
  info = $state<Results['app.info'] | null>(null)
  infoError = $state<string | null>(null)
  connection = $state<ConnectionState>('open')
  /** The run the Live screen shows: the one started or resumed here, or one found training at start. */
  liveRunId = $state<number | null>(null)
  /** The run opened on the Runs screen; null shows the list. */
  openRunId = $state<number | null>(null)
  /** The runs the Compare screen shows, in the order they were picked. */
  compareIds = $state.raw<number[]>([])
  /** Bumped after a reconnect, so views reload what they may have missed. */
  reconnects = $state(0)

  constructor(transport: Transport) {
    this.client = transport.client
    this.transportKind = transport.kind
    let wasOpen = true
    transport.onStateChange((state) => {
      this.connection = state
      if (state === 'open' && !wasOpen) this.reconnects++
      wasOpen = state === 'open'
    })
  }

  /** Loads the backend report and shows a run that is already training (for example after a reload). */
  async start(): Promise<void> {
    try {
      this.info = await this.client.call('app.info', {})
    } catch (error) {
      this.infoError = errorText(error)
    }
    try {
      const runs = await this.client.call('runs.list', {})
      const live = runs.find((run) => run.live)
      if (live) {
        this.liveRunId = live.id
        this.screen = 'live'
      }
    } catch (error) {
      this.infoError ??= errorText(error)
    }
  }

  watchLive(runId: number): void {
    this.liveRunId = runId
    this.screen = 'live'
  }

  compare(runIds: number[]): void {
    this.compareIds = runIds
    this.screen = 'compare'
  }

  openRun(runId: number | null): void {
    this.openRunId = runId
    this.screen = 'runs'
  }
}

const key = Symbol('app')

export function setApp(app: AppState): AppState {
  return setContext(key, app)
}

export function getApp(): AppState {
  const app = getContext<AppState | undefined>(key)
  if (!app) throw new Error('getApp() was called outside App.svelte, which provides the app state')
  return app
}
