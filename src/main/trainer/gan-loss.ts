import * as torch from '../../engine'
import type { Tensor } from '../../engine'
import type { RunConfig } from './config'

const F = torch.nn.functional

/**
 * The GAN objectives on D's logits. `realTarget` is 1, or 1 - s with one-sided label smoothing s
 * (Salimans et al. 2016), used for D's real term only.
 */
export function discriminatorLoss(kind: RunConfig['loss'], realLogits: Tensor, fakeLogits: Tensor, realTarget: number): Tensor {
  switch (kind) {
    case 'bce':
    case 'minimax':
      return F.binaryCrossEntropyWithLogits(realLogits, torch.fullLike(realLogits, realTarget))
        .add(F.binaryCrossEntropyWithLogits(fakeLogits, torch.zerosLike(fakeLogits)))
    case 'lsgan':
      // Mao et al. 2017: 0.5 E[(D(x) - 1)^2] + 0.5 E[D(G(z))^2]
      return realLogits.sub(realTarget).pow(2).mean().mul(0.5).add(fakeLogits.pow(2).mean().mul(0.5))
    case 'hinge':
      return torch.nn.functional.relu(realLogits.neg().add(realTarget)).mean()
        .add(torch.nn.functional.relu(fakeLogits.add(1)).mean())
  }
}

export function generatorLoss(kind: RunConfig['loss'], fakeLogits: Tensor): Tensor {
  switch (kind) {
    case 'bce':
      // Non-saturating: maximise log D(G(z)).
      return F.binaryCrossEntropyWithLogits(fakeLogits, torch.onesLike(fakeLogits))
    case 'minimax':
      // The original objective: minimise log(1 - D(G(z))), which saturates while D wins.
      return F.binaryCrossEntropyWithLogits(fakeLogits, torch.zerosLike(fakeLogits)).neg()
    case 'lsgan':
      return fakeLogits.sub(1).pow(2).mean().mul(0.5)
    case 'hinge':
      return fakeLogits.mean().neg()
  }
}

/** What the charts show as D(x) and D(G(z)): a probability for the BCE losses, the raw score otherwise. */
export function discriminatorScore(kind: RunConfig['loss'], logits: Tensor): number {
  return torch.noGrad(() => (kind === 'bce' || kind === 'minimax' ? logits.sigmoid() : logits).mean().item())
}
