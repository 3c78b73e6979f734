import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium } from 'playwright-core';
import { preview } from 'vite';

/** Shared by the browser tests and the benchmark: build, serve the production build, start Chromium. */

export const APP_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const REPO_ROOT = resolve(APP_DIR, '../..');
export const DIST = join(APP_DIR, 'dist');
export const ARTIFACTS = join(APP_DIR, 'test-artifacts');
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
  execFileSync(
    process.execPath,
    [join(APP_DIR, 'node_modules/vite/bin/vite.js'), 'build', '--mode', 'production'],
    {
      cwd: APP_DIR,
      stdio: 'inherit',
      env: { ...env, NODE_ENV: 'production' },
    },
  );
}

export interface Served {
  url: string;
  close: () => Promise<void>;
}

/** Serves dist with `vite preview` (COOP/COEP headers from vite.config.ts) on a free port. */
export async function serve(): Promise<Served> {
  const server = await preview({
    root: APP_DIR,
    configFile: join(APP_DIR, 'vite.config.ts'),
    logLevel: 'warn',
    preview: { port: 0, host: '127.0.0.1', strictPort: false, open: false },
  });
  const url = server.resolvedUrls?.local[0];
  if (!url) throw new Error('vite preview did not report a URL');
  return { url, close: () => server.close() };
}

export function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium not found at ${CHROMIUM} (Debian package 'chromium'; set S2CASSI_CHROMIUM)`);
  }
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
}
