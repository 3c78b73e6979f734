import * as tf from '@tensorflow/tfjs-core';
import { loadAllGradients } from '#platform';
import { installEagerBackprop } from './eager-backprop';
import { mirrorPadGradConfig } from './mirror-pad-gradient';

let registered = false;

/**
 * Registers every tfjs-core gradient config (so `tf.grad`, `tf.variableGrads` and optimizers work),
 * plus this package's corrections (the MirrorPad gradient), and installs the eager backpropagation
 * ({@link installEagerBackprop}: the same gradients, a lower peak). Idempotent; synchronous.
 *
 * Works in plain Node ESM, in vitest and in browser bundles with one tfjs engine: the package's
 * `#platform` internal import resolves to a Node implementation (loads the gradient configs from the
 * `@tensorflow/tfjs` CommonJS bundle) under the `node` condition and to a browser implementation
 * (imports tfjs-core's ESM `dist/register_all_gradients`) otherwise. Both write into tfjs-core's global
 * gradient registry. See README.md, "How gradients are registered".
 */
export function registerGradients(): void {
  if (registered && tf.getGradient(tf.Sum) != null) return;
  loadAllGradients();
  if (tf.getGradient(tf.Sum) == null) {
    throw new Error(
      'registerGradients: tfjs gradient configs did not register: expected a gradient for Sum after ' +
        'loading them. Check that @tensorflow/tfjs and @tensorflow/tfjs-core resolve to the same 4.22 version.',
    );
  }
  tf.registerGradient(mirrorPadGradConfig);
  installEagerBackprop();
  registered = true;
}

/** Whether gradient configs are present in the registry (registered by this package or elsewhere). */
export function gradientsRegistered(): boolean {
  return tf.getGradient(tf.Sum) != null;
}
