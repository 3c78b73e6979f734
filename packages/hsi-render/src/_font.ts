/**
 * A hand-drawn 5x7 bitmap font for labels drawn into pictures (band grids, line charts): the printable
 * ASCII characters. Each glyph is seven rows of five pixels, '#' = ink; lower-case letters with
 * descenders (g, j, p, q, y) squeeze them into the bottom two rows. Glyphs advance 6 pixels (one blank column between characters).
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
  A: [' ### ', '#   #', '#   #', '#####', '#   #', '#   #', '#   #'],
  B: ['#### ', '#   #', '#   #', '#### ', '#   #', '#   #', '#### '],
  C: [' ### ', '#   #', '#    ', '#    ', '#    ', '#   #', ' ### '],
  D: ['#### ', '#   #', '#   #', '#   #', '#   #', '#   #', '#### '],
  E: ['#####', '#    ', '#    ', '#### ', '#    ', '#    ', '#####'],
  F: ['#####', '#    ', '#    ', '#### ', '#    ', '#    ', '#    '],
  G: [' ### ', '#   #', '#    ', '# ###', '#   #', '#   #', ' ####'],
  H: ['#   #', '#   #', '#   #', '#####', '#   #', '#   #', '#   #'],
  I: [' ### ', '  #  ', '  #  ', '  #  ', '  #  ', '  #  ', ' ### '],
  J: ['  ###', '   # ', '   # ', '   # ', '   # ', '#  # ', ' ##  '],
  K: ['#   #', '#  # ', '# #  ', '##   ', '# #  ', '#  # ', '#   #'],
  L: ['#    ', '#    ', '#    ', '#    ', '#    ', '#    ', '#####'],
  M: ['#   #', '## ##', '# # #', '# # #', '#   #', '#   #', '#   #'],
  N: ['#   #', '#   #', '##  #', '# # #', '#  ##', '#   #', '#   #'],
  O: [' ### ', '#   #', '#   #', '#   #', '#   #', '#   #', ' ### '],
  P: ['#### ', '#   #', '#   #', '#### ', '#    ', '#    ', '#    '],
  Q: [' ### ', '#   #', '#   #', '#   #', '# # #', '#  # ', ' ## #'],
  R: ['#### ', '#   #', '#   #', '#### ', '# #  ', '#  # ', '#   #'],
  S: [' ####', '#    ', '#    ', ' ### ', '    #', '    #', '#### '],
  T: ['#####', '  #  ', '  #  ', '  #  ', '  #  ', '  #  ', '  #  '],
  U: ['#   #', '#   #', '#   #', '#   #', '#   #', '#   #', ' ### '],
  V: ['#   #', '#   #', '#   #', '#   #', '#   #', ' # # ', '  #  '],
  W: ['#   #', '#   #', '#   #', '# # #', '# # #', '# # #', ' # # '],
  X: ['#   #', '#   #', ' # # ', '  #  ', ' # # ', '#   #', '#   #'],
  Y: ['#   #', '#   #', ' # # ', '  #  ', '  #  ', '  #  ', '  #  '],
  Z: ['#####', '    #', '   # ', '  #  ', ' #   ', '#    ', '#####'],
  a: ['     ', '     ', ' ### ', '    #', ' ####', '#   #', ' ####'],
  b: ['#    ', '#    ', '# ## ', '##  #', '#   #', '#   #', '#### '],
  c: ['     ', '     ', ' ### ', '#    ', '#    ', '#   #', ' ### '],
  d: ['    #', '    #', ' ## #', '#  ##', '#   #', '#   #', ' ####'],
  e: ['     ', '     ', ' ### ', '#   #', '#####', '#    ', ' ### '],
  f: ['  ## ', ' #  #', ' #   ', '###  ', ' #   ', ' #   ', ' #   '],
  g: ['     ', '     ', ' ####', '#   #', ' ####', '    #', ' ### '],
  h: ['#    ', '#    ', '# ## ', '##  #', '#   #', '#   #', '#   #'],
  i: ['  #  ', '     ', ' ##  ', '  #  ', '  #  ', '  #  ', ' ### '],
  j: ['   # ', '     ', '  ## ', '   # ', '   # ', '#  # ', ' ##  '],
  k: ['#    ', '#    ', '#  # ', '# #  ', '##   ', '# #  ', '#  # '],
  l: [' ##  ', '  #  ', '  #  ', '  #  ', '  #  ', '  #  ', ' ### '],
  o: ['     ', '     ', ' ### ', '#   #', '#   #', '#   #', ' ### '],
  p: ['     ', '     ', '#### ', '#   #', '#### ', '#    ', '#    '],
  q: ['     ', '     ', ' ####', '#   #', ' ####', '    #', '    #'],
  r: ['     ', '     ', '# ## ', '##  #', '#    ', '#    ', '#    '],
  s: ['     ', '     ', ' ####', '#    ', ' ### ', '    #', '#### '],
  t: [' #   ', ' #   ', '###  ', ' #   ', ' #   ', ' #  #', '  ## '],
  u: ['     ', '     ', '#   #', '#   #', '#   #', '#  ##', ' ## #'],
  v: ['     ', '     ', '#   #', '#   #', '#   #', ' # # ', '  #  '],
  w: ['     ', '     ', '#   #', '#   #', '# # #', '# # #', ' # # '],
  x: ['     ', '     ', '#   #', ' # # ', '  #  ', ' # # ', '#   #'],
  y: ['     ', '     ', '#   #', '#   #', ' ####', '    #', ' ### '],
  z: ['     ', '     ', '#####', '   # ', '  #  ', ' #   ', '#####'],
  ',': ['     ', '     ', '     ', '     ', ' ##  ', '  #  ', ' #   '],
  ':': ['     ', ' ##  ', ' ##  ', '     ', ' ##  ', ' ##  ', '     '],
  ';': ['     ', ' ##  ', ' ##  ', '     ', ' ##  ', '  #  ', ' #   '],
  _: ['     ', '     ', '     ', '     ', '     ', '     ', '#####'],
  '+': ['     ', '  #  ', '  #  ', '#####', '  #  ', '  #  ', '     '],
  '=': ['     ', '     ', '#####', '     ', '#####', '     ', '     '],
  '(': ['   # ', '  #  ', ' #   ', ' #   ', ' #   ', '  #  ', '   # '],
  ')': [' #   ', '  #  ', '   # ', '   # ', '   # ', '  #  ', ' #   '],
  '[': [' ### ', ' #   ', ' #   ', ' #   ', ' #   ', ' #   ', ' ### '],
  ']': [' ### ', '   # ', '   # ', '   # ', '   # ', '   # ', ' ### '],
  '{': ['   ##', '  #  ', '  #  ', ' #   ', '  #  ', '  #  ', '   ##'],
  '}': ['##   ', '  #  ', '  #  ', '   # ', '  #  ', '  #  ', '##   '],
  '/': ['     ', '    #', '   # ', '  #  ', ' #   ', '#    ', '     '],
  '\\': ['     ', '#    ', ' #   ', '  #  ', '   # ', '    #', '     '],
  '%': ['##   ', '##  #', '   # ', '  #  ', ' #   ', '#  ##', '   ##'],
  '<': ['   # ', '  #  ', ' #   ', '#    ', ' #   ', '  #  ', '   # '],
  '>': [' #   ', '  #  ', '   # ', '    #', '   # ', '  #  ', ' #   '],
  "'": ['  #  ', '  #  ', ' #   ', '     ', '     ', '     ', '     '],
  '"': [' # # ', ' # # ', '     ', '     ', '     ', '     ', '     '],
  '`': [' #   ', '  #  ', '     ', '     ', '     ', '     ', '     '],
  '!': ['  #  ', '  #  ', '  #  ', '  #  ', '  #  ', '     ', '  #  '],
  '?': [' ### ', '#   #', '    #', '   # ', '  #  ', '     ', '  #  '],
  '*': ['     ', '  #  ', '# # #', ' ### ', '# # #', '  #  ', '     '],
  '|': ['  #  ', '  #  ', '  #  ', '  #  ', '  #  ', '  #  ', '  #  '],
  '^': ['  #  ', ' # # ', '#   #', '     ', '     ', '     ', '     '],
  '~': ['     ', '     ', ' #   ', '# # #', '   # ', '     ', '     '],
  '&': [' ##  ', '#  # ', '# #  ', ' #   ', '# # #', '#  # ', ' ## #'],
  '@': [' ### ', '#   #', '# ###', '# # #', '# ###', '#    ', ' ####'],
  $: ['  #  ', ' ####', '# #  ', ' ### ', '  # #', '#### ', '  #  '],
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

/**
 * Draws `text` turned 90 degrees counter-clockwise (read from bottom to top, like a y-axis label) into an
 * RGBA buffer. The turned text fills the box with top-left corner (x, y), `GLYPH_HEIGHT * scale` pixels
 * wide and `textWidth(text, scale)` pixels high. Clipped to the image. Returns the pixels written.
 */
export function drawTextUp(
  target: { data: Uint8ClampedArray; width: number; height: number },
  text: string,
  x: number,
  y: number,
  scale: number,
  color: readonly [number, number, number, number],
): number {
  const length = textWidth(text, scale);
  let written = 0;
  for (let c = 0; c < text.length; c++) {
    const glyph = GLYPHS[text[c]];
    if (!glyph) continue;
    for (let row = 0; row < GLYPH_HEIGHT; row++) {
      for (let col = 0; col < GLYPH_WIDTH; col++) {
        if (glyph[row][col] !== '#') continue;
        // Glyph pixel (along = c * advance + col, row) -> image (x + row, y + length - 1 - along).
        const along = (c * GLYPH_ADVANCE + col) * scale;
        for (let dy = 0; dy < scale; dy++) {
          const py = y + length - 1 - along - dy;
          if (py < 0 || py >= target.height) continue;
          for (let dx = 0; dx < scale; dx++) {
            const px = x + row * scale + dx;
            if (px < 0 || px >= target.width) continue;
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
