import { tf } from './tf'
import { EngineError } from './errors'
import { type Device, setCurrentDevice } from './device'
import { kernelProviders } from './kernels'

/** Backends in the order the engine tries them. */
export const backendOrder = ['tfjs-node-gpu', 'tfjs-node', 'wasm', 'cpu'] as const
export type BackendName = (typeof backendOrder)[number]

export interface BackendAttempt {
  name: BackendName
  ok: boolean
  /** Why the backend could not be used, when it failed. */
  error?: string
}

export interface BackendInfo {
  name: BackendName
  /** The tfjs backend behind it: 'tensorflow', 'wasm' or 'cpu'. */
  tfjsBackend: string
  device: Device
  /** Every backend tried, in order, with the reason each failed. */
  tried: BackendAttempt[]
  /** Extra kernel providers serving some kernels instead of tfjs. */
  kernelProviders: string[]
}

export interface InitOptions {
  /** A backend to force; otherwise the GANWB_BACKEND environment variable, otherwise the best available. */
  backend?: BackendName | 'auto'
  /**
   * Folder (or URL prefix) holding the wasm backend's .wasm files. Under Node the caller passes the
   * package's `dist/` folder, because the engine does not import Node's path modules.
   */
  wasmPaths?: string
}

let active: BackendInfo | null = null
let initializing: Promise<BackendInfo> | null = null

// A variable specifier keeps bundlers from resolving optional packages that may not be installed.
async function importOptional(specifier: string): Promise<unknown> {
  return import(/* @vite-ignore */ specifier)
}

function describe(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error)
  return message.split('\n')[0].slice(0, 300)
}

async function tryBackend(name: BackendName, options: InitOptions): Promise<Device> {
  switch (name) {
    case 'tfjs-node-gpu':
    case 'tfjs-node': {
      await importOptional(name === 'tfjs-node-gpu' ? '@tensorflow/tfjs-node-gpu' : '@tensorflow/tfjs-node')
      if (!(await tf.setBackend('tensorflow'))) throw new Error("the 'tensorflow' backend did not initialize")
      const backend = tf.backend() as unknown as { isUsingGpuDevice?: () => boolean }
      const onGpu = backend.isUsingGpuDevice?.() ?? false
      if (name === 'tfjs-node-gpu' && !onGpu) {
        throw new Error('the package loaded but TensorFlow found no usable CUDA device (it needs CUDA 11.2 and cuDNN 8.1)')
      }
      return onGpu ? 'cuda' : 'cpu'
    }
    case 'wasm': {
      const wasm = (await importOptional('@tensorflow/tfjs-backend-wasm')) as {
        setWasmPaths?: (prefix: string) => void
      }
      if (options.wasmPaths) wasm.setWasmPaths?.(options.wasmPaths.endsWith('/') ? options.wasmPaths : `${options.wasmPaths}/`)
      if (!(await tf.setBackend('wasm'))) throw new Error("the 'wasm' backend did not initialize")
      return 'cpu'
    }
    case 'cpu': {
      await importOptional('@tensorflow/tfjs-backend-cpu')
      if (!(await tf.setBackend('cpu'))) throw new Error("the 'cpu' backend did not initialize")
      return 'cpu'
    }
  }
}

/**
 * Returns the backend that `options.backend` or GANWB_BACKEND requests, or raises a
 * BACKEND_UNAVAILABLE error for a name that is not a backend.
 */
export function requestedBackend(options: Pick<InitOptions, 'backend'> = {}): BackendName | 'auto' {
  const fromEnv = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.GANWB_BACKEND
  const requested = options.backend ?? (fromEnv && fromEnv.length > 0 ? fromEnv : 'auto')
  if (requested !== 'auto' && !(backendOrder as readonly string[]).includes(requested)) {
    throw new EngineError(
      'BACKEND_UNAVAILABLE',
      `unknown backend '${requested}'${options.backend ? '' : ' (from GANWB_BACKEND)'}; choose one of ${backendOrder.join(', ')} or auto`,
    )
  }
  return requested as BackendName | 'auto'
}

async function initialize(options: InitOptions): Promise<BackendInfo> {
  const requested = requestedBackend(options)
  const candidates = requested === 'auto' ? [...backendOrder] : [requested]
  const tried: BackendAttempt[] = []
  for (const name of candidates) {
    try {
      const device = await tryBackend(name, options)
      tried.push({ name, ok: true })
      setCurrentDevice(device)
      active = {
        name,
        tfjsBackend: tf.getBackend(),
        device,
        tried,
        kernelProviders: kernelProviders().map((provider) => provider.name),
      }
      return active
    } catch (error) {
      tried.push({ name, ok: false, error: describe(error) })
    }
  }
  const report = tried.map((attempt) => `  ${attempt.name}: ${attempt.error}`).join('\n')
  throw new EngineError(
    'BACKEND_UNAVAILABLE',
    `no tensor backend could start. Tried:\n${report}\n` +
      (requested === 'auto'
        ? 'Reinstall the dependencies (npm install) so that @tensorflow/tfjs-backend-wasm is present.'
        : `Unset GANWB_BACKEND or choose another of ${backendOrder.join(', ')}.`),
  )
}

/**
 * Starts the engine on the best available backend, or the one forced by `options.backend` or the
 * GANWB_BACKEND environment variable. Must finish before the first op. Calling it again with no
 * backend returns the running backend; naming another backend switches to it.
 */
export async function initEngine(options: InitOptions = {}): Promise<BackendInfo> {
  if (initializing) await initializing.catch(() => undefined)
  if (active && (options.backend === undefined || options.backend === 'auto' || options.backend === active.name)) {
    return active
  }
  initializing = initialize(options)
  try {
    return await initializing
  } finally {
    initializing = null
  }
}

/** Switches to another backend. Tensors made on the old one must not be used afterwards. */
export async function setBackend(name: BackendName, options: Omit<InitOptions, 'backend'> = {}): Promise<BackendInfo> {
  return initEngine({ ...options, backend: name })
}

/** The running backend: its name, the device, and what was tried before it. */
export function getBackend(): BackendInfo {
  if (!active) {
    throw new EngineError('BACKEND_UNAVAILABLE', 'the engine has not started: await initEngine() before the first op')
  }
  return { ...active, kernelProviders: kernelProviders().map((provider) => provider.name) }
}

export function isEngineReady(): boolean {
  return active !== null
}
