import { beforeAll, describe, expect, it } from 'vitest'
import { expectClose, expectNoLeak, startEngine, torch } from '../helpers/engine'

beforeAll(startEngine)

describe('autograd basics', () => {
  it('first PyTorch example: mean of 2t + 5', () => {
    const t = torch.rand([2, 2], { requiresGrad: true })
    const y = t.mul(2).add(5)
    expect(y.gradFn?.name).toBe('AddBackward0')
    expect(y.gradFn?.nextFunctions[0]?.name).toBe('MulBackward0')
    y.mean().backward()
    expectClose(t.grad!.toArray(), [0.5, 0.5, 0.5, 0.5])
    expect(t.isLeaf).toBe(true)
    expect(y.isLeaf).toBe(false)
  })

  it('gradients accumulate until zeroed', () => {
    const w = torch.tensor([1, 2, 3], { requiresGrad: true })
    w.mul(w).sum().backward()
    w.mul(w).sum().backward()
    expectClose(w.grad!.toArray(), [4, 8, 12])
    w.grad = null
    w.sum().backward()
    expectClose(w.grad!.toArray(), [1, 1, 1])
  })

  it('grad of a non-leaf is null unless retained', () => {
    const x = torch.tensor([1, 2], { requiresGrad: true })
    const h = x.mul(3)
    const kept = x.mul(4).retainGrad()
    h.add(kept).sum().backward()
    expect(h.grad).toBeNull()
    expectClose(kept.grad!.toArray(), [1, 1])
    expectClose(x.grad!.toArray(), [7, 7])
  })

  it('second backward without retainGraph raises', () => {
    const x = torch.tensor([1, 2], { requiresGrad: true })
    const loss = x.exp().sum()
    loss.backward()
    expect(() => loss.backward()).toThrow(/backward through the graph a second time/)
    expect(() => loss.backward()).toThrow(/retainGraph: true/)
  })

  it('retainGraph allows a second backward', () => {
    const x = torch.tensor([1, 2], { requiresGrad: true })
    const loss = x.exp().sum()
    loss.backward(undefined, { retainGraph: true })
    loss.backward()
    expectClose(x.grad!.toArray(), [2 * Math.E, 2 * Math.exp(2)])
  })

  it('in-place change of a saved tensor raises with versions', () => {
    const w = torch.tensor([[1, 2], [3, 4]], { requiresGrad: true })
    const x = torch.tensor([[1, 0], [0, 1]], { requiresGrad: true })
    const loss = x.matmul(w.t()).sum()
    torch.noGrad(() => w.sub_(w.grad ?? torch.onesLike(w), 0.1))
    let message = ''
    try {
      loss.backward()
    } catch (error) {
      message = (error as Error).message
    }
    expect(message).toMatch(/modified by an inplace operation/)
    expect(message).toMatch(/\[float32 \[2, 2\]\]/)
    expect(message).toMatch(/is at version 1; expected version 0/)
  })

  it('non-scalar backward needs a gradient', () => {
    const x = torch.tensor([1, 2], { requiresGrad: true })
    expect(() => x.mul(2).backward()).toThrow(/grad can be implicitly created only for scalar outputs/)
    x.mul(2).backward(torch.tensor([1, 10]))
    expectClose(x.grad!.toArray(), [2, 20])
  })

  it('in-place op on a leaf that requires grad raises', () => {
    const x = torch.tensor([1, 2], { requiresGrad: true })
    expect(() => x.add_(1)).toThrow(/leaf tensor that requires grad/)
    torch.noGrad(() => x.add_(1))
    expectClose(x.toArray(), [2, 3])
  })

  it('.data shares storage and version', () => {
    const x = torch.tensor([1, 2], { requiresGrad: true })
    const alias = x.data
    expect(alias.requiresGrad).toBe(false)
    alias.mul_(10)
    expectClose(x.toArray(), [10, 20])
    expect(x._version).toBe(1)
    const view = x.reshape(2, 1)
    alias.add_(1)
    expectClose(view.toArray(), [11, 21])
  })

  it('detach cuts the graph', () => {
    const x = torch.tensor([1, 2], { requiresGrad: true })
    const y = x.mul(2).detach()
    expect(y.requiresGrad).toBe(false)
    expect(y.gradFn).toBeNull()
    expect(() => y.sum().backward()).toThrow(/does not require grad/)
  })

  it('noGrad records nothing', () => {
    const x = torch.tensor([1, 2], { requiresGrad: true })
    const y = torch.noGrad(() => x.mul(2))
    expect(y.requiresGrad).toBe(false)
    expect(y.gradFn).toBeNull()
  })

  it('scope frees what it made and keeps results', () => {
    const x = torch.tensor([1, 2, 3], { requiresGrad: true })
    x.sum().backward()
    expectNoLeak(() => {
      torch.scope(() => {
        x.grad = null
        x.mul(x).exp().sum().backward()
      })
    })
    expectNoLeak(() => {
      const loss = torch.scope(() => x.mul(2).sum())
      loss.backward()
      loss.dispose()
    })
  })

  it('manualSeed repeats random numbers', () => {
    torch.manualSeed(7)
    const a = torch.randn([5]).toArray()
    torch.manualSeed(7)
    const b = torch.randn([5]).toArray()
    expect(Array.from(a)).toEqual(Array.from(b))
  })

  it('linear regression by hand with noGrad updates', () => {
    torch.manualSeed(0)
    const x = torch.randn([64, 1])
    const y = x.mul(3).add(2)
    const w = torch.zeros([1, 1], { requiresGrad: true })
    const b = torch.zeros([1], { requiresGrad: true })
    for (let step = 0; step < 300; step++) {
      torch.scope(() => {
        const loss = x.matmul(w).add(b).sub(y).pow(2).mean()
        loss.backward()
        torch.noGrad(() => {
          w.sub_(w.grad!.mul(0.1))
          b.sub_(b.grad!.mul(0.1))
        })
        w.grad = null
        b.grad = null
      })
    }
    expect(w.item()).toBeCloseTo(3, 3)
    expect(b.item()).toBeCloseTo(2, 3)
  })
})
