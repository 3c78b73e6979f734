/** Shared test data (internal, used by tests only). */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PACKAGE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** The 28 CASSI band centres (nm) of the standard simulation protocol. */
export const CASSI_WAVELENGTHS: readonly number[] = [
  453.5, 457.5, 462.0, 466.0, 471.5, 476.5, 481.5, 487.0, 492.5, 498.0, 504.0, 510.0, 516.0, 522.5, 529.5,
  536.5, 544.0, 551.5, 558.5, 567.5, 575.5, 584.5, 594.5, 604.0, 614.5, 625.0, 636.5, 648.0,
];

/** CAVE: 31 bands, 400..700 nm in 10 nm steps. */
export const CAVE_WAVELENGTHS: readonly number[] = Array.from({ length: 31 }, (_, i) => 400 + 10 * i);

/** Rows of one of the committed CIE CSV files (data/cie/), parsed independently of the generated tables. */
export function readCieCsv(name: string): number[][] {
  return readFileSync(resolve(PACKAGE_ROOT, 'data/cie', name), 'utf8')
    .split(/\r?\n/)
    .filter((line) => line.trim() !== '')
    .map((line) => line.split(',').map(Number));
}

export function readFixture<T>(name: string): T {
  return JSON.parse(readFileSync(resolve(PACKAGE_ROOT, 'fixtures', name), 'utf8')) as T;
}

/**
 * A tiny XML well-formedness check for SVG output: every tag closes in order, attributes are quoted, and
 * no raw '<' or '&' appears in text. Returns the element names in document order.
 */
export function checkXml(xml: string): string[] {
  const names: string[] = [];
  const stack: string[] = [];
  const tag = /<(\/?)([a-zA-Z][\w-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>/g;
  let last = 0;
  for (let match = tag.exec(xml); match; match = tag.exec(xml)) {
    const text = xml.slice(last, match.index);
    if (/[<>]/.test(text) || /&(?!(amp|lt|gt|quot|apos);)/.test(text))
      throw new Error(`bad text before ${match[0]}: ${text}`);
    last = tag.lastIndex;
    const [, closing, name, , selfClosing] = match;
    if (closing) {
      const open = stack.pop();
      if (open !== name) throw new Error(`</${name}> closes <${open}>`);
    } else {
      names.push(name);
      if (!selfClosing) stack.push(name);
    }
  }
  if (xml.slice(last).trim() !== '') throw new Error(`trailing text: ${xml.slice(last, last + 40)}`);
  if (stack.length) throw new Error(`unclosed <${stack.join('>, <')}>`);
  return names;
}

/** Count of elements with a given class (class attribute containing the word). */
export function countClass(xml: string, className: string): number {
  const re = new RegExp(`class="(?:[^"]*\\s)?${className}(?:\\s[^"]*)?"`, 'g');
  return (xml.match(re) ?? []).length;
}
