import * as tf from '@tensorflow/tfjs-core';

let nextId = 0;

/** Whether a gradient tape is recording (tf.grad / variableGrads in progress, outside any kernel). */
function tapeRecording(): boolean {
  const state = (tf.engine() as unknown as { state?: { gradientDepth?: number; kernelDepth?: number } })
    .state;
  if (state?.gradientDepth === undefined) return true;
  return state.gradientDepth > 0 && (state.kernelDepth ?? 0) === 0;
}

/**
 * Gradient checkpointing (recomputation) for one function of one tensor: `checkpoint(fn, x, variables)`
 * returns `fn(x)`, but a gradient tape keeps only `x` for it instead of every intermediate `fn` makes; the
 * backward pass runs `fn(x)` again under its own tape and backpropagates through that. Peak training
 * memory drops from the sum of all blocks' intermediates to one block's intermediates plus each block's
 * input, for about one extra forward pass of compute.
 *
 * `variables` must list every trainable variable `fn` reads (their gradients flow only through this list);
 * `fn` must be deterministic (no dropout) and must not dispose `x`. Outside a gradient tape it is just
 * `fn(x)`.
 *
 * How: `tf.customGrad`, whose forward function runs with the tape off (tfjs records no nested kernels),
 * and whose gradient function recomputes with `tf.variableGrads` of `sum(fn(x') * dy)` over a temporary
 * variable x' = x and `variables`.
 */
export function checkpoint<T extends tf.Tensor>(fn: (x: T) => T, x: T, variables: tf.Variable[]): T {
  const trainable = variables.filter((v) => v.trainable);
  if (!tapeRecording()) return fn(x);
  const run = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const input = args[0] as T;
    const save = args[args.length - 1] as tf.GradSaveFunc;
    const value = fn(input);
    save([input]);
    return {
      value,
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const upstream = Array.isArray(dy) ? dy[0] : dy;
        const local = tf.variable(saved[0], true, `s2cassi_checkpoint_${nextId++}`);
        // A gradient computed inside another one's backward pass: tfjs 4.22 (gradientDepth 0 during the
        // outer backward) gives the inner computation a fresh tape and, when it ends, sets the engine's
        // active tape to null, which the outer computation still needs for its final clean-up.
        const state = (tf.engine() as unknown as { state: { activeTape: unknown } }).state;
        const outerTape = state.activeTape;
        try {
          const { value: total, grads } = tf.variableGrads(
            () => tf.sum(tf.mul(fn(local as unknown as T), upstream)) as tf.Scalar,
            [local, ...trainable],
          );
          total.dispose();
          const dx = grads[local.name] ?? tf.zerosLike(saved[0]);
          const rest = trainable.map((v) => grads[v.name] ?? tf.zerosLike(v));
          return [dx, ...rest];
        } finally {
          state.activeTape = outerTape;
          local.dispose();
        }
      },
    };
  });
  return run(x, ...trainable) as T;
}
