// No imports: the defaults can be read (by a web page's main thread, say) without loading tfjs.

/**
 * The GAP-TV settings every s2cassi front end starts from (the `s2cassi` commands, the web app, the
 * `@s2cassi/pipeline` defaults) and {@link reconstructGapTv}'s own defaults: one set, defined here.
 * On the bundled demo scene (CAVE, 256 x 256 x 28, standard mask, no noise) they give 28.22 dB / SSIM 0.869 /
 * SAM 18.4 degrees (MATLAB preset); `tvWeightScale: 1` gives 28.17 dB / 0.775 / 27.8 degrees there.
 */
export const GAP_TV_DEFAULTS: Readonly<{
  /** GAP iterations. */
  iterations: number;
  /** TV weight theta, relative to `tvWeightScale` (tuned on 0..1 CAVE crops with the standard mask). */
  tvWeight: number;
  /** What `tvWeight` is relative to: `'auto'`, the cube scale estimated from the measurement. */
  tvWeightScale: number | 'auto';
}> = Object.freeze({ iterations: 100, tvWeight: 0.5, tvWeightScale: 'auto' });
