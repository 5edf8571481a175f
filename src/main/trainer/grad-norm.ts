import * as torch from '../../engine'
import type { Tensor } from '../../engine'

/** The L2 norm of all parameters' gradients together, as clip_grad_norm_ reports it; 0 when none has one. */
export function gradNorm(params: readonly Tensor[]): number {
  return torch.noGrad(() =>
    torch.scope(() => {
      const squares = params.filter((p) => p.grad !== null).map((p) => (p.grad as Tensor).pow(2).sum())
      if (squares.length === 0) return 0
      return Math.sqrt(torch.stack(squares).sum().item())
    }),
  )
}
