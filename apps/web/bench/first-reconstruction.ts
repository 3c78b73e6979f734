/**
 * Time to first reconstruction of the demo scene in Chromium (production build, wasm backend): from a
 * fresh page load to the first result row, for GAP-TV (the page's default 50 iterations) and for a
 * full-size S2-Transformer (the paper configuration, random weights generated here: the network's cost
 * does not depend on the values). Prints numbers. Run:
 *   npx tsx --conditions=@s2cassi/source apps/web/bench/first-reconstruction.ts [gap-tv|s2|both] [backend]
 */
import { countMacs, encodeModelWeights, modelManifest, S2Transformer } from '@s2cassi/s2-attn';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { ensureBuild, launchChromium, serve } from '../test/_harness';

const which = process.argv[2] ?? 'both';
const backend = process.argv[3] ?? 'wasm';
ensureBuild();
const served = await serve();
const browser = await launchChromium();

async function run(method: 'gap-tv' | 's2'): Promise<void> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const started = Date.now();
  await page.goto(`${served.url}?backend=${backend}`);
  await page.waitForSelector('[data-testid=backend-indicator]:not([data-backend=""])', { timeout: 120_000 });
  const active = await page.getAttribute('[data-testid=backend-indicator]', 'data-backend');
  const reason = await page.textContent('.backend-reason');
  await page.click('[data-testid=load-demo]');
  await page.waitForSelector('[data-testid=measurement-view]', { timeout: 120_000 });
  const loaded = Date.now();
  if (method === 's2') {
    await tf.setBackend('cpu');
    const model = new S2Transformer({});
    const weights = Buffer.from(encodeModelWeights(model));
    const manifest = Buffer.from(JSON.stringify(modelManifest(model)));
    model.dispose();
    await page.setInputFiles('[data-testid=input-weights]', [
      { name: 's2.safetensors', mimeType: 'application/octet-stream', buffer: weights },
      { name: 's2.json', mimeType: 'application/json', buffer: manifest },
    ]);
    await page.waitForFunction(() =>
      document.querySelector('[data-testid=status-weights]')?.textContent?.includes('M parameters'),
    );
  }
  const clicked = Date.now();
  await page.click('[data-testid=reconstruct]');
  await page.waitForSelector('[data-testid=result-r1]', { timeout: 3_600_000 });
  const done = Date.now();
  const seconds = Number(await page.getAttribute('[data-testid=result-r1]', 'data-seconds'));
  const row = await page.textContent('[data-testid=result-r1]');
  console.log(
    `${method} on ${active} (${reason}): page load + demo ${((loaded - started) / 1000).toFixed(1)} s, ` +
      `click -> result ${((done - clicked) / 1000).toFixed(1)} s (reconstruction itself ${seconds.toFixed(1)} s), ` +
      `fresh page -> first result ${((done - started) / 1000).toFixed(1)} s; row: ${row}`,
  );
  await page.close();
}

if (which !== 's2') await run('gap-tv');
if (which !== 'gap-tv') {
  const macs = countMacs({}, 256, 256);
  console.log(
    `S2-Transformer (paper config) on 256 x 256: ${(macs.total / 1e9).toFixed(1)} GMAC per forward pass`,
    macs,
  );
  await run('s2');
}
await browser.close();
await served.close();
