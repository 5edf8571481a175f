/**
 * Measures the machine's matrix-multiply rate and prints one JSON line: square float32 products
 * through onnxruntime's MatMul (the engine's native kernels) and through the tfjs wasm backend.
 * Run by bench/run.ts:
 *
 *   tsx bench/peak.ts --threads 2
 */
import { parseArgs } from 'node:util'
import * as tf from '@tensorflow/tfjs-core'
import { startEngine } from '../src/main/engine-node'
import { createOnnxProvider } from '../src/main/kernels/onnxruntime'

const { values } = parseArgs({ options: { threads: { type: 'string', default: '1' } } })

/** GFLOP/s of the best of `repeats` timed products, after one warm-up call. */
function rate(size: number, repeats: number, multiply: (a: tf.Tensor, b: tf.Tensor) => tf.Tensor): number {
  const a = tf.randomNormal([size, size])
  const b = tf.randomNormal([size, size])
  multiply(a, b).dispose()
  let best = Infinity
  for (let i = 0; i < repeats; i++) {
    const started = performance.now()
    const product = multiply(a, b)
    product.dataSync()
    best = Math.min(best, performance.now() - started)
    product.dispose()
  }
  tf.dispose([a, b])
  return (2 * size ** 3) / best / 1e6
}

async function main(): Promise<void> {
  await startEngine({ backend: 'wasm', kernels: 'tfjs' })
  const threads = Number(values.threads)
  const provider = createOnnxProvider({ threads })
  const onnxruntime = rate(2048, 5, (a, b) => provider.kernels.matMul!(a, b, false, false))
  const wasm = rate(1024, 3, (a, b) => tf.matMul(a, b))
  provider.dispose()
  process.stdout.write(`${JSON.stringify({ threads, onnxruntime, wasm })}\n`)
}

main().catch((error: unknown) => {
  process.stdout.write(`${JSON.stringify({ error: (error as Error).message.split('\n')[0] })}\n`)
  process.exitCode = 1
})
