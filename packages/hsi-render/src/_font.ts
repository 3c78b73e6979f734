/**
 * A hand-drawn 5x7 bitmap font for band labels: digits, '.', 'n', 'm', '-', '#', ' '. Each glyph is
 * seven rows of five pixels, '#' = ink. Glyphs advance 6 pixels (one blank column between characters).
 */
const GLYPHS: Record<string, readonly string[]> = {
  '0': [' ### ', '#   #', '#  ##', '# # #', '##  #', '#   #', ' ### '],
  '1': ['  #  ', ' ##  ', '  #  ', '  #  ', '  #  ', '  #  ', ' ### '],
  '2': [' ### ', '#   #', '    #', '   # ', '  #  ', ' #   ', '#####'],
  '3': ['#####', '   # ', '  #  ', '   # ', '    #', '#   #', ' ### '],
  '4': ['   # ', '  ## ', ' # # ', '#  # ', '#####', '   # ', '   # '],
  '5': ['#####', '#    ', '#### ', '    #', '    #', '#   #', ' ### '],
  '6': ['  ## ', ' #   ', '#    ', '#### ', '#   #', '#   #', ' ### '],
  '7': ['#####', '    #', '   # ', '  #  ', ' #   ', ' #   ', ' #   '],
  '8': [' ### ', '#   #', '#   #', ' ### ', '#   #', '#   #', ' ### '],
  '9': [' ### ', '#   #', '#   #', ' ####', '    #', '   # ', ' ##  '],
  '.': ['     ', '     ', '     ', '     ', '     ', ' ##  ', ' ##  '],
  n: ['     ', '     ', '# ## ', '##  #', '#   #', '#   #', '#   #'],
  m: ['     ', '     ', '## # ', '# # #', '# # #', '# # #', '# # #'],
  '-': ['     ', '     ', '     ', '#####', '     ', '     ', '     '],
  '#': [' # # ', ' # # ', '#####', ' # # ', '#####', ' # # ', ' # # '],
  ' ': ['     ', '     ', '     ', '     ', '     ', '     ', '     '],
};

export const GLYPH_WIDTH = 5;
export const GLYPH_HEIGHT = 7;
export const GLYPH_ADVANCE = 6;

/** Characters the font can draw. */
export const FONT_CHARACTERS: readonly string[] = Object.keys(GLYPHS);

/** Width in pixels of `text` drawn at `scale`. */
export function textWidth(text: string, scale: number): number {
  return text.length === 0 ? 0 : (text.length * GLYPH_ADVANCE - 1) * scale;
}

/**
 * Draws `text` into an RGBA buffer with its top-left corner at (x, y), each font pixel a scale x scale
 * block, clipped to the clip rectangle [clipX0, clipX1) x [clipY0, clipY1). Unknown characters are drawn
 * as blanks. Returns the number of pixels written.
 */
export function drawText(
  target: { data: Uint8ClampedArray; width: number; height: number },
  text: string,
  x: number,
  y: number,
  scale: number,
  color: readonly [number, number, number, number],
  clip: readonly [number, number, number, number] = [0, 0, target.width, target.height],
): number {
  const [clipX0, clipY0, clipX1, clipY1] = [
    Math.max(0, clip[0]),
    Math.max(0, clip[1]),
    Math.min(target.width, clip[2]),
    Math.min(target.height, clip[3]),
  ];
  let written = 0;
  for (let c = 0; c < text.length; c++) {
    const glyph = GLYPHS[text[c]];
    if (!glyph) continue;
    const left = x + c * GLYPH_ADVANCE * scale;
    for (let row = 0; row < GLYPH_HEIGHT; row++) {
      for (let col = 0; col < GLYPH_WIDTH; col++) {
        if (glyph[row][col] !== '#') continue;
        for (let dy = 0; dy < scale; dy++) {
          const py = y + row * scale + dy;
          if (py < clipY0 || py >= clipY1) continue;
          for (let dx = 0; dx < scale; dx++) {
            const px = left + col * scale + dx;
            if (px < clipX0 || px >= clipX1) continue;
            const o = (py * target.width + px) * 4;
            target.data[o] = color[0];
            target.data[o + 1] = color[1];
            target.data[o + 2] = color[2];
            target.data[o + 3] = color[3];
            written++;
          }
        }
      }
    }
  }
  return written;
}
