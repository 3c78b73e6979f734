/** Error thrown for bad input to @s2cassi/s2-attn: names what was expected and what was given. */
export class S2AttnInputError extends Error {
  override name = 'S2AttnInputError';
}
