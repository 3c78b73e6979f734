/** Numbers a cube or image may be stored in. */
export type NumericArray = Float32Array | Float64Array | ArrayLike<number>;

/**
 * What the metrics take as a cube: anything shaped like an `@s2cassi/hsi-io` `Cube` (or `CubeBatch`),
 * read only. HWC row-major order (bands fastest), optionally with a leading batch: `shape` is
 * `[height, width, bands]` or `[batch, height, width, bands]`, and
 * `data[((b * height + y) * width + x) * bands + n]` is band n of pixel (y, x) of scene b. An hsi-io
 * `Cube`, a `CubeBatch` and a tfjs NHWC tensor's `{ data: dataSync(), shape }` all fit as they are.
 */
export interface CubeLike {
  readonly data: NumericArray;
  readonly shape: readonly number[];
}

/**
 * @deprecated Renamed {@link CubeLike} (the project's one `Cube` type is `@s2cassi/hsi-io`'s; this is
 * the read-only view the metrics accept).
 */
export type Cube = CubeLike;

/** A single-channel image, row-major: `shape` is `[height, width]`, `data[y * width + x]`. */
export interface GreyImage {
  readonly data: NumericArray;
  readonly shape: readonly number[];
}
