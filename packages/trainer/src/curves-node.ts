import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '@s2cassi/hsi-io/node';
import { encodePng, lineChart } from '@s2cassi/hsi-render';
import { curveChartSvg, lineChartOptions, trainingCurves } from './curves';
import { readLog } from './log';

/**
 * Draws `loss.svg`/`loss.png` and (when the run validated) `validation.svg`/`validation.png` from a run's
 * log into `directory`: axes, ticks, labels, a legend, and on the loss chart the loss parts and a marker
 * where the objective switches. Returns the files written.
 */
export async function writeCurves(logFile: string, directory: string): Promise<string[]> {
  const { steps, validations, objectiveChanges } = await readLog(logFile);
  // Logs written before objective records existed: the switch is found in the step records.
  const charts = trainingCurves(steps, validations, objectiveChanges.length ? objectiveChanges : undefined);
  await mkdir(directory, { recursive: true });
  const written: string[] = [];
  for (const [name, chart] of Object.entries(charts)) {
    if (chart.series.every((s) => s.points.length === 0)) continue;
    const svg = join(directory, `${name}.svg`);
    await writeFileAtomic(svg, curveChartSvg(chart.series, chart.options), { overwrite: true });
    const png = join(directory, `${name}.png`);
    await writeFileAtomic(png, encodePng(lineChart(lineChartOptions(chart.series, chart.options))), {
      overwrite: true,
    });
    written.push(svg, png);
  }
  return written;
}
