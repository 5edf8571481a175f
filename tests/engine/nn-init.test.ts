import { beforeAll, describe, expect, it } from 'vitest'
import { expectClose, startEngine, torch } from '../helpers/engine'

const { nn } = torch
const init = nn.init

beforeAll(startEngine)

function stats(t: torch.Tensor): { mean: number; std: number; maxAbs: number } {
  const values = Array.from(t.toArray())
  const mean = values.reduce((s, v) => s + v, 0) / values.length
  const std = Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / values.length)
  return { mean, std, maxAbs: values.reduce((m, v) => Math.max(m, Math.abs(v)), 0) }
}

describe('nn.init', () => {
  it('calculateGain matches PyTorch', () => {
    expect(init.calculateGain('linear')).toBe(1)
    expect(init.calculateGain('conv_transpose2d')).toBe(1)
    expect(init.calculateGain('sigmoid')).toBe(1)
    expect(init.calculateGain('tanh')).toBeCloseTo(5 / 3, 12)
    expect(init.calculateGain('relu')).toBeCloseTo(Math.SQRT2, 12)
    expect(init.calculateGain('leaky_relu')).toBeCloseTo(Math.sqrt(2 / (1 + 0.01 ** 2)), 12)
    expect(init.calculateGain('leaky_relu', 0.2)).toBeCloseTo(Math.sqrt(2 / 1.04), 12)
    expect(init.calculateGain('selu')).toBe(0.75)
    // @ts-expect-error checking the runtime validation of a wrong value
    expect(() => init.calculateGain('gelu')).toThrow('Unsupported nonlinearity gelu')
  })

  it('fan in and out follow the weight layout', () => {
    expect(init.calculateFanInAndFanOut(torch.zeros([3, 5]))).toEqual({ fanIn: 5, fanOut: 3 })
    expect(init.calculateFanInAndFanOut(torch.zeros([8, 4, 3, 3]))).toEqual({ fanIn: 36, fanOut: 72 })
    expect(() => init.calculateFanInAndFanOut(torch.zeros([3]))).toThrow(
      /Fan in and fan out can not be computed for tensor with fewer than 2 dimensions/,
    )
  })

  it('uniform_ and normal_ fill in place', () => {
    const t = torch.zeros([200, 50])
    expect(init.uniform_(t, -2, 3)).toBe(t)
    const uniform = stats(t)
    expect(uniform.maxAbs).toBeLessThanOrEqual(3)
    expect(Math.abs(uniform.mean - 0.5)).toBeLessThan(0.05)
    init.normal_(t, 1, 0.02)
    const normal = stats(t)
    expect(Math.abs(normal.mean - 1)).toBeLessThan(0.002)
    expect(Math.abs(normal.std - 0.02)).toBeLessThan(0.001)
    expect(() => init.uniform_(t, 1, 0)).toThrow('uniform_ expects to return a [from, to) range, but found from=1 > to=0')
    expect(() => init.normal_(t, 0, -1)).toThrow('normal expects std >= 0.0, but found std -1')
  })

  it('constant_, zeros_ and ones_ work on parameters', () => {
    const param = new nn.Parameter(torch.zeros([3]))
    init.constant_(param, 0.25)
    expectClose(param.toArray(), [0.25, 0.25, 0.25])
    init.ones_(param)
    expectClose(param.toArray(), [1, 1, 1])
    init.zeros_(param)
    expectClose(param.toArray(), [0, 0, 0])
    expect(param.requiresGrad).toBe(true)
    param.dispose()
  })

  it('xavier bounds and std', () => {
    const t = torch.zeros([300, 200])
    init.xavierUniform_(t, 2)
    expect(stats(t).maxAbs).toBeLessThanOrEqual(2 * Math.sqrt(6 / 500))
    expect(stats(t).maxAbs).toBeGreaterThan(0.95 * 2 * Math.sqrt(6 / 500))
    init.xavierNormal_(t)
    expect(stats(t).std).toBeCloseTo(Math.sqrt(2 / 500), 3)
  })

  it('kaiming bounds and std', () => {
    const t = torch.zeros([256, 64, 3, 3])
    init.kaimingUniform_(t, { nonlinearity: 'relu' })
    const bound = Math.sqrt(3) * Math.SQRT2 / Math.sqrt(64 * 9)
    expect(stats(t).maxAbs).toBeLessThanOrEqual(bound)
    expect(stats(t).maxAbs).toBeGreaterThan(0.99 * bound)
    init.kaimingNormal_(t, { mode: 'fan_out', nonlinearity: 'relu' })
    expect(stats(t).std).toBeCloseTo(Math.SQRT2 / Math.sqrt(256 * 9), 3)
    // @ts-expect-error checking the runtime validation of a wrong value
    expect(() => init.kaimingUniform_(t, { mode: 'fan_avg' })).toThrow('Mode fan_avg not supported, please use one of fan_in, fan_out')
  })

  it('repeats with a generator', () => {
    const a = torch.zeros([10])
    const b = torch.zeros([10])
    init.normal_(a, 0, 1, new torch.Generator(5))
    init.normal_(b, 0, 1, new torch.Generator(5))
    expect(Array.from(a.toArray())).toEqual(Array.from(b.toArray()))
    const c = torch.zeros([2, 5])
    const d = torch.zeros([2, 5])
    init.kaimingUniform_(c, { generator: new torch.Generator(6) })
    init.kaimingUniform_(d, { generator: new torch.Generator(6) })
    expect(Array.from(c.toArray())).toEqual(Array.from(d.toArray()))
  })

  it('layers repeat under manualSeed', () => {
    torch.manualSeed(42)
    const first = new nn.Conv2d(3, 4, 3)
    torch.manualSeed(42)
    const second = new nn.Conv2d(3, 4, 3)
    expect(Array.from(first.weight.toArray())).toEqual(Array.from(second.weight.toArray()))
    expect(Array.from(first.bias!.toArray())).toEqual(Array.from(second.bias!.toArray()))
    first.dispose()
    second.dispose()
  })
})
