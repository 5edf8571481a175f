import type { Tensor } from './tensor'

const maxShown = 6

function formatNumber(value: number, dtype: string): string {
  if (dtype === 'bool') return value ? 'True' : 'False'
  if (dtype === 'int32') return String(value)
  if (Number.isNaN(value)) return 'nan'
  if (!Number.isFinite(value)) return value > 0 ? 'inf' : '-inf'
  return value.toFixed(4)
}

function formatNested(values: unknown, dtype: string, depth: number): string {
  if (!Array.isArray(values)) return formatNumber(values as number, dtype)
  const items = values.length > maxShown
    ? [...values.slice(0, maxShown / 2), '...', ...values.slice(-maxShown / 2)]
    : values
  const parts = items.map((item) => (item === '...' ? '...' : formatNested(item, dtype, depth + 1)))
  const separator = Array.isArray(values[0]) ? `,\n${' '.repeat(depth + 8)}` : ', '
  return `[${parts.join(separator)}]`
}

/** A PyTorch-style representation: `tensor([[0.1000, 0.2000]], grad_fn=<AddBackward0>)`. */
export function formatTensor(tensor: Tensor): string {
  if (tensor.isDisposed) return 'tensor(<disposed>)'
  const body = formatNested(tensor.tolist(), tensor.dtype, 0)
  const extras: string[] = []
  if (tensor.dtype !== 'float32') extras.push(`dtype=${tensor.dtype}`)
  if (tensor.gradFn) extras.push(`grad_fn=<${tensor.gradFn.name}>`)
  else if (tensor.requiresGrad) extras.push('requires_grad=True')
  return `tensor(${[body, ...extras].join(', ')})`
}
