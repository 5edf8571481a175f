/** Types for gifenc 1.0.3, which ships none: the parts this app calls. */
declare module 'gifenc' {
  export type Palette = number[][]
  export interface FrameOptions {
    palette?: Palette
    first?: boolean
    transparent?: boolean
    transparentIndex?: number
    /** Frame delay in milliseconds. */
    delay?: number
    /** 0 loops forever, -1 plays once, N repeats N times. */
    repeat?: number
    dispose?: number
  }
  export interface Encoder {
    writeFrame(index: Uint8Array, width: number, height: number, options?: FrameOptions): void
    finish(): void
    bytes(): Uint8Array
  }
  export interface GifencModule {
    GIFEncoder(options?: { auto?: boolean; initialCapacity?: number }): Encoder
    quantize(rgba: Uint8Array | Uint8ClampedArray, maxColors: number, options?: { format?: 'rgb565' | 'rgb444' | 'rgba4444' }): Palette
    applyPalette(rgba: Uint8Array | Uint8ClampedArray, palette: Palette, format?: 'rgb565' | 'rgb444' | 'rgba4444'): Uint8Array
  }
  export const GIFEncoder: GifencModule['GIFEncoder']
  export const quantize: GifencModule['quantize']
  export const applyPalette: GifencModule['applyPalette']
  const gifenc: GifencModule | GifencModule['GIFEncoder']
  export default gifenc
}
