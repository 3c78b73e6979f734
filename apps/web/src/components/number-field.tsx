interface Props {
  /** The text before the field, inside its label. */
  label: string;
  value: number;
  onChange: (value: number) => void;
  min?: number;
  max?: number;
  step?: number;
  testId?: string;
}

/** A labelled number input; an empty field reads as 0 (as `Number('')`). */
export function NumberField({ label, value, onChange, min, max, step, testId }: Props) {
  return (
    <label>
      {label}{' '}
      <input
        type="number"
        min={min}
        max={max}
        step={step}
        value={value}
        onChange={(e) => onChange(Number(e.target.value))}
        data-testid={testId}
      />
    </label>
  );
}
