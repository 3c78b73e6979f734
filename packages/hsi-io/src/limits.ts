import { HsiFormatError } from './errors';

/** Options every reader accepts. */
export interface ReadOptions {
  /** File name or description used in error messages (default: the format's name). */
  source?: string;
  /**
   * Largest decoded size in bytes a header may announce before anything is allocated
   * (default `DEFAULT_MAX_BYTES`, 2^31). Raise it deliberately for huge cubes.
   */
  maxBytes?: number;
}

/** Default limit on the decoded size a header may announce: 2^31 bytes (2 GiB). */
export const DEFAULT_MAX_BYTES = 2 ** 31;

/** Largest number of dimensions any reader accepts. */
export const MAX_RANK = 32;

/** Checks dims (non-negative safe integers) and their byte size against the limit; returns the element count. */
export function checkDims(
  source: string,
  what: string,
  dims: readonly number[],
  bytesPerElement: number,
  maxBytes: number = DEFAULT_MAX_BYTES,
): number {
  if (dims.length > MAX_RANK) {
    throw new HsiFormatError(source, `${what}: ${dims.length} dimensions, at most ${MAX_RANK} supported`);
  }
  let count = 1;
  for (const d of dims) {
    if (!Number.isSafeInteger(d) || d < 0) {
      throw new HsiFormatError(
        source,
        `${what}: expected non-negative integer dimensions, got [${dims.join(', ')}]`,
      );
    }
    count *= d;
  }
  const bytes = count * bytesPerElement;
  if (!(bytes <= maxBytes)) {
    throw new HsiFormatError(
      source,
      `${what}: dimensions [${dims.join(', ')}] need ${bytes} bytes, more than the ${maxBytes}-byte limit (raise maxBytes if this is intended)`,
    );
  }
  return count;
}
