import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { expectClose } from '../helpers/engine'
import { ImageConverter, toBytes } from '../../src/main/datasets/transform'

interface ResizeCase {
  source: number
  target: number
  channels: number
  input: number[]
  expected: number[]
}

// Written by tests/datasets/fixtures/generate_resize.py with PyTorch's F.interpolate.
const fixture = JSON.parse(readFileSync(new URL('./fixtures/resize.json', import.meta.url), 'utf8')) as { cases: ResizeCase[] }

describe('ImageConverter', () => {
  for (const c of fixture.cases) {
    it(`bilinear ${c.source} to ${c.target}, ${c.channels} channels`, () => {
      const converter = new ImageConverter(
        { channels: c.channels, height: c.source, width: c.source },
        { channels: c.channels, height: c.target, width: c.target },
      )
      const out = new Float32Array(converter.targetSize)
      converter.convert(Uint8Array.from(c.input), 0, out, 0)
      expectClose(out, c.expected, 2e-5, 0)
    })
  }

  it('same size only scales to [-1, 1]', () => {
    const converter = new ImageConverter({ channels: 1, height: 2, width: 2 }, { channels: 1, height: 2, width: 2 })
    const out = new Float32Array(4)
    converter.convert(Uint8Array.from([0, 255, 127, 128]), 0, out, 0)
    expectClose(out, [-1, 1, 127 / 127.5 - 1, 128 / 127.5 - 1], 1e-7, 0)
    expect(Array.from(toBytes(out))).toEqual([0, 255, 127, 128])
  })

  it('grey to RGB repeats the plane', () => {
    const converter = new ImageConverter({ channels: 1, height: 1, width: 2 }, { channels: 3, height: 1, width: 2 })
    const out = new Float32Array(6)
    converter.convert(Uint8Array.from([9, 0, 255, 0]), 2, out, 0)
    expect(Array.from(toBytes(out))).toEqual([255, 0, 255, 0, 255, 0])
  })

  it('reads at an offset', () => {
    const converter = new ImageConverter({ channels: 3, height: 1, width: 1 }, { channels: 1, height: 1, width: 1 })
    const out = new Float32Array(3)
    converter.convert(Uint8Array.from([1, 2, 3, 200, 100, 50]), 3, out, 1)
    expect(Math.round((out[1] + 1) * 127.5)).toBe(Math.round(0.299 * 200 + 0.587 * 100 + 0.114 * 50))
    expect(out[0]).toBe(0)
  })
})
