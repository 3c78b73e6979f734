import { readFileSync } from 'node:fs';
import { decodeSafetensors } from '@s2cassi/hsi-io';
import { readCubeFile } from '@s2cassi/hsi-io/node';
import { describe, expect, it } from 'vitest';
import { loadDemoScene } from './demo-scene';

describe('the bundled demo cube (U16, metadata scale 65535) by the one hsi-io rule', () => {
  const path = new URL('../assets/demo-scene.safetensors', import.meta.url).pathname;

  it('readCubeFile and loadDemoScene both give stored / 65535', async () => {
    const raw = decodeSafetensors(new Uint8Array(readFileSync(path))).tensors.cube;
    const reference = Float32Array.from(raw.data as Uint16Array, (v) => v / 65535);
    const cube = await readCubeFile(path);
    expect(cube.shape).toEqual([256, 256, 28]);
    expect(cube.valueScale).toMatchObject({ stored: 'uint16', scale: 65535 });
    expect(cube.data).toEqual(reference);
    const scene = await loadDemoScene();
    expect(scene.data).toEqual(reference);
  });
});
