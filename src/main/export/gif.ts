import * as gifencNamespace from 'gifenc'
import type { GifencModule, Palette } from 'gifenc'
import type { RgbImage } from '../images/grid'
import { ExportError } from './errors'
import { isGrey } from './grid-image'

/**
 * gifenc 1.0.3 is CommonJS for Node (its functions arrive on the default export) and an ES module
 * for bundlers (named exports), so take the functions from wherever they are.
 */
function gifenc(): GifencModule {
  const namespace = gifencNamespace as unknown as Partial<GifencModule> & { default?: Partial<GifencModule> }
  const api = typeof namespace.GIFEncoder === 'function' ? namespace : namespace.default
  if (!api || typeof api.GIFEncoder !== 'function') throw new Error('the gifenc package did not load: its GIFEncoder export is missing')
  return api as GifencModule
}

export interface AnimationOptions {
  /** Milliseconds each frame shows. */
  delayMs: number
  /** 0 loops forever, N plays N times. */
  plays?: number
}

/** Every grey level, so grey frames keep their exact bytes. */
const greyPalette: Palette = Array.from({ length: 256 }, (_, v) => [v, v, v])

function toRgba(image: RgbImage): Uint8Array {
  const rgba = new Uint8Array(image.width * image.height * 4)
  for (let i = 0, j = 0; i < image.pixels.length; i += 3, j += 4) {
    rgba[j] = image.pixels[i]
    rgba[j + 1] = image.pixels[i + 1]
    rgba[j + 2] = image.pixels[i + 2]
    rgba[j + 3] = 255
  }
  return rgba
}

/**
 * Encodes frames as an animated GIF. Grey frames use a palette of all 256 grey levels, so their
 * pixels are kept exactly. Colour frames are quantized to 256 colours each, as GIF requires.
 */
export function encodeGif(images: readonly RgbImage[], options: AnimationOptions): Uint8Array {
  if (images.length === 0) throw new ExportError('INVALID_ARGUMENT', 'an animation needs at least one frame')
  const { GIFEncoder, quantize, applyPalette } = gifenc()
  const encoder = GIFEncoder()
  // gifenc counts repeats after the first play: 0 loops forever, -1 plays once.
  const plays = options.plays ?? 0
  let repeat = 0
  if (plays === 1) repeat = -1
  else if (plays > 1) repeat = plays - 1
  let globalPalette: Palette | null = null
  images.forEach((image, index) => {
    let palette: Palette
    let indices: Uint8Array
    if (isGrey(image)) {
      palette = greyPalette
      indices = new Uint8Array(image.width * image.height)
      for (let i = 0; i < indices.length; i++) indices[i] = image.pixels[i * 3]
    } else {
      const rgba = toRgba(image)
      palette = quantize(rgba, 256)
      indices = applyPalette(rgba, palette)
    }
    // The first frame's palette becomes the global colour table; later frames repeat it only when it differs.
    globalPalette ??= palette
    const local = palette === globalPalette && index > 0 ? undefined : palette
    encoder.writeFrame(indices, image.width, image.height, { palette: local, delay: options.delayMs, repeat })
  })
  encoder.finish()
  return encoder.bytes()
}
