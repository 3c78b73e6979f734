import { describe, expect, it } from 'vitest';
import {
  apply3,
  BRADFORD,
  bradfordAdaptation,
  invert3,
  multiply3,
  SRGB_WHITE_XYZ,
  srgbDecode,
  srgbEncode,
  wavelengthColor,
  XYZ_TO_LINEAR_SRGB,
  xyzToLinearSrgb,
  xyzToSrgbBytes,
} from './srgb';

describe('sRGB transfer function (IEC 61966-2-1)', () => {
  it('has the standard values and is continuous at the break point', () => {
    expect(srgbEncode(0)).toBe(0);
    expect(srgbEncode(1)).toBeCloseTo(1, 15);
    expect(srgbEncode(0.5)).toBeCloseTo(0.735356983, 8);
    expect(srgbEncode(0.18)).toBeCloseTo(0.461356129, 8);
    expect(srgbEncode(0.0031308)).toBeCloseTo(1.055 * 0.0031308 ** (1 / 2.4) - 0.055, 6);
    expect(srgbEncode(-1)).toBe(0);
    expect(srgbEncode(7)).toBeCloseTo(1, 15);
    expect(srgbEncode(Number.NaN)).toBe(0);
  });

  it('decode inverts encode', () => {
    for (let v = 0; v <= 1; v += 1 / 64) expect(srgbDecode(srgbEncode(v))).toBeCloseTo(v, 12);
  });
});

describe('matrices', () => {
  it('invert3 inverts', () => {
    const product = multiply3(BRADFORD, invert3(BRADFORD));
    const identity = [1, 0, 0, 0, 1, 0, 0, 0, 1];
    product.forEach((v, i) => {
      expect(v).toBeCloseTo(identity[i], 14);
    });
  });

  it('the IEC matrix maps the sRGB white to RGB (1, 1, 1) to 4 decimals', () => {
    for (const v of xyzToLinearSrgb(SRGB_WHITE_XYZ)) expect(Math.abs(v - 1)).toBeLessThan(2e-4);
    expect(xyzToSrgbBytes(SRGB_WHITE_XYZ)).toEqual([255, 255, 255]);
    expect(XYZ_TO_LINEAR_SRGB[0]).toBe(3.2406);
  });

  it('Bradford maps the source white exactly onto the target white', () => {
    const a = [1.0985, 1, 0.35585] as const;
    const m = bradfordAdaptation(a);
    const mapped = apply3(m, a);
    mapped.forEach((v, i) => {
      expect(v).toBeCloseTo(SRGB_WHITE_XYZ[i], 13);
    });
    // Same white: identity.
    const same = bradfordAdaptation(SRGB_WHITE_XYZ, SRGB_WHITE_XYZ);
    [1, 0, 0, 0, 1, 0, 0, 0, 1].forEach((v, i) => {
      expect(same[i]).toBeCloseTo(v, 14);
    });
    expect(() => bradfordAdaptation([1, 0, 1])).toThrow(/XYZ white \[X, Y, Z\] of positive numbers/);
  });
});

describe('wavelengthColor', () => {
  const dominant = (rgb: number[]) => rgb.indexOf(Math.max(...rgb));
  it('is green at 540 nm, red at 620 nm, blue at 450 nm, white outside the visible range', () => {
    expect(dominant(wavelengthColor(540))).toBe(1);
    expect(dominant(wavelengthColor(620))).toBe(0);
    expect(dominant(wavelengthColor(450))).toBe(2);
    expect(wavelengthColor(900)).toEqual([1, 1, 1]);
    for (let l = 380; l <= 780; l += 5) {
      const c = wavelengthColor(l);
      expect(Math.max(...c)).toBeCloseTo(1, 12);
      expect(Math.min(...c)).toBeGreaterThanOrEqual(0);
    }
  });
});
