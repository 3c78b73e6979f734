import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CIE_1931_X, CIE_1931_Y, CIE_1931_Z, CIE_D50, CIE_D65 } from './_cie-tables.generated';
import { PACKAGE_ROOT, readCieCsv } from './_test-data';
import { cieCmf, illuminantPower } from './observer';

describe('embedded CIE tables', () => {
  it('the committed CSVs are the files the CIE publishes (SHA-256)', () => {
    const expected: Record<string, string> = {
      'CIE_xyz_1931_2deg.csv': 'fa663e3535a7e0763a745993a1f0a192eb0275ac46ad2d1befd7626841e713c1',
      'CIE_std_illum_D65.csv': 'e76f210bffff3d552ef7113025da5f325d5dfec200dd4b878b1a2f3a507032cb',
      'CIE_std_illum_D50.csv': 'b23049c6f7b266c1c1fbe147aa271e8930ca02d6e569c5ae1804c036faea4193',
    };
    for (const [name, sha] of Object.entries(expected)) {
      const bytes = readFileSync(resolve(PACKAGE_ROOT, 'data/cie', name));
      expect(createHash('sha256').update(bytes).digest('hex'), name).toBe(sha);
    }
  });

  it('the generated tables equal the CSVs number for number, 360..830 nm', () => {
    const cmf = readCieCsv('CIE_xyz_1931_2deg.csv');
    expect(cmf).toHaveLength(471);
    expect(CIE_1931_X).toHaveLength(471);
    cmf.forEach(([nm, x, y, z], i) => {
      expect(nm).toBe(360 + i);
      expect([CIE_1931_X[i], CIE_1931_Y[i], CIE_1931_Z[i]]).toEqual([x, y, z]);
    });
    for (const [name, table] of [
      ['CIE_std_illum_D65.csv', CIE_D65],
      ['CIE_std_illum_D50.csv', CIE_D50],
    ] as const) {
      const rows = readCieCsv(name).filter(([nm]) => nm >= 360 && nm <= 830);
      expect(rows.map((r) => r[1])).toEqual(table);
    }
  });
});

describe('cieCmf', () => {
  it('returns the table at whole nm, interpolates between, zero outside 360..830', () => {
    expect(cieCmf(555)).toEqual([0.5120501, 1, 0.005749999]);
    const [a, b] = [cieCmf(453), cieCmf(454)];
    const mid = cieCmf(453.5);
    for (let k = 0; k < 3; k++) expect(mid[k]).toBeCloseTo((a[k] + b[k]) / 2, 15);
    const quarter = cieCmf(453.25);
    for (let k = 0; k < 3; k++) expect(quarter[k]).toBeCloseTo(0.75 * a[k] + 0.25 * b[k], 15);
    expect(cieCmf(359.9)).toEqual([0, 0, 0]);
    expect(cieCmf(830.1)).toEqual([0, 0, 0]);
    expect(cieCmf(830)[1]).toBe(4.5181e-7);
  });

  it('rejects non-numbers', () => {
    expect(() => cieCmf(Number.NaN)).toThrow(/expected a finite number, got NaN/);
  });
});

describe('illuminantPower', () => {
  it('D65 and D50 are 100 at 560 nm and follow the tables', () => {
    expect(illuminantPower('D65', 560)).toBe(100);
    expect(illuminantPower('D50', 560)).toBe(100);
    expect(illuminantPower('D65', 460)).toBe(117.812);
    expect(illuminantPower('D65', 460.5)).toBeCloseTo((117.812 + illuminantPower('D65', 461)) / 2, 12);
    expect(illuminantPower('E', 432.1)).toBe(100);
  });

  it('A from its Planck formula matches the CIE 1 nm table of illuminant A (6 significant digits)', () => {
    const rows = readCieCsv('CIE_std_illum_A_1nm.csv');
    expect(rows).toHaveLength(531);
    let worst = 0;
    for (const [nm, value] of rows) worst = Math.max(worst, Math.abs(illuminantPower('A', nm) / value - 1));
    expect(worst).toBeLessThan(5e-6);
    expect(illuminantPower('A', 560)).toBeCloseTo(100, 12);
  });

  it('custom tables interpolate linearly and are zero outside', () => {
    const lamp = { wavelengths: [400, 500, 700], values: [10, 30, 50] };
    expect(illuminantPower(lamp, 450)).toBe(20);
    expect(illuminantPower(lamp, 600)).toBe(40);
    expect(illuminantPower(lamp, 700)).toBe(50);
    expect(illuminantPower(lamp, 399)).toBe(0);
  });

  it('names what it expected', () => {
    expect(() => illuminantPower('D75' as 'D65', 500)).toThrow(
      /expected one of 'D65', 'D50', 'A', 'E'.*got "D75"/,
    );
    expect(() => illuminantPower({ wavelengths: [500, 400], values: [1, 1] }, 450)).toThrow(
      /strictly increasing/,
    );
    expect(() => illuminantPower({ wavelengths: [400, 500], values: [1] }, 450)).toThrow(/equal length/);
  });
});
