/**
 * The contract between main and the renderer: the IPC channels main handles, and the API the preload
 * exposes on `window.workbench`. The renderer can call only `WorkbenchApi`, never ipcRenderer.
 */

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

/** Each IPC channel with its arguments and result. Main checks the arguments on arrival. */
export interface IpcContract {
  'workbench:version': { args: []; result: string }
  'workbench:engine-info': { args: []; result: EngineInfo }
}

export type IpcChannel = keyof IpcContract

/** The API on `window.workbench`. */
export interface WorkbenchApi {
  /** The app's version from package.json. */
  version(): Promise<string>
  /** Starts the engine in main on first call and returns its backend. */
  engineInfo(): Promise<EngineInfo>
}

declare global {
  interface Window {
    workbench: WorkbenchApi
  }
}
