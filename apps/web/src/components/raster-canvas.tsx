import type { RgbaImage } from '@s2cassi/hsi-render';
import { type KeyboardEvent, type PointerEvent, useEffect, useRef, useState, type WheelEvent } from 'react';

/** A zoom state shared by synchronised views: `scale` >= 1, top-left corner (x, y) in image pixels. */
export interface ZoomView {
  scale: number;
  x: number;
  y: number;
}

export const NO_ZOOM: ZoomView = { scale: 1, x: 0, y: 0 };

/** A pixel or a rectangle in image coordinates. */
export interface Region {
  x: number;
  y: number;
  width: number;
  height: number;
}

function clampView(view: ZoomView, width: number, height: number): ZoomView {
  const scale = Math.min(16, Math.max(1, view.scale));
  const maxX = width - width / scale;
  const maxY = height - height / scale;
  return { scale, x: Math.min(maxX, Math.max(0, view.x)), y: Math.min(maxY, Math.max(0, view.y)) };
}

/** Zoom by `factor` about the image point (px, py). */
export function zoomAbout(
  view: ZoomView,
  factor: number,
  px: number,
  py: number,
  w: number,
  h: number,
): ZoomView {
  const scale = Math.min(16, Math.max(1, view.scale * factor));
  const ratio = view.scale / scale;
  return clampView({ scale, x: px - (px - view.x) * ratio, y: py - (py - view.y) * ratio }, w, h);
}

interface Props {
  image: RgbaImage;
  label: string;
  testId?: string;
  /** 'select': click a pixel or drag a region (arrow keys move the pixel); 'pan': drag pans, wheel zooms. */
  mode?: 'select' | 'pan' | 'static';
  onSelect?: (region: Region) => void;
  selection?: Region;
  view?: ZoomView;
  onViewChange?: (view: ZoomView) => void;
}

/** An RGBA picture in a canvas, scaled to its box with square pixels, with selection or pan/zoom. */
export function RasterCanvas({
  image,
  label,
  testId,
  mode = 'static',
  onSelect,
  selection,
  view = NO_ZOOM,
  onViewChange,
}: Props) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const box = useRef<HTMLDivElement>(null);
  const drag = useRef<{ x: number; y: number; view: ZoomView; moved: boolean } | undefined>(undefined);
  const [rubber, setRubber] = useState<Region | undefined>();

  useEffect(() => {
    const c = canvas.current;
    if (!c) return;
    c.width = image.width;
    c.height = image.height;
    const context = c.getContext('2d');
    if (!context) return;
    const pixels = new ImageData(image.width, image.height);
    pixels.data.set(image.data);
    context.putImageData(pixels, 0, 0);
  }, [image]);

  const toImage = (clientX: number, clientY: number) => {
    const rect = (box.current as HTMLDivElement).getBoundingClientRect();
    return {
      x: ((clientX - rect.left) / rect.width) * (image.width / view.scale) + view.x,
      y: ((clientY - rect.top) / rect.height) * (image.height / view.scale) + view.y,
    };
  };
  const pixelOf = (p: { x: number; y: number }) => ({
    x: Math.min(image.width - 1, Math.max(0, Math.floor(p.x))),
    y: Math.min(image.height - 1, Math.max(0, Math.floor(p.y))),
  });
  const regionOf = (a: { x: number; y: number }, b: { x: number; y: number }): Region => {
    const p = pixelOf(a);
    const q = pixelOf(b);
    return {
      x: Math.min(p.x, q.x),
      y: Math.min(p.y, q.y),
      width: Math.abs(p.x - q.x) + 1,
      height: Math.abs(p.y - q.y) + 1,
    };
  };

  const onPointerDown = (event: PointerEvent<HTMLDivElement>) => {
    if (mode === 'static') return;
    (event.currentTarget as HTMLDivElement).setPointerCapture?.(event.pointerId);
    const p = toImage(event.clientX, event.clientY);
    drag.current = { x: p.x, y: p.y, view, moved: false };
  };
  const onPointerMove = (event: PointerEvent<HTMLDivElement>) => {
    const start = drag.current;
    if (!start) return;
    const p = toImage(event.clientX, event.clientY);
    if (Math.abs(p.x - start.x) + Math.abs(p.y - start.y) > 1) start.moved = true;
    if (mode === 'select' && start.moved) setRubber(regionOf(start, p));
    if (mode === 'pan' && start.moved && onViewChange) {
      // pan by the pointer's travel measured in the view at drag start
      const rect = (box.current as HTMLDivElement).getBoundingClientRect();
      const dx = ((event.movementX || 0) / rect.width) * (image.width / view.scale);
      const dy = ((event.movementY || 0) / rect.height) * (image.height / view.scale);
      onViewChange(clampView({ ...view, x: view.x - dx, y: view.y - dy }, image.width, image.height));
    }
  };
  const onPointerUp = (event: PointerEvent<HTMLDivElement>) => {
    const start = drag.current;
    drag.current = undefined;
    setRubber(undefined);
    if (!start || mode !== 'select' || !onSelect) return;
    const p = toImage(event.clientX, event.clientY);
    onSelect(start.moved ? regionOf(start, p) : { ...pixelOf(p), width: 1, height: 1 });
  };
  const onWheel = (event: WheelEvent<HTMLDivElement>) => {
    if (mode !== 'pan' || !onViewChange) return;
    const p = toImage(event.clientX, event.clientY);
    onViewChange(zoomAbout(view, event.deltaY < 0 ? 1.25 : 0.8, p.x, p.y, image.width, image.height));
  };
  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    const steps: Record<string, [number, number]> = {
      ArrowLeft: [-1, 0],
      ArrowRight: [1, 0],
      ArrowUp: [0, -1],
      ArrowDown: [0, 1],
    };
    const step = steps[event.key];
    if (mode === 'select' && onSelect && step) {
      event.preventDefault();
      const base = selection ?? {
        x: Math.floor(image.width / 2),
        y: Math.floor(image.height / 2),
        width: 1,
        height: 1,
      };
      const jump = event.shiftKey ? 10 : 1;
      onSelect({
        x: Math.min(image.width - base.width, Math.max(0, base.x + step[0] * jump)),
        y: Math.min(image.height - base.height, Math.max(0, base.y + step[1] * jump)),
        width: base.width,
        height: base.height,
      });
    } else if (mode === 'pan' && onViewChange) {
      const cx = view.x + image.width / view.scale / 2;
      const cy = view.y + image.height / view.scale / 2;
      if (event.key === '+' || event.key === '=')
        onViewChange(zoomAbout(view, 1.5, cx, cy, image.width, image.height));
      else if (event.key === '-') onViewChange(zoomAbout(view, 1 / 1.5, cx, cy, image.width, image.height));
      else if (step) {
        const d = (image.width / view.scale) * 0.1;
        onViewChange(
          clampView({ ...view, x: view.x + step[0] * d, y: view.y + step[1] * d }, image.width, image.height),
        );
      } else return;
      event.preventDefault();
    }
  };

  const shown = rubber ?? selection;
  const overlay =
    shown === undefined
      ? undefined
      : {
          left: `${((shown.x - view.x) / image.width) * view.scale * 100}%`,
          top: `${((shown.y - view.y) / image.height) * view.scale * 100}%`,
          width: `${(shown.width / image.width) * view.scale * 100}%`,
          height: `${(shown.height / image.height) * view.scale * 100}%`,
        };
  const interactive = mode !== 'static';
  return (
    // biome-ignore lint/a11y/noStaticElementInteractions: role is 'application' whenever handlers act (mode select / pan)
    // biome-ignore lint/a11y/useAriaPropsSupportedByRole: role is 'application' or 'img', both take aria-label
    <div
      ref={box}
      className={`raster raster-${mode}`}
      style={{ aspectRatio: `${image.width} / ${image.height}` }}
      data-testid={testId}
      tabIndex={interactive ? 0 : undefined}
      role={interactive ? 'application' : 'img'}
      aria-label={
        interactive
          ? `${label}. ${mode === 'select' ? 'Click a pixel or drag a region; arrow keys move the selected pixel.' : 'Drag to pan, wheel or + and - to zoom, arrow keys pan.'}`
          : label
      }
      onPointerDown={onPointerDown}
      onPointerMove={onPointerMove}
      onPointerUp={onPointerUp}
      onPointerCancel={() => {
        drag.current = undefined;
        setRubber(undefined);
      }}
      onWheel={onWheel}
      onKeyDown={onKeyDown}
    >
      <canvas
        ref={canvas}
        style={{
          transform: `scale(${view.scale}) translate(${(-view.x / image.width) * 100}%, ${(-view.y / image.height) * 100}%)`,
        }}
      />
      {overlay && <div className="selection" style={overlay} />}
    </div>
  );
}
