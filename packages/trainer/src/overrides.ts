import { TrainerConfigError } from './config';

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * Deep merge for configuration objects: plain objects merge key by key; arrays, scalars and `null`
 * replace; an object whose `kind` differs from the base's replaces it whole (a different variant of a
 * discriminated union keeps none of the old variant's fields). Neither input is modified.
 */
export function deepMerge<T>(base: T, override: unknown): T {
  if (!isPlainObject(base) || !isPlainObject(override)) {
    return (override === undefined ? structuredClone(base) : structuredClone(override)) as T;
  }
  if ('kind' in override && 'kind' in base && override.kind !== base.kind) {
    return structuredClone(override) as T;
  }
  const out: Record<string, unknown> = structuredClone(base);
  for (const [key, value] of Object.entries(override)) {
    if (value === undefined) continue;
    out[key] = key in out ? deepMerge(out[key], value) : structuredClone(value);
  }
  return out as T;
}

/**
 * Parses `--set` style overrides, `path.to.field=value`, into one nested object for {@link deepMerge}.
 * The value is parsed as JSON when it is valid JSON (`3`, `1e-3`, `true`, `null`, `["a"]`, `{"kind":"none"}`)
 * and taken as a plain string otherwise (`data.source.root=/data/cave`).
 */
export function parseSetOverrides(assignments: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const assignment of assignments) {
    const eq = assignment.indexOf('=');
    const path = eq > 0 ? assignment.slice(0, eq).trim() : '';
    const keys = path.split('.');
    if (eq <= 0 || keys.some((key) => key === '' || key === '__proto__' || key === 'constructor')) {
      throw new TrainerConfigError(
        [
          {
            path: path || assignment,
            message: `expected an override like "training.batchSize=4" (dotted path = JSON value), got ${JSON.stringify(assignment)}`,
          },
        ],
        'override',
      );
    }
    const raw = assignment.slice(eq + 1);
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      value = raw;
    }
    let cursor = out;
    for (const key of keys.slice(0, -1)) {
      if (!isPlainObject(cursor[key])) cursor[key] = {};
      cursor = cursor[key] as Record<string, unknown>;
    }
    const last = keys[keys.length - 1];
    cursor[last] =
      isPlainObject(cursor[last]) && isPlainObject(value) ? deepMerge(cursor[last], value) : value;
  }
  return out;
}

/** Dotted paths at which two JSON-like values differ (for "checkpoint from a different config" errors). */
export function diffPaths(a: unknown, b: unknown, prefix = ''): string[] {
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    return keys.flatMap((key) => diffPaths(a[key], b[key], prefix ? `${prefix}.${key}` : key));
  }
  return JSON.stringify(a) === JSON.stringify(b) ? [] : [prefix || '(root)'];
}
