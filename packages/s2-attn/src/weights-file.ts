import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '@s2cassi/hsi-io/node';
import { S2AttnInputError } from './_validate';
import type { S2Transformer } from './s2-transformer';
import { decodeModelWeights, encodeModelWeights, modelManifest } from './weights';

/**
 * Node only: writes `<basePath>.safetensors` (see `encodeModelWeights`) and `<basePath>.json` (the
 * manifest `{ format, version, config }`), each atomically with `@s2cassi/hsi-io/node`'s
 * `writeFileAtomic` (temporary file, fsync, rename), replacing existing files. The folder must exist.
 */
export async function saveS2Transformer(model: S2Transformer, basePath: string): Promise<void> {
  await writeFileAtomic(`${basePath}.safetensors`, encodeModelWeights(model), { overwrite: true });
  await writeFileAtomic(`${basePath}.json`, `${JSON.stringify(modelManifest(model), null, 2)}\n`, {
    overwrite: true,
  });
}

/**
 * Node only: reads what {@link saveS2Transformer} wrote (the JSON manifest is optional: the config is
 * also in the safetensors metadata; when both exist they must agree).
 */
export async function loadS2Transformer(basePath: string): Promise<S2Transformer> {
  const bytes = new Uint8Array(await readFile(`${basePath}.safetensors`));
  let manifest: unknown;
  try {
    manifest = JSON.parse(await readFile(`${basePath}.json`, 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new S2AttnInputError(`${basePath}.json: ${(error as Error).message}`);
    }
  }
  return decodeModelWeights(bytes, { manifest, source: `${basePath}.safetensors` });
}
