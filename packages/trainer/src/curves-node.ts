import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { encode } from 'fast-png';
import { curveChartRgba, curveChartSvg, trainingCurves } from './curves';
import { writeFileAtomic } from './file-checkpoint-store';
import { readLog } from './log';

/**
 * Draws `loss.svg`/`loss.png` and (when the run validated) `validation.svg`/`validation.png` from a run's
 * log into `directory`. Returns the files written.
 */
export async function writeCurves(logFile: string, directory: string): Promise<string[]> {
  const { steps, validations } = await readLog(logFile);
  const charts = trainingCurves(steps, validations);
  await mkdir(directory, { recursive: true });
  const written: string[] = [];
  for (const [name, chart] of Object.entries(charts)) {
    if (chart.series.every((s) => s.points.length === 0)) continue;
    const svg = join(directory, `${name}.svg`);
    await writeFileAtomic(svg, curveChartSvg(chart.series, chart.options));
    const rgba = curveChartRgba(chart.series, chart.options);
    const png = join(directory, `${name}.png`);
    await writeFileAtomic(
      png,
      encode({ width: rgba.width, height: rgba.height, data: rgba.data, channels: 4, depth: 8 }),
    );
    written.push(svg, png);
  }
  return written;
}
