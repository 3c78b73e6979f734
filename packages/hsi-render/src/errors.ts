/** Error thrown for bad input to @s2cassi/hsi-render: names what was expected and what was given. */
export class HsiRenderInputError extends Error {
  override name = 'HsiRenderInputError';
}
