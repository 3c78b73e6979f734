import { useEffect, useRef } from 'react';

interface Props {
  /** SVG markup made by @s2cassi/hsi-render (its text is XML-escaped there). */
  markup: string;
  label: string;
  testId: string;
}

/** An SVG chart from @s2cassi/hsi-render, as an image with a label. */
export function SvgChart({ markup, label, testId }: Props) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (box.current) box.current.innerHTML = markup;
  }, [markup]);
  return <div ref={box} className="svg" role="img" aria-label={label} data-testid={testId} />;
}
