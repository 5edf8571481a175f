import { defineConfig } from 'vitest/config'

const shared = {
  // Engine tests share one tfjs backend per worker; two workers use both cores of a CI machine.
  pool: 'forks' as const,
  maxWorkers: 2,
  testTimeout: 120_000,
  hookTimeout: 120_000,
}

// The PyTorch fixtures run twice: on the tfjs kernels alone, and with onnxruntime's native kernels
// serving the convolutions and matrix products (the default for the app on CPU backends).
const fixtureFiles = ['tests/engine/pytorch-*.test.ts']

export default defineConfig({
  test: {
    ...shared,
    projects: [
      { test: { ...shared, name: 'main', include: ['tests/**/*.test.ts'] } },
      { test: { ...shared, name: 'onnxruntime', include: fixtureFiles, env: { GANWB_KERNELS: 'onnxruntime' } } },
    ],
  },
})
