/**
 * Mode-collapse measure for a sample grid: split the grid into its tiles and take the mean pairwise
 * pixel distance between them. The grid layout is that of src/main/images/grid.ts (torchvision's
 * make_grid): square tiles with `padding` pixels between and around them.
 */

export const gridPadding = 2

/** Tile pixels as values in [0, 1], channel by channel; RGBA input loses its alpha. */
export type Tile = Float32Array

/**
 * Cuts an RGBA grid image (as canvas `getImageData` returns it) into tiles of `tileSize` pixels.
 * Grey grids store each value three times; every channel is kept, which scales all distances alike.
 */
export function gridTiles(rgba: ArrayLike<number>, width: number, height: number, tileSize: number, padding = gridPadding): Tile[] {
  const columns = Math.floor((width - padding) / (tileSize + padding))
  const rows = Math.floor((height - padding) / (tileSize + padding))
  if (columns < 1 || rows < 1) {
    throw new RangeError(`a ${width}x${height} grid has no room for ${tileSize}-pixel tiles with ${padding}-pixel padding`)
  }
  const tiles: Tile[] = []
  for (let row = 0; row < rows; row++) {
    for (let column = 0; column < columns; column++) {
      const top = padding + row * (tileSize + padding)
      const left = padding + column * (tileSize + padding)
      const tile = new Float32Array(tileSize * tileSize * 3)
      let out = 0
      for (let y = 0; y < tileSize; y++) {
        for (let x = 0; x < tileSize; x++) {
          const offset = ((top + y) * width + left + x) * 4
          tile[out++] = rgba[offset] / 255
          tile[out++] = rgba[offset + 1] / 255
          tile[out++] = rgba[offset + 2] / 255
        }
      }
      tiles.push(tile)
    }
  }
  return tiles
}

/** Mean absolute difference per value between two tiles of the same size. */
export function tileDistance(a: Tile, b: Tile): number {
  let sum = 0
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i] - b[i])
  return sum / a.length
}

/** Mean of the distances of all tile pairs; null with fewer than two tiles. */
export function meanPairwiseDistance(tiles: readonly Tile[]): number | null {
  if (tiles.length < 2) return null
  let sum = 0
  let pairs = 0
  for (let i = 0; i < tiles.length; i++) {
    for (let j = i + 1; j < tiles.length; j++) {
      sum += tileDistance(tiles[i], tiles[j])
      pairs++
    }
  }
  return sum / pairs
}
