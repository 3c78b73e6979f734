import {
  bandGrid,
  bandMetricsSvg,
  correlation,
  encodePng,
  errorMap,
  formatWavelength,
  type RgbaImage,
  regionSpectrum,
  renderSrgb,
  spectralCurvesSvg,
} from '@s2cassi/hsi-render';
import { gapTvDifferences } from '@s2cassi/pipeline';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { DropZone } from './components/drop-zone';
import { NO_ZOOM, RasterCanvas, type Region, type ZoomView } from './components/raster-canvas';
import { DEMO_WEIGHTS_MISSING, loadDemoWeights } from './demo-weights';
import { EngineClient, isCancellation } from './lib/engine-client';
import { ACCEPTED, defaultWavelengths, EXPORT_FORMATS, type ExportFormat } from './lib/formats';
import { INITIAL_SETTINGS } from './lib/initial-settings';
import { bandImage, download, greyImage, peakOf } from './lib/pictures';
import { progressLine } from './lib/progress-line';
import {
  BACKEND_PREFERENCES,
  type BackendPreference,
  type BackendStatus,
  type BandMetrics,
  type CubeData,
  type InputRole,
  type JobProgress,
  METHOD_LABELS,
  type MethodId,
  type PlaneData,
  type WeightsData,
} from './lib/types';

interface Result {
  id: string;
  label: string;
  method: MethodId;
  cube: CubeData;
  seconds: number;
  backend: string;
  metrics?: BandMetrics;
}

type Errors = Partial<Record<InputRole | 'general' | 'backend', string>>;

const ROLE_TEXT: Record<InputRole, { title: string; hint: string }> = {
  cube: { title: 'Cube (ground truth)', hint: 'H x W x N: .mat, .npy, .npz, ENVI .hdr + data, PNG per band' },
  measurement: { title: 'Measurement', hint: "H x W' snapshot: .mat, .npy, .npz, ENVI, PNG" },
  mask: { title: 'Mask', hint: 'H x W coded aperture: .mat, .npy, .npz, ENVI, PNG' },
  weights: { title: 'S2 weights', hint: '.safetensors (+ config .json)' },
};

function initialPreference(): BackendPreference {
  const asked = new URLSearchParams(globalThis.location?.search ?? '').get('backend');
  return BACKEND_PREFERENCES.includes(asked as BackendPreference) ? (asked as BackendPreference) : 'auto';
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function mean(values: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i];
  return values.length ? s / values.length : Number.NaN;
}

/** An SVG chart made by @s2cassi/hsi-render (its text is XML-escaped there). */
function Svg({ markup, label, testId }: { markup: string; label: string; testId: string }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (box.current) box.current.innerHTML = markup;
  }, [markup]);
  return <div ref={box} className="svg" role="img" aria-label={label} data-testid={testId} />;
}

function savePng(name: string, image: RgbaImage): void {
  download(name, encodePng(image), 'image/png');
}

export function App() {
  const engine = useMemo(() => new EngineClient(), []);
  const [preference, setPreference] = useState<BackendPreference>(initialPreference);
  const [backend, setBackend] = useState<BackendStatus | undefined>();
  const [backendBusy, setBackendBusy] = useState(true);
  const [truth, setTruth] = useState<{ cube: CubeData; source: string } | undefined>();
  const [mask, setMask] = useState<{ plane: PlaneData; source: string } | undefined>();
  const [measurement, setMeasurement] = useState<{ plane: PlaneData; source: string } | undefined>();
  const [weights, setWeights] = useState<WeightsData | undefined>();
  const [attribution, setAttribution] = useState<string | undefined>();
  const [reading, setReading] = useState<InputRole | 'demo' | undefined>();
  const [errors, setErrors] = useState<Errors>({});
  const [notice, setNotice] = useState<string | undefined>();
  const [results, setResults] = useState<Result[]>([]);
  const [progress, setProgress] = useState<JobProgress | undefined>();
  const [running, setRunning] = useState<string | undefined>();
  // the settings the command line starts from too
  const [shiftStep, setShiftStep] = useState(INITIAL_SETTINGS.shiftStep);
  const [noiseSigma, setNoiseSigma] = useState(INITIAL_SETTINGS.noiseSigma);
  const [seed, setSeed] = useState(INITIAL_SETTINGS.seed);
  const [method, setMethod] = useState<MethodId>('gap-tv');
  const [iterations, setIterations] = useState(INITIAL_SETTINGS.iterations);
  const [tvWeight, setTvWeight] = useState(INITIAL_SETTINGS.tvWeight);
  const [shown, setShown] = useState<string>('truth');
  const [band, setBand] = useState(0);
  const [selection, setSelection] = useState<Region | undefined>();
  const [compare, setCompare] = useState<[string, string]>(['truth', '']);
  const [zoom, setZoom] = useState<ZoomView>(NO_ZOOM);
  const [exportFormat, setExportFormat] = useState<ExportFormat>('mat');
  const counter = useRef(0);

  const setError = useCallback((key: keyof Errors, text: string | undefined) => {
    setErrors((e) => ({ ...e, [key]: text }));
  }, []);

  // Backend: set up on start and whenever the override changes.
  useEffect(() => {
    let live = true;
    setBackendBusy(true);
    engine
      .init(preference)
      .then((status) => {
        if (!live) return;
        setBackend(status);
        setError('backend', status.fallback);
      })
      .catch((error) => live && setError('backend', message(error)))
      .finally(() => live && setBackendBusy(false));
    return () => {
      live = false;
    };
  }, [engine, preference, setError]);

  useEffect(() => {
    engine.onRestart = (status) => setBackend(status);
  }, [engine]);

  const cubes = useMemo(() => {
    const list: { id: string; label: string; cube: CubeData }[] = [];
    if (truth) list.push({ id: 'truth', label: 'Ground truth', cube: truth.cube });
    for (const r of results) list.push({ id: r.id, label: r.label, cube: r.cube });
    return list;
  }, [truth, results]);
  const shownCube = cubes.find((c) => c.id === shown) ?? cubes[0];

  useEffect(() => {
    if (shownCube && band >= shownCube.cube.shape[2]) setBand(0);
  }, [shownCube, band]);

  const loadDemo = async () => {
    setReading('demo');
    setError('general', undefined);
    try {
      const demo = await engine.remote.loadDemo();
      setTruth({ cube: demo.cube, source: `demo: ${demo.name}` });
      setMask({ plane: demo.mask, source: 'demo: standard mask' });
      setMeasurement(undefined);
      setResults([]);
      setAttribution(demo.attribution);
      setShown('truth');
      setSelection(undefined);
      setErrors({ backend: errors.backend });
      await simulate(demo.cube, demo.mask);
    } catch (error) {
      setError('general', `could not load the demo: ${message(error)}`);
    } finally {
      setReading(undefined);
    }
  };

  const readFiles = async (role: InputRole, files: File[]) => {
    setReading(role);
    setError(role, undefined);
    try {
      const named = await Promise.all(
        files.map(async (f) => ({ name: f.name, bytes: new Uint8Array(await f.arrayBuffer()) })),
      );
      const loaded = await engine.remote.readInput(role, named);
      if (loaded.role === 'cube') {
        setTruth({ cube: loaded.cube, source: loaded.source });
        setResults([]);
        setShown('truth');
      } else if (loaded.role === 'mask') setMask({ plane: loaded.plane, source: loaded.source });
      else if (loaded.role === 'measurement') setMeasurement({ plane: loaded.plane, source: loaded.source });
      else {
        setWeights(loaded.weights);
        setMethod('s2-user');
      }
    } catch (error) {
      setError(role, `Could not read ${files.map((f) => f.name).join(', ')}: ${message(error)}`);
    } finally {
      setReading(undefined);
    }
  };

  async function simulate(cube = truth?.cube, plane = mask?.plane) {
    if (!cube || !plane) {
      setError('general', 'Simulating needs a cube and a mask (load the demo or drop files).');
      return;
    }
    setError('general', undefined);
    try {
      const y = await engine.remote.simulate(cube, plane, { shiftStep, noiseSigma, seed });
      setMeasurement({
        plane: y,
        source: `simulated (step ${shiftStep}${noiseSigma > 0 ? `, noise σ=${noiseSigma}` : ', no noise'})`,
      });
    } catch (error) {
      setError('general', `Simulation failed: ${message(error)}`);
    }
  }

  const reconstruct = async () => {
    if (!measurement || !mask) {
      setError('general', 'Reconstructing needs a measurement and a mask.');
      return;
    }
    if (method === 's2-demo' && !loadDemoWeights) {
      setError(
        'general',
        `S2-Transformer (demo weights): ${DEMO_WEIGHTS_MISSING}. Drop your own weights instead.`,
      );
      return;
    }
    if (method === 's2-user' && !weights) {
      setError('general', 'S2-Transformer (your weights): drop a .safetensors weights file first.');
      return;
    }
    setError('general', undefined);
    setNotice(undefined);
    const label = METHOD_LABELS[method];
    setRunning(label);
    setProgress({ done: 0, total: 1, message: 'starting' });
    const job = {
      method,
      measurement: measurement.plane,
      mask: mask.plane,
      shiftStep,
      iterations,
      tvWeight,
      weights: method === 's2-user' ? weights : undefined,
    };
    try {
      let result: Awaited<ReturnType<EngineClient['reconstruct']>>;
      try {
        result = await engine.reconstruct(job, setProgress);
      } catch (error) {
        // A GPU failure mid-job: fall back to wasm automatically and run the job again.
        if (isCancellation(error) || !backend || !['webgpu', 'webgl'].includes(backend.backend)) throw error;
        const failed = backend.backend;
        const status = await engine.init('wasm');
        setBackend(status);
        setError(
          'backend',
          `${failed} failed during the reconstruction (${message(error)}); switched to ${status.backend}`,
        );
        result = await engine.reconstruct(job, setProgress);
      }
      const wavelengths =
        truth && truth.cube.shape[2] === result.shape[2]
          ? truth.cube.wavelengths
          : defaultWavelengths(result.shape[2]);
      const cube: CubeData = { data: result.cube, shape: result.shape, wavelengths };
      counter.current += 1;
      const id = `r${counter.current}`;
      const entry: Result = {
        id,
        // settings that are not the shared defaults are part of the result's name
        label: `${result.gapTv ? ['GAP-TV', ...gapTvDifferences(result.gapTv)].join(', ') : label} #${counter.current}`,
        method,
        cube,
        seconds: result.seconds,
        backend: result.backend,
      };
      if (truth?.cube.shape.every((d, i) => d === result.shape[i])) {
        entry.metrics = await engine.remote.metrics(truth.cube, cube);
      }
      setResults((list) => [...list, entry]);
      setShown(id);
      setCompare(([a]) => [a || 'truth', id]);
    } catch (error) {
      if (isCancellation(error)) setNotice('Reconstruction cancelled.');
      else setError('general', `Reconstruction failed: ${message(error)}`);
    } finally {
      setRunning(undefined);
      setProgress(undefined);
    }
  };

  const exportResult = async (result: Result) => {
    try {
      const files = await engine.remote.exportCube(result.cube, exportFormat, `s2cassi-${result.label}`);
      for (const f of files) download(f.name, f.bytes);
    } catch (error) {
      setError('general', `Export failed: ${message(error)}`);
    }
  };

  // Pictures (pure JS, fast for demo-sized cubes).
  const srgb = useMemo(() => (shownCube ? renderSrgb(shownCube.cube) : undefined), [shownCube]);
  const grid = useMemo(
    () =>
      shownCube
        ? bandGrid(shownCube.cube, { columns: 7, tileWidth: Math.min(128, shownCube.cube.shape[1]) })
        : undefined,
    [shownCube],
  );
  const peak = useMemo(() => (shownCube ? peakOf(shownCube.cube.data) : 1), [shownCube]);
  const bandPicture = useMemo(
    () =>
      shownCube ? bandImage(shownCube.cube, Math.min(band, shownCube.cube.shape[2] - 1), peak) : undefined,
    [shownCube, band, peak],
  );
  const measurementPicture = useMemo(
    () => (measurement ? greyImage(measurement.plane) : undefined),
    [measurement],
  );
  const shownResult = results.find((r) => r.id === shown) ?? results[results.length - 1];
  const errorPicture = useMemo(() => {
    if (!truth || !shownResult?.metrics) return undefined;
    return errorMap(shownResult.cube, truth.cube);
  }, [truth, shownResult]);

  const spectrum = useMemo(() => {
    if (!selection || cubes.length === 0) return undefined;
    const region = { x: selection.x, y: selection.y, width: selection.width, height: selection.height };
    const reference = cubes[0].cube;
    const fits = (c: CubeData) => c.shape[0] === reference.shape[0] && c.shape[1] === reference.shape[1];
    const truthValues = truth && fits(truth.cube) ? regionSpectrum(truth.cube, region) : undefined;
    const curves = results
      .filter((r) => fits(r.cube))
      .map((r) => ({ label: r.label, values: regionSpectrum(r.cube, region) }));
    const wavelengths = truth?.cube.wavelengths ?? results[0]?.cube.wavelengths;
    if (!wavelengths) return undefined;
    const svg = spectralCurvesSvg({
      wavelengths,
      truth: truthValues ? { label: 'Ground truth', values: truthValues } : undefined,
      curves,
      width: 560,
      height: 300,
      title:
        selection.width * selection.height === 1
          ? `Pixel (${selection.x}, ${selection.y})`
          : `Region ${selection.width} x ${selection.height} at (${selection.x}, ${selection.y})`,
    });
    const correlations = truthValues
      ? curves.map((c) => ({ label: c.label, r: correlation(truthValues, c.values) }))
      : [];
    return { svg, correlations };
  }, [selection, cubes, truth, results]);

  const withMetrics = results.filter((r) => r.metrics);
  const psnrSvg = useMemo(
    () =>
      truth && withMetrics.length
        ? bandMetricsSvg({
            series: withMetrics.map((r) => ({ label: r.label, values: (r.metrics as BandMetrics).psnr })),
            wavelengths: truth.cube.wavelengths,
            metric: 'PSNR (dB)',
            title: 'PSNR per band',
            width: 640,
            height: 260,
          })
        : undefined,
    [truth, withMetrics],
  );
  const ssimSvg = useMemo(
    () =>
      truth && withMetrics.length
        ? bandMetricsSvg({
            series: withMetrics.map((r) => ({ label: r.label, values: (r.metrics as BandMetrics).ssim })),
            wavelengths: truth.cube.wavelengths,
            metric: 'SSIM',
            title: 'SSIM per band',
            yMax: 1,
            width: 640,
            height: 260,
          })
        : undefined,
    [truth, withMetrics],
  );

  const comparePictures = compare.map((id) => {
    const c = cubes.find((x) => x.id === id);
    return c ? { label: c.label, image: renderSrgb(c.cube) } : undefined;
  });

  const wavelength = shownCube?.cube.wavelengths[Math.min(band, (shownCube?.cube.shape[2] ?? 1) - 1)];
  const backendLabel = backendBusy ? 'starting…' : (backend?.backend ?? 'none');

  return (
    <div className="app">
      <header className="top">
        <h1>s2cassi</h1>
        <p className="tagline">
          CASSI hyperspectral reconstruction in your browser. Files never leave this page.
        </p>
        <div className="backend">
          <span
            className={`badge badge-${backend?.backend ?? 'none'}`}
            data-testid="backend-indicator"
            data-backend={backendBusy ? '' : (backend?.backend ?? '')}
            title={backend?.reason}
          >
            {backendLabel}
          </span>
          <label>
            Backend{' '}
            <select
              value={preference}
              onChange={(e) => setPreference(e.target.value as BackendPreference)}
              data-testid="backend-select"
              disabled={Boolean(running)}
            >
              {BACKEND_PREFERENCES.map((p) => (
                <option key={p} value={p}>
                  {p === 'auto' ? 'auto (WebGPU → WebGL → wasm)' : p}
                </option>
              ))}
            </select>
          </label>
        </div>
        {backend && <p className="backend-reason">{backend.reason}</p>}
        {errors.backend && (
          <p className="warning" role="alert" data-testid="backend-warning">
            {errors.backend}
          </p>
        )}
      </header>

      <main className="layout">
        <section className="panel controls" aria-label="Inputs and actions">
          <h2>1. Inputs</h2>
          <button
            type="button"
            className="button primary"
            onClick={loadDemo}
            disabled={Boolean(reading)}
            data-testid="load-demo"
          >
            {reading === 'demo' ? 'Loading demo…' : 'Load the demo scene and mask'}
          </button>
          {attribution && <p className="note">{attribution}</p>}
          <div className="drops">
            {(['cube', 'measurement', 'mask', 'weights'] as InputRole[]).map((role) => (
              <DropZone
                key={role}
                role={role}
                title={ROLE_TEXT[role].title}
                hint={ROLE_TEXT[role].hint}
                accept={ACCEPTED[role]}
                busy={reading === role}
                error={errors[role]}
                status={
                  role === 'cube'
                    ? truth && `${truth.source} [${truth.cube.shape.join(' x ')}]`
                    : role === 'mask'
                      ? mask && `${mask.source} [${mask.plane.shape.join(' x ')}]`
                      : role === 'measurement'
                        ? measurement && `${measurement.source} [${measurement.plane.shape.join(' x ')}]`
                        : weights && `${weights.name}: ${weights.summary}`
                }
                onFiles={(files) => readFiles(role, files)}
              />
            ))}
          </div>

          <h2>2. Simulate</h2>
          <div className="row">
            <label>
              Shift step (px/band){' '}
              <input
                type="number"
                min={0}
                max={16}
                value={shiftStep}
                onChange={(e) => setShiftStep(Number(e.target.value))}
                data-testid="shift-step"
              />
            </label>
            <label>
              Noise σ{' '}
              <input
                type="number"
                min={0}
                step={0.01}
                value={noiseSigma}
                onChange={(e) => setNoiseSigma(Number(e.target.value))}
                data-testid="noise-sigma"
              />
            </label>
            <label>
              Seed <input type="number" value={seed} onChange={(e) => setSeed(Number(e.target.value))} />
            </label>
          </div>
          <button
            type="button"
            className="button"
            onClick={() => simulate()}
            disabled={!truth || !mask}
            data-testid="simulate"
          >
            Simulate measurement
          </button>

          <h2>3. Reconstruct</h2>
          <label>
            Method{' '}
            <select
              value={method}
              onChange={(e) => setMethod(e.target.value as MethodId)}
              data-testid="method"
            >
              {(Object.keys(METHOD_LABELS) as MethodId[]).map((m) => (
                <option key={m} value={m}>
                  {METHOD_LABELS[m]}
                  {m === 's2-demo' && !loadDemoWeights ? ' (not bundled)' : ''}
                  {m === 's2-user' && !weights ? ' (drop weights first)' : ''}
                </option>
              ))}
            </select>
          </label>
          {method === 's2-demo' && !loadDemoWeights && (
            <p className="note" data-testid="demo-weights-missing">
              {DEMO_WEIGHTS_MISSING}: drop your own S2 weights (.safetensors + config .json) and pick “your
              weights”.
            </p>
          )}
          {method === 'gap-tv' && (
            <div className="row">
              <label>
                Iterations{' '}
                <input
                  type="number"
                  min={1}
                  max={1000}
                  value={iterations}
                  onChange={(e) => setIterations(Number(e.target.value))}
                  data-testid="iterations"
                />
              </label>
              <label>
                TV weight{' '}
                <input
                  type="number"
                  min={0}
                  step={0.01}
                  value={tvWeight}
                  onChange={(e) => setTvWeight(Number(e.target.value))}
                />
              </label>
            </div>
          )}
          <div className="row">
            <button
              type="button"
              className="button primary"
              onClick={reconstruct}
              disabled={Boolean(running) || !measurement || !mask || backendBusy}
              data-testid="reconstruct"
            >
              Reconstruct
            </button>
            {running && (
              <button type="button" className="button" onClick={() => engine.cancel()} data-testid="cancel">
                Cancel
              </button>
            )}
          </div>
          {running && progress && (
            <div className="progress" data-testid="progress">
              <progress max={progress.total} value={progress.done} aria-label={`${running} progress`} />
              <span aria-live="polite" data-testid="progress-text">
                {progressLine(running, progress)}
              </span>
            </div>
          )}
          {notice && (
            <p className="note" aria-live="polite">
              {notice}
            </p>
          )}
          {errors.general && (
            <p className="error" role="alert" data-testid="error-general">
              {errors.general}
            </p>
          )}

          {results.length > 0 && (
            <>
              <h2>4. Export</h2>
              <label>
                Format{' '}
                <select
                  value={exportFormat}
                  onChange={(e) => setExportFormat(e.target.value as ExportFormat)}
                  data-testid="export-format"
                >
                  {EXPORT_FORMATS.map((f) => (
                    <option key={f} value={f}>
                      {f === 'mat' ? 'MATLAB .mat' : f === 'npy' ? 'NumPy .npy' : 'ENVI (.hdr + .img)'}
                    </option>
                  ))}
                </select>
              </label>
              <ul className="exports">
                {results.map((r) => (
                  <li key={r.id}>
                    <button
                      type="button"
                      className="button small"
                      onClick={() => exportResult(r)}
                      data-testid={`export-${r.id}`}
                    >
                      Save {r.label}
                    </button>
                  </li>
                ))}
              </ul>
            </>
          )}
        </section>

        <section className="panel views" aria-label="Views">
          {measurementPicture && (
            <figure>
              <figcaption>
                Measurement {measurement?.plane.shape.join(' x ')}{' '}
                <button
                  type="button"
                  className="button small"
                  onClick={() => savePng('measurement.png', measurementPicture)}
                >
                  PNG
                </button>
              </figcaption>
              <RasterCanvas image={measurementPicture} label="CASSI measurement" testId="measurement-view" />
            </figure>
          )}

          {shownCube && srgb && (
            <>
              <div className="row">
                <label>
                  Show{' '}
                  <select
                    value={shownCube.id}
                    onChange={(e) => setShown(e.target.value)}
                    data-testid="shown-cube"
                  >
                    {cubes.map((c) => (
                      <option key={c.id} value={c.id}>
                        {c.label}
                      </option>
                    ))}
                  </select>
                </label>
              </div>
              <div className="pair">
                <figure>
                  <figcaption>
                    sRGB (CIE 1931, D65) — click a pixel or drag a region{' '}
                    <button
                      type="button"
                      className="button small"
                      onClick={() => savePng(`${shownCube.label}-srgb.png`, srgb)}
                    >
                      PNG
                    </button>
                  </figcaption>
                  <RasterCanvas
                    image={srgb}
                    label={`${shownCube.label} in sRGB`}
                    testId="srgb-view"
                    mode="select"
                    selection={selection}
                    onSelect={setSelection}
                  />
                </figure>
                {bandPicture && (
                  <figure>
                    <figcaption>
                      Band {band + 1} / {shownCube.cube.shape[2]}
                      {wavelength !== undefined ? ` (${formatWavelength(wavelength)})` : ''}
                    </figcaption>
                    <RasterCanvas image={bandPicture} label={`band ${band + 1}`} testId="band-view" />
                    <input
                      type="range"
                      min={0}
                      max={shownCube.cube.shape[2] - 1}
                      value={band}
                      onChange={(e) => setBand(Number(e.target.value))}
                      aria-label="Band"
                      data-testid="band-slider"
                    />
                  </figure>
                )}
              </div>
              {spectrum && (
                <figure>
                  <figcaption>Spectrum</figcaption>
                  <Svg markup={spectrum.svg} label="spectrum plot" testId="spectrum-plot" />
                  {spectrum.correlations.length > 0 && (
                    <table className="table" data-testid="spectrum-correlation">
                      <thead>
                        <tr>
                          <th>Method</th>
                          <th>Correlation with ground truth</th>
                        </tr>
                      </thead>
                      <tbody>
                        {spectrum.correlations.map((c) => (
                          <tr key={c.label}>
                            <td>{c.label}</td>
                            <td>{Number.isFinite(c.r) ? c.r.toFixed(4) : 'n/a'}</td>
                          </tr>
                        ))}
                      </tbody>
                    </table>
                  )}
                </figure>
              )}
              {grid && (
                <figure>
                  <figcaption>
                    Band grid{' '}
                    <button
                      type="button"
                      className="button small"
                      onClick={() => savePng(`${shownCube.label}-bands.png`, grid)}
                    >
                      PNG
                    </button>
                  </figcaption>
                  <RasterCanvas image={grid} label={`${shownCube.label}: all bands`} testId="band-grid" />
                </figure>
              )}
            </>
          )}

          {results.length > 0 && (
            <figure>
              <figcaption>
                Results{' '}
                <span className="note" data-testid="metrics-preset">
                  {results.find((r) => r.metrics)?.metrics?.presetDescription}
                </span>
              </figcaption>
              <table className="table" data-testid="metric-table">
                <thead>
                  <tr>
                    <th>Method</th>
                    <th>Backend</th>
                    <th>Time (s)</th>
                    <th>PSNR (dB)</th>
                    <th>SSIM</th>
                    <th>SAM (°)</th>
                  </tr>
                </thead>
                <tbody>
                  {results.map((r) => (
                    <tr key={r.id} data-testid={`result-${r.id}`} data-seconds={r.seconds}>
                      <td>{r.label}</td>
                      <td>{r.backend}</td>
                      <td>{r.seconds.toFixed(2)}</td>
                      <td>{r.metrics ? mean(r.metrics.psnr).toFixed(2) : '—'}</td>
                      <td>{r.metrics ? mean(r.metrics.ssim).toFixed(4) : '—'}</td>
                      <td>{r.metrics ? r.metrics.sam.toFixed(2) : '—'}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </figure>
          )}
          {psnrSvg && <Svg markup={psnrSvg} label="PSNR per band" testId="psnr-chart" />}
          {ssimSvg && <Svg markup={ssimSvg} label="SSIM per band" testId="ssim-chart" />}
          {errorPicture && shownResult && (
            <figure>
              <figcaption>
                Error map of {shownResult.label}: mean |error| over bands, 0 to{' '}
                {errorPicture.maxError.toFixed(3)} (mean {errorPicture.meanError.toFixed(4)}){' '}
                <button
                  type="button"
                  className="button small"
                  onClick={() => savePng(`${shownResult.label}-error.png`, errorPicture.image)}
                >
                  PNG
                </button>
              </figcaption>
              <RasterCanvas image={errorPicture.image} label="error map" testId="error-map" />
            </figure>
          )}

          {cubes.length > 1 && (
            <figure>
              <figcaption>Compare (synchronised zoom: wheel, drag, + / − keys)</figcaption>
              <div className="row">
                {[0, 1].map((side) => (
                  <label key={side}>
                    {side === 0 ? 'Left' : 'Right'}{' '}
                    <select
                      value={compare[side]}
                      data-testid={`compare-${side}`}
                      onChange={(e) =>
                        setCompare((pair) =>
                          side === 0 ? [e.target.value, pair[1]] : [pair[0], e.target.value],
                        )
                      }
                    >
                      <option value="">—</option>
                      {cubes.map((c) => (
                        <option key={c.id} value={c.id}>
                          {c.label}
                        </option>
                      ))}
                    </select>
                  </label>
                ))}
                <button
                  type="button"
                  className="button small"
                  onClick={() => setZoom((v) => ({ ...v, scale: Math.min(16, v.scale * 1.5) }))}
                >
                  Zoom in
                </button>
                <button
                  type="button"
                  className="button small"
                  onClick={() => setZoom(NO_ZOOM)}
                  data-testid="zoom-reset"
                >
                  Reset zoom
                </button>
              </div>
              <div className="pair" data-testid="compare-view" data-zoom={zoom.scale.toFixed(3)}>
                {comparePictures.map((p, i) =>
                  p ? (
                    <div key={i === 0 ? 'left' : 'right'}>
                      <div className="caption">{p.label}</div>
                      <RasterCanvas
                        image={p.image}
                        label={`compare: ${p.label}`}
                        mode="pan"
                        view={zoom}
                        onViewChange={setZoom}
                        testId={`compare-canvas-${i}`}
                      />
                    </div>
                  ) : (
                    <div key={i === 0 ? 'left-empty' : 'right-empty'} className="note">
                      pick a cube
                    </div>
                  ),
                )}
              </div>
            </figure>
          )}
        </section>
      </main>
    </div>
  );
}
