/**
 * A small GIF89a reader for the tests: the logical screen, the loop count, and each frame's delay,
 * position, size and decoded pixels (LZW as in the GIF89a specification, appendix F).
 */
export interface GifFrame {
  /** Hundredths of a second. */
  delay: number
  left: number
  top: number
  width: number
  height: number
  /** RGB bytes. */
  pixels: Uint8Array
}

export interface GifFile {
  width: number
  height: number
  /** NETSCAPE2.0 loop count (0 loops forever), or null without the extension. */
  loops: number | null
  frames: GifFrame[]
}

function readSubBlocks(bytes: Uint8Array, start: number): { data: Uint8Array; end: number } {
  const parts: number[] = []
  let offset = start
  while (bytes[offset] !== 0) {
    const size = bytes[offset]
    for (let i = 1; i <= size; i++) parts.push(bytes[offset + i])
    offset += size + 1
  }
  return { data: Uint8Array.from(parts), end: offset + 1 }
}

function lzwDecode(data: Uint8Array, minCodeSize: number, pixelCount: number): Uint8Array {
  const clear = 1 << minCodeSize
  const end = clear + 1
  const out = new Uint8Array(pixelCount)
  let written = 0
  let codeSize = minCodeSize + 1
  let dictionary: number[][] = []
  const reset = (): void => {
    dictionary = Array.from({ length: clear + 2 }, (_, i) => (i < clear ? [i] : []))
    codeSize = minCodeSize + 1
  }
  reset()
  let previous: number[] | null = null
  let bitBuffer = 0
  let bitCount = 0
  for (let i = 0; i < data.length && written < pixelCount; ) {
    while (bitCount < codeSize && i < data.length) {
      bitBuffer |= data[i++] << bitCount
      bitCount += 8
    }
    if (bitCount < codeSize) break
    const code = bitBuffer & ((1 << codeSize) - 1)
    bitBuffer >>>= codeSize
    bitCount -= codeSize
    if (code === clear) {
      reset()
      previous = null
      continue
    }
    if (code === end) break
    let entry: number[]
    if (code < dictionary.length) entry = dictionary[code]
    else if (previous && code === dictionary.length) entry = [...previous, previous[0]]
    else throw new Error(`invalid LZW code ${code} with ${dictionary.length} dictionary entries`)
    for (const value of entry) if (written < pixelCount) out[written++] = value
    if (previous && dictionary.length < 4096) dictionary.push([...previous, entry[0]])
    if (dictionary.length === 1 << codeSize && codeSize < 12) codeSize++
    previous = entry
  }
  if (written !== pixelCount) throw new Error(`LZW data decoded to ${written} pixels, expected ${pixelCount}`)
  return out
}

function readColorTable(bytes: Uint8Array, offset: number, flags: number): { table: Uint8Array; end: number } {
  const size = 3 * (1 << ((flags & 7) + 1))
  return { table: bytes.subarray(offset, offset + size), end: offset + size }
}

export function readGif(bytes: Uint8Array): GifFile {
  const signature = String.fromCharCode(...bytes.subarray(0, 6))
  if (signature !== 'GIF89a' && signature !== 'GIF87a') throw new Error(`not a GIF: signature ${signature}`)
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const width = view.getUint16(6, true)
  const height = view.getUint16(8, true)
  const screenFlags = bytes[10]

  let offset = 13
  let globalTable: Uint8Array | null = null
  if (screenFlags & 0x80) {
    const read = readColorTable(bytes, offset, screenFlags)
    globalTable = read.table
    offset = read.end
  }

  const gif: GifFile = { width, height, loops: null, frames: [] }
  let delay = 0
  for (;;) {
    const marker = bytes[offset]
    if (marker === 0x3b) return gif

    if (marker === 0x21) {
      // An extension: graphic control (the frame delay) or application (the NETSCAPE2.0 loop count).
      const label = bytes[offset + 1]
      if (label === 0xf9) delay = view.getUint16(offset + 4, true)
      const blocks = readSubBlocks(bytes, offset + 2)
      if (label === 0xff && String.fromCharCode(...blocks.data.subarray(0, 11)) === 'NETSCAPE2.0') {
        gif.loops = blocks.data[12] | (blocks.data[13] << 8)
      }
      offset = blocks.end
    } else if (marker === 0x2c) {
      // An image descriptor, an optional local colour table, then the LZW data.
      const left = view.getUint16(offset + 1, true)
      const top = view.getUint16(offset + 3, true)
      const frameWidth = view.getUint16(offset + 5, true)
      const frameHeight = view.getUint16(offset + 7, true)
      const flags = bytes[offset + 9]
      offset += 10
      let table = globalTable
      if (flags & 0x80) {
        const read = readColorTable(bytes, offset, flags)
        table = read.table
        offset = read.end
      }
      if (!table) throw new Error('a frame without a colour table')

      const minCodeSize = bytes[offset]
      const blocks = readSubBlocks(bytes, offset + 1)
      offset = blocks.end
      const indices = lzwDecode(blocks.data, minCodeSize, frameWidth * frameHeight)
      const pixels = new Uint8Array(indices.length * 3)
      indices.forEach((index, i) => pixels.set(table.subarray(index * 3, index * 3 + 3), i * 3))
      gif.frames.push({ delay, left, top, width: frameWidth, height: frameHeight, pixels })
    } else {
      throw new Error(`unexpected GIF block 0x${marker?.toString(16)} at byte ${offset}`)
    }
  }
}
