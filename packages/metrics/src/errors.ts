/** Error thrown for bad input to @s2cassi/metrics: names what was expected and what was given. */
export class MetricsInputError extends Error {
  override name = 'MetricsInputError';
}
