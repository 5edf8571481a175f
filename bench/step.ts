/**
 * Times one benchmark case in this process and prints one JSON line: one training iteration (one D
 * step on detached fakes, one G step, Adam, batch 64) of a 28x28 GAN, on one backend and one
 * implementation. Run by bench/run.ts, one process per case, so backends never mix.
 *
 *   tsx bench/step.ts --backend wasm --model dcgan --impl engine --iterations 10
 */
import { parseArgs } from 'node:util'
import * as torch from '../src/engine'
import * as tf from '@tensorflow/tfjs-core'
import { wasmDirectory } from '../src/main/engine-node'
import { parseRunConfig } from '../src/main/trainer/config'
import { buildModels } from '../src/main/trainer/models'
import { plainDcgan, plainMlp, plainStepper } from './tfjs-models'

const { values } = parseArgs({
  options: {
    backend: { type: 'string', default: 'wasm' },
    model: { type: 'string', default: 'dcgan' },
    impl: { type: 'string', default: 'engine' },
    iterations: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '2' },
  },
})

const batch = 64
const latent = 100

function engineStepper(model: string): () => void {
  const config = parseRunConfig({ model: { preset: model, width: model === 'mlp' ? 256 : 64, depth: 2 } })
  const { G, D } = buildModels(config, { kind: 'image', imageShape: [1, 28, 28], numClasses: null })
  const F = torch.nn.functional
  const optG = new torch.optim.Adam(G.parameters(), { lr: 2e-4, betas: [0.5, 0.999] })
  const optD = new torch.optim.Adam(D.parameters(), { lr: 2e-4, betas: [0.5, 0.999] })
  const real = torch.rand([batch, 1, 28, 28]).mul(2).sub(1)
  return () => {
    torch.scope(() => {
      const fake = G.forward(torch.randn([batch, latent]))
      const realLogits = D.forward(real)
      const fakeLogits = D.forward(fake.detach())
      const lossD = F.binaryCrossEntropyWithLogits(realLogits, torch.onesLike(realLogits))
        .add(F.binaryCrossEntropyWithLogits(fakeLogits, torch.zerosLike(fakeLogits)))
      optD.zeroGrad()
      lossD.backward()
      optD.step()
      const logits = D.forward(G.forward(torch.randn([batch, latent])))
      const lossG = F.binaryCrossEntropyWithLogits(logits, torch.onesLike(logits))
      optG.zeroGrad()
      lossG.backward()
      optG.step()
      lossD.item()
      lossG.item()
    })
  }
}

async function main(): Promise<void> {
  const info = await torch.initEngine({ backend: values.backend as torch.BackendName, wasmPaths: wasmDirectory() })
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
