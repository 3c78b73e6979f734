import * as tf from '@tensorflow/tfjs-core';

/** A trainable weight with a stable name (the checkpoint key). */
export interface NamedVariable {
  name: string;
  variable: tf.Variable;
}

/** Hyper-parameters of {@link AdamOptimizer} (the learning rate is passed to every step). */
export interface AdamOptions {
  beta1: number;
  beta2: number;
  epsilon: number;
}

/** Adam's complete state as plain arrays: restoring it continues the exact same trajectory. */
export interface AdamState {
  /** Number of steps taken (t in the bias corrections). */
  step: number;
  /** First moments m, by weight name. */
  firstMoments: Record<string, { shape: number[]; values: Float32Array }>;
  /** Second moments v, by weight name. */
  secondMoments: Record<string, { shape: number[]; values: Float32Array }>;
}

/**
 * Adam (Kingma & Ba 2015) in PyTorch's form, on tf.Variables, with state that can be read and restored
 * exactly (tf.train.adam keeps its slots in anonymous variables and its step count in a variable that
 * `getWeights()` reads back as float32, which drifts past 2^24 steps):
 *
 *   t += 1;  m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2
 *   p -= lr * (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)
 *
 * Bias corrections are computed in float64 on the host; the update runs on the backend in float32.
 */
export class AdamOptimizer {
  readonly options: AdamOptions;
  private readonly weights: NamedVariable[];
  private readonly first: tf.Variable[];
  private readonly second: tf.Variable[];
  private steps = 0;

  constructor(weights: readonly NamedVariable[], options: AdamOptions) {
    const { beta1, beta2, epsilon } = options;
    for (const [key, value] of Object.entries({ beta1, beta2 })) {
      if (!(value >= 0 && value < 1))
        throw new Error(`Adam ${key}: expected a number in [0, 1), got ${value}`);
    }
    if (!(epsilon > 0)) throw new Error(`Adam epsilon: expected a number > 0, got ${epsilon}`);
    const names = new Set<string>();
    for (const { name, variable } of weights) {
      if (names.has(name)) throw new Error(`Adam: duplicate weight name ${JSON.stringify(name)}`);
      names.add(name);
      if (variable.dtype !== 'float32') {
        throw new Error(`Adam: weight ${name} must be float32, got ${variable.dtype}`);
      }
    }
    this.options = { beta1, beta2, epsilon };
    this.weights = [...weights];
    // Inside tidy: tf.variable shares the initial tensor's data, and tidy frees the temporary itself.
    const slot = (variable: tf.Variable) => tf.tidy(() => tf.variable(tf.zerosLike(variable), false));
    this.first = this.weights.map(({ variable }) => slot(variable));
    this.second = this.weights.map(({ variable }) => slot(variable));
  }

  /** Steps taken so far. */
  get step(): number {
    return this.steps;
  }

  /**
   * Applies one update. `gradients[i]` belongs to the i-th weight given to the constructor (same shape);
   * a weight whose gradient is `undefined` (it did not take part in the loss, e.g. the mask-encoding head
   * under a plain L1 objective) is left alone, moments included, like PyTorch's `grad is None`. The
   * gradients are not disposed (the caller owns them).
   */
  applyGradients(gradients: readonly (tf.Tensor | undefined)[], learningRate: number): void {
    if (gradients.length !== this.weights.length) {
      throw new Error(`Adam: expected ${this.weights.length} gradients, got ${gradients.length}`);
    }
    if (!(learningRate >= 0) || !Number.isFinite(learningRate)) {
      throw new Error(`Adam: expected a finite learning rate >= 0, got ${learningRate}`);
    }
    const t = this.steps + 1;
    const { beta1, beta2, epsilon } = this.options;
    const correction1 = 1 - beta1 ** t;
    const correction2 = 1 - beta2 ** t;
    tf.tidy(() => {
      const b1 = tf.scalar(beta1);
      const b2 = tf.scalar(beta2);
      const oneMinusB1 = tf.scalar(1 - beta1);
      const oneMinusB2 = tf.scalar(1 - beta2);
      const inverseCorrection1 = tf.scalar(1 / correction1);
      const inverseCorrection2 = tf.scalar(1 / correction2);
      const eps = tf.scalar(epsilon);
      const lr = tf.scalar(learningRate);
      this.weights.forEach(({ name, variable }, i) => {
        const g = gradients[i];
        if (g === undefined) return;
        if (!tf.util.arraysEqual(g.shape, variable.shape)) {
          throw new Error(`Adam: gradient of ${name} has shape [${g?.shape}], expected [${variable.shape}]`);
        }
        const m = tf.add(tf.mul(b1, this.first[i]), tf.mul(oneMinusB1, g));
        const v = tf.add(tf.mul(b2, this.second[i]), tf.mul(oneMinusB2, tf.square(g)));
        const denominator = tf.add(tf.sqrt(tf.mul(v, inverseCorrection2)), eps);
        const update = tf.div(tf.mul(lr, tf.mul(m, inverseCorrection1)), denominator);
        this.first[i].assign(m);
        this.second[i].assign(v);
        variable.assign(tf.sub(variable, update));
      });
    });
    this.steps = t;
  }

  /** Reads the state back from the backend (one download per slot). */
  async getState(): Promise<AdamState> {
    const firstMoments: AdamState['firstMoments'] = {};
    const secondMoments: AdamState['secondMoments'] = {};
    for (let i = 0; i < this.weights.length; i++) {
      const { name } = this.weights[i];
      firstMoments[name] = {
        shape: [...this.first[i].shape],
        values: (await this.first[i].data()) as Float32Array,
      };
      secondMoments[name] = {
        shape: [...this.second[i].shape],
        values: (await this.second[i].data()) as Float32Array,
      };
    }
    return { step: this.steps, firstMoments, secondMoments };
  }

  /** Restores a state from {@link getState} (checks every name and shape first; changes nothing on error). */
  setState(state: AdamState): void {
    if (!Number.isSafeInteger(state.step) || state.step < 0) {
      throw new Error(`Adam state: step must be a non-negative integer, got ${state.step}`);
    }
    for (const [label, slots] of [
      ['first moments', state.firstMoments],
      ['second moments', state.secondMoments],
    ] as const) {
      const expected = this.weights.map((w) => w.name);
      const extra = Object.keys(slots).filter((name) => !expected.includes(name));
      if (extra.length > 0) throw new Error(`Adam state: ${label} for unknown weights: ${extra.join(', ')}`);
      for (const { name, variable } of this.weights) {
        const slot = slots[name];
        if (!slot) throw new Error(`Adam state: ${label} missing for weight ${name}`);
        if (!tf.util.arraysEqual(slot.shape, variable.shape) || slot.values.length !== variable.size) {
          throw new Error(
            `Adam state: ${label} of ${name} have shape [${slot.shape}] (${slot.values.length} values), expected [${variable.shape}]`,
          );
        }
      }
    }
    this.weights.forEach(({ name }, i) => {
      tf.tidy(() => {
        this.first[i].assign(tf.tensor(state.firstMoments[name].values, this.first[i].shape, 'float32'));
        this.second[i].assign(tf.tensor(state.secondMoments[name].values, this.second[i].shape, 'float32'));
      });
    });
    this.steps = state.step;
  }

  /** Frees the slot variables (not the weights). */
  dispose(): void {
    tf.dispose([...this.first, ...this.second]);
  }
}

/**
 * Scales gradients so that their global L2 norm is at most `maxNorm` (PyTorch's clip_grad_norm_:
 * factor min(1, maxNorm / (norm + 1e-6))). Returns new tensors and the norm before clipping; the inputs
 * are not disposed.
 */
export function clipByGlobalNorm(
  gradients: readonly (tf.Tensor | undefined)[],
  maxNorm: number,
): { gradients: (tf.Tensor | undefined)[]; norm: tf.Scalar } {
  return tf.tidy(() => {
    const squares = gradients.filter((g) => g !== undefined).map((g) => tf.sum(tf.square(g)));
    const norm = tf.sqrt(squares.length > 0 ? tf.addN(squares) : tf.scalar(0)) as tf.Scalar;
    const factor = tf.minimum(tf.scalar(1), tf.div(tf.scalar(maxNorm), tf.add(norm, tf.scalar(1e-6))));
    return { gradients: gradients.map((g) => (g === undefined ? undefined : tf.mul(g, factor))), norm };
  });
}
