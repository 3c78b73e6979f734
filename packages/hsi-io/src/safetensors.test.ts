import { readFileSync } from 'node:fs';
import { mulberry32 } from '@s2cassi/testing';
import { describe, expect, it } from 'vitest';
import { HsiFormatError } from './errors';
import { decodeSafetensors, encodeSafetensors, safetensorToFloat32 } from './safetensors';

const fixture = new Uint8Array(readFileSync(new URL('../fixtures/small.safetensors', import.meta.url)));

describe('safetensors', () => {
  it('decodes a Node Buffer that is a view into a larger pool (as readFileSync and Buffer.from give)', () => {
    const f32 = Float32Array.from([1.5, -2.25, 3.125, 1e-3]);
    const u16 = Uint16Array.from([0, 65535, 7]);
    const bytes = encodeSafetensors({
      a: { dtype: 'F32', shape: [2, 2], data: f32 },
      b: { dtype: 'U16', shape: [3], data: u16 },
    });
    // Buffer#slice returns a view, not a copy: a decoder that slices and then reads `.buffer` from byte 0
    // gets the pool's other bytes
    const padded = Buffer.concat([Buffer.alloc(13, 0xab), Buffer.from(bytes), Buffer.alloc(7, 0xcd)]);
    const view = padded.subarray(13, 13 + bytes.length);
    expect(view.byteOffset).toBeGreaterThan(0);
    expect(view.buffer.byteLength).toBeGreaterThan(view.length);
    for (const input of [view, Buffer.from(bytes)]) {
      const { tensors } = decodeSafetensors(input);
      expect(tensors.a.data).toEqual(f32);
      expect(tensors.b.data).toEqual(u16);
    }
    // and the decoded arrays own their bytes: changing the input afterwards changes nothing
    const { tensors } = decodeSafetensors(view);
    view.fill(0);
    expect(tensors.a.data).toEqual(f32);
  });

  it('reads a file written by the independent Python writer', () => {
    const { tensors, metadata } = decodeSafetensors(fixture, 'small.safetensors');
    expect(metadata).toEqual({ format: 'pt', note: 'fixture' });
    expect(tensors.weight.shape).toEqual([2, 3, 4]);
    expect(Array.from(tensors.weight.data as Float32Array)).toEqual(
      Array.from({ length: 24 }, (_, i) => i / 8 - 1),
    );
    expect(Array.from(tensors.bias.data as Float64Array)).toEqual([1.5, -2.25, 3]);
    expect(Array.from(tensors.index.data as Int32Array)).toEqual([1, -2, 3, 4]);
    expect(tensors.flag.dtype).toBe('BOOL');
    expect(Array.from(tensors.flag.data as Uint8Array)).toEqual([1, 0, 1]);
    const half = safetensorToFloat32(tensors.half);
    expect(half[0]).toBe(0.5);
    expect(half[1]).toBe(-1);
    expect(half[2]).toBe(65504);
    expect(half[3]).toBeCloseTo(1e-4, 7);
  });

  it('round-trips every dtype and keeps the inputs unchanged', () => {
    const weight = new Float32Array([1, 2, 3, 4, 5, 6]);
    const input = {
      w: { dtype: 'F32' as const, shape: [2, 3], data: weight },
      big: { dtype: 'I64' as const, shape: [2], data: new BigInt64Array([-(2n ** 40n), 7n]) },
      u: { dtype: 'U16' as const, shape: [3], data: new Uint16Array([0, 1, 65535]) },
      empty: { dtype: 'F64' as const, shape: [0, 4], data: new Float64Array(0) },
      scalar: { dtype: 'I8' as const, shape: [], data: new Int8Array([-5]) },
    };
    const bytes = encodeSafetensors(input, { epoch: '3' });
    expect(Number(new DataView(bytes.buffer).getBigUint64(0, true)) % 8).toBe(0);
    const back = decodeSafetensors(bytes);
    expect(back.metadata).toEqual({ epoch: '3' });
    for (const [name, t] of Object.entries(input)) {
      expect(back.tensors[name].dtype).toBe(t.dtype);
      expect(back.tensors[name].shape).toEqual(t.shape);
      expect(Array.from(back.tensors[name].data as ArrayLike<number>)).toEqual(
        Array.from(t.data as ArrayLike<number>),
      );
    }
    expect(Array.from(weight)).toEqual([1, 2, 3, 4, 5, 6]);
    // Python-written bytes re-encoded by us decode to the same values.
    const again = decodeSafetensors(encodeSafetensors(decodeSafetensors(fixture).tensors));
    expect(Array.from(again.tensors.weight.data as Float32Array)).toEqual(
      Array.from(decodeSafetensors(fixture).tensors.weight.data as Float32Array),
    );
  });

  it('rejects wrong element counts and dtypes when writing', () => {
    expect(() =>
      encodeSafetensors({ a: { dtype: 'F32', shape: [2, 2], data: new Float32Array(3) } }),
    ).toThrow(/shape \[2, 2\] needs 4 elements, got 3/);
    expect(() => encodeSafetensors({ a: { dtype: 'F32', shape: [1], data: new Float64Array(1) } })).toThrow(
      /needs a Float32Array, got Float64Array/,
    );
  });

  it('ends every truncated, bit-flipped or hostile input in a clear HsiFormatError', () => {
    const started = Date.now();
    for (let cut = 0; cut < fixture.length; cut += 7) {
      expect(() => decodeSafetensors(fixture.subarray(0, cut), 'cut.safetensors')).toThrow(HsiFormatError);
    }
    // Random bit flips: either a clean error or a successful parse of the same sizes, never a crash.
    const random = mulberry32(5);
    for (let trial = 0; trial < 300; trial++) {
      const copy = fixture.slice();
      const at = Math.floor(random() * copy.length);
      copy[at] ^= 1 << Math.floor(random() * 8);
      try {
        decodeSafetensors(copy, 'flipped.safetensors');
      } catch (error) {
        expect(error).toBeInstanceOf(HsiFormatError);
      }
    }
    const hostile = (header: unknown, extra = 0) => {
      const text = new TextEncoder().encode(JSON.stringify(header));
      const out = new Uint8Array(8 + text.length + extra);
      new DataView(out.buffer).setBigUint64(0, BigInt(text.length), true);
      out.set(text, 8);
      return out;
    };
    const huge = new Uint8Array(16);
    new DataView(huge.buffer).setBigUint64(0, 2n ** 62n, true);
    expect(() => decodeSafetensors(huge, 'huge')).toThrow(/exceeds the 100000000-byte limit/);
    expect(() =>
      decodeSafetensors(
        hostile({ a: { dtype: 'F32', shape: [1e6, 1e6], data_offsets: [0, 4e12] } }),
        'giant',
      ),
    ).toThrow(/truncated: tensor 'a' ends at byte 4000000000000/);
    expect(() =>
      decodeSafetensors(hostile({ a: { dtype: 'Q8', shape: [1], data_offsets: [0, 1] } }, 1)),
    ).toThrow(/unsupported dtype "Q8"/);
    expect(() =>
      decodeSafetensors(
        hostile(
          {
            a: { dtype: 'U8', shape: [2], data_offsets: [0, 2] },
            b: { dtype: 'U8', shape: [2], data_offsets: [1, 3] },
          },
          3,
        ),
      ),
    ).toThrow(/overlaps/);
    expect(() => decodeSafetensors(hostile([1, 2]))).toThrow(/not a JSON object/);
    expect(() =>
      decodeSafetensors(hostile({ a: { dtype: 'U8', shape: [-1], data_offsets: [0, 0] } })),
    ).toThrow(/non-negative integers/);
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
