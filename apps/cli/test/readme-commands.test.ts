import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import '../src/commands/index';
import { createProgram } from '../src/program';
import { cli, makeCube, makeMask, tempDir, writeMat } from './_cli';

/**
 * Every shell command in every README.md (```sh / ```bash blocks) is accounted for: run here (cheap ones,
 * on tiny stand-ins of their inputs), covered by the pack check (scripts/pack-check.mjs installs each
 * package README's `npm install` line from tarballs and runs its JS example), or on an explicit list of
 * long-running ones with the reason, whose command lines are still checked: `s2cassi` arguments against
 * the CLI's own option parser, pnpm scripts against the package.json files. A README that gains a command
 * nothing runs or checks fails here, and so does one that needs `pnpm` or `s2cassi` on the PATH.
 */
const root = resolve(import.meta.dirname, '../../..');
const rootPackage = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
/** pnpm as the quick start runs it: the pinned version through npx, nothing on the PATH. */
const PNPM = `npx -y ${rootPackage.packageManager}`;
const SKIP_DIRS = new Set(['node_modules', 'dist', '.git', '.turbo', 'runs', 'test-artifacts']);

interface ReadmeCommand {
  readme: string;
  line: number;
  text: string;
  words: string[];
}

function findReadmes(dir: string, found: string[] = []): string[] {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (SKIP_DIRS.has(entry.name)) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) findReadmes(path, found);
    else if (entry.name === 'README.md') found.push(path);
  }
  return found;
}

/** Shell words: double and single quotes grouped, nothing expanded. */
function shellWords(text: string): string[] {
  const words: string[] = [];
  const pattern = /"((?:[^"\\]|\\.)*)"|'([^']*)'|(\S+)/g;
  for (const match of text.matchAll(pattern)) words.push(match[1] ?? match[2] ?? match[3]);
  return words;
}

/** The commands of the shell blocks of a Markdown text: continuations joined, comments dropped, `&&` split. */
function shellCommands(readme: string, markdown: string): ReadmeCommand[] {
  const commands: ReadmeCommand[] = [];
  const lines = markdown.split('\n');
  let inShell = false;
  let pending = '';
  let pendingLine = 0;
  lines.forEach((raw, index) => {
    const fence = /^\s*```(\w*)/.exec(raw);
    if (fence) {
      inShell = !inShell && ['sh', 'bash', 'shell', 'console'].includes(fence[1]);
      return;
    }
    if (!inShell) return;
    const line = raw.trim();
    if (pending === '') pendingLine = index + 1;
    if (line.startsWith('#') && pending === '') return;
    const withoutComment = line.replace(/\s+#\s.*$/, '');
    if (withoutComment.endsWith('\\')) {
      pending += `${withoutComment.slice(0, -1).trim()} `;
      return;
    }
    const text = `${pending}${withoutComment}`.trim();
    pending = '';
    if (text === '') return;
    for (const part of text.split(/\s+&&\s+/)) {
      commands.push({ readme, line: pendingLine, text: part, words: shellWords(part) });
    }
  });
  return commands;
}

const readmes = findReadmes(root).map((path) => ({
  path: relative(root, path),
  text: readFileSync(path, 'utf8'),
}));
const commands = readmes.flatMap(({ path, text }) => shellCommands(path, text));
const where = (c: ReadmeCommand) => `${c.readme}:${c.line}: ${c.text}`;

/** The `s2cassi` arguments of a command (the workspace script or the installed bin), else undefined. */
function s2cassiArguments(c: ReadmeCommand): string[] | undefined {
  if (c.words.slice(0, 4).join(' ') === `${PNPM} s2cassi`) return c.words.slice(4);
  if (c.words[0] === 'npx' && c.words[1] === 's2cassi') return c.words.slice(2);
  return undefined;
}

/** `npx -y pnpm@x <rest>` -> rest, else undefined. */
function pnpmArguments(c: ReadmeCommand): string[] | undefined {
  return c.text.startsWith(`${PNPM} `) ? c.words.slice(3) : undefined;
}

type Coverage =
  | { how: 'run'; why: string }
  | { how: 'pack-check'; why: string }
  | { how: 'long'; why: string }
  | { how: 'shell'; why: string };

const PUBLISHED = readdirSync(join(root, 'packages'))
  .map((name) => `packages/${name}`)
  .concat('apps/cli')
  .filter((dir) => existsSync(join(root, dir, 'package.json')))
  .filter((dir) => !JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8')).private);

/** Which real-data paths the CLI README's recipe reads (stood in for by tiny files in a temp folder). */
const REAL_DATA = '../shared/data/cassi_real';

/**
 * How each README command is run or checked. The long-running ones are listed with the reason; their
 * command lines are still checked below (parser, scripts).
 */
function coverage(c: ReadmeCommand): Coverage | undefined {
  const s2cassi = s2cassiArguments(c);
  const pnpm = pnpmArguments(c);
  if (c.words[0] === 'cd' && c.words.length === 2) return { how: 'shell', why: 'changes directory' };
  if (c.words[0] === 'npm' && c.words[1] === 'install') {
    const dir = c.readme.replace(/\/README\.md$/, '');
    if (
      PUBLISHED.includes(dir) &&
      c.words[2] === JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8')).name
    )
      return { how: 'pack-check', why: "pack-check installs this README's `npm install` line from tarballs" };
    if (c.words.slice(2).every((word) => word.endsWith('.tgz')))
      return {
        how: 'pack-check',
        why: 'pack-check installs the packed tarballs with npm into an empty project',
      };
    return undefined;
  }
  if (s2cassi) {
    const [command] = s2cassi;
    if (command === '--help') return { how: 'run', why: 'cheap' };
    if (command === 'demo')
      return { how: 'long', why: 'a few minutes; apps/cli/test/demo.slow.test.ts runs the demo end to end' };
    if (s2cassi.some((word) => word.startsWith(REAL_DATA) || word.startsWith('real-cubes/')))
      return { how: 'run', why: `run here on a tiny stand-in of ${REAL_DATA}` };
    if (s2cassi.some((word) => word.startsWith('/data/')))
      return {
        how: 'long',
        why: "a cluster job on the cluster's absolute paths (/data, /models); the batch and shard logic is tested in reconstruct-batch.test.ts",
      };
    return undefined;
  }
  const script = trainingScript(c);
  if (script)
    return {
      how: 'long',
      why: 'a training run of hours in the background; the script and the options it is given are checked below, resume by the trainer tests',
    };
  if (c.words[0] === 'kill' && /train\.pid/.test(c.text))
    return {
      how: 'long',
      why: "signals a running training process (the trainer's SIGTERM handling is tested in node.slow.test.ts)",
    };
  if (pnpm) {
    const line = c.text;
    if (pnpm.join(' ') === 'install')
      return {
        how: 'long',
        why: 'installs the workspace from the network; .ci/run runs it on a fresh clone',
      };
    if (pnpm.join(' ') === 'test' || pnpm.join(' ') === 'build')
      return { how: 'long', why: `.ci/run runs \`${line}\`` };
    if (pnpm[0] === '-r' && pnpm.includes('pack'))
      return {
        how: 'long',
        why: 'builds and packs every published package (minutes); pack-check packs the same set',
      };
    if (pnpm.slice(0, 2).join(' ') === '--filter @s2cassi/web') {
      if (pnpm[2] === 'build')
        return {
          how: 'long',
          why: 'a Vite production build; apps/web/test/e2e.slow.test.ts builds the app and serves it',
        };
      if (pnpm[2] === 'preview' || pnpm[2] === 'dev')
        return {
          how: 'long',
          why: 'a server that runs until stopped; the e2e suite serves the build with vite preview',
        };
    }
    return undefined;
  }
  return undefined;
}

/** The demo-model training script a command runs with node, if any. */
function trainingScript(c: ReadmeCommand): string | undefined {
  if (!c.words.includes('node')) return undefined;
  return c.words.find((word) => /^apps\/demo-model\/scripts\/[\w-]+\.ts$/.test(word));
}

/** Checks a command line against the CLI's real option parser without running the command. */
async function parseOnly(argv: string[]): Promise<string | undefined> {
  const program = createProgram(async () => {}, '0.0.0');
  const quiet = { writeErr: () => {}, writeOut: () => {} };
  program.configureOutput(quiet);
  for (const command of program.commands) command.configureOutput(quiet);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return undefined;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? undefined : error.message;
    return String(error);
  }
}

describe('README commands', () => {
  it('finds the READMEs and their commands', () => {
    expect(readmes.map((r) => r.path)).toEqual(expect.arrayContaining(['README.md', 'apps/cli/README.md']));
    expect(commands.length).toBeGreaterThan(15);
  });

  it('every command is run here, covered by the pack check, or a listed long-running one', () => {
    const unaccounted = commands.filter((c) => coverage(c) === undefined).map(where);
    expect(unaccounted, 'README commands that nothing runs or checks').toEqual([]);
  });

  it('no command needs pnpm or s2cassi on the PATH (pinned pnpm through npx, as the quick start)', () => {
    const onPath = commands.filter((c) => c.words[0] === 'pnpm' || c.words[0] === 's2cassi').map(where);
    expect(onPath).toEqual([]);
    const unpinned = commands.filter((c) => /\bpnpm@/.test(c.text) && !c.text.includes(PNPM)).map(where);
    expect(unpinned).toEqual([]);
    // `npx s2cassi` is the installed bin: only after the README has said how to install it.
    const early = commands
      .filter((c) => c.words[0] === 'npx' && c.words[1] === 's2cassi')
      .filter((c) => {
        const before = commands.filter((o) => o.readme === c.readme && o.line < c.line);
        return !before.some((o) => o.words[0] === 'npm' && o.words[1] === 'install');
      })
      .map(where);
    expect(early).toEqual([]);
    // README text that names `pnpm <command>` in passing says how to get pnpm.
    const unexplained = readmes
      .filter((r) => /`pnpm [a-z]/.test(r.text) && !r.text.includes(PNPM))
      .map((r) => r.path);
    expect(unexplained).toEqual([]);
  });

  it('every s2cassi command line parses with the CLI option parser', async () => {
    const lines = commands.filter((c) => s2cassiArguments(c) !== undefined);
    expect(lines.length).toBeGreaterThan(4);
    const failures: string[] = [];
    for (const c of lines) {
      // Shell variables (a Slurm task id) stand for a value of the right form.
      const argv = (s2cassiArguments(c) ?? []).map((word) => word.replace(/\$\{?\w+\}?/g, '1'));
      const error = await parseOnly(argv);
      if (error) failures.push(`${where(c)}\n  ${error}`);
    }
    expect(failures).toEqual([]);
    // The checker refuses what the parser refuses.
    expect(await parseOnly(['niqe', 'x.mat', '--no-such-option'])).toMatch(/unknown option/);
    expect(await parseOnly(['render', 'x.mat'])).toMatch(/required option/);
  });

  it('training-script commands name a script that exists and options it reads', () => {
    const lines = commands.filter((c) => trainingScript(c) !== undefined);
    expect(lines.length).toBeGreaterThan(0);
    const failures: string[] = [];
    for (const c of lines) {
      const script = trainingScript(c)!;
      if (!existsSync(join(root, script))) {
        failures.push(`${where(c)}: no ${script}`);
        continue;
      }
      const source = readFileSync(join(root, script), 'utf8');
      const words = c.words.slice(c.words.indexOf(script) + 1);
      for (const word of words.filter((w) => /^--[a-z]/.test(w)))
        if (!source.includes(`'${word}'`)) failures.push(`${where(c)}: ${script} reads no option ${word}`);
      if (words[0] && !source.includes(`'${words[0]}'`))
        failures.push(`${where(c)}: ${script} has no command ${words[0]}`);
    }
    expect(failures).toEqual([]);
  });

  it('the workspace s2cassi script is the CLI from source (what the tests run)', () => {
    expect(rootPackage.scripts.s2cassi).toBe(
      'node --conditions=@s2cassi/source --import tsx apps/cli/src/bin.ts',
    );
  });

  it('pnpm commands name scripts that exist, and the pack command packs exactly the published packages', () => {
    for (const c of commands) {
      const pnpm = pnpmArguments(c);
      if (!pnpm) continue;
      if (pnpm[0] === 'install') continue;
      if (pnpm[0] === '--filter') {
        const dir = readdirSync(join(root, 'apps')).find(
          (name) =>
            JSON.parse(readFileSync(join(root, 'apps', name, 'package.json'), 'utf8')).name === pnpm[1],
        );
        expect(dir, where(c)).toBeDefined();
        const scripts = JSON.parse(
          readFileSync(join(root, 'apps', dir ?? '', 'package.json'), 'utf8'),
        ).scripts;
        expect(Object.keys(scripts), where(c)).toContain(pnpm[2]);
      } else if (pnpm[0] === '-r') {
        const filters = pnpm.flatMap((word, i) => (pnpm[i - 1] === '--filter' ? [word] : []));
        const selected = filters.flatMap((filter) =>
          filter.endsWith('/*')
            ? readdirSync(join(root, filter.slice(2, -2))).map((name) => `${filter.slice(2, -2)}/${name}`)
            : [filter.replace(/^\.\//, '')],
        );
        expect(selected.sort(), where(c)).toEqual([...PUBLISHED].sort());
        expect(pnpm.slice(pnpm.indexOf('pack'))).toContain('--pack-destination');
      } else {
        expect(Object.keys(rootPackage.scripts), where(c)).toContain(pnpm[0]);
      }
    }
    const help = execFileSync(join(root, 'node_modules/.bin/pnpm'), ['pack', '--help'], { encoding: 'utf8' });
    expect(help).toContain('--pack-destination');
  });

  it('what .ci/run is said to run, it runs; what pack-check is said to cover, it covers', () => {
    const ci = readFileSync(join(root, '.ci/run'), 'utf8');
    for (const c of commands) {
      const cover = coverage(c);
      if (cover?.how === 'long' && cover.why.startsWith('.ci/run runs'))
        expect(ci, where(c)).toContain(c.text);
      if (cover?.how === 'long' && cover.why.includes('.ci/run runs it')) expect(ci).toContain(c.text);
    }
    expect(ci).toContain(`${PNPM} pack-check`);
    const packCheck = readFileSync(join(root, 'scripts/pack-check.mjs'), 'utf8');
    expect(packCheck).toContain('/^npm install (.+)$/m');
    expect(packCheck).toMatch(/'npm',\s*\[\s*'install'/);
    // pack-check installs the first `npm install` line of each published package's README.
    for (const dir of PUBLISHED) {
      const text = readFileSync(join(root, dir, 'README.md'), 'utf8');
      const first = /^npm install (.+)$/m.exec(text);
      expect(first, `${dir}/README.md has an npm install line`).not.toBeNull();
      expect(first?.[1].split(/\s+/)[0]).toBe(
        JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8')).name,
      );
    }
  });

  it('npm install lines of unreleased packages say they are for after the first release', () => {
    const unmarked = readmes.flatMap(({ path, text }) => {
      const lines = text.split('\n');
      return lines.flatMap((line, i) =>
        /^npm install @s2cassi\//.test(line) &&
        !/after the first release/i.test(lines.slice(Math.max(0, i - 8), i).join('\n'))
          ? [`${path}:${i + 1}`]
          : [],
      );
    });
    expect(unmarked).toEqual([]);
    const claims = readmes
      .filter((r) => /\bis published to npm|are published to npm/i.test(r.text))
      .map((r) => r.path);
    expect(claims).toEqual([]);
  });

  it("the CLI README's command table lists every command", () => {
    const text = readFileSync(join(root, 'apps/cli/README.md'), 'utf8');
    const listed = new Set([...text.matchAll(/^\| `(\w+)/gm)].map((m) => m[1]));
    const program = createProgram(async () => {}, '0.0.0');
    const names = program.commands.map((command) => command.name());
    expect(names).toEqual(expect.arrayContaining(['demo', 'train', 'resume', 'niqe']));
    expect(names.filter((name) => !listed.has(name))).toEqual([]);
  });

  it("the real-data NIQE recipe takes NIQE in the networks' units (--range max(meas) * (2/28) * 1.2 / 0.8)", () => {
    const niqe = commands.find(
      (c) =>
        c.readme === 'apps/cli/README.md' &&
        s2cassiArguments(c)?.[0] === 'niqe' &&
        c.text.includes('real-cubes/'),
    );
    expect(niqe).toBeDefined();
    const args = s2cassiArguments(niqe as ReadmeCommand) ?? [];
    expect(args).toContain('--rotate180');
    const range = Number(args[args.indexOf('--range') + 1]);
    // The real frames are normalised to peak 1 (apps/cli/bench/real-scenes.ts reads max(meas) per scene).
    expect(range).toBeCloseTo((1 * (2 / 28) * 1.2) / 0.8, 4);
  });

  it('runs the cheap commands: the real-data recipe on a tiny stand-in of the data, the installed --help', async () => {
    const sandbox = tempDir();
    const data = join(sandbox, 'shared/data/cassi_real');
    const repo = join(sandbox, 'repo');
    mkdirSync(join(data, 'Measurements'), { recursive: true });
    mkdirSync(repo);
    // A 96 x 192 x 28 scene through the forward model (shift 2 px per band), normalised to peak 1 like
    // the real frames; NIQE needs bands with room for two 96 x 96 blocks.
    const [height, width, bands, step] = [96, 192, 28, 2];
    const cube = makeCube(height, width, bands);
    const mask = makeMask(height, width);
    const measuredWidth = width + step * (bands - 1);
    const measurement = new Float32Array(height * measuredWidth);
    for (let h = 0; h < height; h++)
      for (let w = 0; w < width; w++)
        for (let n = 0; n < bands; n++)
          measurement[h * measuredWidth + w + step * n] +=
            cube[(h * width + w) * bands + n] * mask[h * width + w];
    const peak = measurement.reduce((a, b) => Math.max(a, b), 0);
    for (let i = 0; i < measurement.length; i++) measurement[i] /= peak;
    await writeMat(join(data, 'Measurements/scene1.mat'), 'meas_real', measurement, [height, measuredWidth]);
    await writeMat(join(data, 'mask.mat'), 'mask', mask, [height, width]);

    const ran: string[] = [];
    for (const c of commands.filter((c) => coverage(c)?.how === 'run')) {
      const args = s2cassiArguments(c) ?? [];
      const result = await cli(args, { cwd: repo });
      expect(result.code, `${where(c)}\n${result.stderr}`).toBe(0);
      if (args[0] === '--help') expect(result.stdout).toContain('reconstruct');
      if (args[0] === 'niqe') expect(result.stdout).toContain('mean');
      ran.push(args[0]);
    }
    expect(ran).toEqual(expect.arrayContaining(['reconstruct', 'render', 'niqe', '--help']));
    expect(existsSync(join(repo, 'real-cubes/scene1.mat'))).toBe(true);
  });
});
