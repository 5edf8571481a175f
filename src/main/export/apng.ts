import { encode } from 'fast-png'
import type { RgbImage } from '../images/grid'
import { ExportError } from './errors'
import type { AnimationOptions } from './gif'
import { concatBytes, pngSignature, readChunks, writeChunk } from './png-chunks'

/** tEXt chunk data: Latin-1 keyword, a zero byte, Latin-1 text. */
function textChunk(keyword: string, text: string): Uint8Array {
  const bytes = new Uint8Array(keyword.length + 1 + text.length)
  for (let i = 0; i < keyword.length; i++) bytes[i] = keyword.charCodeAt(i)
  for (let i = 0; i < text.length; i++) bytes[keyword.length + 1 + i] = text.charCodeAt(i)
  return writeChunk('tEXt', bytes)
}

function u32s(...values: number[]): Uint8Array {
  const bytes = new Uint8Array(values.length * 4)
  const view = new DataView(bytes.buffer)
  values.forEach((value, i) => view.setUint32(i * 4, value))
  return bytes
}

/**
 * Encodes frames as an animated PNG (APNG 1.0). The file contains IHDR, then acTL (frame count, plays),
 * then an fcTL per frame (sequence number, size, offset, delay, dispose and blend operations). The
 * first frame's data follows as IDAT chunks and every later frame's as fdAT chunks, which are a
 * sequence number followed by IDAT's data. fast-png compresses each frame, so the filtering and
 * deflate are a PNG encoder's own. Viewers without APNG support show the first frame as a still PNG.
 * Text must be Latin-1.
 */
export function encodeApng(images: readonly RgbImage[], options: AnimationOptions, text: Record<string, string> = {}): Uint8Array {
  if (images.length === 0) throw new ExportError('INVALID_ARGUMENT', 'an animation needs at least one frame')
  const { width, height } = images[0]
  const delayMs = Math.max(0, Math.min(65_535, Math.round(options.delayMs)))
  const parts: Uint8Array[] = [pngSignature]
  let sequence = 0
  images.forEach((image, index) => {
    if (image.width !== width || image.height !== height) {
      throw new ExportError('INVALID_ARGUMENT', `frame ${index} is ${image.width}x${image.height} but frame 0 is ${width}x${height}`)
    }
    const chunks = readChunks(encode({ width, height, data: image.pixels, channels: 3, depth: 8 }))
    if (index === 0) {
      parts.push(writeChunk('IHDR', chunks[0].data))
      parts.push(writeChunk('acTL', u32s(images.length, options.plays ?? 0)))
      for (const [keyword, value] of Object.entries(text)) parts.push(textChunk(keyword, value))
    }
    // Delay as a fraction delay_num / delay_den seconds (u16 each); dispose 0 (none), blend 0 (source).
    const control = new Uint8Array(26)
    control.set(u32s(sequence++, width, height, 0, 0), 0)
    new DataView(control.buffer).setUint16(20, delayMs)
    new DataView(control.buffer).setUint16(22, 1000)
    parts.push(writeChunk('fcTL', control))
    for (const chunk of chunks.filter((c) => c.type === 'IDAT')) {
      parts.push(index === 0 ? writeChunk('IDAT', chunk.data) : writeChunk('fdAT', concatBytes([u32s(sequence++), chunk.data])))
    }
  })
  parts.push(writeChunk('IEND', new Uint8Array(0)))
  return concatBytes(parts)
}
