import { decode } from 'fast-png'
import { describe, expect, it } from 'vitest'
import { gridPng, makeGrid, toByte } from '../../src/main/images/grid'

describe('image grid', () => {
  it('maps [-1, 1] to bytes as save_image', () => {
    expect(toByte(-1)).toBe(0)
    expect(toByte(1)).toBe(255)
    expect(toByte(0)).toBe(128)
    expect(toByte(-3)).toBe(0)
    expect(toByte(5)).toBe(255)
  })

  it('lays out with make_grid padding', () => {
    // 10 grey 2x2 images, 8 per row: 2 rows, width 8 * (2 + 2) + 2 = 34, height 2 * 4 + 2 = 10
    const data = new Float32Array(10 * 4).fill(1)
    data.set([-1, -1, -1, -1], 9 * 4)
    const grid = makeGrid({ data, shape: [10, 1, 2, 2] })
    expect(grid.width).toBe(34)
    expect(grid.height).toBe(10)
    const pixel = (x: number, y: number): number[] => Array.from(grid.pixels.subarray((y * 34 + x) * 3, (y * 34 + x) * 3 + 3))
    expect(pixel(0, 0)).toEqual([0, 0, 0])
    expect(pixel(2, 2)).toEqual([255, 255, 255])
    expect(pixel(6, 6)).toEqual([0, 0, 0]) // image 9 (second row, second column) is black
    expect(pixel(6, 2)).toEqual([255, 255, 255])
  })

  it('encodes PNG with text chunks', () => {
    const data = new Float32Array(3 * 4 * 4)
    data.fill(1, 0, 16) // red plane only
    const png = gridPng({ data, shape: [1, 3, 4, 4] }, { padding: 0 }, { step: '12', seed: '3' })
    const image = decode(png)
    expect(image.width).toBe(4)
    expect(Array.from(image.data.subarray(0, 3))).toEqual([255, 128, 128])
    expect(image.text).toMatchObject({ step: '12', seed: '3' })
  })
})
