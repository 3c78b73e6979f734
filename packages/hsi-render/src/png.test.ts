import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { encode } from 'fast-png';
import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from './_test-data';
import { decodePng, encodePng } from './png';

describe('encodePng / decodePng', () => {
  it('round-trips RGBA exactly', () => {
    const width = 13;
    const height = 7;
    const data = new Uint8ClampedArray(width * height * 4);
    for (let i = 0; i < data.length; i++) data[i] = (i * 37) % 256;
    const bytes = encodePng({ data, width, height });
    expect(Array.from(bytes.subarray(0, 8))).toEqual([137, 80, 78, 71, 13, 10, 26, 10]);
    const back = decodePng(bytes);
    expect([back.width, back.height]).toEqual([width, height]);
    expect(back.data).toEqual(data);
    expect(
      decodePng(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length) as ArrayBuffer).data,
    ).toEqual(data);
  });

  it('reads grey 16-bit, grey 1-bit and RGB PNGs into RGBA', () => {
    const grey16 = encode({
      width: 3,
      height: 1,
      data: new Uint16Array([0, 32896, 65535]),
      channels: 1,
      depth: 16,
    });
    expect(Array.from(decodePng(grey16).data)).toEqual([
      0, 0, 0, 255, 128, 128, 128, 255, 255, 255, 255, 255,
    ]);
    const bits = encode({
      width: 10,
      height: 2,
      data: new Uint8Array([0b10100000, 0b01000000, 0b11111111, 0b11000000]),
      channels: 1,
      depth: 1,
    });
    const decoded = decodePng(bits);
    const row0 = Array.from({ length: 10 }, (_, x) => decoded.data[x * 4]);
    const row1 = Array.from({ length: 10 }, (_, x) => decoded.data[(10 + x) * 4]);
    expect(row0).toEqual([255, 0, 255, 0, 0, 0, 0, 0, 0, 255]);
    expect(row1).toEqual([255, 255, 255, 255, 255, 255, 255, 255, 255, 255]);
    const golden = decodePng(
      readFileSync(resolve(PACKAGE_ROOT, 'test/golden/chart_and_stuffed_toy-srgb.png')),
    );
    expect([golden.width, golden.height, golden.data[3]]).toEqual([256, 256, 255]);
  });

  it('rejects bad input with a clear error, fast', () => {
    expect(() => encodePng({ data: new Uint8ClampedArray(5), width: 2, height: 1 })).toThrow(
      /expected 8 RGBA bytes .* of length 5/,
    );
    expect(() => encodePng({ data: new Uint8ClampedArray(8), width: 0, height: 1 })).toThrow(
      /positive integer width and height/,
    );
    expect(() => decodePng(new Uint8Array([1, 2, 3]))).toThrow(/expected a PNG file/);
    const good = encodePng({ data: new Uint8ClampedArray(64 * 64 * 4).fill(200), width: 64, height: 64 });
    expect(() => decodePng(good.subarray(0, good.length - 30))).toThrow(/decodePng/);
    const hostile = good.slice();
    hostile.set([0, 1, 0, 0], 16); // width 65536
    const started = Date.now();
    expect(() => decodePng(hostile)).toThrow(/at most 32768 px a side .* header says 65536 x 64/);
    expect(Date.now() - started).toBeLessThan(1000);
    // A flipped bit anywhere in the chunks (here inside the compressed pixel data) fails the CRC check.
    for (const offset of [40, good.length - 20]) {
      const flipped = good.slice();
      flipped[offset] ^= 0x10;
      expect(() => decodePng(flipped)).toThrow(/decodePng: could not decode the PNG: .*CRC/i);
    }
  });
});
