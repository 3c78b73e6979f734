/**
 * Reads a bundled asset: from the file system in Node (file: URLs), with fetch elsewhere (a browser
 * bundle, where the bundler rewrites `new URL('../assets/...', import.meta.url)` to a served file).
 */
export async function readAsset(url: URL): Promise<Uint8Array> {
  if (url.protocol === 'file:') {
    const { readFile } = await import('node:fs/promises');
    return new Uint8Array(await readFile(url));
  }
  const response = await fetch(url);
  if (!response.ok) throw new Error(`could not load the demo asset ${url.href}: HTTP ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}
