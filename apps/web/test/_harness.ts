import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium } from 'playwright-core';

/** Shared by the browser tests and the benchmark: build, serve the production build, start Chromium. */

export const APP_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const REPO_ROOT = resolve(APP_DIR, '../..');
export const DIST = join(APP_DIR, 'dist');
export const ARTIFACTS = join(APP_DIR, 'test-artifacts');
/** How the package scripts run Vite: under the `@s2cassi/source` condition, with tsx for the sources. */
export const VITE_NODE_ARGS = [
  '--conditions=@s2cassi/source',
  '--import',
  'tsx',
  join(APP_DIR, 'node_modules/vite/bin/vite.js'),
];
export const CHROMIUM = process.env.S2CASSI_CHROMIUM ?? '/usr/bin/chromium';

/** Debian Chromium, headless, fresh profile (playwright makes a temporary one), no background traffic. */
export const CHROMIUM_ARGS = [
  '--headless=new',
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
  '--disable-dev-shm-usage',
  '--enable-unsafe-webgpu',
];

function newestMtime(path: string): number {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = 0;
  for (const entry of readdirSync(path)) {
    if (entry === 'node_modules' || entry === 'dist') continue;
    newest = Math.max(newest, newestMtime(join(path, entry)));
  }
  return newest;
}

/** Builds the app when dist is missing or older than any source it is built from. */
export function ensureBuild(): void {
  const built = existsSync(join(DIST, 'index.html')) ? statSync(join(DIST, 'index.html')).mtimeMs : 0;
  const sources = [
    join(APP_DIR, 'src'),
    join(APP_DIR, 'index.html'),
    join(APP_DIR, 'vite.config.ts'),
    join(APP_DIR, 'package.json'),
    ...readdirSync(join(REPO_ROOT, 'packages')).flatMap((p) => [
      join(REPO_ROOT, 'packages', p, 'src'),
      join(REPO_ROOT, 'packages', p, 'assets'),
    ]),
  ];
  const newest = Math.max(...sources.map(newestMtime));
  if (built > newest) return;
  // A clean environment: under vitest NODE_ENV is 'test', which would give a development build of React.
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !/^(VITEST|VITE_|NODE_ENV$|TEST$)/.test(key)),
  );
  execFileSync(process.execPath, [...VITE_NODE_ARGS, 'build', '--mode', 'production'], {
    cwd: APP_DIR,
    stdio: 'inherit',
    env: { ...env, NODE_ENV: 'production' },
  });
}

export interface Served {
  url: string;
  close: () => Promise<void>;
}

/** A port nobody listens on right now (the OS picks it). */
function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.on('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => done(port));
    });
  });
}

/**
 * Serves dist with `vite preview` (COOP/COEP headers from vite.config.ts) on a free port, in a child
 * process run like the package's `preview` script (Vite under the `@s2cassi/source` condition with tsx,
 * so vite.config.ts imports `@s2cassi/backends/vite` from source). Resolves once the page answers; fails
 * if the server exits first.
 */
export async function serve(): Promise<Served> {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [...VITE_NODE_ARGS, 'preview', '--host', '127.0.0.1', '--port', String(port), '--strictPort'],
    { cwd: APP_DIR, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const output: Buffer[] = [];
  child.stdout.on('data', (chunk: Buffer) => output.push(chunk));
  child.stderr.on('data', (chunk: Buffer) => output.push(chunk));
  const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
  let exitCode: number | null | undefined;
  void exited.then((code) => {
    exitCode = code;
  });
  const url = `http://127.0.0.1:${port}/`;
  for (;;) {
    if (exitCode !== undefined) {
      throw new Error(`vite preview exited (code ${exitCode}): ${Buffer.concat(output).toString()}`);
    }
    try {
      const response = await fetch(url);
      if (response.ok) break;
    } catch {
      // not listening yet
    }
    await new Promise((done) => setTimeout(done, 200));
  }
  return {
    url,
    close: async () => {
      if (exitCode === undefined) {
        child.kill('SIGTERM');
        await exited;
      }
    },
  };
}

export function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium not found at ${CHROMIUM} (Debian package 'chromium'; set S2CASSI_CHROMIUM)`);
  }
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
}
