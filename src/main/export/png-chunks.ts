/** PNG chunk reading and writing: length, type, data and a CRC-32 over type and data (PNG spec, section 5.3). */

export const pngSignature = Uint8Array.from([137, 80, 78, 71, 13, 10, 26, 10])

const crcTable = ((): Uint32Array => {
  const table = new Uint32Array(256)
  for (let n = 0; n < 256; n++) {
    let c = n
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
    table[n] = c >>> 0
  }
  return table
})()

/** CRC-32 (ISO 3309, as PNG uses it) of the bytes. */
export function crc32(bytes: Uint8Array, crc = 0): number {
  let c = ~crc >>> 0
  for (let i = 0; i < bytes.length; i++) c = crcTable[(c ^ bytes[i]) & 0xff] ^ (c >>> 8)
  return ~c >>> 0
}

export interface PngChunk {
  type: string
  data: Uint8Array
  /** The CRC stored in the file (when read). */
  crc?: number
}

/** Reads the chunks of a PNG file in order; the signature must be present. */
export function readChunks(png: Uint8Array): PngChunk[] {
  for (let i = 0; i < 8; i++) {
    if (png[i] !== pngSignature[i]) throw new Error('the bytes do not start with the PNG signature')
  }
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength)
  const chunks: PngChunk[] = []
  let offset = 8
  while (offset + 12 <= png.length) {
    const length = view.getUint32(offset)
    const type = String.fromCharCode(...png.subarray(offset + 4, offset + 8))
    if (offset + 12 + length > png.length) throw new Error(`the PNG chunk ${type} at byte ${offset} runs past the end of the file`)
    const data = png.subarray(offset + 8, offset + 8 + length)
    chunks.push({ type, data, crc: view.getUint32(offset + 8 + length) })
    offset += 12 + length
  }
  return chunks
}

/** Encodes one chunk: big-endian length, four-letter type, data, CRC of type and data. */
export function writeChunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length)
  const view = new DataView(out.buffer)
  view.setUint32(0, data.length)
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i)
  out.set(data, 8)
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)))
  return out
}

/** Joins byte arrays into one. */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, part) => n + part.length, 0))
  let offset = 0
  for (const part of parts) {
    out.set(part, offset)
    offset += part.length
  }
  return out
}
