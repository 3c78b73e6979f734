import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from './_test-data';
import * as api from './index';

describe('package surface', () => {
  it('the library sources use no Node APIs (they run in the browser)', () => {
    const sources = readdirSync(resolve(PACKAGE_ROOT, 'src')).filter(
      (f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && f !== '_test-data.ts',
    );
    expect(sources.length).toBeGreaterThan(10);
    for (const file of sources) {
      const text = readFileSync(resolve(PACKAGE_ROOT, 'src', file), 'utf8');
      expect(text, file).not.toMatch(/from '(node:|fs|path|os|crypto|url)'/);
      expect(text, file).not.toMatch(/\b(process|Buffer|require)\s*[.(]/);
    }
  });

  it('exports the documented functions', () => {
    for (const name of [
      'renderSrgb',
      'spectrumToSrgb',
      'spectrumToXyz',
      'xyzWeights',
      'srgbWeights',
      'bandGrid',
      'spectralCurvesSvg',
      'bandMetricsSvg',
      'lineChartSvg',
      'lineChart',
      'lineChartLayout',
      'errorMap',
      'applyColormap',
      'colormapColor',
      'encodePng',
      'decodePng',
      'correlation',
      'regionSpectrum',
      'cieCmf',
      'illuminantPower',
      'wavelengthColor',
    ]) {
      expect(typeof (api as Record<string, unknown>)[name], name).toBe('function');
    }
  });
});
