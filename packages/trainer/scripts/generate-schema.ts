// Writes trainer-config.schema.json from the zod schema (run after changing src/config.ts):
//   npx tsx --conditions=@s2cassi/source packages/trainer/scripts/generate-schema.ts && npx biome format --write packages/trainer/trainer-config.schema.json
// (the test compares the parsed JSON, so formatting does not matter for it).
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeFileAtomic } from '@s2cassi/hsi-io/node';
import { trainerConfigJsonSchema } from '../src/config';

const target = resolve(dirname(fileURLToPath(import.meta.url)), '../trainer-config.schema.json');
await writeFileAtomic(target, `${JSON.stringify(trainerConfigJsonSchema(), null, 2)}\n`, { overwrite: true });
console.log(`wrote ${target}`);
