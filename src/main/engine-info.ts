import type { EngineInfo } from '../preload/api'
import { describeDevice, startEngine as startNodeEngine } from './engine-node'

let starting: Promise<EngineInfo> | null = null

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
    const info = await startNodeEngine()
    return { ok: true, backend: info.name, tfjsBackend: info.tfjsBackend, device: describeDevice(info), tried: info.tried }
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error) }
  }
}
