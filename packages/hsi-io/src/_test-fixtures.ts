import { readFileSync } from 'node:fs';
import { mulberry32 } from '@s2cassi/testing';
import { expect } from 'vitest';
import { HsiFormatError } from './errors';

/** Test-only helpers: fixture access and the malformed-input drill. */
export const FIXTURES = new URL('../fixtures/', import.meta.url);

export function fixture(path: string): Uint8Array {
  return new Uint8Array(readFileSync(new URL(path, FIXTURES)));
}

export const expected = JSON.parse(readFileSync(new URL('expected.json', FIXTURES), 'utf8'));

/** Numbers from expected.json (int64 values are strings there). */
export function numbers(values: (number | string)[]): number[] {
  return values.map(Number);
}

/** Array of plain numbers from any typed array (BigInt -> Number). */
export function plain(data: ArrayLike<number | bigint>): number[] {
  return Array.from(data as ArrayLike<number>, (v) => Number(v));
}

/**
 * Truncates at many cut points, flips random bits and runs `decode` on each: every truncation must throw
 * HsiFormatError; a bit flip must throw HsiFormatError or decode cleanly (`accept` checks what a
 * successful decode returned). Each call must end within `perCallMs`.
 */
export async function malformedDrill(
  bytes: Uint8Array,
  decode: (b: Uint8Array) => unknown,
  options: {
    cuts?: number;
    flips?: number;
    seed?: number;
    perCallMs?: number;
    truncationMustFail?: boolean | ((cut: number) => boolean);
  } = {},
): Promise<{ failures: number; successes: number }> {
  const cuts = options.cuts ?? 60;
  const flips = options.flips ?? 200;
  const perCallMs = options.perCallMs ?? 1000;
  const random = mulberry32(options.seed ?? 1);
  let failures = 0;
  let successes = 0;
  const time = async (input: Uint8Array, mustFail: boolean) => {
    const started = performance.now();
    try {
      await decode(input);
      if (mustFail) throw new Error(`decoding ${input.length} of ${bytes.length} bytes did not fail`);
      successes++;
    } catch (error) {
      if (!(error instanceof HsiFormatError)) throw error;
      failures++;
    }
    expect(performance.now() - started).toBeLessThan(perCallMs);
  };
  const step = Math.max(1, Math.floor(bytes.length / cuts));
  for (let cut = 0; cut < bytes.length; cut += step) {
    const rule = options.truncationMustFail ?? true;
    await time(bytes.slice(0, cut), typeof rule === 'function' ? rule(cut) : rule);
  }
  for (let trial = 0; trial < flips; trial++) {
    const copy = bytes.slice();
    const at = Math.floor(random() * copy.length);
    copy[at] ^= 1 << Math.floor(random() * 8);
    await time(copy, false);
  }
  return { failures, successes };
}
