/** Error thrown for bad input to @s2cassi/mask-aware-loss: names what was expected and what was given. */
export class LossInputError extends Error {
  override name = 'LossInputError';
}
