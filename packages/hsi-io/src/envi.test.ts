import { readFileSync } from 'node:fs';
import { mulberry32 } from '@s2cassi/testing';
import { describe, expect, it } from 'vitest';
import { expected, FIXTURES, fixture, malformedDrill } from './_test-fixtures';
import { createCube } from './cube';
import { decodeEnvi, type EnviDataType, encodeEnvi, parseEnviHeader } from './envi';

const headerOf = (stem: string) => readFileSync(new URL(`envi/${stem}.hdr`, FIXTURES), 'utf8');

describe('ENVI reader against hand-written fixtures (three interleaves, both byte orders)', () => {
  for (const [stem, spec] of Object.entries(expected.envi) as [
    string,
    { shape: number[]; values: number[]; wavelengths: number[] },
  ][]) {
    it(`reads ${stem}`, () => {
      const { cube, header } = decodeEnvi(headerOf(stem), fixture(`envi/${stem}.img`), { source: stem });
      expect(cube.shape).toEqual(spec.shape);
      expect(Array.from(cube.data)).toEqual(spec.values);
      expect(cube.wavelengths).toEqual(spec.wavelengths);
      expect(header.bandNames).toEqual(['a', 'b', 'c']);
      expect(header.description).toMatch(/fixture written by make_fixtures.py,\s+several lines/);
    });
  }
});

describe('ENVI writer', () => {
  it('round-trips every interleave, byte order and data type', () => {
    const random = mulberry32(3);
    const cube = createCube(
      [4, 5, 3],
      Float32Array.from({ length: 60 }, () => Math.round(random() * 200)),
      [400, 500, 600],
    );
    const before = Array.from(cube.data);
    for (const interleave of ['bsq', 'bil', 'bip'] as const) {
      for (const byteOrder of [0, 1] as const) {
        for (const dataType of [1, 2, 3, 4, 5, 12, 13, 14, 15] as EnviDataType[]) {
          const { header, data } = encodeEnvi(cube, { interleave, byteOrder, dataType, headerOffset: 7 });
          const back = decodeEnvi(header, data);
          expect(back.header.interleave).toBe(interleave);
          expect(back.header.dataType).toBe(dataType);
          expect(Array.from(back.cube.data)).toEqual(before);
          expect(back.cube.wavelengths).toEqual([400, 500, 600]);
        }
      }
    }
    expect(Array.from(cube.data)).toEqual(before);
    const clamped = decodeEnvi(
      ...(Object.values(encodeEnvi(createCube([1, 1, 2], [-3.6, 300.4]), { dataType: 1 })) as [
        string,
        Uint8Array,
      ]),
    );
    expect(Array.from(clamped.cube.data)).toEqual([0, 255]);
  });

  it('parses micrometre wavelengths and refuses bad headers', () => {
    const base = 'ENVI\nsamples = 1\nlines = 1\nbands = 2\ndata type = 4\ninterleave = bip\n';
    const { cube } = decodeEnvi(
      `${base}wavelength units = Micrometers\nwavelength = {0.45, 0.55}\n`,
      new Uint8Array(8),
    );
    expect(cube.wavelengths?.map((v) => Math.round(v * 1000) / 1000)).toEqual([450, 550]);
    expect(() => parseEnviHeader('samples = 1')).toThrow(/not an ENVI header/);
    expect(() => parseEnviHeader(base.replace('data type = 4', 'data type = 6'))).toThrow(
      /complex: not supported/,
    );
    expect(() => parseEnviHeader(base.replace('data type = 4', 'data type = 99'))).toThrow(
      /unsupported ENVI data type 99/,
    );
    expect(() => parseEnviHeader(base.replace('bip', 'xyz'))).toThrow(/interleave 'xyz'/);
    expect(() => parseEnviHeader(`${base}wavelength = {1, 2, 3}\n`)).toThrow(/3 values for 2 bands/);
    expect(() => parseEnviHeader(base.replace('samples = 1\n', ''))).toThrow(/no 'samples'/);
  });
});

describe('ENVI malformed input', () => {
  it('refuses truncated data, hostile dims and corrupted headers quickly', async () => {
    const header = headerOf('bil_little_f4');
    const data = fixture('envi/bil_little_f4.img');
    await malformedDrill(data, (d) => decodeEnvi(header, d, { source: 'cut.img' }), { cuts: 100, flips: 0 });
    await malformedDrill(
      new TextEncoder().encode(header),
      (h) => decodeEnvi(new TextDecoder().decode(h), data, { source: 'flip.hdr' }),
      {
        flips: 300,
        // Fields after 'data type' are optional: a header cut after it is valid.
        truncationMustFail: (cut) => cut < header.indexOf('data type = 4') + 13,
        cuts: 60,
      },
    );
    expect(() =>
      decodeEnvi(
        header.replace('samples = 4', 'samples = 4000000').replace('lines   = 5', 'lines = 4000000'),
        data,
        { source: 'huge.img' },
      ),
    ).toThrow(
      /huge.img: ENVI cube: dimensions \[4000000, 4000000, 3\] need .* bytes, more than the 2147483648-byte limit/,
    );
    expect(() => decodeEnvi(header, data.subarray(0, data.length - 1), { source: 'short.img' })).toThrow(
      /short.img: truncated: 4 samples x 5 lines x 3 bands of float32 after a 16-byte offset need 256 bytes, the data file has 255/,
    );
  });
});
