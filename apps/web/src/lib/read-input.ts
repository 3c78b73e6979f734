import {
  type Cube,
  cubeFromBandPngs,
  decodeEnvi,
  decodeMatAsync,
  decodeNpy,
  decodeNpz,
  decodeSafetensors,
  matVariableToCube,
  npyToCube,
  safetensorToCube,
} from '@s2cassi/hsi-io';
import { countParameters, manifestFromSafetensors, resolveS2TransformerConfig } from '@s2cassi/s2-attn';
import { defaultWavelengths } from './formats';
import type { CubeData, InputRole, LoadedInput, NamedBytes, PlaneData, WeightsData } from './types';

/** Largest decoded array a file may announce (1 GiB): a browser tab has a few GiB at most. */
export const MAX_INPUT_BYTES = 2 ** 30;

const FORMATS_TEXT =
  'MAT (v5 / v7.3), NumPy .npy / .npz, ENVI (.hdr with its data file), PNG (one per band) or safetensors';

/** A readable error for the user: names the file, what was expected and what was found. */
export class InputError extends Error {
  override name = 'InputError';
}

interface Candidate {
  name: string;
  cube: Cube;
}

function extension(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot < 0 ? '' : name.slice(dot + 1).toLowerCase();
}

const ENVI_DATA = new Set(['img', 'raw', 'dat', 'bsq', 'bil', 'bip', '']);

async function candidatesOf(files: readonly NamedBytes[]): Promise<Candidate[]> {
  const limit = { maxBytes: MAX_INPUT_BYTES };
  const pngs = files.filter((f) => extension(f.name) === 'png');
  const headers = files.filter((f) => extension(f.name) === 'hdr');
  const out: Candidate[] = [];
  if (pngs.length > 0) {
    const sorted = [...pngs].sort((a, b) => a.name.localeCompare(b.name, undefined, { numeric: true }));
    out.push({
      name: sorted.length === 1 ? sorted[0].name : `${sorted.length} PNG bands`,
      cube: cubeFromBandPngs(
        sorted.map((f) => f.bytes),
        { ...limit, sources: sorted.map((f) => f.name) },
      ),
    });
  }
  for (const header of headers) {
    const stem = header.name.slice(0, -4);
    const data = files.find(
      (f) => f !== header && ENVI_DATA.has(extension(f.name)) && f.name.startsWith(stem),
    );
    if (!data) {
      throw new InputError(
        `${header.name}: an ENVI header needs its data file (${stem}.img / .raw / .dat) dropped with it`,
      );
    }
    const text = new TextDecoder().decode(header.bytes);
    const { cube } = decodeEnvi(text, data.bytes, { ...limit, source: data.name });
    out.push({ name: header.name, cube });
  }
  for (const file of files) {
    const ext = extension(file.name);
    if (ext === 'png' || ext === 'hdr') continue;
    if (ENVI_DATA.has(ext) && headers.length > 0) continue;
    if (ext === 'mat') {
      const mat = await decodeMatAsync(file.bytes, { ...limit, source: file.name });
      for (const name of Object.keys(mat.variables)) {
        const dims = mat.variables[name].dims.filter((d, i) => i < 2 || d !== 1);
        if (dims.length > 3) continue;
        out.push({ name: `${file.name}:${name}`, cube: matVariableToCube(mat, name, file.name) });
      }
      if (out.length === 0) {
        const skipped = mat.skipped.map((s) => `${s.name} (${s.reason})`).join(', ');
        throw new InputError(
          `${file.name}: no numeric 2-D or 3-D variable${skipped ? `; skipped ${skipped}` : ''}`,
        );
      }
    } else if (ext === 'npy') {
      const array = decodeNpy(file.bytes, { ...limit, source: file.name });
      out.push({ name: file.name, cube: npyToCube(array, { source: file.name }) });
    } else if (ext === 'npz') {
      const arrays = decodeNpz(file.bytes, { ...limit, source: file.name });
      for (const [key, array] of Object.entries(arrays)) {
        if (array.shape.length < 2 || array.shape.length > 4) continue;
        out.push({ name: `${file.name}:${key}`, cube: npyToCube(array, { source: file.name }) });
      }
    } else if (ext === 'safetensors') {
      const decoded = decodeSafetensors(file.bytes, file.name);
      for (const [key, tensor] of Object.entries(decoded.tensors)) {
        if (tensor.shape.length < 2 || tensor.shape.length > 4) continue;
        out.push({
          name: `${file.name}:${key}`,
          cube: safetensorToCube(decoded, key, { source: file.name }),
        });
      }
    } else {
      throw new InputError(`${file.name}: unsupported file type '.${ext}'; expected ${FORMATS_TEXT}`);
    }
  }
  return out;
}

const PREFERRED: Record<'cube' | 'measurement' | 'mask', RegExp> = {
  cube: /(^|[:_])(img|truth|cube|hsi|gt|data|pred|recon)/i,
  measurement: /(^|[:_])(meas|measurement|y)/i,
  mask: /(^|[:_])(mask|phi)/i,
};

function pick(candidates: Candidate[], role: 'cube' | 'measurement' | 'mask', files: string): Candidate {
  const wantPlane = role !== 'cube';
  const fitting = candidates.filter((c) => (c.cube.shape[2] === 1) === wantPlane);
  if (fitting.length === 0) {
    const found = candidates.map((c) => `${c.name} [${c.cube.shape.join(', ')}]`).join(', ') || 'no arrays';
    throw new InputError(
      `${files}: expected ${wantPlane ? `a 2-D ${role} [height, width]` : 'a 3-D cube [height, width, bands]'}, found ${found}`,
    );
  }
  const named = fitting.filter((c) => PREFERRED[role].test(c.name));
  const pool = named.length > 0 ? named : fitting;
  return pool.reduce((a, b) => (b.cube.data.length > a.cube.data.length ? b : a));
}

function checkFinite(data: Float32Array, what: string): void {
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) {
      throw new InputError(`${what}: expected finite values, found ${data[i]} at index ${i}`);
    }
  }
}

function parseJson(file: NamedBytes): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(file.bytes));
  } catch (error) {
    throw new InputError(`${file.name}: not valid JSON (${(error as Error).message})`);
  }
}

/** Reads S2-Transformer weights: one .safetensors (config in its metadata or in a .json beside it). */
export function readWeights(files: readonly NamedBytes[]): WeightsData {
  const tensors = files.filter((f) => extension(f.name) === 'safetensors');
  const jsons = files.filter((f) => extension(f.name) === 'json');
  const other = files.filter((f) => !['safetensors', 'json'].includes(extension(f.name)));
  if (other.length > 0 || tensors.length !== 1 || jsons.length > 1) {
    throw new InputError(
      `weights: expected one .safetensors file (and optionally its config .json), got ${files.map((f) => f.name).join(', ') || 'nothing'}`,
    );
  }
  const file = tensors[0];
  const decoded = decodeSafetensors(file.bytes, file.name);
  let manifest: unknown;
  let config: ReturnType<typeof resolveS2TransformerConfig>;
  if (jsons.length === 1) {
    const json = parseJson(jsons[0]) as Record<string, unknown> | null;
    if (json === null || typeof json !== 'object' || Array.isArray(json)) {
      throw new InputError(`${jsons[0].name}: expected a JSON object (a model config or manifest)`);
    }
    // A bare config is wrapped into a manifest of the current format.
    manifest =
      'format' in json ? json : { format: 's2cassi.s2-transformer', version: 1, config: json as object };
    try {
      config = resolveS2TransformerConfig((manifest as { config?: object }).config ?? {});
    } catch (error) {
      throw new InputError(`${jsons[0].name}: ${(error as Error).message}`);
    }
  } else {
    config = manifestFromSafetensors(decoded, file.name).config;
  }
  const parameters = countParameters(config).total;
  return {
    name: file.name,
    bytes: file.bytes,
    manifest,
    summary: `${(parameters / 1e6).toFixed(parameters < 1e5 ? 3 : 2)} M parameters, ${config.stageCount} x ${config.blocksPerStage} ${config.blockType} blocks, C=${config.embeddingDim}, ${config.bandCount} bands`,
  };
}

/** The chosen array's name, with hsi-io's note when integers were used as stored (no scale in the file). */
function describeChosen(chosen: Candidate): string {
  const note = chosen.cube.valueScale?.note;
  return note ? `${chosen.name} (${note})` : chosen.name;
}

/**
 * Reads the files dropped or picked for one role. Everything happens on the bytes in memory: nothing
 * is sent anywhere. Stored values follow @s2cassi/hsi-io's one rule (`applyValueScale`): divided by the
 * file's scale where it has one (safetensors metadata `scale`, ENVI `reflectance scale factor`, a PNG's
 * range); integers without one are used as stored and `source` says so. Throws an {@link InputError}
 * (or a format error from @s2cassi/hsi-io) naming the file, what was expected and what was found.
 */
export async function readInput(role: InputRole, files: readonly NamedBytes[]): Promise<LoadedInput> {
  if (files.length === 0) throw new InputError(`${role}: no file given`);
  const source = files.map((f) => f.name).join(', ');
  if (role === 'weights') return { role, weights: readWeights(files), source };
  const candidates = await candidatesOf(files);
  const chosen = pick(candidates, role, source);
  const [height, width, bands] = chosen.cube.shape;
  if (height < 2 || width < 2) {
    throw new InputError(`${chosen.name}: expected at least 2 x 2 pixels, got ${height} x ${width}`);
  }
  checkFinite(chosen.cube.data, chosen.name);
  if (role === 'cube') {
    const wavelengths = chosen.cube.wavelengths ?? defaultWavelengths(bands);
    const cube: CubeData = { data: chosen.cube.data, shape: [height, width, bands], wavelengths };
    return { role, cube, source: describeChosen(chosen) };
  }
  const plane: PlaneData = { data: chosen.cube.data, shape: [height, width] };
  if (role === 'mask') {
    for (let i = 0; i < plane.data.length; i++) {
      if (plane.data[i] < 0)
        throw new InputError(`${chosen.name}: a mask must be >= 0, found ${plane.data[i]}`);
    }
  }
  return { role, plane, source: describeChosen(chosen) };
}
