import { HsiFormatError } from './errors';
import { checkDims, DEFAULT_MAX_BYTES } from './limits';
import type { MatArray, MatClass, MatFile, MatReadOptions, MatSkipped, MatVariableInfo } from './mat-v5';
import type { NumericArray } from './ndarray';

const HDF5_SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

/**
 * Offset of the HDF5 superblock signature (0, 512, 1024, 2048, ... as the HDF5 spec allows for a
 * userblock), or -1.
 */
export function hdf5SignatureOffset(bytes: Uint8Array): number {
  for (let at = 0; at + 8 <= bytes.length; at = at === 0 ? 512 : at * 2) {
    if (HDF5_SIGNATURE.every((b, i) => bytes[at + i] === b)) return at;
    if (at > 1 << 24) break;
  }
  return -1;
}

type H5wasm = typeof import('h5wasm');
let loading: Promise<H5wasm> | undefined;

/**
 * Loads h5wasm once (its ESM build embeds the WebAssembly and runs in Node and browsers) and waits for
 * the module to be ready. Files are read from bytes through h5wasm's in-memory file system.
 */
async function loadH5wasm(): Promise<H5wasm> {
  loading ??= (async () => {
    // The wasm runtime binds console.error when it starts; hand it a forwarder so `quietly` can capture
    // HDF5's error-stack printing later.
    const original = console.error;
    // Outside `quietly`, messages go to the console.error of load time (never back to the forwarder).
    errorSink = (...args: unknown[]) => original.apply(console, args);
    console.error = (...args: unknown[]) => errorSink(...args);
    try {
      const h5 = await import('h5wasm');
      await h5.ready;
      return h5;
    } finally {
      console.error = original;
    }
  })();
  return loading;
}

let counter = 0;
let errorSink: (...args: unknown[]) => void = () => {};

/**
 * Runs a synchronous h5wasm call with the HDF5 library's error-stack printing (console.error) captured:
 * the text is appended to our error instead of flooding the console.
 */
function quietly<T>(source: string, what: string, fn: () => T): T {
  const printed: string[] = [];
  const previous = errorSink;
  errorSink = (...args: unknown[]) => printed.push(args.map(String).join(' '));
  try {
    return fn();
  } catch (error) {
    if (error instanceof HsiFormatError) throw error;
    const detail = printed.find((line) => /minor:|error|unable/i.test(line))?.trim();
    throw new HsiFormatError(
      source,
      `${what}: ${(error as Error)?.message ?? String(error)}${detail ? ` (HDF5: ${detail.slice(0, 200)})` : ''}`,
    );
  } finally {
    errorSink = previous;
  }
}

interface OpenFile {
  file: import('h5wasm').File;
  close: () => void;
}

async function openHdf5(bytes: Uint8Array, source: string): Promise<OpenFile> {
  if (!(bytes instanceof Uint8Array)) {
    throw new HsiFormatError(
      source,
      `expected a Uint8Array, got ${(bytes as object)?.constructor?.name ?? typeof bytes}`,
    );
  }
  if (hdf5SignatureOffset(bytes) < 0) {
    throw new HsiFormatError(
      source,
      'not an HDF5 file (no HDF5 signature at byte 0, 512, 1024, ...): not a MAT-file v7.3',
    );
  }
  const h5 = await loadH5wasm();
  const FS = h5.FS as unknown as { writeFile(p: string, d: Uint8Array): void; unlink(p: string): void };
  const path = `/s2cassi-hsi-io-${Date.now()}-${counter++}.h5`;
  FS.writeFile(path, bytes);
  let file: import('h5wasm').File;
  try {
    file = quietly(source, 'HDF5 library cannot open it', () => new h5.File(path, 'r'));
  } catch (error) {
    FS.unlink(path);
    throw error;
  }
  return {
    file,
    close: () => {
      try {
        quietly(source, 'HDF5 close failed', () => file.close());
      } catch {
        // A corrupted file may fail to close cleanly; the in-memory copy is removed regardless.
      } finally {
        FS.unlink(path);
      }
    },
  };
}

function attrString(
  entity: import('h5wasm').Dataset | import('h5wasm').Group,
  name: string,
): string | undefined {
  try {
    const attrs = entity.attrs;
    if (!Object.hasOwn(attrs, name)) return undefined;
    const value = attrs[name].value;
    return typeof value === 'string'
      ? value
      : Array.isArray(value)
        ? String(value[0])
        : value == null
          ? undefined
          : String(value);
  } catch {
    return undefined;
  }
}

const H5T_INTEGER = 0;
const H5T_FLOAT = 1;
const H5T_COMPOUND = 6;

function classFromMetadata(meta: import('h5wasm').Metadata): MatClass | undefined {
  if (meta.type === H5T_FLOAT) return meta.size === 8 ? 'double' : meta.size === 4 ? 'single' : undefined;
  if (meta.type === H5T_INTEGER) {
    const bits = meta.size * 8;
    if (![8, 16, 32, 64].includes(bits)) return undefined;
    return `${meta.signed ? 'int' : 'uint'}${bits}` as MatClass;
  }
  return undefined;
}

interface Entry {
  info: MatVariableInfo;
  reason?: string;
  dataset?: import('h5wasm').Dataset;
  matClass?: MatClass;
  empty: boolean;
}

function describeEntries(file: import('h5wasm').File, source: string): Entry[] {
  const entries: Entry[] = [];
  let keys: string[];
  try {
    keys = file.keys();
  } catch (error) {
    throw new HsiFormatError(
      source,
      `cannot list the HDF5 root group: ${(error as Error)?.message ?? String(error)}`,
    );
  }
  for (const name of keys) {
    if (name.startsWith('#')) continue; // '#refs#', '#subsystem#': MATLAB's internal groups
    let entity: ReturnType<typeof file.get>;
    try {
      entity = file.get(name);
    } catch (error) {
      throw new HsiFormatError(
        source,
        `cannot open '${name}': ${(error as Error)?.message ?? String(error)}`,
      );
    }
    const h5Type = (entity as { type?: string } | null)?.type;
    if (h5Type === 'Group') {
      const cls = attrString(entity as import('h5wasm').Group, 'MATLAB_class') ?? 'struct';
      entries.push({
        info: { name, class: cls, dims: [], complex: false, supported: false },
        reason: `${cls} arrays are not supported (numeric arrays only)`,
        empty: false,
      });
      continue;
    }
    if (h5Type !== 'Dataset') {
      entries.push({
        info: { name, class: 'unknown', dims: [], complex: false, supported: false },
        reason: `an HDF5 ${h5Type ?? 'object'} is not a numeric array`,
        empty: false,
      });
      continue;
    }
    const dataset = entity as import('h5wasm').Dataset;
    let meta: import('h5wasm').Metadata;
    try {
      meta = dataset.metadata;
    } catch (error) {
      throw new HsiFormatError(
        source,
        `cannot read the type of '${name}': ${(error as Error)?.message ?? String(error)}`,
      );
    }
    const shape = meta.shape ?? [];
    const matlabClass = attrString(dataset, 'MATLAB_class');
    const empty = attrString(dataset, 'MATLAB_empty') === '1';
    let dims = [...shape].reverse();
    if (dims.length === 0) dims = [1, 1];
    if (dims.length === 1) dims = [dims[0], 1];
    const complex =
      meta.type === H5T_COMPOUND && !!meta.compound_type?.members?.some((m) => m.name === 'imag');
    const fromType = classFromMetadata(meta);
    let cls: MatClass | undefined;
    let reason: string | undefined;
    if (complex) reason = 'complex arrays are not supported (real only)';
    else if (matlabClass === 'logical') cls = 'logical';
    else if (matlabClass && ['char', 'cell', 'struct', 'function_handle', 'string'].includes(matlabClass)) {
      reason = `${matlabClass} arrays are not supported (numeric arrays only)`;
    } else if (!fromType)
      reason = `HDF5 type (class ${meta.type}, ${meta.size} bytes) is not a numeric array type`;
    else cls = fromType;
    if (attrString(dataset, 'MATLAB_sparse') !== undefined) {
      cls = undefined;
      reason = 'sparse matrices are not supported (store them full)';
    }
    entries.push({
      info: {
        name,
        class: matlabClass ?? cls ?? 'unknown',
        dims: empty ? [0, 0] : dims,
        complex,
        supported: !reason,
      },
      reason,
      dataset,
      matClass: cls,
      empty,
    });
  }
  return entries;
}

/** Lists the variables of a MAT-file v7.3 (HDF5) without reading their data. */
export async function listMatV73Variables(
  bytes: Uint8Array,
  options: { source?: string } = {},
): Promise<MatVariableInfo[]> {
  const source = options.source ?? 'MAT-file';
  const { file, close } = await openHdf5(bytes, source);
  try {
    return quietly(source, 'HDF5 read failed', () => describeEntries(file, source).map((e) => e.info));
  } finally {
    close();
  }
}

const ARRAYS: Record<MatClass, new (length: number) => NumericArray> = {
  double: Float64Array,
  single: Float32Array,
  int8: Int8Array,
  uint8: Uint8Array,
  int16: Int16Array,
  uint16: Uint16Array,
  int32: Int32Array,
  uint32: Uint32Array,
  int64: BigInt64Array,
  uint64: BigUint64Array,
  logical: Uint8Array,
};

/**
 * Reads a MAT-file v7.3 (HDF5, as MATLAB `save -v7.3` writes it; a plain HDF5 file also works) through
 * h5wasm. HDF5 stores MATLAB's column-major arrays with the dims reversed; the returned `dims` are
 * MATLAB's (the HDF5 shape reversed) and `data` is column-major, exactly as from `decodeMat`.
 * Groups (structs), cells, strings and complex data are listed in `skipped`.
 */
export async function decodeMatV73(bytes: Uint8Array, options: MatReadOptions = {}): Promise<MatFile> {
  const source = options.source ?? 'MAT-file';
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  const signatureAt = hdf5SignatureOffset(bytes);
  const header =
    signatureAt > 0
      ? new TextDecoder('latin1')
          .decode(bytes.subarray(0, Math.min(116, signatureAt)))
          .replace(/[\s\0]+$/, '')
      : '';
  const { file, close } = await openHdf5(bytes, source);
  try {
    return quietly(source, 'HDF5 read failed', () =>
      readEntries(file, source, maxBytes, header, options.variables),
    );
  } finally {
    close();
  }
}

function readEntries(
  file: import('h5wasm').File,
  source: string,
  maxBytes: number,
  header: string,
  only: readonly string[] | undefined,
): MatFile {
  {
    const wanted = only ? new Set(only) : undefined;
    const variables: Record<string, MatArray> = {};
    const skipped: MatSkipped[] = [];
    const entries = describeEntries(file, source);
    for (const entry of entries) {
      const { name } = entry.info;
      if (wanted && !wanted.has(name)) continue;
      if (entry.reason || !entry.dataset || !entry.matClass) {
        skipped.push({ name, class: entry.info.class, reason: entry.reason ?? 'not a numeric array' });
        continue;
      }
      const Ctor = ARRAYS[entry.matClass];
      if (entry.empty) {
        variables[name] = { class: entry.matClass, dims: [0, 0], data: new Ctor(0) };
        continue;
      }
      const meta = entry.dataset.metadata;
      const dims = entry.info.dims;
      const count = checkDims(source, `variable '${name}'`, dims, Math.max(meta.size, 1), maxBytes);
      let value: unknown;
      try {
        value = entry.dataset.value;
      } catch (error) {
        throw new HsiFormatError(
          source,
          `cannot read variable '${name}': ${(error as Error)?.message ?? String(error)}`,
        );
      }
      let data: NumericArray;
      if (ArrayBuffer.isView(value) && (value as NumericArray).length === count) {
        const typed = value as NumericArray;
        data =
          typed instanceof Ctor
            ? typed
            : (Ctor as unknown as { from(a: ArrayLike<unknown>): NumericArray }).from(
                typed as ArrayLike<number>,
              );
      } else if ((typeof value === 'number' || typeof value === 'bigint') && count === 1) {
        data = new Ctor(1);
        (data as unknown as unknown[])[0] = value;
      } else {
        throw new HsiFormatError(
          source,
          `variable '${name}': expected ${count} numeric values, the HDF5 library returned ${Object.prototype.toString.call(value)}`,
        );
      }
      if (entry.matClass === 'logical') data = Uint8Array.from(data as Uint8Array, (v) => (v ? 1 : 0));
      variables[name] = { class: entry.matClass, dims, data };
    }
    if (wanted) {
      for (const name of wanted) {
        if (!Object.hasOwn(variables, name) && !skipped.some((s) => s.name === name)) {
          throw new HsiFormatError(source, `no variable '${name}' in the file`);
        }
      }
    }
    return { version: '7.3', header, variables, skipped };
  }
}
