import { gapTvSettings, SIMULATION_DEFAULTS } from '@s2cassi/pipeline';

/**
 * What the page's simulate and reconstruct fields start from: @s2cassi/pipeline's defaults, which are the
 * command line's too (`SIMULATION_DEFAULTS`, cassi-sim's `GAP_TV_DEFAULTS`). tfjs-free, so the page's
 * main thread can read it without loading tfjs.
 */
export const INITIAL_SETTINGS = Object.freeze({ ...SIMULATION_DEFAULTS, ...gapTvSettings() });
