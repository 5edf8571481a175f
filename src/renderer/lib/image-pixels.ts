/** Reads a sample grid's pixels in the page, for the collapse measure in collapse.ts. */
import { gridTiles, meanPairwiseDistance } from '../logic/collapse'

/** Decodes a PNG data: URL on an offscreen canvas and returns its RGBA pixels. */
export async function decodePixels(dataUrl: string): Promise<{ rgba: Uint8ClampedArray; width: number; height: number }> {
  const image = new Image()
  image.src = dataUrl
  await image.decode()
  const width = image.naturalWidth
  const height = image.naturalHeight
  const canvas = new OffscreenCanvas(width, height)
  const context = canvas.getContext('2d')
  if (!context) throw new Error('the browser gave no 2-D context for an offscreen canvas, so the grid cannot be read')
  context.drawImage(image, 0, 0)
  return { rgba: context.getImageData(0, 0, width, height).data, width, height }
}

/** Mean pairwise distance of a grid's tiles; null when the grid has fewer than two tiles. */
export async function gridSpread(dataUrl: string, tileSize: number): Promise<number | null> {
  const { rgba, width, height } = await decodePixels(dataUrl)
  return meanPairwiseDistance(gridTiles(rgba, width, height, tileSize))
}
