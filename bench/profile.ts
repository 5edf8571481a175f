/**
 * Per-kernel profile of one training iteration: wraps every kernel of the engine's kernel table with a
 * timer (through registerKernelProvider), runs warm-up iterations, then reports where one iteration's
 * time goes. On the wasm and cpu backends kernels run synchronously, so the times are the kernels' own.
 *
 *   tsx bench/profile.ts --model dcgan --backend wasm [--kernels onnxruntime] [--json]
 */
import { parseArgs } from 'node:util'
import * as torch from '../src/engine'
import { K, type Kernels } from '../src/engine/kernels'
import { startEngine, type KernelChoice } from '../src/main/engine-node'
import { engineStepper } from './engine-step'
import { kernelFlops } from './flops'

const { values } = parseArgs({
  options: {
    backend: { type: 'string', default: 'wasm' },
    kernels: { type: 'string', default: 'tfjs' },
    threads: { type: 'string' },
    model: { type: 'string', default: 'dcgan' },
    iterations: { type: 'string', default: '3' },
    json: { type: 'boolean', default: false },
  },
})

interface Entry { calls: number; ms: number; flops: number }

async function main(): Promise<void> {
  await startEngine({ backend: values.backend as torch.BackendName, kernels: values.kernels as KernelChoice, threads: values.threads ? Number(values.threads) : undefined })
  const step = engineStepper(values.model as string)
  step()
  step()

  const table = new Map<string, Entry>()
  let timing = false
  const original = { ...K } as Record<string, (...args: unknown[]) => unknown>
  const wrapped: Partial<Kernels> = {}
  for (const [name, kernel] of Object.entries(original)) {
    ;(wrapped as Record<string, unknown>)[name] = (...args: unknown[]) => {
      if (!timing) return kernel(...args)
      // Nested kernel calls (a kernel built from others) are charged to the outer one only.
      timing = false
      const started = performance.now()
      try {
        return kernel(...args)
      } finally {
        const entry = table.get(name) ?? { calls: 0, ms: 0, flops: 0 }
        entry.calls++
        entry.ms += performance.now() - started
        entry.flops += kernelFlops(name, args)
        table.set(name, entry)
        timing = true
      }
    }
  }
  torch.registerKernelProvider({ name: 'profiler', kernels: wrapped })

  const iterations = Number(values.iterations)
  const started = performance.now()
  timing = true
  for (let i = 0; i < iterations; i++) step()
  timing = false
  const total = (performance.now() - started) / iterations
  torch.removeKernelProvider('profiler')

  const rows = [...table.entries()]
    .map(([name, entry]) => ({ kernel: name, calls: entry.calls / iterations, ms: entry.ms / iterations, flops: entry.flops / iterations }))
    .sort((a, b) => b.ms - a.ms)
  const kernelMs = rows.reduce((sum, row) => sum + row.ms, 0)
  const flops = rows.reduce((sum, row) => sum + row.flops, 0)
  const info = torch.getBackend()
  const result = {
    backend: info.name,
    kernels: info.kernelProviders.join(', ') || 'tfjs',
    model: values.model,
    iterationMs: total,
    kernelMs,
    overheadMs: total - kernelMs,
    flops,
    rows,
  }
  if (values.json) {
    process.stdout.write(`${JSON.stringify(result)}\n`)
    return
  }
  process.stdout.write(
    `${values.model} on ${result.backend} with ${result.kernels} kernels: ${total.toFixed(1)} ms per iteration, ` +
      `${kernelMs.toFixed(1)} ms in kernels, ${(flops / 1e9).toFixed(2)} GFLOP (${(flops / total / 1e6).toFixed(1)} GFLOP/s)\n`,
  )
  for (const row of rows.slice(0, 25)) {
    const rate = row.flops > 0 ? `${(row.flops / row.ms / 1e6).toFixed(1).padStart(7)} GFLOP/s` : ''
    process.stdout.write(`${row.kernel.padEnd(20)} ${row.calls.toFixed(0).padStart(5)} calls ${row.ms.toFixed(1).padStart(8)} ms ${((row.ms / total) * 100).toFixed(1).padStart(5)}% ${rate}\n`)
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack}\n`)
  process.exitCode = 1
})
