import { readFile } from 'node:fs/promises';
import type { ValidationRecord } from './checkpoint';
import type { EpochRecord, ObjectiveChangeRecord, StepRecord } from './events';

/** A line of `log.jsonl`. */
export type LogRecord =
  | StepRecord
  | ObjectiveChangeRecord
  | EpochRecord
  | ({ type: 'validation'; best: boolean } & ValidationRecord)
  | { type: 'start' | 'end' | 'resume' | 'schedule' | 'checkpoint' | 'warning'; [key: string]: unknown };

/**
 * Reads a run's JSON-lines log. A truncated last line (the process was killed mid-write) is ignored; a
 * malformed line elsewhere is an error naming its line number. Steps re-run after a resume appear twice
 * in the file: `steps`, `epochs` and `objectiveChanges` keep the last record per step / epoch.
 */
export async function readLog(path: string): Promise<{
  records: LogRecord[];
  steps: StepRecord[];
  epochs: EpochRecord[];
  validations: ValidationRecord[];
  /** Where the loss objective changed (e.g. L_ME -> L_MA), in step order. */
  objectiveChanges: ObjectiveChangeRecord[];
}> {
  const lines = (await readFile(path, 'utf8')).split('\n');
  const records: LogRecord[] = [];
  lines.forEach((line, index) => {
    if (line.trim() === '') return;
    try {
      records.push(JSON.parse(line));
    } catch (error) {
      if (index === lines.length - 1) return;
      throw new Error(`${path}:${index + 1}: not a JSON line (${(error as Error).message})`);
    }
  });
  const steps = new Map<number, StepRecord>();
  const epochs = new Map<number, EpochRecord>();
  const validations = new Map<number, ValidationRecord>();
  const objectiveChanges = new Map<number, ObjectiveChangeRecord>();
  for (const record of records) {
    if (record.type === 'step') steps.set((record as StepRecord).step, record as StepRecord);
    else if (record.type === 'epoch') epochs.set((record as EpochRecord).epoch, record as EpochRecord);
    else if (record.type === 'objective')
      objectiveChanges.set((record as ObjectiveChangeRecord).step, record as ObjectiveChangeRecord);
    else if (record.type === 'validation')
      validations.set((record as ValidationRecord).step, record as ValidationRecord);
  }
  const byKey = <T>(map: Map<number, T>) => [...map.entries()].sort((a, b) => a[0] - b[0]).map(([, v]) => v);
  return {
    records,
    steps: byKey(steps),
    epochs: byKey(epochs),
    validations: byKey(validations),
    objectiveChanges: byKey(objectiveChanges),
  };
}
