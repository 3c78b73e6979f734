import { backendBuffers, describeBackends, expectNoLeaks, uniformArray } from '@s2cassi/testing';
import * as tf from '@tensorflow/tfjs-core';
import { afterEach, beforeAll, expect, it } from 'vitest';
import { installEagerBackprop, setEagerBackprop } from './eager-backprop';
import { registerGradients } from './register-gradients';
import { registerWasmKernels } from './wasm/register-wasm-kernels';

/**
 * A graph with what backpropagation must get right: a tensor read by several ops (gradients accumulate), a
 * multi-output op (split), broadcasting, a custom gradient that hands one dy object to two inputs, and
 * a variable. Returns the loss.
 */
function graph(x: tf.Tensor2D, w: tf.Variable): tf.Scalar {
  const passThrough = tf.customGrad((a, b, save) => {
    (save as tf.GradSaveFunc)([]);
    return {
      value: tf.add(a as tf.Tensor, b as tf.Tensor),
      gradFunc: (dy) => [dy as tf.Tensor, dy as tf.Tensor],
    };
  });
  const h = tf.tanh(tf.matMul(x, w)); // [4, 6]
  const [left, right] = tf.split(h, [2, 4], 1);
  const mixed = tf.mul(tf.sum(left, 1, true), right); // broadcast [4, 1] x [4, 4]
  const both = passThrough(mixed, tf.square(right)) as tf.Tensor;
  return tf.sum(tf.add(tf.mul(both, tf.slice(h, [0, 2], [4, 4])), tf.sum(tf.sin(x)))) as tf.Scalar;
}

const read = (t: tf.Tensor) => Array.from(t.dataSync());

describeBackends('eager backpropagation', () => {
  beforeAll(() => {
    registerGradients();
    registerWasmKernels();
    installEagerBackprop();
  });
  afterEach(() => {
    setEagerBackprop(true);
  });

  it("gives tfjs's own gradients to the bit (accumulation, split, broadcast, custom gradient, variable)", async () => {
    const x = tf.tensor2d(uniformArray(4 * 5, 1, -1, 1), [4, 5]);
    const w = tf.variable(tf.tensor2d(uniformArray(5 * 6, 2, -1, 1), [5, 6]), true, 'eager_backprop_w');
    const run = () =>
      expectNoLeaks(() => {
        const { value, grads } = tf.variableGrads(() => graph(x, w), [w]);
        const g = tf.grad((input: tf.Tensor) => graph(input as tf.Tensor2D, w))(x);
        const out = { loss: read(value), dw: read(grads[w.name]), dx: read(g) };
        value.dispose();
        grads[w.name].dispose();
        g.dispose();
        return out;
      });
    setEagerBackprop(false);
    const theirs = await run();
    setEagerBackprop(true);
    const ours = await run();
    expect(ours).toEqual(theirs);
    expect(ours.dw.every(Number.isFinite)).toBe(true);
    x.dispose();
    w.dispose();
  });

  it('matches a closed form: d/dx sum(x sin x + x^2) = sin x + x cos x + 2x', async () => {
    const values = uniformArray(37, 3, -3, 3);
    const x = tf.tensor1d(values);
    const g = await expectNoLeaks(() => {
      const dx = tf.grad((v: tf.Tensor) => tf.sum(tf.add(tf.mul(v, tf.sin(v)), tf.square(v))))(x);
      const out = read(dx);
      dx.dispose();
      return out;
    });
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      expect(g[i]).toBeCloseTo(Math.sin(v) + v * Math.cos(v) + 2 * v, 4);
    }
    x.dispose();
  });

  it('second derivatives (a gradient of a gradient) still work: d2/dx2 x^3 = 6x', async () => {
    const values = uniformArray(9, 4, -2, 2);
    const x = tf.tensor1d(values);
    const g2 = await expectNoLeaks(() => {
      const second = tf.grad((v: tf.Tensor) => tf.grad((u: tf.Tensor) => tf.sum(tf.pow(u, 3)))(v))(x);
      const out = read(second);
      second.dispose();
      return out;
    });
    for (let i = 0; i < values.length; i++) expect(g2[i]).toBeCloseTo(6 * values[i], 3);
    x.dispose();
  });

  it("does not dispose a caller's dy, and leaves no tensors or backend buffers behind", async () => {
    const x = tf.tensor1d([1, 2, 3]);
    const dy = tf.tensor1d([0.5, -1, 2]);
    const buffers = backendBuffers();
    const dx = await expectNoLeaks(() => {
      const g = tf.grad((v: tf.Tensor) => tf.mul(v, v))(x, dy);
      const out = read(g);
      g.dispose();
      return out;
    });
    expect(backendBuffers()).toBe(buffers);
    expect(dy.isDisposed).toBe(false);
    expect(dx).toEqual([1, -4, 12]); // 2 x dy
    x.dispose();
    dy.dispose();
  });

  it('a gradient computed inside a gradient function (gradient checkpointing) gives the same values', async () => {
    const w = tf.variable(
      tf.tensor2d(uniformArray(6 * 6, 5, -0.5, 0.5), [6, 6]),
      true,
      'eager_backprop_ckpt',
    );
    const x = tf.tensor2d(uniformArray(3 * 6, 6, -1, 1), [3, 6]);
    const block = (v: tf.Tensor) => tf.tanh(tf.matMul(v, w));
    // Recompute `block` in the backward pass under its own tape, as @s2cassi/s2-attn's checkpoint does.
    const checkpointed = tf.customGrad((input, save) => {
      (save as tf.GradSaveFunc)([input as tf.Tensor]);
      return {
        value: tf.tidy(() => block(input as tf.Tensor)),
        gradFunc: (dy, saved) => {
          const state = (tf.engine() as unknown as { state: { activeTape: unknown } }).state;
          const outer = state.activeTape;
          try {
            const local = tf.variable(saved[0], true, `eager_backprop_local_${Math.random()}`);
            const { value, grads } = tf.variableGrads(
              () => tf.sum(tf.mul(block(local), dy as tf.Tensor)) as tf.Scalar,
              [local],
            );
            value.dispose();
            const dx = grads[local.name];
            local.dispose();
            return [dx];
          } finally {
            state.activeTape = outer;
          }
        },
      };
    });
    const run = (useCheckpoint: boolean) =>
      expectNoLeaks(() => {
        const g = tf.grad((v: tf.Tensor) => {
          const first = useCheckpoint ? (checkpointed(v) as tf.Tensor) : block(v);
          return tf.sum(tf.square(block(first)));
        })(x);
        const out = read(g);
        g.dispose();
        return out;
      });
    const plain = await run(false);
    const recomputed = await run(true);
    for (let i = 0; i < plain.length; i++) expect(recomputed[i]).toBeCloseTo(plain[i], 5);
    w.dispose();
    x.dispose();
  });

  it("frees saved tensors and gradients as it goes: far fewer live buffers late in the backward pass than tfjs's own", async () => {
    const x = tf.tensor2d(uniformArray(256 * 64, 7, -1, 1), [256, 64]);
    let liveAtProbe = 0;
    // An identity whose gradient counts the backend's live data buffers: it is the first op of the chain, so its
    // gradient runs last, when tfjs's own backpropagation still holds the whole tape and every gradient.
    const probe = tf.customGrad((v, save) => {
      (save as tf.GradSaveFunc)([]);
      return {
        value: tf.mul(v as tf.Tensor, 1),
        gradFunc: (dy) => {
          liveAtProbe = backendBuffers();
          return tf.mul(dy as tf.Tensor, 1);
        },
      };
    });
    const chain = (v: tf.Tensor) => {
      let h = probe(v) as tf.Tensor;
      for (let i = 0; i < 12; i++) h = tf.tanh(tf.mul(h, 1.01));
      return tf.sum(h);
    };
    const live = async () => {
      const before = backendBuffers();
      const gradient = await expectNoLeaks(() => {
        const g = tf.grad(chain)(x);
        const out = read(g);
        g.dispose();
        return out;
      });
      expect(backendBuffers()).toBe(before);
      return { extra: liveAtProbe - before, gradient };
    };
    setEagerBackprop(false);
    const theirs = await live();
    setEagerBackprop(true);
    const ours = await live();
    expect(ours.gradient).toEqual(theirs.gradient);
    // tfjs: 12 Mul and 12 Tanh outputs saved, and the 25 gradients computed so far; ours: the gradient in flight.
    expect(theirs.extra).toBeGreaterThanOrEqual(40);
    expect(ours.extra).toBeLessThanOrEqual(4);
    x.dispose();
  });
});
