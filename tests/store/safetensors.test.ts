import { describe, expect, it } from 'vitest'
import { decodeSafetensors, encodeSafetensors } from '../../src/main/serialization/safetensors'

describe('safetensors', () => {
  it('round-trips tensors and metadata', () => {
    const weights = Float32Array.from([1.5, -2, 3.25, 0, 7, 8])
    const count = Int32Array.from([9])
    const bytes = encodeSafetensors(
      { 'net.0.weight': { dtype: 'F32', shape: [2, 3], data: weights }, count: { dtype: 'I32', shape: [], data: count } },
      { format: 'pt' },
    )
    const headerLength = Number(bytes.readBigUInt64LE(0))
    expect((8 + headerLength) % 8).toBe(0)
    const header = JSON.parse(bytes.subarray(8, 8 + headerLength).toString())
    expect(header['net.0.weight']).toEqual({ dtype: 'F32', shape: [2, 3], data_offsets: [0, 24] })
    const decoded = decodeSafetensors(bytes)
    expect(Array.from(decoded.tensors['net.0.weight'].data as Float32Array)).toEqual(Array.from(weights))
    expect(Array.from(decoded.tensors.count.data as Int32Array)).toEqual([9])
    expect(decoded.metadata).toEqual({ format: 'pt' })
  })

  it('rejects a truncated file', () => {
    const bytes = encodeSafetensors({ w: { dtype: 'F32', shape: [4], data: new Float32Array(4) } })
    expect(() => decodeSafetensors(bytes.subarray(0, bytes.length - 4), 'w.safetensors')).toThrow(/w.safetensors: tensor w .* expected 16/)
    expect(() => decodeSafetensors(Buffer.from([1, 2]), 'tiny')).toThrow(/too short/)
  })

  it('rejects a shape that does not match the data', () => {
    expect(() => encodeSafetensors({ w: { dtype: 'F32', shape: [3], data: new Float32Array(4) } })).toThrow(/needs 3 values, got 4/)
  })
})
