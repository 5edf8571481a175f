import { beforeAll, describe, expect, it } from 'vitest'
import { expectClose, expectNoLeak, startEngine, torch } from '../helpers/engine'

const { nn } = torch
type Tensor = torch.Tensor

beforeAll(startEngine)

/** A small model with a nested block, a buffer-carrying layer and a private field. */
class Net extends nn.Module {
  fc: torch.nn.Linear
  block: torch.nn.Sequential
  scale: torch.nn.Parameter
  _cache: torch.nn.Parameter

  constructor() {
    super()
    this.fc = new nn.Linear(3, 4)
    this.block = new nn.Sequential(new nn.BatchNorm1d(4), new nn.ReLU(), new nn.Linear(4, 2, { bias: false }))
    this.scale = new nn.Parameter(torch.ones([2]))
    this._cache = new nn.Parameter(torch.zeros([1]))
  }

  forward(x: Tensor): Tensor {
    return this.block.forward(this.fc.forward(x)).mul(this.scale)
  }
}

describe('Parameter', () => {
  it('is a leaf sharing the storage', () => {
    const data = torch.tensor([1, 2, 3])
    const param = new nn.Parameter(data)
    expect(param.isLeaf).toBe(true)
    expect(param.requiresGrad).toBe(true)
    expect(param).toBeInstanceOf(torch.Tensor)
    torch.noGrad(() => param.mul_(2))
    expectClose(data.toArray(), [2, 4, 6])
    expect(new nn.Parameter(torch.zeros([1]), false).requiresGrad).toBe(false)
  })

  it('copies a view', () => {
    const base = torch.tensor([[1, 2], [3, 4]])
    const param = new nn.Parameter(base.t())
    expectClose(param.toArray(), [1, 3, 2, 4])
    torch.noGrad(() => param.zero_())
    expectClose(base.toArray(), [1, 2, 3, 4])
  })

  it('outlives the scope that made it', () => {
    const param = torch.scope(() => {
      const made = new nn.Parameter(torch.ones([2]))
      return [made][0]
    })
    const kept = torch.scope(() => new nn.Linear(2, 2))
    expectClose(param.toArray(), [1, 1])
    expect(kept.weight.isDisposed).toBe(false)
    expect(String(param)).toMatch(/^Parameter containing:\ntensor\(\[1\.0000, 1\.0000\], requires_grad=True\)/)
    param.dispose()
    kept.dispose()
  })

  it('rejects an integer tensor', () => {
    expect(() => new nn.Parameter(torch.zeros([2], { dtype: 'int32' }))).toThrow(/only tensors of floating point dtype can require gradients/)
  })
})

describe('Module traversal', () => {
  it('finds parameters in PyTorch order', () => {
    const net = new Net()
    // A module's own parameters come before its submodules', each in insertion order.
    expect(net.namedParameters().map(([name, p]) => `${name} ${p.shape.join('x')}`)).toEqual([
      'scale 2',
      'fc.weight 4x3',
      'fc.bias 4',
      'block.0.weight 4',
      'block.0.bias 4',
      'block.2.weight 2x4',
    ])
    expect(net.parameters()).toHaveLength(6)
    expect(net.parameters(false)).toEqual([net.scale])
    expect(net.numParameters()).toBe(12 + 4 + 4 + 4 + 8 + 2)
    net.dispose()
  })

  it('skips properties starting with an underscore', () => {
    const net = new Net()
    expect(net.parameters()).not.toContain(net._cache)
    expect(Object.keys(net.stateDict())).not.toContain('_cache')
    net.dispose()
    net._cache.dispose()
  })

  it('lists modules and children', () => {
    const net = new Net()
    expect(net.namedModules().map(([name, m]) => `${name}:${m.constructor.name}`)).toEqual([
      ':Net',
      'fc:Linear',
      'block:Sequential',
      'block.0:BatchNorm1d',
      'block.1:ReLU',
      'block.2:Linear',
    ])
    expect(net.namedChildren().map(([name]) => name)).toEqual(['fc', 'block'])
    expect(net.children()).toEqual([net.fc, net.block])
    expect(net.modules()).toHaveLength(6)
    net.dispose()
  })

  it('counts a shared layer once', () => {
    const shared = new nn.Linear(2, 2)
    const model = new nn.Sequential(shared, new nn.Tanh(), shared)
    expect(model.parameters()).toHaveLength(2)
    expect(model.namedParameters().map(([name]) => name)).toEqual(['0.weight', '0.bias'])
    expect(model.children()).toHaveLength(2)
    expect(Object.keys(model.stateDict())).toEqual(['0.weight', '0.bias', '2.weight', '2.bias'])
    model.dispose()
  })

  it('lists buffers with PyTorch names', () => {
    const net = new Net()
    expect(net.namedBuffers().map(([name]) => name)).toEqual([
      'block.0.running_mean',
      'block.0.running_var',
      'block.0.num_batches_tracked',
    ])
    expect(net.buffers()).toHaveLength(3)
    net.dispose()
  })

  it('registers members under any name', () => {
    const module = new nn.Sequential()
    module.registerParameter('alpha', new nn.Parameter(torch.zeros([1])))
    module.registerBuffer('steps', torch.zeros([1]))
    module.registerBuffer('scratch', torch.zeros([2]), false)
    module.addModule('head', new nn.Linear(1, 1))
    expect(module.namedParameters().map(([name]) => name)).toEqual(['alpha', 'head.weight', 'head.bias'])
    expect(Object.keys(module.stateDict())).toEqual(['alpha', 'steps', 'head.weight', 'head.bias'])
    expect(module.namedBuffers().map(([name]) => name)).toEqual(['steps', 'scratch'])
    expect(module.getBuffer('steps')?.shape).toEqual([1])
    module.dispose()
  })

  it('rejects invalid member names and values', () => {
    const module = new nn.Sequential()
    expect(() => module.registerParameter('a.b', null)).toThrow('parameter name can\'t contain ".", got "a.b"')
    expect(() => module.registerParameter('', null)).toThrow(/parameter name must be a non-empty string/)
    // A plain Tensor has Parameter's shape to the type checker, so only the runtime check catches it.
    expect(() => module.registerParameter('w', torch.zeros([1]))).toThrow(/cannot assign a plain Tensor to parameter 'w'/)
    expect(() => module.registerBuffer('training', torch.zeros([1]))).toThrow("attribute 'training' already exists")
    module.registerBuffer('stats', null)
    expect(() => module.registerParameter('stats', null)).toThrow("attribute 'stats' already exists as a buffer")
  })
})

describe('Module modes', () => {
  it('train and eval reach every submodule', () => {
    const net = new Net()
    expect(net.modules().every((m) => m.training)).toBe(true)
    expect(net.eval()).toBe(net)
    expect(net.modules().every((m) => !m.training)).toBe(true)
    net.train()
    expect(net.block.at(0).training).toBe(true)
    net.train(false)
    expect(net.block.at(0).training).toBe(false)
    // @ts-expect-error checking the runtime validation of a wrong value
    expect(() => net.train('yes')).toThrow('training mode is expected to be boolean, got yes')
    net.dispose()
  })

  it('dropout is identity in eval mode', () => {
    const model = new nn.Sequential(new nn.Dropout(0.5))
    const x = torch.ones([100])
    expect(model.eval().forward(x)).toBe(x)
    const dropped = model.train().forward(x).toArray()
    expect(Array.from(dropped).every((v) => v === 0 || v === 2)).toBe(true)
  })

  it('zeroGrad drops or zeroes gradients', () => {
    const net = new Net()
    const x = torch.randn([5, 3])
    net.forward(x).sum().backward()
    expect(net.fc.weight.grad).not.toBeNull()
    net.zeroGrad({ setToNone: false })
    expectClose(net.fc.weight.grad!.toArray(), new Array(12).fill(0))
    net.zeroGrad()
    expect(net.parameters().every((p) => p.grad === null)).toBe(true)
    net.dispose()
  })

  it('requiresGrad_ freezes every parameter', () => {
    const model = new nn.Linear(2, 1)
    model.requiresGrad_(false)
    expect(model.parameters().every((p) => !p.requiresGrad)).toBe(true)
    expect(model.forward(torch.ones([1, 2])).requiresGrad).toBe(false)
    expect(model.numParameters({ onlyTrainable: true })).toBe(0)
    model.requiresGrad_()
    expect(model.numParameters({ onlyTrainable: true })).toBe(3)
    model.dispose()
  })

  it('apply visits children before the parent', () => {
    const net = new Net()
    const visited: string[] = []
    net.apply((m) => visited.push(m.constructor.name))
    expect(visited).toEqual(['Linear', 'BatchNorm1d', 'ReLU', 'Linear', 'Sequential', 'Net'])
    net.apply((m) => {
      if (m instanceof nn.Linear) nn.init.constant_(m.weight, 0.5)
    })
    expectClose(net.fc.weight.toArray(), new Array(12).fill(0.5))
    net.dispose()
  })

  it('to returns the module on its device', () => {
    const model = new nn.Linear(1, 1)
    expect(model.to('cpu')).toBe(model)
    expect(() => model.to('cuda')).toThrow(/cannot move a tensor to 'cuda'/)
    model.dispose()
  })

  it('dispose frees parameters, gradients and buffers', () => {
    const useOnce = (): void => {
      const net = new Net()
      torch.scope(() => net.forward(torch.randn([4, 3])).sum().backward())
      net.dispose()
      net._cache.dispose()
      expect(net.parameters().every((p) => p.isDisposed)).toBe(true)
      expect(net.buffers().every((b) => b.isDisposed)).toBe(true)
    }
    useOnce()
    expectNoLeak(useOnce)
  })
})

describe('Module state dict', () => {
  it('keys and order match PyTorch', () => {
    const net = new Net()
    expect(Object.keys(net.stateDict())).toEqual([
      'scale',
      'fc.weight',
      'fc.bias',
      'block.0.weight',
      'block.0.bias',
      'block.0.running_mean',
      'block.0.running_var',
      'block.0.num_batches_tracked',
      'block.2.weight',
    ])
    expect(net.stateDict()['block.0.num_batches_tracked'].dtype).toBe('int32')
    net.dispose()
  })

  it('values share storage but not the graph', () => {
    const model = new nn.Linear(2, 2)
    const state = model.stateDict()
    expect(state.weight.requiresGrad).toBe(false)
    torch.noGrad(() => model.weight.fill_(3))
    expectClose(state.weight.toArray(), [3, 3, 3, 3])
    expect(model.stateDict({ keepVars: true }).weight).toBe(model.weight)
    expect(Object.keys(model.stateDict({ prefix: 'g.' }))).toEqual(['g.weight', 'g.bias'])
    model.dispose()
  })

  it('round trip gives the same outputs', () => {
    torch.manualSeed(1)
    const source = new Net()
    source.forward(torch.randn([6, 3])) // moves the running stats away from their initial values
    const target = new Net()
    const weightBefore = target.fc.weight
    const versionBefore = weightBefore._version
    const result = target.loadStateDict(source.stateDict())
    expect(result).toEqual({ missingKeys: [], unexpectedKeys: [] })
    expect(target.fc.weight).toBe(weightBefore)
    expect(target.fc.weight._version).toBe(versionBefore + 1)
    source.eval()
    target.eval()
    const x = torch.randn([3, 3])
    expectClose(target.forward(x).toArray(), source.forward(x).toArray())
    expect(target.block.at(0).getBuffer('num_batches_tracked')!.item()).toBe(1)
    source.dispose()
    target.dispose()
  })

  it('reports missing, unexpected and mismatched keys', () => {
    const model = new nn.Linear(2, 3)
    const state = { weight: torch.zeros([4, 2]), foo: torch.zeros([1]) }
    expect(() => model.loadStateDict(state)).toThrow(
      'Error(s) in loading state_dict for Linear:\n' +
        '\tMissing key(s) in state_dict: "bias". \n' +
        '\tUnexpected key(s) in state_dict: "foo". \n' +
        '\tsize mismatch for weight: copying a param with shape [4, 2] from checkpoint, the shape in current model is [3, 2].',
    )
  })

  it('names nested keys in size mismatches', () => {
    const net = new Net()
    const state = net.stateDict()
    state['fc.weight'] = torch.zeros([5, 3])
    expect(() => net.loadStateDict(state)).toThrow(
      'size mismatch for fc.weight: copying a param with shape [5, 3] from checkpoint, the shape in current model is [4, 3].',
    )
    net.dispose()
  })

  it('copies nothing when a check fails', () => {
    const model = new nn.Linear(2, 1)
    const weight = Array.from(model.weight.toArray())
    expect(() => model.loadStateDict({ weight: torch.zeros([1, 2]), bias: torch.zeros([2]) })).toThrow(/size mismatch for bias/)
    expectClose(model.weight.toArray(), weight)
    model.dispose()
  })

  it('non-strict loading returns the odd keys', () => {
    const model = new nn.Linear(2, 1)
    const result = model.loadStateDict({ weight: torch.tensor([[1, 2]]), extra: torch.zeros([1]) }, { strict: false })
    expect(result).toEqual({ missingKeys: ['bias'], unexpectedKeys: ['extra'] })
    expectClose(model.weight.toArray(), [1, 2])
    expect(() => model.loadStateDict({ weight: torch.zeros([3, 3]) }, { strict: false })).toThrow(/size mismatch for weight/)
    model.dispose()
  })

  it('rejects a value that is not a tensor', () => {
    const model = new nn.Linear(1, 1)
    // @ts-expect-error checking the runtime validation of a wrong value
    expect(() => model.loadStateDict({ weight: [[1]], bias: torch.zeros([1]) })).toThrow(
      /While copying the parameter named "weight", expected a Tensor from checkpoint but received object/,
    )
    model.dispose()
  })

  it('loading leaves no tensors behind', () => {
    const source = new Net()
    const target = new Net()
    const load = (): void => {
      torch.scope(() => {
        target.loadStateDict(source.stateDict())
      })
    }
    load()
    expectNoLeak(load)
    source.dispose()
    target.dispose()
  })
})

describe('Module repr', () => {
  it('matches PyTorch for nested modules', () => {
    const model = new nn.Sequential(new nn.Linear(2, 3), new nn.ReLU(), new nn.Sequential(new nn.Tanh()))
    expect(String(model)).toBe(
      'Sequential(\n' +
        '  (0): Linear(in_features=2, out_features=3, bias=True)\n' +
        '  (1): ReLU()\n' +
        '  (2): Sequential(\n' +
        '    (0): Tanh()\n' +
        '  )\n' +
        ')',
    )
    model.dispose()
  })

  it('matches PyTorch for each layer', () => {
    const cases: Array<[torch.nn.Module, string]> = [
      [new nn.BatchNorm2d(3), 'BatchNorm2d(3, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)'],
      [new nn.BatchNorm1d(3, { momentum: null, eps: 1e-3 }), 'BatchNorm1d(3, eps=0.001, momentum=None, affine=True, track_running_stats=True)'],
      [new nn.Conv2d(1, 64, 4, { stride: 2, padding: 1, bias: false }), 'Conv2d(1, 64, kernel_size=(4, 4), stride=(2, 2), padding=(1, 1), bias=False)'],
      [new nn.Conv2d(1, 2, [3, 5], { dilation: 2 }), 'Conv2d(1, 2, kernel_size=(3, 5), stride=(1, 1), dilation=(2, 2))'],
      [
        new nn.ConvTranspose2d(128, 64, 4, { stride: 2, padding: 1, outputPadding: 1 }),
        'ConvTranspose2d(128, 64, kernel_size=(4, 4), stride=(2, 2), padding=(1, 1), output_padding=(1, 1))',
      ],
      [new nn.Embedding(10, 3, { paddingIdx: 0 }), 'Embedding(10, 3, padding_idx=0)'],
      [new nn.Dropout(), 'Dropout(p=0.5, inplace=False)'],
      [new nn.LeakyReLU(0.2), 'LeakyReLU(negative_slope=0.2)'],
      [new nn.Softplus(), 'Softplus(beta=1, threshold=20)'],
      [new nn.Flatten(), 'Flatten(start_dim=1, end_dim=-1)'],
      [new nn.Unflatten(1, [64, 7, 7]), 'Unflatten(dim=1, unflattened_size=(64, 7, 7))'],
      [new nn.Identity(), 'Identity()'],
      [new nn.Sigmoid(), 'Sigmoid()'],
    ]
    for (const [module, expected] of cases) {
      expect(String(module)).toBe(expected)
      module.dispose()
    }
  })
})
