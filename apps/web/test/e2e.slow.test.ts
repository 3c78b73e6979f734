import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeNpy } from '@s2cassi/hsi-io';
import { encodeModelWeights, modelManifest, S2Transformer } from '@s2cassi/s2-attn';
import { maxAbsDiff } from '@s2cassi/testing';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS, ensureBuild, launchChromium, type Served, serve } from './_harness';

/**
 * End-to-end tests of the production build (vite build, served by vite preview with COOP/COEP) in
 * Debian's Chromium, headless, driven by playwright-core. The same reconstructions run on wasm and on
 * WebGPU (SwiftShader, --enable-unsafe-webgpu) and must agree; no request may leave the page's origin.
 */

/** A tiny S2-Transformer (random weights, fixed seed): enough to exercise the whole S2 path quickly. */
const TINY_CONFIG = {
  bandCount: 28,
  embeddingDim: 12,
  stageCount: 1,
  blocksPerStage: 2,
  heads: 2,
  windowSize: 8,
  ffnRatio: 2,
  maskEncodingStage: 1,
  seed: 7,
};

const GAP_TV_ITERATIONS = 3;

let served: Served;
let browser: Browser;
let weights: { safetensors: Buffer; json: Buffer };
const requests: string[] = [];
const results: Record<string, Float32Array> = {};
const timings: Record<string, number> = {};
const contexts: BrowserContext[] = [];

async function newPage(
  backend: string,
  viewport = { width: 1280, height: 900 },
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport, acceptDownloads: true });
  contexts.push(context);
  context.on('request', (request) => {
    requests.push(request.url());
  });
  const page = await context.newPage();
  page.on('request', (request) => {
    requests.push(request.url());
  });
  page.on('pageerror', (error) => console.error(`[page error] ${error.message}`));
  await page.goto(`${served.url}?backend=${backend}`);
  await page.waitForSelector('[data-testid=backend-indicator]:not([data-backend=""])', { timeout: 120_000 });
  return { context, page };
}

async function loadDemo(page: Page): Promise<void> {
  await page.click('[data-testid=load-demo]');
  await page.waitForSelector('[data-testid=measurement-view]', { timeout: 120_000 });
  await expect.poll(() => page.textContent('[data-testid=status-measurement]')).toContain('simulated');
}

/** Clicks Reconstruct, waits for result row `id`, returns the seconds it took as seen from the test. */
async function reconstruct(page: Page, id: string): Promise<number> {
  const started = Date.now();
  await page.click('[data-testid=reconstruct]');
  await page.waitForSelector(`[data-testid=result-${id}]`, { timeout: 300_000 }).catch(async (error) => {
    throw new Error(
      `${(error as Error).message}\npage says: ${await page.textContent('[data-testid=error-general]').catch(() => '')}`,
    );
  });
  return (Date.now() - started) / 1000;
}

/** Exports result `id` as .npy through the page's own Save button and decodes the download. */
async function exportNpy(page: Page, id: string): Promise<Float32Array> {
  await page.selectOption('[data-testid=export-format]', 'npy');
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.click(`[data-testid=export-${id}]`),
  ]);
  expect(download.suggestedFilename()).toMatch(/\.npy$/);
  const path = await download.path();
  const array = decodeNpy(new Uint8Array(readFileSync(path)));
  expect(array.shape).toEqual([256, 256, 28]);
  return array.data as Float32Array;
}

async function uploadWeights(page: Page): Promise<void> {
  await page.setInputFiles('[data-testid=input-weights]', [
    { name: 'tiny-s2.safetensors', mimeType: 'application/octet-stream', buffer: weights.safetensors },
    { name: 'tiny-s2.json', mimeType: 'application/json', buffer: weights.json },
  ]);
  await expect.poll(() => page.textContent('[data-testid=status-weights]')).toContain('M parameters');
  expect(await page.inputValue('[data-testid=method]')).toBe('s2-user');
}

describe('web app in Chromium (production build)', () => {
  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    ensureBuild();
    served = await serve();
    browser = await launchChromium();
    await tf.setBackend('cpu');
    const model = new S2Transformer(TINY_CONFIG);
    weights = {
      safetensors: Buffer.from(encodeModelWeights(model)),
      json: Buffer.from(JSON.stringify(modelManifest(model))),
    };
    model.dispose();
  }, 300_000);

  afterEach(async () => {
    // a failed test leaves its page (and its worker) running: close it before the next test
    await Promise.all(contexts.splice(0).map((c) => c.close().catch(() => {})));
  });

  afterAll(async () => {
    await browser?.close();
    await served?.close();
    console.log(`[e2e timings] ${JSON.stringify(timings)}`);
  });

  it('wasm: demo, GAP-TV and S2 reconstructions, metric table, spectrum, malformed file', async () => {
    const { context, page } = await newPage('wasm');
    expect(await page.getAttribute('[data-testid=backend-indicator]', 'data-backend')).toBe('wasm');
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
    await loadDemo(page);

    await page.fill('[data-testid=iterations]', String(GAP_TV_ITERATIONS));
    timings.gapTvWasmSeconds = await reconstruct(page, 'r1');
    const row = await page.textContent('[data-testid=result-r1]');
    expect(row).toContain('wasm');
    // mean PSNR (dB) in the table: a real reconstruction of the demo, not noise (A^T y alone is ~14 dB)
    const psnr = Number((await page.textContent('[data-testid=result-r1] td:nth-child(4)')) ?? 'NaN');
    expect(psnr).toBeGreaterThan(20);
    expect(psnr).toBeLessThan(60);
    // the scores name their preset, the one the command line uses too
    expect(await page.textContent('[data-testid=metrics-preset]')).toContain("metrics preset 'matlab'");
    // settings that are not the shared defaults are part of the result's name
    expect(row).toContain('iterations 3 (default 100)');
    await page.waitForSelector('[data-testid=psnr-chart] svg');
    await page.waitForSelector('[data-testid=ssim-chart] svg');
    await page.waitForSelector('[data-testid=error-map]');

    // click a pixel of the sRGB view: a spectrum plot with truth + reconstruction and a correlation
    await page.click('[data-testid=srgb-view]', { position: { x: 120, y: 90 } });
    await page.waitForSelector('[data-testid=spectrum-plot] svg');
    const curves = await page.locator('[data-testid=spectrum-plot] polyline').count();
    expect(curves).toBe(2);
    const r = Number(await page.textContent('[data-testid=spectrum-correlation] tbody td:nth-child(2)'));
    expect(r).toBeGreaterThanOrEqual(-1);
    expect(r).toBeLessThanOrEqual(1);
    // keyboard: arrow keys move the selected pixel
    const title = await page.textContent('[data-testid=spectrum-plot] svg');
    await page.focus('[data-testid=srgb-view]');
    await page.keyboard.press('ArrowRight');
    expect(await page.textContent('[data-testid=spectrum-plot] svg')).not.toBe(title);

    results.gapTvWasm = await exportNpy(page, 'r1');

    await uploadWeights(page);
    timings.s2TinyWasmSeconds = await reconstruct(page, 'r2');
    expect(await page.locator('[data-testid=metric-table] tbody tr').count()).toBe(2);
    results.s2Wasm = await exportNpy(page, 'r2');

    // S2 settings in place of the weights' own: peak scaling (real frames) and a 2-pass self-ensemble;
    // the result's name says so and the cube differs from the weights' own
    await page.selectOption('[data-testid=s2-scaling]', 'peak');
    await page.selectOption('[data-testid=s2-ensemble]', 'shift2');
    await reconstruct(page, 'r3');
    expect(await page.textContent('[data-testid=result-r3]')).toContain('peak scaling, shift2');
    expect(await page.locator('[data-testid=metric-table] tbody tr').count()).toBe(3);
    expect(maxAbsDiff(await exportNpy(page, 'r3'), results.s2Wasm)).toBeGreaterThan(1e-4);
    // GAP-TV has no such settings
    await page.selectOption('[data-testid=method]', 'gap-tv');
    expect(await page.locator('[data-testid=s2-scaling]').count()).toBe(0);

    // the demo-weights method says clearly that the weights are not bundled
    await page.selectOption('[data-testid=method]', 's2-demo');
    await expect
      .poll(() => page.textContent('[data-testid=demo-weights-missing]'))
      .toContain('demo weights not bundled in this build');

    // a malformed file dropped on the cube slot: a clear error naming the file
    const dataTransfer = await page.evaluateHandle(() => {
      const transfer = new DataTransfer();
      transfer.items.add(
        new File(['this is not a NumPy file'], 'broken.npy', { type: 'application/octet-stream' }),
      );
      return transfer;
    });
    await page.dispatchEvent('[data-testid=drop-cube]', 'drop', { dataTransfer });
    const error = await page.waitForSelector('[data-testid=error-cube]');
    expect(await error.textContent()).toMatch(/broken\.npy.*(magic|NumPy|npy)/i);
    // the loaded cube stays as it was
    expect(await page.textContent('[data-testid=status-cube]')).toContain('demo');

    await page.screenshot({ path: join(ARTIFACTS, 'desktop-wasm.png'), fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: join(ARTIFACTS, 'phone-wasm.png'), fullPage: true });
    await context.close();
  }, 600_000);

  it('webgpu (SwiftShader): the same reconstructions match wasm', async () => {
    const { context, page } = await newPage('webgpu');
    const indicator = await page.getAttribute('[data-testid=backend-indicator]', 'data-backend');
    const warning = await page
      .locator('[data-testid=backend-warning]')
      .textContent()
      .catch(() => '');
    expect(indicator, `WebGPU did not start: ${warning}`).toBe('webgpu');
    await loadDemo(page);
    await page.fill('[data-testid=iterations]', String(GAP_TV_ITERATIONS));
    timings.gapTvWebGpuSeconds = await reconstruct(page, 'r1');
    expect(await page.textContent('[data-testid=result-r1]')).toContain('webgpu');
    const gapTv = await exportNpy(page, 'r1');
    await uploadWeights(page);
    timings.s2TinyWebGpuSeconds = await reconstruct(page, 'r2');
    const s2 = await exportNpy(page, 'r2');
    await page.screenshot({ path: join(ARTIFACTS, 'desktop-webgpu.png'), fullPage: true });
    await context.close();

    // float32 on different hardware paths: agreement to a few 1e-4 on values in 0..1
    const gapDiff = maxAbsDiff(gapTv, results.gapTvWasm);
    const s2Diff = maxAbsDiff(s2, results.s2Wasm);
    timings.gapTvMaxAbsDiff = gapDiff;
    timings.s2MaxAbsDiff = s2Diff;
    expect(gapDiff).toBeLessThan(2e-3);
    expect(s2Diff).toBeLessThan(2e-3);
    // and the two methods really differ (the comparison is not vacuous)
    expect(maxAbsDiff(gapTv, s2)).toBeGreaterThan(1e-2);
  }, 600_000);

  it('compare view: the two panes share one zoom', async () => {
    const { context, page } = await newPage('wasm');
    await loadDemo(page);
    await page.fill('[data-testid=iterations]', '1');
    await reconstruct(page, 'r1');
    await page.waitForSelector('[data-testid=compare-canvas-1]');
    await page.focus('[data-testid=compare-canvas-0]');
    await page.keyboard.press('+');
    const zoom = Number(await page.getAttribute('[data-testid=compare-view]', 'data-zoom'));
    expect(zoom).toBeCloseTo(1.5, 3);
    const transforms = await page.$$eval('[data-testid^=compare-canvas-] canvas', (canvases) =>
      canvases.map((c) => (c as HTMLCanvasElement).style.transform),
    );
    expect(transforms).toHaveLength(2);
    expect(transforms[0]).toContain('scale(1.5)');
    expect(transforms[1]).toBe(transforms[0]);
    await context.close();
  }, 300_000);

  it('made no request outside its own origin', () => {
    const origin = new URL(served.url).origin;
    expect(requests.length).toBeGreaterThan(10);
    const foreign = requests.filter(
      (url) =>
        !url.startsWith(`${origin}/`) && !url.startsWith(`blob:${origin}/`) && !url.startsWith('data:'),
    );
    expect(foreign).toEqual([]);
  });
});
