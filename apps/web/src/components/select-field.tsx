export interface SelectOption<T extends string> {
  value: T;
  label: string;
}

interface Props<T extends string> {
  /** The text before the select, inside its label. */
  label: string;
  value: T;
  options: readonly SelectOption<T>[];
  onChange: (value: T) => void;
  testId?: string;
  disabled?: boolean;
}

/** A labelled select whose values are one string type (a backend, a method, a cube id). */
export function SelectField<T extends string>({
  label,
  value,
  options,
  onChange,
  testId,
  disabled,
}: Props<T>) {
  return (
    <label>
      {label}{' '}
      <select
        value={value}
        onChange={(e) => onChange(e.target.value as T)}
        data-testid={testId}
        disabled={disabled}
      >
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </label>
  );
}
