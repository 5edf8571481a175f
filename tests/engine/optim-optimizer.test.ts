import { beforeAll, describe, expect, it } from 'vitest'
import { expectClose, startEngine, torch } from '../helpers/engine'

beforeAll(startEngine)

type Tensor = torch.Tensor
type Optimizer = torch.optim.Optimizer

/** Runs one training step of a quadratic loss around `targets`, inside a scope as a trainer does. */
function trainStep(optimizer: Optimizer, params: Tensor[], targets: Tensor[]): void {
  torch.scope(() => {
    optimizer.zeroGrad()
    let loss = params[0].sub(targets[0]).pow(2).sum()
    for (let i = 1; i < params.length; i++) loss = loss.add(params[i].sub(targets[i]).pow(2).sum())
    loss.backward()
    optimizer.step()
  })
}

function makeParams(seed: number): { params: Tensor[]; targets: Tensor[] } {
  torch.manualSeed(seed)
  return {
    params: [torch.randn([3, 2], { requiresGrad: true }), torch.randn([2], { requiresGrad: true })],
    targets: [torch.randn([3, 2]), torch.randn([2])],
  }
}

function values(tensors: Tensor[]): number[][] {
  return tensors.map((t) => Array.from(t.toArray()))
}

describe('Optimizer parameter groups', () => {
  it('groups take defaults and overrides', () => {
    const a = torch.zeros([2], { requiresGrad: true })
    const b = torch.zeros([2], { requiresGrad: true })
    const optimizer = new torch.optim.Adam([{ params: [a] }, { params: [b], lr: 0.5, betas: [0.5, 0.9] }], { lr: 0.01 })
    expect(optimizer.paramGroups).toHaveLength(2)
    expect(optimizer.paramGroups[0]).toMatchObject({ lr: 0.01, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: false })
    expect(optimizer.paramGroups[1]).toMatchObject({ lr: 0.5, betas: [0.5, 0.9] })
    expect(optimizer.paramGroups[0].params[0]).toBe(a)
    // Each group owns its betas, so changing one leaves the other alone.
    optimizer.paramGroups[0].betas[0] = 0.7
    expect(optimizer.defaults.betas[0]).toBe(0.9)
  })

  it('groups move at their own rates', () => {
    const slow = torch.tensor([1, 1], { requiresGrad: true })
    const fast = torch.tensor([1, 1], { requiresGrad: true })
    const optimizer = new torch.optim.SGD([{ params: [slow] }, { params: [fast], lr: 0.1 }], { lr: 0.01, momentum: 0.9 })
    slow.grad = torch.tensor([1, 2])
    fast.grad = torch.tensor([1, 2])
    optimizer.step()
    expectClose(slow.toArray(), [0.99, 0.98], 1e-7)
    expectClose(fast.toArray(), [0.9, 0.8], 1e-7)

    // Separate state: each parameter has its own momentum buffer.
    const slowBuffer = optimizer.state.get(slow)?.momentum_buffer
    const fastBuffer = optimizer.state.get(fast)?.momentum_buffer
    expect(slowBuffer).toBeInstanceOf(torch.Tensor)
    expect(fastBuffer).toBeInstanceOf(torch.Tensor)
    expect(slowBuffer).not.toBe(fastBuffer)
  })

  it('live lr change takes effect', () => {
    const p = torch.tensor([1], { requiresGrad: true })
    const optimizer = new torch.optim.SGD([p], { lr: 0.1 })
    p.grad = torch.tensor([1])
    optimizer.step()
    optimizer.paramGroups[0].lr = 0.5
    optimizer.step()
    expectClose(p.toArray(), [1 - 0.1 - 0.5], 1e-7)
  })

  it('two groups match two optimizers', () => {
    const one = makeParams(1)
    const two = makeParams(2)
    const shared = new torch.optim.Adam([{ params: one.params }, { params: two.params, lr: 0.05 }], { lr: 0.01 })

    const oneCopy = makeParams(1)
    const twoCopy = makeParams(2)
    const first = new torch.optim.Adam(oneCopy.params, { lr: 0.01 })
    const second = new torch.optim.Adam(twoCopy.params, { lr: 0.05 })

    // Step the networks unevenly, as a GAN does (D more often than G), so positional state would mix.
    for (let i = 0; i < 5; i++) {
      trainStep(shared, one.params, one.targets)
      trainStep(first, oneCopy.params, oneCopy.targets)
      if (i % 2 === 0) {
        trainStep(shared, two.params, two.targets)
        trainStep(second, twoCopy.params, twoCopy.targets)
      }
    }
    expect(values(one.params)).toEqual(values(oneCopy.params))
    expect(values(two.params)).toEqual(values(twoCopy.params))
    expect(shared.state.get(one.params[0])?.step).toBe(5)
    expect(shared.state.get(two.params[0])?.step).toBe(3)
  })

  it('step skips parameters without grad', () => {
    const used = torch.tensor([1, 2], { requiresGrad: true })
    const unused = torch.tensor([3, 4], { requiresGrad: true })
    const optimizer = new torch.optim.Adam([used, unused], { lr: 0.1 })
    used.mul(used).sum().backward()
    optimizer.step()
    expect(Array.from(unused.toArray())).toEqual([3, 4])
    expect(optimizer.state.has(unused)).toBe(false)
    expect(optimizer.state.get(used)?.step).toBe(1)
  })

  it('step bumps the version counter', () => {
    const p = torch.tensor([1, 2], { requiresGrad: true })
    const optimizer = new torch.optim.SGD([p], { lr: 0.1 })
    const before = p._version
    p.grad = torch.tensor([1, 1])
    optimizer.step()
    expect(p._version).toBe(before + 1)
  })

  it('step between forward and backward is caught', () => {
    const w = torch.tensor([[1, 2], [3, 4]], { requiresGrad: true })
    const x = torch.tensor([[1, 0], [0, 1]], { requiresGrad: true })
    const optimizer = new torch.optim.SGD([w], { lr: 0.1 })
    w.grad = torch.onesLike(w)
    const loss = x.matmul(w.t()).sum()
    optimizer.step()
    expect(() => loss.backward()).toThrow(/modified by an inplace operation/)
  })
})

describe('Optimizer.zeroGrad', () => {
  it('sets grads to null by default', () => {
    const p = torch.tensor([1, 2], { requiresGrad: true })
    const optimizer = new torch.optim.SGD([p])
    p.mul(3).sum().backward()
    const grad = p.grad!
    optimizer.zeroGrad()
    expect(p.grad).toBeNull()
    expect(grad.isDisposed).toBe(true)
  })

  it('zeroes grads in place without setToNone', () => {
    const p = torch.tensor([1, 2], { requiresGrad: true })
    const optimizer = new torch.optim.SGD([p])
    p.mul(3).sum().backward()
    const grad = p.grad!
    optimizer.zeroGrad({ setToNone: false })
    expect(p.grad).toBe(grad)
    expect(Array.from(grad.toArray())).toEqual([0, 0])
    p.mul(2).sum().backward()
    expect(Array.from(p.grad!.toArray())).toEqual([2, 2])
  })
})

describe('Optimizer state dict', () => {
  it('stateDict uses PyTorch layout', () => {
    const a = torch.tensor([1, 2], { requiresGrad: true })
    const b = torch.tensor([3], { requiresGrad: true })
    const c = torch.tensor([4, 5, 6], { requiresGrad: true })
    const optimizer = new torch.optim.Adam([{ params: [a, b] }, { params: [c], lr: 0.1 }], { amsgrad: true })
    a.grad = torch.tensor([1, 1])
    c.grad = torch.tensor([1, 1, 1])
    optimizer.step()

    const dict = optimizer.stateDict()
    expect(dict.paramGroups.map((group) => group.params)).toEqual([[0, 1], [2]])
    expect(dict.paramGroups[1]).toMatchObject({ lr: 0.1, betas: [0.9, 0.999], eps: 1e-8, amsgrad: true })
    expect(Object.keys(dict.state)).toEqual(['0', '2'])
    expect(Object.keys(dict.state[2]).sort()).toEqual(['exp_avg', 'exp_avg_sq', 'max_exp_avg_sq', 'step'])
    expect(dict.state[0].step).toBe(1)
    expect((dict.state[2].exp_avg as Tensor).shape).toEqual([3])
  })

  it('round trip continues identically', () => {
    const make = (params: Tensor[]): Optimizer =>
      new torch.optim.RMSprop([{ params: [params[0]] }, { params: [params[1]], lr: 0.02 }], { lr: 0.01, momentum: 0.9, centered: true })
    const original = makeParams(7)
    const uninterrupted = make(original.params)
    for (let i = 0; i < 3; i++) trainStep(uninterrupted, original.params, original.targets)

    const resumed = makeParams(7)
    const before = make(resumed.params)
    for (let i = 0; i < 3; i++) trainStep(before, resumed.params, resumed.targets)
    const dict = before.stateDict()
    const after = make(resumed.params)
    after.paramGroups[1].lr = 1 // overwritten by the load
    after.loadStateDict(dict)
    before.dispose() // the loaded state is a copy, so freeing the old optimizer leaves it intact
    expect(after.paramGroups[1].lr).toBe(0.02)
    expect(after.state.get(resumed.params[0])?.step).toBe(3)

    for (let i = 0; i < 4; i++) {
      trainStep(uninterrupted, original.params, original.targets)
      trainStep(after, resumed.params, resumed.targets)
    }
    expect(values(resumed.params)).toEqual(values(original.params))
  })

  it('loadStateDict rejects mismatched groups', () => {
    const a = torch.zeros([2], { requiresGrad: true })
    const b = torch.zeros([2], { requiresGrad: true })
    const twoGroups = new torch.optim.SGD([{ params: [a] }, { params: [b] }], { momentum: 0.9 })
    const oneGroup = new torch.optim.SGD([torch.zeros([2], { requiresGrad: true })], { momentum: 0.9 })
    const twoInOne = new torch.optim.SGD([a, b].map((t) => t.detach().requiresGrad_()), { momentum: 0.9 })

    expect(() => oneGroup.loadStateDict(twoGroups.stateDict())).toThrow(
      /loaded state dict has a different number of parameter groups/,
    )
    const dict = twoInOne.stateDict()
    expect(() => oneGroup.loadStateDict(dict)).toThrow(
      /loaded state dict contains a parameter group that doesn't match the size of optimizer's group/,
    )
  })

  it('loadStateDict rejects wrong shapes unchanged', () => {
    const small = torch.zeros([2], { requiresGrad: true })
    const large = torch.zeros([3], { requiresGrad: true })
    const source = new torch.optim.SGD([small], { momentum: 0.9, lr: 0.3 })
    small.grad = torch.ones([2])
    source.step()
    const target = new torch.optim.SGD([large], { momentum: 0.9, lr: 0.1 })
    const before = torch.memory().numTensors
    expect(() => target.loadStateDict(source.stateDict())).toThrow(/momentum_buffer of shape \[2\], but the parameter has shape \[3\]/)
    expect(torch.memory().numTensors).toBe(before)
    expect(target.paramGroups[0].lr).toBe(0.1)
  })
})

describe('Optimizer validation', () => {
  const p = (): Tensor => torch.zeros([2], { requiresGrad: true })

  const cases: Array<[string, () => unknown, RegExp]> = [
    ['SGD lr', () => new torch.optim.SGD([p()], { lr: -1 }), /Invalid learning rate: -1/],
    ['SGD momentum', () => new torch.optim.SGD([p()], { momentum: -0.5 }), /Invalid momentum value: -0.5/],
    ['SGD weight decay', () => new torch.optim.SGD([p()], { weightDecay: -1 }), /Invalid weight_decay value: -1/],
    ['SGD nesterov', () => new torch.optim.SGD([p()], { nesterov: true }), /Nesterov momentum requires a momentum and zero dampening/],
    ['SGD nesterov dampening', () => new torch.optim.SGD([p()], { nesterov: true, momentum: 0.9, dampening: 0.1 }), /zero dampening/],
    ['Adam lr NaN', () => new torch.optim.Adam([p()], { lr: NaN }), /Invalid learning rate: NaN/],
    ['Adam eps', () => new torch.optim.Adam([p()], { eps: -1e-8 }), /Invalid epsilon value: -1e-8/],
    ['Adam beta 0', () => new torch.optim.Adam([p()], { betas: [1.5, 0.999] }), /Invalid beta parameter at index 0: 1.5/],
    ['Adam beta 1', () => new torch.optim.Adam([p()], { betas: [0.9, 1] }), /Invalid beta parameter at index 1: 1/],
    ['AdamW weight decay', () => new torch.optim.AdamW([p()], { weightDecay: -0.1 }), /Invalid weight_decay value: -0.1/],
    ['RMSprop alpha', () => new torch.optim.RMSprop([p()], { alpha: -1 }), /Invalid alpha value: -1/],
    ['RMSprop momentum', () => new torch.optim.RMSprop([p()], { momentum: -1 }), /Invalid momentum value: -1/],
    ['RMSprop eps', () => new torch.optim.RMSprop([p()], { eps: -1 }), /Invalid epsilon value: -1/],
    ['group override', () => new torch.optim.Adam([{ params: [p()], lr: -2 }]), /Invalid learning rate: -2/],
    ['empty list', () => new torch.optim.SGD([]), /optimizer got an empty parameter list/],
    ['empty group', () => new torch.optim.SGD([{ params: [] }]), /empty parameter list/],
    ['single tensor', () => new torch.optim.SGD(p() as unknown as Tensor[]), /iterable of Tensors/],
    ['non-leaf', () => new torch.optim.SGD([p().mul(2)]), /can't optimize a non-leaf Tensor/],
    ['snake case option', () => new torch.optim.SGD([{ params: [p()], weight_decay: 0.1 } as never]), /spelled 'weightDecay'/],
  ]

  for (const [name, make, message] of cases) {
    it(`rejects ${name}`, () => {
      expect(make).toThrow(message)
    })
  }

  it('addParamGroup validates', () => {
    const shared = p()
    const optimizer = new torch.optim.SGD([shared], { lr: 0.1 })
    expect(() => optimizer.addParamGroup({ params: [shared] })).toThrow(/some parameters appear in more than one parameter group/)
    expect(() => optimizer.addParamGroup({ params: [p()], momentum: -1 })).toThrow(/Invalid momentum value: -1/)
    expect(() => optimizer.addParamGroup({ params: [p()], lr: -1 })).toThrow(/Invalid learning rate: -1/)
    expect(() => optimizer.addParamGroup({ params: [] })).toThrow(/empty parameter list/)
    expect(optimizer.paramGroups).toHaveLength(1)
    optimizer.addParamGroup({ params: [p()], lr: 0.5 })
    expect(optimizer.paramGroups[1].lr).toBe(0.5)
    expect(optimizer.paramGroups[1].momentum).toBe(0)
  })

  it('rejects a duplicate within a group', () => {
    const shared = p()
    expect(() => new torch.optim.SGD([shared, shared])).toThrow(/same parameter twice/)
  })

  it('errors carry the INVALID_ARGUMENT code', () => {
    try {
      new torch.optim.SGD([p()], { lr: -1 })
      expect.fail('no error')
    } catch (error) {
      expect(error).toBeInstanceOf(torch.EngineError)
      expect((error as torch.EngineError).code).toBe('INVALID_ARGUMENT')
    }
  })
})

describe('Optimizer memory', () => {
  const optimizers: Array<[string, (params: Tensor[]) => Optimizer]> = [
    ['SGD', (params) => new torch.optim.SGD(params, { lr: 0.01, momentum: 0.9, nesterov: true, weightDecay: 0.01 })],
    ['Adam', (params) => new torch.optim.Adam(params, { lr: 0.01, amsgrad: true, weightDecay: 0.01 })],
    ['AdamW', (params) => new torch.optim.AdamW(params, { lr: 0.01 })],
    ['RMSprop', (params) => new torch.optim.RMSprop(params, { lr: 0.01, momentum: 0.9, centered: true })],
  ]

  for (const [name, make] of optimizers) {
    it(`${name} does not leak over 100 steps`, () => {
      const { params, targets } = makeParams(3)
      const optimizer = make(params)
      // The first steps create the state tensors and cache the constant scalars.
      for (let i = 0; i < 3; i++) trainStep(optimizer, params, targets)
      const before = torch.memory().numTensors
      for (let i = 0; i < 100; i++) {
        // A learning rate schedule changes lr at every step; per-step scalars must not pile up.
        optimizer.paramGroups[0].lr = 0.01 / (1 + i)
        trainStep(optimizer, params, targets)
      }
      expect(torch.memory().numTensors - before, 'tfjs tensors leaked').toBe(0)

      // State tensors made inside a scope outlive it, and dispose() frees them.
      const state = optimizer.state.get(params[0])!
      const tensors = Object.values(state).filter((value): value is Tensor => value instanceof torch.Tensor)
      expect(tensors.length).toBeGreaterThan(0)
      expect(tensors.every((t) => !t.isDisposed)).toBe(true)
      optimizer.dispose()
      expect(tensors.every((t) => t.isDisposed)).toBe(true)
      expect(optimizer.state.size).toBe(0)
    })
  }
})
