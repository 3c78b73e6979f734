// No tfjs here: a web page's main thread reads these without loading tfjs.

/** Options of {@link simulate}. */
export interface SimulateOptions {
  /** Dispersion d in pixels per band. Default 2 (the standard CASSI simulation). */
  shiftStep?: number;
  /** Gaussian noise sigma in measurement units; 0 (default) adds none. */
  noiseSigma?: number;
  /** Seed of the noise. Default 0. */
  seed?: number;
}

/** The simulation settings both apps start from. */
export const SIMULATION_DEFAULTS: Readonly<Required<SimulateOptions>> = Object.freeze({
  shiftStep: 2,
  noiseSigma: 0,
  seed: 0,
});
