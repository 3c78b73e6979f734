import { DEFAULT_MEASUREMENT_PEAK, type MeasurementScalingOverride } from '@s2cassi/pipeline';
import { InvalidArgumentError } from 'commander';
import { parseShard, type Shard, shardItems } from './shard';

// Shards are public (src/shard.ts); re-exported here with the other option parsers.
export { parseShard, type Shard, shardItems };

export function integerAtLeast(min: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min)
      throw new InvalidArgumentError(`expected an integer >= ${min}, got '${value}'.`);
    return n;
  };
}

export function numberAtLeast(min: number) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n < min) {
      throw new InvalidArgumentError(`expected a number >= ${min}, got '${value}'.`);
    }
    return n;
  };
}

/** 'auto' or a number > 0 (GAP-TV --tv-scale). */
export function parseTvScale(value: string): number | 'auto' {
  if (value.trim().toLowerCase() === 'auto') return 'auto';
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0) {
    throw new InvalidArgumentError(`expected 'auto' or a number > 0, got '${value}'.`);
  }
  return n;
}

/** `band-sum`, `peak` (= peak:0.8, the real-data convention) or `peak:<value > 0>` (reconstruct --measurement-scaling). */
export function parseMeasurementScaling(value: string): MeasurementScalingOverride {
  const text = value.trim().toLowerCase();
  if (text === 'band-sum') return { kind: 'band-sum' };
  if (text === 'peak') return { kind: 'peak', peak: DEFAULT_MEASUREMENT_PEAK };
  const match = /^peak:(.+)$/.exec(text);
  const peak = match ? Number(match[1]) : Number.NaN;
  if (!match || !Number.isFinite(peak) || peak <= 0) {
    throw new InvalidArgumentError(
      `expected 'band-sum', 'peak' (peak ${DEFAULT_MEASUREMENT_PEAK}) or 'peak:<number > 0>', got '${value}'.`,
    );
  }
  return { kind: 'peak', peak };
}

const UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  k: 1e3,
  kb: 1e3,
  kib: 2 ** 10,
  m: 1e6,
  mb: 1e6,
  mib: 2 ** 20,
  g: 1e9,
  gb: 1e9,
  gib: 2 ** 30,
};

/** "512MiB", "2GB", "1.5g", "1000000" -> bytes. */
export function parseBytes(value: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(value);
  const unit = match ? UNITS[match[2].toLowerCase()] : undefined;
  if (!match || unit === undefined) {
    throw new InvalidArgumentError(`expected a size such as 512MiB, 2GB or 1000000 (bytes), got '${value}'.`);
  }
  const bytes = Math.round(Number(match[1]) * unit);
  if (bytes < 2 ** 20) throw new InvalidArgumentError(`expected at least 1MiB, got '${value}'.`);
  return bytes;
}

/** Swap the extension of a path (a path without one gets `ext` appended). */
export function withExtension(path: string, ext: string): string {
  const match = /\.[^./\\]*$/.exec(path);
  return match ? path.slice(0, match.index) + ext : path + ext;
}
