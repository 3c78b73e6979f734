import { HsiRenderInputError } from './errors';

// The error class is public (src/errors.ts); re-exported here for the helpers' callers.
export { HsiRenderInputError };

export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  if (ArrayBuffer.isView(value)) return `a ${value.constructor.name}`;
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string')
    return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value);
  return typeof value;
}

export function expectPositiveInteger(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new HsiRenderInputError(`${what}: expected a positive integer, got ${describeValue(value)}`);
  }
  return value;
}

export function expectNonNegativeInteger(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new HsiRenderInputError(`${what}: expected a non-negative integer, got ${describeValue(value)}`);
  }
  return value;
}

export function expectPositiveNumber(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new HsiRenderInputError(`${what}: expected a finite number > 0, got ${describeValue(value)}`);
  }
  return value;
}

export function expectFiniteNumber(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new HsiRenderInputError(`${what}: expected a finite number, got ${describeValue(value)}`);
  }
  return value;
}

export function expectOneOf<T extends string>(value: unknown, allowed: readonly T[], what: string): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw new HsiRenderInputError(
      `${what}: expected one of ${allowed.map((a) => `'${a}'`).join(', ')}, got ${describeValue(value)}`,
    );
  }
  return value as T;
}

/** An array-like of numbers (a plain array or any typed array). */
export function expectArrayLike(value: unknown, what: string, length?: number): ArrayLike<number> {
  const ok =
    Array.isArray(value) ||
    (ArrayBuffer.isView(value) &&
      !(value instanceof DataView) &&
      typeof (value as { length?: unknown }).length === 'number');
  if (!ok) {
    throw new HsiRenderInputError(
      `${what}: expected an array or typed array of numbers, got ${describeValue(value)}`,
    );
  }
  const array = value as ArrayLike<number>;
  if (length !== undefined && array.length !== length) {
    throw new HsiRenderInputError(`${what}: expected ${length} values, got ${array.length}`);
  }
  return array;
}

/** A CSS colour given as [r, g, b] or [r, g, b, a] bytes. */
export function expectRgba(value: unknown, what: string): [number, number, number, number] {
  if (!Array.isArray(value) || (value.length !== 3 && value.length !== 4)) {
    throw new HsiRenderInputError(
      `${what}: expected [r, g, b] or [r, g, b, a] in 0..255, got ${describeValue(value)}`,
    );
  }
  for (const v of value) {
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > 255) {
      throw new HsiRenderInputError(
        `${what}: expected [r, g, b] or [r, g, b, a] in 0..255, got [${value.join(', ')}]`,
      );
    }
  }
  return [value[0], value[1], value[2], value.length === 4 ? value[3] : 255];
}

/** v clipped to 0..1; NaN gives 0. */
export function clamp01(v: number): number {
  return v > 0 ? Math.min(v, 1) : 0;
}
