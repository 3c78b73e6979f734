/** Error thrown for bad input to @s2cassi/cassi-sim: names what was expected and what was given. */
export class CassiInputError extends Error {
  override name = 'CassiInputError';
}
