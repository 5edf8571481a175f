import type { RgbImage } from '../images/grid'

/**
 * A 5x7 pixel font for the step labels on animation frames, so drawing text needs no canvas. Each
 * glyph is seven rows of five columns, '#' for a lit pixel.
 */
const glyphs: Record<string, string[]> = {
  '0': ['.###.', '#...#', '#..##', '#.#.#', '##..#', '#...#', '.###.'],
  '1': ['..#..', '.##..', '..#..', '..#..', '..#..', '..#..', '.###.'],
  '2': ['.###.', '#...#', '....#', '...#.', '..#..', '.#...', '#####'],
  '3': ['####.', '....#', '....#', '.###.', '....#', '....#', '####.'],
  '4': ['...#.', '..##.', '.#.#.', '#..#.', '#####', '...#.', '...#.'],
  '5': ['#####', '#....', '####.', '....#', '....#', '#...#', '.###.'],
  '6': ['..##.', '.#...', '#....', '####.', '#...#', '#...#', '.###.'],
  '7': ['#####', '....#', '...#.', '..#..', '.#...', '.#...', '.#...'],
  '8': ['.###.', '#...#', '#...#', '.###.', '#...#', '#...#', '.###.'],
  '9': ['.###.', '#...#', '#...#', '.####', '....#', '...#.', '.##..'],
  s: ['.....', '.....', '.####', '#....', '.###.', '....#', '####.'],
  t: ['.#...', '.#...', '####.', '.#...', '.#...', '.#..#', '..##.'],
  e: ['.....', '.....', '.###.', '#...#', '#####', '#....', '.###.'],
  p: ['.....', '.....', '####.', '#...#', '####.', '#....', '#....'],
  ' ': ['.....', '.....', '.....', '.....', '.....', '.....', '.....'],
}

export const glyphWidth = 5
export const glyphHeight = 7
/** Blank columns between glyphs. */
const spacing = 1

/** Width in pixels of `text` drawn at `scale`. */
export function textWidth(text: string, scale: number): number {
  return text.length === 0 ? 0 : (text.length * (glyphWidth + spacing) - spacing) * scale
}

/** Draws `text` into an RGB image with its top-left corner at (x, y); pixels outside are clipped. */
export function drawText(image: RgbImage, text: string, x: number, y: number, scale: number, color: [number, number, number]): void {
  let left = x
  for (const char of text) {
    const glyph = glyphs[char]
    if (!glyph) throw new Error(`the frame-label font has no glyph for '${char}'; it draws digits and the word step`)
    for (let row = 0; row < glyphHeight * scale; row++) {
      for (let col = 0; col < glyphWidth * scale; col++) {
        if (glyph[Math.floor(row / scale)][Math.floor(col / scale)] !== '#') continue
        const px = left + col
        const py = y + row
        if (px < 0 || py < 0 || px >= image.width || py >= image.height) continue
        image.pixels.set(color, (py * image.width + px) * 3)
      }
    }
    left += (glyphWidth + spacing) * scale
  }
}
