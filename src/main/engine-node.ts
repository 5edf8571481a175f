import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'

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
