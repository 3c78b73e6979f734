import { mulberry32 } from '@s2cassi/testing';
import { describe, expect, it } from 'vitest';
import { expected, fixture, malformedDrill, numbers, plain } from './_test-fixtures';
import { HsiFormatError } from './errors';
import { decodeNpy, encodeNpy, type NpyDtype } from './npy';
import { decodeNpz, encodeNpz, listNpzKeys } from './npz';

describe('.npy reader against numpy.save fixtures', () => {
  for (const [name, spec] of Object.entries(expected.npy) as [
    string,
    { dtype: string; shape: number[]; fortran: boolean; values: (number | string)[] },
  ][]) {
    if (name === 'cube_values') continue;
    it(`reads ${name}`, () => {
      const array = decodeNpy(fixture(`npy/${name}`), { source: name });
      expect(array.shape).toEqual(spec.shape);
      expect(array.dtype).toBe(spec.dtype);
      expect(array.fortranOrder).toBe(spec.fortran);
      if (spec.dtype === 'i8' || spec.dtype === 'u8')
        expect(Array.from(array.data as BigInt64Array, String)).toEqual(spec.values.map(String));
      else if (spec.dtype === 'f2')
        expect(plain(array.data)).toEqual(spec.values.map((v) => Math.fround(Number(v))));
      else expect(plain(array.data)).toEqual(numbers(spec.values));
    });
  }

  it('refuses pickled object arrays with a clear message', () => {
    expect(() => decodeNpy(fixture('npy/objects.npy'), { source: 'objects.npy' })).toThrow(
      /objects.npy: .npy holds Python objects \(descr '\|O'\): pickled object arrays are not supported/,
    );
  });
});

describe('.npy writer', () => {
  const random = mulberry32(11);
  const cases: [NpyDtype, ArrayLike<number | bigint>][] = [
    ['f4', Float32Array.from({ length: 24 }, () => random() - 0.5)],
    ['f8', Float64Array.from({ length: 24 }, () => random() * 1e10)],
    ['i1', Int8Array.from({ length: 24 }, (_, i) => i * 11 - 128)],
    ['i2', Int16Array.from({ length: 24 }, (_, i) => i * 2000 - 30000)],
    ['i4', Int32Array.from({ length: 24 }, (_, i) => i * 1e8 - 2e9)],
    ['i8', BigInt64Array.from({ length: 24 }, (_, i) => BigInt(i) * 10n ** 17n - 10n ** 18n)],
    ['u1', Uint8Array.from({ length: 24 }, (_, i) => i * 10)],
    ['u2', Uint16Array.from({ length: 24 }, (_, i) => i * 2800)],
    ['u4', Uint32Array.from({ length: 24 }, (_, i) => i * 1.8e8)],
    ['u8', BigUint64Array.from({ length: 24 }, (_, i) => BigInt(i) * 7n ** 21n)],
    ['b1', Uint8Array.from({ length: 24 }, (_, i) => (i % 3 === 0 ? 1 : 0))],
  ];
  for (const [dtype, data] of cases) {
    it(`round-trips ${dtype} in every order, byte order and header version`, () => {
      const before = plain(data);
      for (const fortranOrder of [false, true]) {
        for (const bigEndian of [false, true]) {
          for (const version of [1, 2, 3] as const) {
            const bytes = encodeNpy(
              { data: data as never, shape: [2, 3, 4], dtype },
              { fortranOrder, bigEndian, version },
            );
            expect((bytes.length - data.length * (data as Uint8Array).BYTES_PER_ELEMENT) % 64).toBe(0);
            const back = decodeNpy(bytes);
            expect(back.dtype).toBe(dtype);
            expect(back.shape).toEqual([2, 3, 4]);
            expect(back.fortranOrder).toBe(fortranOrder);
            expect(plain(back.data)).toEqual(before);
          }
        }
      }
      expect(plain(data)).toEqual(before);
    });
  }

  it('writes half floats (rounded to nearest) and scalars, and rejects wrong sizes', () => {
    const values = new Float32Array([0.5, -1, 65504, 1e-4, 1 / 3, 70000]);
    const back = decodeNpy(encodeNpy({ data: values, shape: [6], dtype: 'f2' }));
    expect(plain(back.data).slice(0, 3)).toEqual([0.5, -1, 65504]);
    expect(back.data[3]).toBeCloseTo(1e-4, 7);
    expect(back.data[4]).toBeCloseTo(1 / 3, 3);
    expect(back.data[5]).toBe(Number.POSITIVE_INFINITY);
    expect(decodeNpy(encodeNpy({ data: new Float64Array([7]), shape: [] })).shape).toEqual([]);
    expect(() => encodeNpy({ data: new Float32Array(3), shape: [2, 2] })).toThrow(/needs 4 elements, got 3/);
  });
});

describe('.npz', () => {
  it('reads numpy.savez (stored) and savez_compressed (deflated, zip64 headers)', () => {
    for (const name of ['stored.npz', 'deflated.npz']) {
      const arrays = decodeNpz(fixture(`npy/${name}`), { source: name });
      expect(arrays.cube.shape).toEqual([5, 4, 3]);
      expect(plain(arrays.cube.data)).toEqual(expected.npy.cube_values);
    }
    expect(plain(decodeNpz(fixture('npy/stored.npz')).ints.data)).toEqual([1, 2, 3]);
    expect(plain(decodeNpz(fixture('npy/deflated.npz')).big.data)).toEqual(
      Array.from({ length: 24 }, (_, i) => i / 8),
    );
    expect(listNpzKeys(fixture('npy/deflated.npz')).sort()).toEqual(['big', 'cube']);
    expect(Object.keys(decodeNpz(fixture('npy/deflated.npz'), { keys: ['big'] }))).toEqual(['big']);
    expect(() => decodeNpz(fixture('npy/deflated.npz'), { keys: ['nope'] })).toThrow(/no array 'nope'/);
  });

  it('round-trips stored and deflated archives', () => {
    for (const compress of [false, true]) {
      const a = { data: new Float32Array([1, 2, 3, 4, 5, 6]), shape: [2, 3] };
      const b = { data: new Int16Array([-1, 7]), shape: [2] };
      const back = decodeNpz(encodeNpz({ a, b }, { compress }));
      expect(plain(back.a.data)).toEqual([1, 2, 3, 4, 5, 6]);
      expect(back.a.shape).toEqual([2, 3]);
      expect(plain(back.b.data)).toEqual([-1, 7]);
    }
  });
});

describe('.npy / .npz malformed input', () => {
  it('ends truncations, bit flips and hostile headers in HsiFormatError quickly', async () => {
    await malformedDrill(fixture('npy/f8_big_fortran.npy'), (b) => decodeNpy(b, { source: 'x.npy' }), {
      cuts: 100,
      flips: 300,
    });
    await malformedDrill(fixture('npy/deflated.npz'), (b) => decodeNpz(b, { source: 'x.npz' }), {
      cuts: 100,
      flips: 300,
      seed: 7,
    });
    await malformedDrill(fixture('npy/stored.npz'), (b) => decodeNpz(b, { source: 'x.npz' }), {
      cuts: 100,
      flips: 300,
      seed: 8,
    });
    const header = (dict: string) => {
      const text = new TextEncoder().encode(`${dict}\n`);
      const out = new Uint8Array(10 + text.length + 8);
      out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0], 0);
      new DataView(out.buffer).setUint16(8, text.length, true);
      out.set(text, 10);
      return out;
    };
    expect(() =>
      decodeNpy(header("{'descr': '<f4', 'fortran_order': False, 'shape': (100000, 100000, 31), }"), {
        source: 'huge.npy',
      }),
    ).toThrow(
      /huge.npy: .npy array: dimensions \[100000, 100000, 31\] need 1240000000000 bytes, more than the 2147483648-byte limit/,
    );
    expect(() => decodeNpy(header("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }"))).toThrow(
      /sizes do not add up: shape \(1\) of <f4 needs 4 data bytes, the file has 8/,
    );
    expect(() => decodeNpy(header("{'descr': '<c8', 'fortran_order': False, 'shape': (1,), }"))).toThrow(
      /unsupported .npy dtype '<c8'/,
    );
    expect(() =>
      decodeNpy(header("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }")),
    ).toThrow(/structured/);
    expect(() => decodeNpy(header("{'descr': '<f4', 'fortran_order': False, 'shape': (-2,), }"))).toThrow(
      /not a non-negative integer/,
    );
    expect(() => decodeNpy(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]))).toThrow(/wrong magic/);
    // A zip whose directory claims a 4 GB member.
    const zip = fixture('npy/stored.npz').slice();
    const view = new DataView(zip.buffer);
    let dir = -1;
    for (let i = zip.length - 4; i >= 0; i--) if (view.getUint32(i, true) === 0x02014b50) dir = i;
    view.setUint32(dir + 24, 0xfffffff0, true);
    expect(() => decodeNpz(zip, { source: 'bomb.npz' })).toThrow(HsiFormatError);
  });
});
