/**
 * Bad input to @s2cassi/pipeline (shapes that do not fit, settings out of range, weights for another band
 * count): the message names what was expected and what was given. Apps map it to "fix your input".
 */
export class PipelineInputError extends Error {
  override name = 'PipelineInputError';
}
