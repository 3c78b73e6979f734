import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * Messages and docs speak of the product, not of the project's tracker: no "issue 9" / "issue #9" in
 * the strings the code shows (string literals, template text, JSX text of every source file that is not
 * a test) or in any Markdown file (READMEs, docs, changesets that become changelogs, results notes).
 * Code comments may keep history, so the sources are parsed and only their string content is read.
 */
const root = resolve(import.meta.dirname, '../../..');
const TRACKER_REFERENCE = /\bissues?\s*#?\s*\d+/i;
const SKIP_DIRS = new Set(['node_modules', 'dist', '.git', '.turbo', 'test-artifacts', 'coverage']);

function walk(dir: string, keep: (path: string) => boolean, found: string[] = []): string[] {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (SKIP_DIRS.has(entry.name)) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) walk(path, keep, found);
    else if (entry.isFile() && keep(path)) found.push(path);
  }
  return found;
}

/** The text of every string literal, template part and JSX text in a source file. */
function userFacingStrings(fileName: string, text: string): string[] {
  const kind = fileName.endsWith('.tsx')
    ? ts.ScriptKind.TSX
    : fileName.endsWith('.ts')
      ? ts.ScriptKind.TS
      : ts.ScriptKind.JS;
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, false, kind);
  const strings: string[] = [];
  const visit = (node: ts.Node) => {
    if (
      ts.isStringLiteral(node) ||
      ts.isNoSubstitutionTemplateLiteral(node) ||
      ts.isTemplateHead(node) ||
      ts.isTemplateMiddle(node) ||
      ts.isTemplateTail(node) ||
      ts.isJsxText(node)
    ) {
      strings.push(node.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return strings;
}

const SOURCE = /\.(ts|tsx|mts|mjs|js)$/;
const TEST = /\.test\.(ts|tsx)$|\/test\/|\/e2e\//;
const members = ['packages', 'apps', 'tooling'].flatMap((group) =>
  readdirSync(join(root, group)).map((name) => join(root, group, name)),
);

describe('user-facing text names no tracker issue', () => {
  it('no string in a source file (outside tests) says "issue <number>"', () => {
    const files = [...members, join(root, 'scripts')].flatMap((dir) =>
      walk(
        dir,
        (path) => SOURCE.test(path) && !TEST.test(relative(root, path)) && statSync(path).size < 2 ** 20,
      ),
    );
    expect(files.length).toBeGreaterThan(50);
    const offenders = files.flatMap((file) =>
      userFacingStrings(file, readFileSync(file, 'utf8'))
        .filter((text) => TRACKER_REFERENCE.test(text))
        .map((text) => `${relative(root, file)}: ${JSON.stringify(text.slice(0, 120))}`),
    );
    expect(offenders).toEqual([]);
  });

  it('no Markdown file (READMEs, docs, changesets, results) says "issue <number>"', () => {
    const files = walk(root, (path) => path.endsWith('.md'));
    expect(files.map((file) => relative(root, file))).toContain('docs/architecture.md');
    const offenders = files.flatMap((file) =>
      readFileSync(file, 'utf8')
        .split('\n')
        .map((line, index) => ({ line, index }))
        .filter(({ line }) => TRACKER_REFERENCE.test(line))
        .map(({ line, index }) => `${relative(root, file)}:${index + 1}: ${line.trim().slice(0, 120)}`),
    );
    expect(offenders).toEqual([]);
  });

  it('reads strings, not comments (a planted message is found, a comment is not)', () => {
    const planted = [
      '// history: fixed in issue 9',
      "const a = 'weights are being trained, see issue 9';",
      // biome-ignore lint/suspicious/noTemplateCurlyInString: planted source text with a template literal
      'const b = `see issue #12 for ${a}`;',
      'const c = <p>tracked in Issue 3</p>;',
    ].join('\n');
    const hits = userFacingStrings('planted.tsx', planted).filter((text) => TRACKER_REFERENCE.test(text));
    expect(hits).toEqual([
      'weights are being trained, see issue 9',
      'see issue #12 for ',
      'tracked in Issue 3',
    ]);
    expect(TRACKER_REFERENCE.test('tissue 3 and issues of shape')).toBe(false);
  });
});
