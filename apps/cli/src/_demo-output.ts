import { lstatSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from './errors';
import { VERSION } from './version';

/**
 * The file by which `s2cassi demo` marks the folders it wrote. The demo owns such a folder: a re-run
 * replaces it (atomically) without --force; any other existing path needs --force.
 */
export const DEMO_MARKER = '.s2cassi-demo';

/** The marker's content: who wrote the folder, and when. */
export function demoMarker(): string {
  return `${JSON.stringify({ writtenBy: 's2cassi demo', version: VERSION, at: new Date().toISOString() })}\n`;
}

/** Whether `path` is a folder (not a link) holding the demo's marker, as the demo writes it. */
export function isDemoFolder(path: string): boolean {
  try {
    if (!lstatSync(path).isDirectory()) return false;
    const marker = JSON.parse(readFileSync(join(path, DEMO_MARKER), 'utf8')) as { writtenBy?: unknown };
    return marker.writtenBy === 's2cassi demo';
  } catch {
    return false;
  }
}

/**
 * Checks the demo's output folder before any work: a path that does not exist, or a folder the demo
 * wrote, is fine (returns whether something is to be replaced); anything else needs `force`.
 */
export function checkDemoOutput(path: string, force: boolean): { replace: boolean } {
  let exists = true;
  try {
    lstatSync(path);
  } catch {
    exists = false;
  }
  if (!exists) return { replace: false };
  if (force || isDemoFolder(path)) return { replace: true };
  throw new UsageError(
    `${path} was not written by s2cassi demo (no ${DEMO_MARKER} marker in it), so the demo will not replace it: choose another --output folder, or pass --force to replace it`,
  );
}
