import { type DragEvent, useId, useState } from 'react';
import type { InputRole } from '../lib/types';

interface Props {
  role: InputRole;
  title: string;
  hint: string;
  accept: string;
  /** What is loaded now (shown under the title). */
  status?: string;
  error?: string;
  busy?: boolean;
  onFiles: (files: File[]) => void;
}

/** A drop target with a keyboard-reachable file picker. Files are read locally, never uploaded. */
export function DropZone({ role, title, hint, accept, status, error, busy, onFiles }: Props) {
  const id = useId();
  const [over, setOver] = useState(false);
  const onDrop = (event: DragEvent<HTMLDivElement>) => {
    event.preventDefault();
    setOver(false);
    const files = Array.from(event.dataTransfer?.files ?? []);
    if (files.length > 0) onFiles(files);
  };
  return (
    // biome-ignore lint/a11y/noStaticElementInteractions: a drop target for the mouse; the keyboard path is the file input inside
    <div
      className={`drop${over ? ' over' : ''}${error ? ' has-error' : ''}`}
      data-testid={`drop-${role}`}
      onDragOver={(event) => {
        event.preventDefault();
        setOver(true);
      }}
      onDragLeave={() => setOver(false)}
      onDrop={onDrop}
    >
      <div className="drop-title">{title}</div>
      <div className="drop-status" data-testid={`status-${role}`}>
        {busy ? 'reading…' : (status ?? 'none')}
      </div>
      <label htmlFor={id} className="button small">
        Choose file{role === 'cube' ? 's' : ''}…
      </label>
      <input
        id={id}
        className="visually-hidden"
        type="file"
        multiple
        accept={accept}
        data-testid={`input-${role}`}
        onChange={(event) => {
          const files = Array.from(event.currentTarget.files ?? []);
          event.currentTarget.value = '';
          if (files.length > 0) onFiles(files);
        }}
      />
      <div className="drop-hint">{hint}</div>
      {error && (
        <div className="error" role="alert" data-testid={`error-${role}`}>
          {error}
        </div>
      )}
    </div>
  );
}
