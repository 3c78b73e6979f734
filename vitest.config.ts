import { existsSync, readdirSync } from 'node:fs';
import { defineConfig } from 'vitest/config';

/**
 * One root config, one vitest project per workspace package. Workspace packages resolve to their
 * TypeScript sources through the private `@s2cassi/source` export condition, so no build is needed.
 *
 * Slow suites (`*.slow.test.ts`: training smoke runs, browser tests, real-data sweeps) run only when
 * S2CASSI_SLOW=1 (CI sets it when they fit the time budget).
 */
const conditions = ['@s2cassi/source'];
const slow = process.env.S2CASSI_SLOW === '1';

const projectDirs = ['packages', 'apps', 'tooling'].flatMap((root) =>
  existsSync(root)
    ? readdirSync(root, { withFileTypes: true })
        .filter((d) => d.isDirectory() && existsSync(`${root}/${d.name}/package.json`))
        .map((d) => `${root}/${d.name}`)
    : [],
);

function findSlowSuites(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (entry.name === 'node_modules' || entry.name === 'dist') return [];
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory()) return findSlowSuites(path);
    return entry.name.endsWith('.slow.test.ts') ? [path] : [];
  });
}

// Say once, up front, what a plain `pnpm test` leaves out and how to run it.
if (!slow && !process.env.S2CASSI_SLOW_NOTICE_SHOWN) {
  process.env.S2CASSI_SLOW_NOTICE_SHOWN = '1';
  const suites = projectDirs.flatMap((dir) =>
    findSlowSuites(`${dir}/src`).concat(findSlowSuites(`${dir}/test`)),
  );
  console.log(
    `[s2cassi] ${suites.length} slow suites not run (training smoke runs, real-data sweeps, and the browser ` +
      `end-to-end suite apps/web/test/e2e.slow.test.ts, which needs Debian's chromium at /usr/bin/chromium ` +
      `or $S2CASSI_CHROMIUM). Run them with S2CASSI_SLOW=1 (pnpm test:slow); .ci/run does, and installs chromium.`,
  );
}

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: conditions } },
  test: {
    projects: projectDirs.map((dir) => ({
      extends: true,
      test: {
        name: dir.split('/')[1],
        root: dir,
        include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
        exclude: slow
          ? ['**/node_modules/**', '**/dist/**']
          : ['**/node_modules/**', '**/dist/**', '**/*.slow.test.ts'],
        // Timeouts are backstops against hangs, never performance checks: generous enough that a busy
        // 2-core machine (CI beside a background training run) does not trip them.
        testTimeout: 600_000,
        hookTimeout: 600_000,
      },
    })),
  },
});
