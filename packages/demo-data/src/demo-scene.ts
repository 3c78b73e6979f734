import { type Cube, decodeSafetensors, safetensorToCube } from '@s2cassi/hsi-io';
import { readAsset } from './_assets';

/**
 * The demo scene: an `@s2cassi/hsi-io` `Cube` (HWC, row-major, bands fastest; pass it wherever a cube
 * goes) with its band centres always set, its name and its attribution.
 */
export interface DemoScene extends Cube {
  wavelengths: number[];
  name: string;
  attribution: string;
}

/**
 * @deprecated Use {@link DemoScene}, which is an `@s2cassi/hsi-io` `Cube` (`loadDemoScene` returns one).
 * This is the former shape: the fields it had, without `layout` and `valueScale`.
 */
export type DemoCube = Pick<DemoScene, 'data' | 'shape' | 'wavelengths' | 'name' | 'attribution'>;

export interface DemoMask {
  data: Float32Array;
  shape: [number, number];
  attribution: string;
}

/**
 * The demo scene: a 256 x 256 crop of the CAVE scene `fake_and_real_peppers` (rows and columns
 * 128..383 of 512), its 31 bands linearly interpolated onto the 28 CASSI band centres (453.5..648 nm),
 * values in [0, 1] (16-bit source / 65535, stored as 16-bit). CAVE is for research use; cite Yasuma et
 * al. 2010. The scene is one of the three held out from the demo model's training.
 */
export async function loadDemoScene(): Promise<DemoScene> {
  const bytes = await readAsset(new URL('../assets/demo-scene.safetensors', import.meta.url));
  const file = decodeSafetensors(bytes, 'demo-scene.safetensors');
  const { metadata } = file;
  // Stored as U16 with metadata scale 65535: hsi-io's rule for stored values divides (as every reader does).
  const cube = safetensorToCube(file, 'cube', { source: 'demo-scene.safetensors' });
  return {
    ...cube,
    wavelengths: JSON.parse(metadata.wavelengths_nm) as number[],
    name: `${metadata.scene} (${metadata.crop})`,
    attribution: metadata.source,
  };
}

/**
 * The standard 256 x 256 CASSI simulation coded aperture used by TSA-Net, DGSMP, MST and the
 * S2-Transformer (not binary: float32 0.0066..1, mean 0.563). Cite TSA-Net (Meng et al., ECCV 2020).
 */
export async function loadStandardMask(): Promise<DemoMask> {
  const bytes = await readAsset(new URL('../assets/standard-mask.safetensors', import.meta.url));
  const { tensors, metadata } = decodeSafetensors(bytes, 'standard-mask.safetensors');
  return {
    data: tensors.mask.data as Float32Array,
    shape: tensors.mask.shape as [number, number],
    attribution: metadata.source,
  };
}
