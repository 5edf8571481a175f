import { beforeAll, describe, expect, it } from 'vitest'
import { startEngine, torch } from '../helpers/engine'
import { BatchSampler } from '../../src/main/datasets/sampler'
import { DatasetError } from '../../src/main/datasets/errors'

beforeAll(startEngine)

function take(sampler: BatchSampler, count: number): number[][] {
  return Array.from({ length: count }, () => Array.from(sampler.next()))
}

describe('BatchSampler', () => {
  it('same seed gives the same batches', () => {
    expect(take(new BatchSampler(100, 8, 42), 30)).toEqual(take(new BatchSampler(100, 8, 42), 30))
    expect(take(new BatchSampler(100, 8, 42), 3)).not.toEqual(take(new BatchSampler(100, 8, 43), 3))
  })

  it('an epoch is a permutation minus the remainder', () => {
    const sampler = new BatchSampler(10, 3, 7)
    expect(sampler.batchesPerEpoch).toBe(3)
    const epoch = take(sampler, 3).flat()
    expect(new Set(epoch).size).toBe(9)
    expect(epoch.every((index) => index >= 0 && index < 10)).toBe(true)
    expect(sampler.epoch).toBe(0)
    sampler.next()
    expect(sampler.epoch).toBe(1)
  })

  it('epochs reshuffle', () => {
    const sampler = new BatchSampler(12, 12, 3)
    const first = Array.from(sampler.next())
    const second = Array.from(sampler.next())
    expect([...first].sort((a, b) => a - b)).toEqual([...second].sort((a, b) => a - b))
    expect(second).not.toEqual(first)
  })

  it('order equals the engine randperm', () => {
    const sampler = new BatchSampler(50, 50, 99)
    const generator = new torch.Generator(99)
    const perm = torch.randperm(50, { generator })
    expect(Array.from(sampler.next())).toEqual(Array.from(perm.toArray()))
    perm.dispose()
  })

  it('resumed state gives the same batches', () => {
    const uninterrupted = new BatchSampler(37, 5, 11)
    const expected = take(uninterrupted, 25)

    const first = new BatchSampler(37, 5, 11)
    const head = take(first, 9) // mid-way through the second epoch
    const saved = JSON.parse(JSON.stringify(first.getState()))
    const resumed = new BatchSampler(37, 5, 11)
    resumed.setState(saved)
    expect([...head, ...take(resumed, 16)]).toEqual(expected)
    expect(resumed.epoch).toBe(uninterrupted.epoch)
  })

  it('state at an epoch boundary resumes', () => {
    const a = new BatchSampler(20, 10, 5)
    take(a, 2)
    const b = new BatchSampler(20, 10, 5)
    b.setState(a.getState())
    expect(take(b, 4)).toEqual(take(a, 4))
  })

  it('rejects bad arguments and foreign state', () => {
    expect(() => new BatchSampler(10, 11, 0)).toThrow(/larger than the dataset/)
    expect(() => new BatchSampler(10, 0, 0)).toThrow(DatasetError)
    expect(() => new BatchSampler(0, 1, 0)).toThrow(DatasetError)
    const state = new BatchSampler(10, 2, 0).getState()
    expect(() => new BatchSampler(12, 2, 0).setState(state)).toThrow(/same dataset and batch size/)
    expect(() => new BatchSampler(10, 2, 0).setState({ ...state, position: 9 })).toThrow(/position 9/)
  })
})
