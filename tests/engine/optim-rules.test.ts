import { beforeAll, describe, expect, it } from 'vitest'
import { expectClose, startEngine, torch } from '../helpers/engine'

beforeAll(startEngine)

type Tensor = torch.Tensor

const start = [1, -2, 0.5]
const grads = [
  [0.5, 1, -0.25],
  [-1, 2, 0.75],
  [0.2, -0.3, 0.1],
]

/** Runs `optimizer` over the fixed gradients above and returns the parameter after each step. */
function runSteps(param: Tensor, optimizer: torch.optim.Optimizer): number[][] {
  const history: number[][] = []
  for (const grad of grads) {
    param.grad = torch.tensor(grad)
    optimizer.step()
    history.push(Array.from(param.toArray()))
  }
  return history
}

// Reference rules in float64, written from PyTorch 1.13's single-tensor update formulas.

function sgdReference(options: { lr: number; momentum: number; dampening?: number; nesterov?: boolean; weightDecay?: number }): number[][] {
  const { lr, momentum, dampening = 0, nesterov = false, weightDecay = 0 } = options
  let p = [...start]
  let buf: number[] | null = null
  return grads.map((grad) => {
    let d = grad.map((g, i) => g + weightDecay * p[i])
    if (momentum !== 0) {
      const b: number[] = buf === null ? [...d] : buf.map((x, i) => momentum * x + (1 - dampening) * d[i])
      buf = b
      d = nesterov ? d.map((x, i) => x + momentum * b[i]) : b
    }
    p = p.map((x, i) => x - lr * d[i])
    return p
  })
}

function adamReference(options: { lr: number; betas: [number, number]; eps: number; weightDecay?: number; decoupled?: boolean; amsgrad?: boolean }): number[][] {
  const { lr, betas: [b1, b2], eps, weightDecay = 0, decoupled = false, amsgrad = false } = options
  let p = [...start]
  let m = p.map(() => 0)
  let v = p.map(() => 0)
  let vMax = p.map(() => 0)
  return grads.map((grad, index) => {
    const t = index + 1
    let g = grad
    if (decoupled) p = p.map((x) => x * (1 - lr * weightDecay))
    else g = grad.map((x, i) => x + weightDecay * p[i])
    m = m.map((x, i) => b1 * x + (1 - b1) * g[i])
    v = v.map((x, i) => b2 * x + (1 - b2) * g[i] * g[i])
    vMax = vMax.map((x, i) => Math.max(x, v[i]))
    const second = amsgrad ? vMax : v
    p = p.map((x, i) => {
      const denom = Math.sqrt(second[i]) / Math.sqrt(1 - b2 ** t) + eps
      return x - (lr / (1 - b1 ** t)) * (m[i] / denom)
    })
    return p
  })
}

function rmspropReference(options: { lr: number; alpha: number; eps: number; momentum?: number; centered?: boolean }): number[][] {
  const { lr, alpha, eps, momentum = 0, centered = false } = options
  let p = [...start]
  let s = p.map(() => 0)
  let a = p.map(() => 0)
  let buf = p.map(() => 0)
  return grads.map((g) => {
    s = s.map((x, i) => alpha * x + (1 - alpha) * g[i] * g[i])
    a = a.map((x, i) => alpha * x + (1 - alpha) * g[i])
    const avg = s.map((x, i) => Math.sqrt(centered ? x - a[i] * a[i] : x) + eps)
    if (momentum > 0) {
      buf = buf.map((x, i) => momentum * x + g[i] / avg[i])
      p = p.map((x, i) => x - lr * buf[i])
    } else {
      p = p.map((x, i) => x - (lr * g[i]) / avg[i])
    }
    return p
  })
}

function expectHistory(actual: number[][], expected: number[][]): void {
  expected.forEach((values, step) => expectClose(actual[step], values, 1e-6, 1e-5))
}

describe('optimizer update rules', () => {
  it('SGD without momentum', () => {
    const p = torch.tensor(start, { requiresGrad: true })
    expectHistory(runSteps(p, new torch.optim.SGD([p], { lr: 0.1 })), sgdReference({ lr: 0.1, momentum: 0 }))
  })

  it('SGD momentum copies first grad', () => {
    const p = torch.tensor(start, { requiresGrad: true })
    const optimizer = new torch.optim.SGD([p], { lr: 0.1, momentum: 0.9 })
    p.grad = torch.tensor(grads[0])
    optimizer.step()
    expectClose(p.toArray(), [1 - 0.05, -2 - 0.1, 0.5 + 0.025], 1e-7)
    expectClose((optimizer.state.get(p)?.momentum_buffer as Tensor).toArray(), grads[0], 1e-7)
    p.grad = torch.tensor(grads[1])
    optimizer.step()
    // buf = 0.9 * [0.5, 1, -0.25] + [-1, 2, 0.75] = [-0.55, 2.9, 0.525]
    expectClose((optimizer.state.get(p)?.momentum_buffer as Tensor).toArray(), [-0.55, 2.9, 0.525], 1e-6)
    expectClose(p.toArray(), [0.95 + 0.055, -2.1 - 0.29, 0.525 - 0.0525], 1e-6)
  })

  it('SGD momentum with dampening and weight decay', () => {
    const p = torch.tensor(start, { requiresGrad: true })
    const options = { lr: 0.05, momentum: 0.8, dampening: 0.3, weightDecay: 0.1 }
    expectHistory(runSteps(p, new torch.optim.SGD([p], options)), sgdReference(options))
  })

  it('SGD nesterov', () => {
    const p = torch.tensor(start, { requiresGrad: true })
    const optimizer = new torch.optim.SGD([p], { lr: 0.1, momentum: 0.9, nesterov: true })
    const history = runSteps(p, optimizer)
    // First step: buf = g, d = g + 0.9 g = 1.9 g.
    expectClose(history[0], start.map((x, i) => x - 0.1 * 1.9 * grads[0][i]), 1e-7)
    expectHistory(history, sgdReference({ lr: 0.1, momentum: 0.9, nesterov: true }))
  })

  it('SGD maximize ascends', () => {
    const p = torch.tensor(start, { requiresGrad: true })
    const history = runSteps(p, new torch.optim.SGD([p], { lr: 0.1, maximize: true }))
    expectClose(history[0], start.map((x, i) => x + 0.1 * grads[0][i]), 1e-7)
  })

  it('Adam first steps', () => {
    const p = torch.tensor(start, { requiresGrad: true })
    const optimizer = new torch.optim.Adam([p], { lr: 0.1 })
    const history = runSteps(p, optimizer)
    // First step: m / (1 - beta1) = g and v / (1 - beta2) = g^2, so p moves by lr * g / (|g| + eps).
    expectClose(history[0], start.map((x, i) => x - 0.1 * Math.sign(grads[0][i])), 1e-6)
    expectHistory(history, adamReference({ lr: 0.1, betas: [0.9, 0.999], eps: 1e-8 }))
    const state = optimizer.state.get(p)!
    expect(state.step).toBe(3)
    expect(Object.keys(state).sort()).toEqual(['exp_avg', 'exp_avg_sq', 'step'])
  })

  it('Adam weight decay and amsgrad', () => {
    const p = torch.tensor(start, { requiresGrad: true })
    const options = { lr: 0.05, betas: [0.5, 0.9] as [number, number], eps: 1e-3, weightDecay: 0.1, amsgrad: true }
    const optimizer = new torch.optim.Adam([p], options)
    expectHistory(runSteps(p, optimizer), adamReference(options))
    expect(optimizer.state.get(p)?.max_exp_avg_sq).toBeInstanceOf(torch.Tensor)
  })

  it('AdamW decouples weight decay', () => {
    const p = torch.tensor(start, { requiresGrad: true })
    const optimizer = new torch.optim.AdamW([p], { lr: 0.1 })
    expect(optimizer.paramGroups[0].weightDecay).toBe(1e-2)
    expectHistory(runSteps(p, optimizer), adamReference({ lr: 0.1, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 1e-2, decoupled: true }))
  })

  it('RMSprop first steps', () => {
    const p = torch.tensor(start, { requiresGrad: true })
    const optimizer = new torch.optim.RMSprop([p], { lr: 0.01 })
    const history = runSteps(p, optimizer)
    // First step: s = 0.01 g^2, so p moves by lr * g / (0.1 |g| + eps) = 0.1 sign(g).
    expectClose(history[0], start.map((x, i) => x - 0.1 * Math.sign(grads[0][i])), 1e-6)
    expectHistory(history, rmspropReference({ lr: 0.01, alpha: 0.99, eps: 1e-8 }))
    expect(Object.keys(optimizer.state.get(p)!).sort()).toEqual(['square_avg', 'step'])
  })

  it('RMSprop centered with momentum', () => {
    const p = torch.tensor(start, { requiresGrad: true })
    const options = { lr: 0.01, alpha: 0.9, eps: 1e-3, momentum: 0.5, centered: true }
    const optimizer = new torch.optim.RMSprop([p], options)
    expectHistory(runSteps(p, optimizer), rmspropReference(options))
    expect(Object.keys(optimizer.state.get(p)!).sort()).toEqual(['grad_avg', 'momentum_buffer', 'square_avg', 'step'])
  })
})

describe('optimizer convergence', () => {
  const target = [3, -1, 0.5, 2]

  const cases: Array<[string, (params: Tensor[]) => torch.optim.Optimizer, number]> = [
    ['SGD', (params) => new torch.optim.SGD(params, { lr: 0.1 }), 100],
    ['SGD nesterov', (params) => new torch.optim.SGD(params, { lr: 0.05, momentum: 0.9, nesterov: true }), 200],
    ['Adam', (params) => new torch.optim.Adam(params, { lr: 0.1 }), 300],
    ['Adam amsgrad', (params) => new torch.optim.Adam(params, { lr: 0.1, amsgrad: true }), 300],
    ['AdamW', (params) => new torch.optim.AdamW(params, { lr: 0.1, weightDecay: 0 }), 300],
    ['RMSprop', (params) => new torch.optim.RMSprop(params, { lr: 0.01, momentum: 0.5 }), 500],
    ['RMSprop centered', (params) => new torch.optim.RMSprop(params, { lr: 0.01, centered: true }), 500],
  ]

  for (const [name, make, steps] of cases) {
    it(`${name} reaches the bowl's minimum`, () => {
      const p = torch.zeros([4], { requiresGrad: true })
      const goal = torch.tensor(target)
      const optimizer = make([p])
      let firstLoss = 0
      let lastLoss = 0
      for (let i = 0; i < steps; i++) {
        const loss = torch.scope(() => {
          optimizer.zeroGrad()
          const value = p.sub(goal).pow(2).sum()
          value.backward()
          optimizer.step()
          return value.item()
        })
        if (i === 0) firstLoss = loss
        lastLoss = loss
      }
      expect(firstLoss).toBeCloseTo(14.25, 5)
      expect(lastLoss).toBeLessThan(1e-3)
      expectClose(p.toArray(), target, 2e-2, 0)
      optimizer.dispose()
      p.dispose()
      goal.dispose()
    })
  }

  it('AdamW decay bounds the parameter', () => {
    // A linear loss has a constant gradient, so Adam's bias-corrected step is exactly lr * sign(g).
    // Decoupled decay removes lr * weightDecay * p, so the parameter settles at sign(-g) / weightDecay.
    const p = torch.zeros([2], { requiresGrad: true })
    const direction = torch.tensor([1, -1])
    const optimizer = new torch.optim.AdamW([p], { lr: 0.05, weightDecay: 0.5 })
    for (let i = 0; i < 300; i++) {
      torch.scope(() => {
        optimizer.zeroGrad()
        p.mul(direction).sum().neg().backward()
        optimizer.step()
      })
    }
    expectClose(p.toArray(), [2, -2], 1e-2, 0)
    optimizer.dispose()
    p.dispose()
    direction.dispose()
  })
})
