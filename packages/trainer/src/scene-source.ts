import { createRandom } from '@s2cassi/cassi-sim';

/**
 * A hyperspectral scene in memory: `data[(y * width + x) * bands + band]` (row-major, bands fastest, the
 * layout of @s2cassi/hsi-io's `Cube` and of one NHWC image), values in [0, 1].
 */
export interface Scene {
  data: Float32Array;
  /** [height, width, bands] */
  shape: [number, number, number];
}

/**
 * Where training and validation scenes come from. Scenes are loaded lazily by name (and cached by the
 * trainer), so a folder of large scenes costs memory only for the scenes actually drawn.
 */
export interface SceneSource {
  /** Names of the scenes to train on (at least one). */
  readonly trainSceneNames: readonly string[];
  /** Names of the held-out scenes (never trained on). */
  readonly validationSceneNames: readonly string[];
  /** Loads one scene ([H, W, bandCount], values in [0, 1]). */
  load(name: string): Promise<Scene>;
}

/** Options of {@link syntheticSceneSource}. */
export interface SyntheticSourceOptions {
  trainScenes: number;
  validationScenes: number;
  height: number;
  width: number;
  bandCount: number;
  seed: number;
}

/**
 * In-memory synthetic scenes for tests and examples: each scene is a background plus a few soft discs,
 * each with its own smooth spectrum (a sum of two Gaussian bumps over the bands), so neighbouring pixels
 * and bands are correlated like in real reflectance cubes. Values are in [0, 1]. Deterministic in `seed`.
 */
export function syntheticSceneSource(options: SyntheticSourceOptions): SceneSource {
  const { trainScenes, validationScenes, height, width, bandCount, seed } = options;
  for (const [key, value] of Object.entries({ trainScenes, height, width, bandCount })) {
    if (!Number.isInteger(value) || value < 1) {
      throw new Error(`syntheticSceneSource: ${key} must be a positive integer, got ${value}`);
    }
  }
  if (!Number.isInteger(validationScenes) || validationScenes < 0) {
    throw new Error(
      `syntheticSceneSource: validationScenes must be a non-negative integer, got ${validationScenes}`,
    );
  }
  const trainSceneNames = Array.from({ length: trainScenes }, (_, i) => `synthetic-train-${i}`);
  const validationSceneNames = Array.from(
    { length: validationScenes },
    (_, i) => `synthetic-validation-${i}`,
  );
  const all = [...trainSceneNames, ...validationSceneNames];
  return {
    trainSceneNames,
    validationSceneNames,
    async load(name: string): Promise<Scene> {
      const index = all.indexOf(name);
      if (index < 0) throw new Error(`syntheticSceneSource: no scene named ${JSON.stringify(name)}`);
      return makeSyntheticScene(height, width, bandCount, (seed * 7919 + index * 104729 + 1) >>> 0);
    },
  };
}

function smoothSpectrum(random: ReturnType<typeof createRandom>, bandCount: number): Float32Array {
  const spectrum = new Float32Array(bandCount);
  const base = random.uniform(0.05, 0.3);
  for (let bump = 0; bump < 2; bump++) {
    const centre = random.uniform(-0.2, 1.2) * (bandCount - 1);
    const width = random.uniform(0.15, 0.5) * bandCount;
    const height = random.uniform(0.2, 0.6);
    for (let n = 0; n < bandCount; n++) spectrum[n] += height * Math.exp(-(((n - centre) / width) ** 2));
  }
  for (let n = 0; n < bandCount; n++) spectrum[n] = Math.min(1, base + spectrum[n]);
  return spectrum;
}

function makeSyntheticScene(height: number, width: number, bandCount: number, seed: number): Scene {
  const random = createRandom(seed);
  const data = new Float32Array(height * width * bandCount);
  const background = smoothSpectrum(random, bandCount);
  const weight = new Float32Array(height * width).fill(1);
  const discs = 3 + random.integer(0, 3);
  const layers: { spectrum: Float32Array; alpha: Float32Array }[] = [];
  for (let d = 0; d < discs; d++) {
    const cy = random.uniform(0, height);
    const cx = random.uniform(0, width);
    const radius = random.uniform(0.15, 0.4) * Math.min(height, width);
    const alpha = new Float32Array(height * width);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const r = Math.hypot(y - cy, x - cx) / radius;
        alpha[y * width + x] = 1 / (1 + Math.exp((r - 1) * 6));
      }
    }
    layers.push({ spectrum: smoothSpectrum(random, bandCount), alpha });
  }
  for (let p = 0; p < height * width; p++) {
    let remaining = weight[p];
    const offset = p * bandCount;
    for (let l = layers.length - 1; l >= 0; l--) {
      const a = layers[l].alpha[p] * remaining;
      for (let n = 0; n < bandCount; n++) data[offset + n] += a * layers[l].spectrum[n];
      remaining -= a;
    }
    for (let n = 0; n < bandCount; n++) data[offset + n] += remaining * background[n];
  }
  return { data, shape: [height, width, bandCount] };
}
