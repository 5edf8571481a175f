import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import * as torch from '../engine'
import type { EngineInfo } from '../preload/api'

let starting: Promise<EngineInfo> | null = null

/** The folder with the wasm backend's .wasm files, which tfjs cannot locate by itself in a bundle. */
export function wasmBinaryFolder(): string {
  const packageJson = createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm/package.json')
  return join(dirname(packageJson), 'dist')
}

/**
 * Starts the engine on first call and reports its backend. A failure is returned as data rather than
 * thrown, so the renderer can show why no backend started.
 */
export function engineInfo(): Promise<EngineInfo> {
  starting ??= startEngine()
  return starting
}

async function startEngine(): Promise<EngineInfo> {
  try {
    const info = await torch.initEngine({ wasmPaths: wasmBinaryFolder() })
    return { ok: true, backend: info.name, tfjsBackend: info.tfjsBackend, device: info.device, tried: info.tried }
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error) }
  }
}
