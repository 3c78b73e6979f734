import { describeValue, HsiRenderInputError } from './_validate';

/**
 * What the renderers take as a cube: anything shaped like an `@s2cassi/hsi-io` `Cube`, read only.
 * `data` holds height x width x bands values in row-major HWC order (bands fastest: value (h, w, n) sits
 * at `(h * width + w) * bands + n`). An hsi-io `Cube` and a tfjs NHWC tensor's `{ data: dataSync(),
 * shape }` fit as they are. `shape` is `[height, width, bands]`, or `[1, height, width, bands]` for a
 * one-image batch. `wavelengths` (nm, strictly increasing, one per band) may be given here or in the
 * render options.
 */
export interface CubeLike {
  readonly data: ArrayLike<number>;
  readonly shape: readonly number[];
  readonly wavelengths?: readonly number[];
}

/**
 * @deprecated Renamed {@link CubeLike} (the project's one `Cube` type is `@s2cassi/hsi-io`'s; this is
 * the read-only view the renderers accept).
 */
export type SpectralCube = CubeLike;

/** An 8-bit RGBA picture, rows top to bottom, 4 bytes a pixel: the layout of the browser's ImageData. */
export interface RgbaImage {
  readonly data: Uint8ClampedArray;
  readonly width: number;
  readonly height: number;
}

/** A validated cube view (internal). */
export interface CubeView {
  readonly data: ArrayLike<number>;
  readonly height: number;
  readonly width: number;
  readonly bands: number;
  readonly wavelengths: readonly number[] | undefined;
}

/** Largest cube accepted (values): 2^31 - 1, the most a typed array can index safely everywhere. */
const MAX_VALUES = 2 ** 31 - 1;

/**
 * Checks a cube structurally and returns its dimensions. `wavelengths` from the options wins over the
 * cube's own. Errors name what was expected and what was given.
 */
export function resolveCube(cube: unknown, what: string, wavelengths?: readonly number[]): CubeView {
  if (typeof cube !== 'object' || cube === null) {
    throw new HsiRenderInputError(
      `${what}: expected a cube { data, shape: [height, width, bands] }, got ${describeValue(cube)}`,
    );
  }
  const { data, shape } = cube as { data?: unknown; shape?: unknown };
  if (!Array.isArray(shape) || !shape.every((d) => typeof d === 'number' && Number.isInteger(d) && d > 0)) {
    throw new HsiRenderInputError(
      `${what}: expected shape [height, width, bands] of positive integers, got ${Array.isArray(shape) ? `[${shape.join(', ')}]` : describeValue(shape)}`,
    );
  }
  let dims: number[];
  if (shape.length === 3) dims = shape;
  else if (shape.length === 4 && shape[0] === 1) dims = shape.slice(1);
  else {
    throw new HsiRenderInputError(
      `${what}: expected shape [height, width, bands] (or [1, height, width, bands]), got [${shape.join(', ')}]`,
    );
  }
  const [height, width, bands] = dims;
  const isArrayLike =
    Array.isArray(data) ||
    (ArrayBuffer.isView(data) && !(data instanceof DataView) && 'length' in (data as object));
  if (!isArrayLike) {
    throw new HsiRenderInputError(
      `${what}: expected data to be a Float32Array or array of numbers, got ${describeValue(data)}`,
    );
  }
  const values = data as ArrayLike<number>;
  const expected = height * width * bands;
  if (expected > MAX_VALUES || values.length !== expected) {
    throw new HsiRenderInputError(
      `${what}: shape [${shape.join(', ')}] needs ${expected} values, data has ${values.length}`,
    );
  }
  const own = (cube as { wavelengths?: unknown }).wavelengths;
  const chosen = wavelengths ?? (own as readonly number[] | undefined);
  if (chosen !== undefined) validateWavelengths(chosen, bands, `${what}: wavelengths`);
  return { data: values, height, width, bands, wavelengths: chosen };
}

/** Band centres must be finite, strictly increasing and one per band. */
export function validateWavelengths(
  wavelengths: unknown,
  bands: number | undefined,
  what: string,
): readonly number[] {
  if (!Array.isArray(wavelengths) && !ArrayBuffer.isView(wavelengths)) {
    throw new HsiRenderInputError(
      `${what}: expected an array of band centres in nm, got ${describeValue(wavelengths)}`,
    );
  }
  const list = wavelengths as unknown as ArrayLike<unknown>;
  if (bands !== undefined && list.length !== bands) {
    throw new HsiRenderInputError(
      `${what}: expected ${bands} band centres (one per band), got ${list.length}`,
    );
  }
  if (list.length === 0)
    throw new HsiRenderInputError(`${what}: expected at least one band centre, got none`);
  for (let i = 0; i < list.length; i++) {
    const v = list[i];
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) {
      throw new HsiRenderInputError(
        `${what}: expected positive finite nm values, got ${describeValue(v)} at index ${i}`,
      );
    }
    if (i > 0 && v <= (list[i - 1] as number)) {
      throw new HsiRenderInputError(
        `${what}: expected strictly increasing band centres, got ${list[i - 1]} then ${v} at index ${i}`,
      );
    }
  }
  return Array.from(list as ArrayLike<number>);
}

/** Band centres of a cube, or an error saying where to give them. */
export function requireWavelengths(view: CubeView, what: string): readonly number[] {
  if (!view.wavelengths) {
    throw new HsiRenderInputError(
      `${what}: expected band centres (nm) in options.wavelengths or cube.wavelengths, got none`,
    );
  }
  return view.wavelengths;
}
