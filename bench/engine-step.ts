/**
 * The benchmark iteration written with the engine: the app's model presets, two Adam optimizers, BCE with
 * logits, one D step on detached fakes and one G step, inside a scope.
 */
import * as torch from '../src/engine'
import { parseRunConfig } from '../src/main/trainer/config'
import { buildModels } from '../src/main/trainer/models'

export const batch = 64
export const latent = 100

export function engineStepper(model: string): () => void {
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
