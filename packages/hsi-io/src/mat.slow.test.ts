import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SHARED_DATA, SHARED_DATA_MISSING_MESSAGE } from '@s2cassi/testing';
import { describe, expect, it } from 'vitest';
import { decodeMat, encodeMat } from './mat-v5';

describe.skipIf(!SHARED_DATA)(
  `all shared MAT-files (${SHARED_DATA ? 'present' : SHARED_DATA_MISSING_MESSAGE})`,
  () => {
    const read = (...parts: string[]) => new Uint8Array(readFileSync(join(SHARED_DATA as string, ...parts)));
    it('every shared MAT-file decodes, and re-encoding it preserves the values', () => {
      const files = [
        ['cassi_real', 'mask.mat'],
        ['niqe', 'modelparameters.mat'],
        ...[1, 2, 3, 4, 5].map((i) => ['cassi_real', 'Measurements', `scene${i}.mat`]),
      ];
      for (const parts of files) {
        if (!existsSync(join(SHARED_DATA as string, ...parts))) continue;
        const file = decodeMat(read(...parts), { source: parts.join('/') });
        expect(file.skipped).toEqual([]);
        const again = decodeMat(encodeMat(file.variables));
        for (const [name, v] of Object.entries(file.variables))
          expect(again.variables[name].data).toEqual(v.data);
      }
    });
  },
);
