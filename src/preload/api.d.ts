/**
 * The renderer's whole view of the backend: `window.workbench`, built by the preload from the
 * contract in src/shared/contract.ts. One function per request channel, grouped by the part before
 * the dot (`window.workbench.runs.list({})`, `window.workbench.training.set({ runId, lrG })`), each
 * resolving to the channel's Reply: `{ ok: true, result }` or `{ ok: false, error }` with the
 * error's code as data. The renderer has no access to ipcRenderer.
 */
import type { BackendEvent, Channel, Reply, RequestOf } from '../shared/contract'

/** The tensor backend the engine runs on in the main process. */
export interface EngineSummary {
  /** The engine's backend name: 'tfjs-node-gpu', 'tfjs-node', 'wasm' or 'cpu'. */
  backend: string
  /** The tfjs backend behind it: 'tensorflow', 'wasm' or 'cpu'. */
  tfjsBackend: string
  /** 'cuda' or 'cpu'. */
  device: string
  /** Every backend tried in order, with the reason each one that failed did not start. */
  tried: Array<{ name: string; ok: boolean; error?: string }>
}

/** The engine's state as main reports it: its backend, or why no backend started. */
export type EngineInfo = ({ ok: true } & EngineSummary) | { ok: false; error: string }

type GroupOf<C extends string> = C extends `${infer Group}.${string}` ? Group : never
type ChannelGroup = GroupOf<Channel>

/** A channel's function: the payload may be left out when every field of it is optional. */
type ChannelFunction<C extends Channel> = {} extends RequestOf<C>
  ? (payload?: RequestOf<C>) => Promise<Reply<C>>
  : (payload: RequestOf<C>) => Promise<Reply<C>>

/** The functions of one group, named by the part of each channel after the dot. */
export type ChannelGroupApi<G extends ChannelGroup> = {
  [C in Channel as C extends `${G}.${infer Name}` ? Name : never]: ChannelFunction<C>
}

/** The API on `window.workbench`. */
export type WorkbenchApi = { [G in ChannelGroup]: ChannelGroupApi<G> } & {
  /** Calls `listener` with every event main pushes; returns the function that unsubscribes it. */
  onEvent(listener: (event: BackendEvent) => void): () => void
  /**
   * The app's version, from `app.info`.
   * NOTE: kept for the skeleton page; new renderer code reads `app.info` instead.
   */
  version(): Promise<string>
  /**
   * The engine's backend in main, from `app.info`.
   * NOTE: kept for the skeleton page; new renderer code reads `app.info` instead.
   */
  engineInfo(): Promise<EngineInfo>
}

declare global {
  interface Window {
    workbench: WorkbenchApi
  }
}
