import { torch } from './engine'
import * as E from '../../src/engine/ops/elementwise'
import { linear } from '../../src/engine/ops/linalg'
import { type FixtureTensor, type Tolerance, elementwiseTolerance, isFixtureTensor, reductionTolerance, toTensor } from './fixtures'

// The engine calls behind the fixture cases, shared by the PyTorch comparisons and the gradient checks.

type Tensor = torch.Tensor
export type OpInputs = Record<string, Tensor>
export type OpResult = Tensor | Record<string, Tensor>

/**
 * The engine call for each case of tests/fixtures/ops.json, keyed by case name. The PyTorch side of
 * each case is in tests/fixtures/ops_cases.py, and inputs arrive with the names given there. A
 * result with several outputs (max along a dim) uses PyTorch's names for them.
 */
export const opCases: Record<string, (x: OpInputs) => OpResult> = {
  'add/same-shape': ({ a, b }) => a.add(b),
  'add/broadcast-row': ({ a, b }) => a.add(b),
  'add/broadcast-both': ({ a, b }) => a.add(b),
  'add/scalar': ({ a }) => a.add(2.5),
  'add/scalar-first': ({ a }) => E.add(2.5, a),
  'add/alpha': ({ a, b }) => a.add(b, -1.5),
  'sub/broadcast': ({ a, b }) => a.sub(b),
  'sub/scalar': ({ a }) => a.sub(1.5),
  'sub/scalar-first': ({ a }) => E.sub(2, a),
  'sub/alpha': ({ a, b }) => a.sub(b, 0.5),
  'mul/broadcast': ({ a, b }) => a.mul(b),
  'mul/scalar': ({ a }) => a.mul(-3),
  'mul/scalar-first': ({ a }) => E.mul(0.5, a),
  'mul/same-input': ({ a }) => a.mul(a),
  'div/broadcast': ({ a, b }) => a.div(b),
  'div/scalar': ({ a }) => a.div(4),
  'div/scalar-first': ({ a }) => E.div(2, a),
  neg: ({ a }) => a.neg(),
  'pow/square': ({ a }) => a.pow(2),
  'pow/fraction': ({ a }) => a.pow(1.5),
  'pow/negative': ({ a }) => a.pow(-2),
  'pow/tensor-exponent': ({ a, b }) => a.pow(b),
  'pow/broadcast-exponent': ({ a, b }) => a.pow(b),
  'pow/scalar-base': ({ b }) => E.pow(2, b),
  exp: ({ a }) => a.exp(),
  log: ({ a }) => a.log(),
  sqrt: ({ a }) => a.sqrt(),
  abs: ({ a }) => a.abs(),
  'clamp/both': ({ a }) => a.clamp(-0.5, 0.5),
  'clamp/min': ({ a }) => a.clamp(0),
  'clamp/max': ({ a }) => a.clamp(null, 0.3),
  'clamp/at-bounds': ({ a }) => a.clamp(-0.5, 0.5),
  'maximum/same-shape': ({ a, b }) => a.maximum(b),
  'maximum/broadcast': ({ a, b }) => a.maximum(b),
  'minimum/same-shape': ({ a, b }) => a.minimum(b),
  'maximum/ties': ({ a, b }) => a.maximum(b),
  'minimum/ties': ({ a, b }) => a.minimum(b),

  relu: ({ a }) => a.relu(),
  'leakyRelu/default': ({ a }) => a.leakyRelu(),
  'leakyRelu/0.2': ({ a }) => a.leakyRelu(0.2),
  sigmoid: ({ a }) => a.sigmoid(),
  tanh: ({ a }) => a.tanh(),
  'softplus/default': ({ a }) => a.softplus(),
  'softplus/beta-threshold': ({ a }) => a.softplus(2, 3),
  'logSoftmax/dim1': ({ a }) => a.logSoftmax(1),
  'logSoftmax/dim0': ({ a }) => a.logSoftmax(0),
  'softmax/last': ({ a }) => a.softmax(-1),
  'softmax/dim1': ({ a }) => a.softmax(1),

  'sum/all': ({ a }) => a.sum(),
  'sum/dim': ({ a }) => a.sum(1),
  'sum/dim-keepdim': ({ a }) => a.sum(-1, true),
  'sum/dims': ({ a }) => a.sum([0, 2]),
  'mean/all': ({ a }) => a.mean(),
  'mean/dim': ({ a }) => a.mean(0),
  'mean/dims-keepdim': ({ a }) => a.mean([1, 2], true),
  'max/all': ({ a }) => a.max(),
  'max/all-ties': ({ a }) => a.max(),
  'max/dim': ({ a }) => a.max(1),
  'max/dim-keepdim': ({ a }) => a.max(0, true),
  'max/dim-3d': ({ a }) => a.max(-1),
  'amax/dim': ({ a }) => a.amax(1),
  'amax/dims-keepdim': ({ a }) => a.amax([0, 2], true),
  'amax/ties': ({ a }) => a.amax(1),

  'matmul/1d-1d': ({ a, b }) => a.matmul(b),
  'matmul/2d-1d': ({ a, b }) => a.matmul(b),
  'matmul/1d-2d': ({ a, b }) => a.matmul(b),
  'matmul/2d-2d': ({ a, b }) => a.matmul(b),
  'matmul/batched': ({ a, b }) => a.matmul(b),
  'matmul/batched-2d': ({ a, b }) => a.matmul(b),
  'matmul/broadcast-batch': ({ a, b }) => a.matmul(b),
  'matmul/1d-batched': ({ a, b }) => a.matmul(b),
  mm: ({ a, b }) => a.mm(b),
  'linear/bias': ({ x, weight, bias }) => linear(x, weight, bias),
  'linear/no-bias': ({ x, weight }) => linear(x, weight, null),
  'linear/3d-bias': ({ x, weight, bias }) => linear(x, weight, bias),
  'linear/1d': ({ x, weight, bias }) => linear(x, weight, bias),

  t: ({ a }) => a.t(),
  transpose: ({ a }) => a.transpose(0, 2),
  permute: ({ a }) => a.permute(2, 0, 1),
  reshape: ({ a }) => a.reshape(4, -1),
  'reshape/transposed': ({ a }) => a.t().reshape(6),
  view: ({ a }) => a.view(6, 4),
  'flatten/all': ({ a }) => a.flatten(),
  'flatten/from1': ({ a }) => a.flatten(1),
  unflatten: ({ a }) => a.unflatten(1, [2, 3]),
  'squeeze/all': ({ a }) => a.squeeze(),
  'squeeze/dim': ({ a }) => a.squeeze(1),
  unsqueeze: ({ a }) => a.unsqueeze(1),
  'unsqueeze/last': ({ a }) => a.unsqueeze(-1),
  expand: ({ a }) => a.expand(2, 3, 4),
  narrow: ({ a }) => a.narrow(1, 1, 2),
  select: ({ a }) => a.select(1, 2),
  'select/negative': ({ a }) => a.select(0, -1),
  'index/rows': ({ a }) => a.index([1, 3]),
  'index/column': ({ a }) => a.index(null, 0),
  'index/mixed': ({ a }) => a.index(0, [1]),
  'index/negative': ({ a }) => a.index([-2], [undefined, -1]),
  'cat/dim0': ({ a, b }) => torch.cat([a, b], 0),
  'cat/dim1': ({ a, b, c }) => torch.cat([a, b, c], 1),
  'stack/dim0': ({ a, b }) => torch.stack([a, b], 0),
  'stack/last': ({ a, b, c }) => torch.stack([a, b, c], -1),
  clone: ({ a }) => a.clone(),

  'chain/reuse': ({ a }) => a.mul(a.exp()).sum(1).sub(a.mean(1)),
  'chain/view-then-op': ({ a }) => a.t().reshape(2, 6).softmax(1),
  'chain/index-and-cat': ({ a }) => torch.cat([a.index(null, [undefined, 2]).mul(2), a.index(null, [1]).tanh()], 1),
}

// Op families whose results sum several products, so float32 rounding depends on the order of summation.
const summingFamilies = new Set(['sum', 'mean', 'matmul', 'mm', 'linear', 'softmax', 'logSoftmax', 'chain'])

export function opTolerance(caseName: string): Tolerance {
  return summingFamilies.has(caseName.split('/')[0]) ? reductionTolerance : elementwiseTolerance
}

/** Names an op's outputs, calling a single tensor 'out' as tests/fixtures/ops_cases.py does. */
export function namedOutputs(result: OpResult): Record<string, Tensor> {
  return result instanceof torch.Tensor ? { out: result } : result
}

/** One case of tests/fixtures/losses.json (see tests/fixtures/loss_cases.py). */
export interface LossFixture {
  name: string
  fn: 'mseLoss' | 'l1Loss' | 'binaryCrossEntropy' | 'binaryCrossEntropyWithLogits' | 'nllLoss' | 'crossEntropy'
  input: FixtureTensor
  target: FixtureTensor
  /** camelCase options; weight and posWeight are tensors. */
  options: Record<string, FixtureTensor | string | number>
  weight: FixtureTensor
  output: FixtureTensor
  gradFn: string
  inputGrad: FixtureTensor
  /** False where the inputs sit on a kink or a clamp on purpose (BCE at p = 0 and 1). */
  smooth?: boolean
}

/** Calls the engine's loss named by the fixture, with its tensor options made into tensors. */
export function callLoss(c: LossFixture, input: Tensor, target: Tensor): Tensor {
  const options = Object.fromEntries(
    Object.entries(c.options).map(([key, value]) => [key, isFixtureTensor(value) ? toTensor(value) : value]),
  )
  const loss = torch.nn.functional[c.fn] as (input: Tensor, target: Tensor, options: object) => Tensor
  return loss(input, target, options)
}

/** A module as tests/fixtures/module_cases.py describes it: PyTorch's class name, positional arguments, options. */
export interface ModuleSpec {
  type: string
  /** Positional arguments; a Sequential's are the specs of its children. */
  args: unknown[]
  /** camelCase options, passed as the engine's last constructor argument. */
  options: Record<string, unknown>
}

/** Builds `new nn.<type>(...args, options)`, leaving the options out when there are none. */
export function buildModule(spec: ModuleSpec): torch.nn.Module {
  if (spec.type === 'Sequential') return new torch.nn.Sequential(...spec.args.map((child) => buildModule(child as ModuleSpec)))
  const Layer = (torch.nn as unknown as Record<string, new (...args: unknown[]) => torch.nn.Module>)[spec.type]
  if (typeof Layer !== 'function') throw new Error(`the engine has no nn.${spec.type}, which a fixture case uses`)
  return Object.keys(spec.options).length > 0 ? new Layer(...spec.args, spec.options) : new Layer(...spec.args)
}

/** A state dict of fixture tensors as engine tensors, ready for `loadStateDict`. */
export function toStateDict(state: Record<string, FixtureTensor>): Record<string, Tensor> {
  return Object.fromEntries(Object.entries(state).map(([key, value]) => [key, toTensor(value)]))
}
