import {
  CIE_1931_X,
  CIE_1931_Y,
  CIE_1931_Z,
  CIE_D50,
  CIE_D65,
  CIE_TABLE_END,
  CIE_TABLE_START,
} from './_cie-tables.generated';
import { describeValue, expectFiniteNumber, HsiRenderInputError } from './_validate';

/** A CIE illuminant built in: D65 (daylight, the sRGB white), D50 (ICC print white), A (tungsten), E (equal energy). */
export type IlluminantName = 'D65' | 'D50' | 'A' | 'E';

/** A measured or custom illuminant: relative spectral power at increasing wavelengths (nm), linearly interpolated. */
export interface CustomIlluminant {
  readonly wavelengths: readonly number[];
  readonly values: readonly number[];
}

export type Illuminant = IlluminantName | CustomIlluminant;

export const ILLUMINANT_NAMES: readonly IlluminantName[] = ['D65', 'D50', 'A', 'E'];

/** Wavelength range (nm) of the embedded CIE tables; the colour matching functions are zero outside it. */
export const CIE_RANGE: readonly [number, number] = [CIE_TABLE_START, CIE_TABLE_END];

function interpolateTable(table: readonly number[], wavelength: number): number {
  if (!(wavelength >= CIE_TABLE_START && wavelength <= CIE_TABLE_END)) return 0;
  const position = wavelength - CIE_TABLE_START;
  const i = Math.floor(position);
  if (i >= table.length - 1) return table[table.length - 1];
  const t = position - i;
  return table[i] * (1 - t) + table[i + 1] * t;
}

/**
 * CIE 1931 2-degree colour matching functions [x-bar, y-bar, z-bar] at `wavelength` nm: the official CIE
 * 1 nm table (360..830 nm, see `_cie-tables.generated.ts` for the source), linearly interpolated between
 * whole nanometres, zero outside 360..830 nm (the CIE's declared extrapolation).
 */
export function cieCmf(wavelength: number): [number, number, number] {
  expectFiniteNumber(wavelength, 'cieCmf: wavelength (nm)');
  return [
    interpolateTable(CIE_1931_X, wavelength),
    interpolateTable(CIE_1931_Y, wavelength),
    interpolateTable(CIE_1931_Z, wavelength),
  ];
}

/**
 * CIE standard illuminant A by its defining formula (CIE 015:2018, eq. 1.1): Planckian radiation at
 * T = 2848 K with c2 = 1.435e-2 m K, scaled to 100 at 560 nm:
 * S_A(l) = 100 (560 / l)^5 (exp(c2 / (T 560e-9)) - 1) / (exp(c2 / (T l 1e-9)) - 1).
 */
function illuminantA(wavelength: number): number {
  const c2OverT = 1.435e7 / 2848; // nm
  return 100 * (560 / wavelength) ** 5 * (Math.expm1(c2OverT / 560) / Math.expm1(c2OverT / wavelength));
}

function interpolateCustom(illuminant: CustomIlluminant, wavelength: number): number {
  const { wavelengths, values } = illuminant;
  const last = wavelengths.length - 1;
  if (wavelength < wavelengths[0] || wavelength > wavelengths[last]) return 0;
  let lo = 0;
  let hi = last;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (wavelengths[mid] <= wavelength) lo = mid;
    else hi = mid;
  }
  if (lo === hi) return values[lo];
  const t = (wavelength - wavelengths[lo]) / (wavelengths[hi] - wavelengths[lo]);
  return values[lo] * (1 - t) + values[hi] * t;
}

/** Checks an illuminant option (a name or a custom table). */
export function validateIlluminant(illuminant: unknown, what: string): Illuminant {
  if (typeof illuminant === 'string') {
    if ((ILLUMINANT_NAMES as readonly string[]).includes(illuminant)) return illuminant as IlluminantName;
    throw new HsiRenderInputError(
      `${what}: expected one of ${ILLUMINANT_NAMES.map((n) => `'${n}'`).join(', ')} or { wavelengths, values }, got ${describeValue(illuminant)}`,
    );
  }
  if (typeof illuminant !== 'object' || illuminant === null) {
    throw new HsiRenderInputError(
      `${what}: expected an illuminant name or { wavelengths, values }, got ${describeValue(illuminant)}`,
    );
  }
  const { wavelengths, values } = illuminant as { wavelengths?: unknown; values?: unknown };
  if (
    !Array.isArray(wavelengths) ||
    !Array.isArray(values) ||
    wavelengths.length !== values.length ||
    values.length < 2
  ) {
    throw new HsiRenderInputError(
      `${what}: expected { wavelengths, values } arrays of equal length >= 2, got lengths ${Array.isArray(wavelengths) ? wavelengths.length : describeValue(wavelengths)} and ${Array.isArray(values) ? values.length : describeValue(values)}`,
    );
  }
  for (let i = 0; i < values.length; i++) {
    if (
      typeof wavelengths[i] !== 'number' ||
      !Number.isFinite(wavelengths[i]) ||
      (i > 0 && wavelengths[i] <= wavelengths[i - 1])
    ) {
      throw new HsiRenderInputError(
        `${what}: expected strictly increasing finite wavelengths, got ${describeValue(wavelengths[i])} at index ${i}`,
      );
    }
    if (typeof values[i] !== 'number' || !Number.isFinite(values[i]) || values[i] < 0) {
      throw new HsiRenderInputError(
        `${what}: expected finite non-negative spectral power, got ${describeValue(values[i])} at index ${i}`,
      );
    }
  }
  return { wavelengths, values };
}

/**
 * Relative spectral power of an illuminant at `wavelength` nm. D65 and D50: the official CIE 1 nm tables
 * (100 at 560 nm) interpolated linearly, zero outside 360..830 nm where the colour matching functions
 * vanish anyway. A: its defining Planck formula. E: 100 everywhere. Custom tables: linear interpolation,
 * zero outside their range.
 */
export function illuminantPower(illuminant: Illuminant, wavelength: number): number {
  expectFiniteNumber(wavelength, 'illuminantPower: wavelength (nm)');
  const checked = validateIlluminant(illuminant, 'illuminantPower: illuminant');
  if (typeof checked !== 'string') return interpolateCustom(checked, wavelength);
  switch (checked) {
    case 'D65':
      return interpolateTable(CIE_D65, wavelength);
    case 'D50':
      return interpolateTable(CIE_D50, wavelength);
    case 'A':
      return wavelength > 0 ? illuminantA(wavelength) : 0;
    case 'E':
      return 100;
  }
}
