/**
 * Times one benchmark case in this process and prints one JSON line: one training iteration (one D
 * step on detached fakes, one G step, Adam, batch 64) of a 28x28 GAN, on one backend and one
 * implementation. Run by bench/run.ts, one process per case, so backends never mix.
 *
 *   tsx bench/step.ts --backend wasm --kernels onnxruntime --model dcgan --impl engine --iterations 10
 */
import { parseArgs } from 'node:util'
import * as torch from '../src/engine'
import * as tf from '@tensorflow/tfjs-core'
import { startEngine, type KernelChoice } from '../src/main/engine-node'
import { plainDcgan, plainMlp, plainStepper } from './tfjs-models'
import { batch, engineStepper, latent } from './engine-step'

const { values } = parseArgs({
  options: {
    backend: { type: 'string', default: 'wasm' },
    kernels: { type: 'string', default: 'tfjs' },
    threads: { type: 'string' },
    model: { type: 'string', default: 'dcgan' },
    impl: { type: 'string', default: 'engine' },
    iterations: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '2' },
  },
})

async function main(): Promise<void> {
  const info = await startEngine({ backend: values.backend as torch.BackendName, kernels: values.kernels as KernelChoice, threads: values.threads ? Number(values.threads) : undefined })
  const step = values.impl === 'engine'
    ? engineStepper(values.model as string)
    : plainStepper(values.model === 'mlp' ? plainMlp(latent, 256, 784) : plainDcgan(latent, 64), latent, batch, [28, 28, 1])
  const warmup = Number(values.warmup)
  const iterations = Number(values.iterations)
  for (let i = 0; i < warmup; i++) step()
  const times: number[] = []
  const tensorsBefore = tf.memory().numTensors
  for (let i = 0; i < iterations; i++) {
    const started = performance.now()
    step()
    times.push((performance.now() - started) / 1000)
  }
  times.sort((a, b) => a - b)
  const result = {
    backend: info.name,
    device: info.device,
    kernels: info.kernelProviders.join(', ') || 'tfjs',
    model: values.model,
    impl: values.impl,
    iterations,
    median: times[Math.floor(times.length / 2)],
    min: times[0],
    max: times[times.length - 1],
    leakedTensors: tf.memory().numTensors - tensorsBefore,
  }
  process.stdout.write(`${JSON.stringify(result)}\n`)
}

main().catch((error: unknown) => {
  process.stdout.write(`${JSON.stringify({ error: (error as Error).message.split('\n')[0] })}\n`)
  process.exitCode = 1
})
