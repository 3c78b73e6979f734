/** Typed arrays any reader may return. */
export type NumericArray =
  | Float64Array
  | Float32Array
  | Int8Array
  | Int16Array
  | Int32Array
  | Uint8Array
  | Uint16Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array;

export type TypedArrayConstructor = new (length: number) => NumericArray;

export const hostLittleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Reverses the byte order of every `width`-byte element in place. */
export function swapBytes(bytes: Uint8Array, width: number): void {
  if (width === 1) return;
  for (let i = 0; i + width <= bytes.length; i += width) {
    for (let a = i, b = i + width - 1; a < b; a++, b--) {
      const t = bytes[a];
      bytes[a] = bytes[b];
      bytes[b] = t;
    }
  }
}

/**
 * Copies `count` elements of width `Ctor.BYTES_PER_ELEMENT` from `bytes` (any alignment, given byte
 * order) into a new typed array of the host's order.
 */
export function typedFromBytes<T extends NumericArray>(
  Ctor: new (length: number) => T,
  bytes: Uint8Array,
  count: number,
  littleEndian: boolean,
): T {
  const out = new Ctor(count);
  const width = out.BYTES_PER_ELEMENT;
  const raw = new Uint8Array(out.buffer, out.byteOffset, count * width);
  raw.set(bytes.subarray(0, count * width));
  if (littleEndian !== hostLittleEndian) swapBytes(raw, width);
  return out;
}

/** The bytes of a typed array in the requested byte order (a copy). */
export function bytesOf(data: NumericArray, littleEndian: boolean): Uint8Array {
  const out = new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice();
  if (littleEndian !== hostLittleEndian) swapBytes(out, data.BYTES_PER_ELEMENT);
  return out;
}

/** Converts any numeric array to Float32Array (BigInt arrays through Number). */
export function toFloat32(data: ArrayLike<number | bigint>): Float32Array {
  const out = new Float32Array(data.length);
  if (data instanceof BigInt64Array || data instanceof BigUint64Array) {
    for (let i = 0; i < data.length; i++) out[i] = Number(data[i]);
  } else {
    out.set(data as ArrayLike<number>);
  }
  return out;
}

/**
 * Reorders an n-d array between row-major (C, last index fastest) and column-major (Fortran, first
 * index fastest) for the given dims (in logical index order). `toColumnMajor` picks the direction.
 */
export function reorder<T extends NumericArray>(data: T, dims: readonly number[], toColumnMajor: boolean): T {
  const n = data.length;
  const out = new (data.constructor as new (length: number) => T)(n);
  const rank = dims.length;
  if (rank <= 1 || n === 0) {
    out.set(data as never);
    return out;
  }
  const rowStrides = new Array<number>(rank);
  const colStrides = new Array<number>(rank);
  let s = 1;
  for (let k = rank - 1; k >= 0; k--) {
    rowStrides[k] = s;
    s *= dims[k];
  }
  s = 1;
  for (let k = 0; k < rank; k++) {
    colStrides[k] = s;
    s *= dims[k];
  }
  const to = toColumnMajor ? colStrides : rowStrides;
  // Iterate in the source's memory order, keep a multi-index counter.
  const order = toColumnMajor ? [...Array(rank).keys()].reverse() : [...Array(rank).keys()];
  const index = new Array<number>(rank).fill(0);
  let target = 0;
  for (let i = 0; i < n; i++) {
    (out as unknown as number[])[target] = (data as unknown as number[])[i];
    for (const k of order) {
      index[k]++;
      target += to[k];
      if (index[k] < dims[k]) break;
      target -= to[k] * dims[k];
      index[k] = 0;
    }
  }
  return out;
}
