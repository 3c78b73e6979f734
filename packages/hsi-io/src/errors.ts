/**
 * Error for a file or byte buffer that cannot be read or written: names the source (a file name or a
 * description such as 'weights.safetensors'), what was expected and what was found.
 */
export class HsiFormatError extends Error {
  override name = 'HsiFormatError';
  readonly source: string;
  constructor(source: string, message: string) {
    super(`${source}: ${message}`);
    this.source = source;
  }
}
