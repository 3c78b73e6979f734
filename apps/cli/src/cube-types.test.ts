// The project has one cube type, @s2cassi/hsi-io's `Cube`; the other packages name read-only views of it
// (they do not depend on hsi-io, so they state the shape they need). The CLI hands hsi-io cubes to all of
// them: this pins that each view accepts a Cube (and the metrics a CubeBatch) as it is, at type-check
// time (tsc) and at run time.
import type { DemoCube, DemoScene } from '@s2cassi/demo-data';
import { type Cube, type CubeBatch, createCube, stackCubes } from '@s2cassi/hsi-io';
import { type CubeLike as RenderCubeLike, renderSrgb, type SpectralCube } from '@s2cassi/hsi-render';
import { type Cube as MetricsCube, type CubeLike as MetricsCubeLike, psnr } from '@s2cassi/metrics';
import { describe, expect, expectTypeOf, it } from 'vitest';

describe('cube types', () => {
  it('an hsi-io Cube is what the metrics and the renderers take, and the demo scene is a Cube', () => {
    expectTypeOf<Cube>().toExtend<MetricsCubeLike>();
    expectTypeOf<CubeBatch>().toExtend<MetricsCubeLike>();
    expectTypeOf<Cube>().toExtend<RenderCubeLike>();
    expectTypeOf<DemoScene>().toExtend<Cube>();
    // Deprecated names are the same types.
    expectTypeOf<MetricsCube>().toEqualTypeOf<MetricsCubeLike>();
    expectTypeOf<SpectralCube>().toEqualTypeOf<RenderCubeLike>();
    expectTypeOf<DemoScene>().toExtend<DemoCube>();

    const cube = createCube(
      [2, 2, 3],
      [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.2, 0.4, 0.6],
      [450, 550, 650],
    );
    expect(psnr(cube, cube)).toBe(Number.POSITIVE_INFINITY);
    expect(psnr(stackCubes([cube, cube]), stackCubes([cube, cube]))).toBe(Number.POSITIVE_INFINITY);
    expect(renderSrgb(cube).width).toBe(2);
  });
});
