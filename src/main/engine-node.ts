import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import * as torch from '../engine'
import { createOnnxProvider, type OnnxProvider } from './kernels/onnxruntime'

/**
 * The folder holding the wasm backend's .wasm files, for `initEngine({ wasmPaths })`. The engine
 * cannot find it itself because it does not import Node's modules. Undefined when the package cannot
 * be resolved, which leaves the backend's own lookup in place.
 */
export function wasmDirectory(): string | undefined {
  try {
    const require = createRequire(import.meta.url)
    return join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist')
  } catch {
    return undefined
  }
}

export type KernelChoice = 'auto' | 'onnxruntime' | 'tfjs'
const kernelChoices: readonly KernelChoice[] = ['auto', 'onnxruntime', 'tfjs']

export interface StartOptions {
  backend?: torch.BackendName | 'auto'
  /**
   * Source of the heavy kernels on the CPU backends: 'auto' (onnxruntime where it loads, else tfjs),
   * 'onnxruntime' (fail if it cannot load) or 'tfjs'. Default: GANWB_KERNELS, else 'auto'.
   */
  kernels?: KernelChoice
  /** Threads for the native kernels; default: GANWB_THREADS, else every core. */
  threads?: number
}

export interface StartedEngine extends torch.BackendInfo {
  /** Reason the native kernels are off when onnxruntime was requested but could not load. */
  kernelNote?: string
}

let provider: OnnxProvider | null = null

function removeProvider(): void {
  if (!provider) return
  torch.removeKernelProvider(provider.name)
  provider.dispose()
  provider = null
}

function requestedKernels(options: StartOptions): KernelChoice {
  const fromEnv = process.env.GANWB_KERNELS
  const value = options.kernels ?? (fromEnv && fromEnv.length > 0 ? fromEnv : 'auto')
  if (!(kernelChoices as readonly string[]).includes(value)) {
    throw new torch.EngineError(
      'INVALID_ARGUMENT',
      `unknown kernel choice '${value}'${options.kernels ? '' : ' (from GANWB_KERNELS)'}; choose one of ${kernelChoices.join(', ')}`,
    )
  }
  return value as KernelChoice
}

function requestedThreads(options: StartOptions): number | undefined {
  if (options.threads !== undefined) return options.threads
  const fromEnv = process.env.GANWB_THREADS
  if (!fromEnv) return undefined
  const threads = Number(fromEnv)
  if (!Number.isInteger(threads) || threads < 1) {
    throw new torch.EngineError('INVALID_ARGUMENT', `GANWB_THREADS must be a whole number of at least 1, got '${fromEnv}'; unset it to use every core`)
  }
  return threads
}

/**
 * Checks GANWB_BACKEND, GANWB_KERNELS and GANWB_THREADS without starting anything, so that a command can reject bad
 * values before it creates a run. Raises the same EngineError that startEngine would.
 */
export function checkEngineSettings(options: StartOptions = {}): void {
  torch.requestedBackend(options)
  requestedKernels(options)
  requestedThreads(options)
}

/**
 * Starts the engine for Node (the trainer's worker, the CLI, the benchmark): picks the tfjs backend,
 * then, on the CPU backends (wasm, cpu), routes the heavy kernels to onnxruntime's native kernels
 * when it loads. See Note [onnxruntime as a kernel provider]. On tfjs-node and tfjs-node-gpu,
 * TensorFlow's own kernels are already native, so they stay.
 */
export async function startEngine(options: StartOptions = {}): Promise<StartedEngine> {
  const kernels = requestedKernels(options)
  const threads = requestedThreads(options)
  const info = await torch.initEngine({ backend: options.backend, wasmPaths: wasmDirectory() })
  const cpuBackend = info.tfjsBackend === 'wasm' || info.tfjsBackend === 'cpu'
  const keep = kernels !== 'tfjs' && cpuBackend && provider !== null && (threads === undefined || provider.threads === threads)
  if (keep) return torch.getBackend()
  removeProvider()
  if (kernels === 'tfjs' || !cpuBackend) return torch.getBackend()
  try {
    provider = createOnnxProvider({ threads, onFallback: (message) => console.warn(message) })
    torch.registerKernelProvider(provider)
    return torch.getBackend()
  } catch (error) {
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error)
    if (kernels === 'onnxruntime') {
      throw new torch.EngineError(
        'BACKEND_UNAVAILABLE',
        `onnxruntime-node could not load (${reason}). It is an optional dependency, so npm leaves it out when its ` +
          'install script fails: run `ONNXRUNTIME_NODE_INSTALL=skip npm install onnxruntime-node`, or set GANWB_KERNELS=tfjs to use the tfjs kernels.',
      )
    }
    return {
      ...torch.getBackend(),
      kernelNote:
        `native kernels are off because onnxruntime-node could not load (${reason}), so training is several times slower; ` +
        'install it with `ONNXRUNTIME_NODE_INSTALL=skip npm install onnxruntime-node`',
    }
  }
}

/**
 * Describes the device as the app shows it: 'cpu' or 'cuda', then the native kernel provider when
 * one serves the heavy kernels, for example "cpu · onnxruntime 1.31.1 (2 threads)".
 */
export function describeDevice(info: torch.BackendInfo): string {
  return [info.device, ...info.kernelProviders].join(' · ')
}
