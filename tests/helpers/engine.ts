import { expect } from 'vitest'
import * as torch from '../../src/engine'
import { startEngine as startNodeEngine } from '../../src/main/engine-node'

/**
 * Starts the engine once per test file, on the backend CI runs (wasm) unless GANWB_BACKEND sets
 * another. The tfjs kernels serve alone unless GANWB_KERNELS requests onnxruntime's, as the
 * 'onnxruntime' project of vitest.config.ts does.
 */
export async function startEngine(): Promise<torch.BackendInfo> {
  if (process.env.GANWB_KERNELS === 'onnxruntime') {
    const info = await startNodeEngine({ kernels: 'onnxruntime' })
    expect(info.kernelProviders.some((name) => name.startsWith('onnxruntime'))).toBe(true)
    return info
  }
  return torch.initEngine()
}

/** Runs `fn` and checks that it left no tfjs tensor behind. */
export function expectNoLeak(fn: () => void): void {
  const before = torch.memory().numTensors
  fn()
  expect(torch.memory().numTensors - before, 'tfjs tensors leaked').toBe(0)
}

/** Element-wise closeness with a combined tolerance, reporting the worst element on failure. */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, atol = 1e-5, rtol = 1e-4): void {
  expect(actual.length, 'number of elements').toBe(expected.length)
  let worst = -1
  let worstExcess = 0
  for (let i = 0; i < actual.length; i++) {
    const excess = Math.abs(actual[i] - expected[i]) - (atol + rtol * Math.abs(expected[i]))
    if (excess > worstExcess || Number.isNaN(actual[i]) !== Number.isNaN(expected[i])) {
      worstExcess = excess
      worst = i
    }
  }
  if (worst >= 0) {
    expect.fail(`element ${worst}: got ${actual[worst]}, expected ${expected[worst]} (atol ${atol}, rtol ${rtol})`)
  }
}

export { torch }
