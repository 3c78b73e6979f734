import * as tf from '@tensorflow/tfjs-core';

/**
 * Backpropagation that frees memory as it goes. tfjs-core 4.22's `engine.gradients` walks the tape backward
 * and keeps, until the very end, (a) every tensor a kernel saved for its gradient (the whole tape) and (b) the
 * gradient of every intermediate tensor, although each is read exactly once: a node's saved tensors and the
 * gradients of its outputs are needed only while that node's gradient runs. A training step's peak therefore
 * came at the end of the backward pass, at about the tape plus the gradients of everything on it (2-3x the
 * tape). This replaces `gradients` on tfjs's engine with the same algorithm (same nodes in the same order, the
 * same gradient functions, the same accumulation with `tf.add`, so the same values to the bit) that disposes a
 * node's saved tensors and its outputs' gradients as soon as the node is done. The peak moves to the end of
 * the forward pass (the tape) plus the gradients in flight.
 *
 * What it relies on (tfjs-core 4.22.0, pinned): the engine singleton (`tf.engine()`) with `scopedRun`,
 * `startTape`, `endTape`, `tidy` and `state.{activeTape, gradientDepth}`; tape nodes `{ id, inputs, outputs,
 * saved, gradient }` whose `saved` tensors are private clones (the engine clones what a kernel saves). Saved
 * tensors are released early only where tfjs itself would release them at the end (gradient depth 0, i.e. not
 * inside a higher-order gradient); gradients of `xs` and a caller's `dy` are never released.
 */

interface TapeNode {
  id: number;
  kernelName: string;
  inputs: Record<string, tf.Tensor>;
  outputs: tf.Tensor[];
  saved?: tf.Tensor[];
  gradient?: (dys: Array<tf.Tensor | null>) => Record<string, () => tf.Tensor>;
}

interface EngineInternals {
  state: { activeTape: TapeNode[] | null; gradientDepth: number };
  scopedRun<R>(start: () => void, end: () => void, f: () => R): R;
  startTape(): void;
  endTape(): void;
  tidy<T extends tf.TensorContainer>(nameOrFn: string | (() => T), fn?: () => T): T;
  gradients: GradientsFn;
}

type GradientsFn = (
  f: () => tf.Tensor,
  xs: tf.Tensor[],
  dy?: tf.Tensor,
  allowNoGradients?: boolean,
) => { value: tf.Tensor; grads: tf.Tensor[] };

let original: GradientsFn | undefined;
let enabled = true;
/** Engines ours is installed on (once each: a wrapper someone puts around it later, e.g. a profiler, stays). */
const installed = new WeakSet<object>();

/**
 * The nodes of `tape` on a path from one of `xs` to `y`, in tape order, each a shallow copy whose inputs are
 * only those that depend on some x (what tfjs's own filtering returns).
 */
function nodesFromXsToY(tape: TapeNode[], xs: tf.Tensor[], y: tf.Tensor): TapeNode[] {
  const dependsOnX = new Set<number>(xs.map((x) => x.id));
  const fromX = new Set<number>();
  for (const node of tape) {
    if (Object.values(node.inputs).some((input) => dependsOnX.has(input.id))) {
      fromX.add(node.id);
      for (const output of node.outputs) dependsOnX.add(output.id);
    }
  }
  const leadsToY = new Set<number>([y.id]);
  const toY = new Set<number>();
  for (let i = tape.length - 1; i >= 0; i--) {
    const node = tape[i];
    if (node.outputs.some((output) => leadsToY.has(output.id))) {
      const inputs = Object.values(node.inputs);
      for (const input of inputs) leadsToY.add(input.id);
      if (inputs.length > 0) toY.add(node.id);
    }
  }
  const filtered: TapeNode[] = [];
  for (const node of tape) {
    if (!fromX.has(node.id) || !toY.has(node.id)) continue;
    const inputs: Record<string, tf.Tensor> = {};
    for (const [name, input] of Object.entries(node.inputs))
      if (dependsOnX.has(input.id)) inputs[name] = input;
    filtered.push({ ...node, inputs, outputs: node.outputs });
  }
  return filtered;
}

function eagerGradients(
  this: EngineInternals,
  f: () => tf.Tensor,
  xs: tf.Tensor[],
  dy?: tf.Tensor,
  allowNoGradients = false,
): { value: tf.Tensor; grads: tf.Tensor[] } {
  if (!enabled) return (original as GradientsFn).call(this, f, xs, dy, allowNoGradients);
  if (xs.length === 0) throw new Error('gradients() received an empty list of xs.');
  if (dy != null && dy.dtype !== 'float32')
    throw new Error(`dy must have 'float32' dtype, but has '${dy.dtype}'`);
  const y = this.scopedRun(
    () => this.startTape(),
    () => this.endTape(),
    () => this.tidy('forward', f),
  );
  if (!(y instanceof tf.Tensor)) throw new Error('The result y returned by f() must be a tensor.');
  const tape = this.state.activeTape as TapeNode[];
  const filtered = nodesFromXsToY(tape, xs, y);
  if (!allowNoGradients && filtered.length === 0) {
    throw new Error(
      'Cannot compute gradient of y=f(x) with respect to x. Make sure that the f you passed encloses all ' +
        'operations that lead from x to y.',
    );
  }
  // Saved tensors may go early only where tfjs releases them at the end anyway (not in a higher-order gradient).
  const releaseSaved = this.state.gradientDepth === 0;
  return this.tidy('backward', () => {
    const grads = new Map<number, tf.Tensor>();
    // How many entries of `grads` hold each tensor object (a gradient function may hand one object to two inputs).
    const holders = new Map<tf.Tensor, number>();
    const hold = (id: number, t: tf.Tensor) => {
      grads.set(id, t);
      holders.set(t, (holders.get(t) ?? 0) + 1);
    };
    const unhold = (id: number): tf.Tensor | undefined => {
      const t = grads.get(id);
      if (t === undefined) return undefined;
      grads.delete(id);
      const n = (holders.get(t) ?? 1) - 1;
      if (n > 0) {
        holders.set(t, n);
        return undefined;
      }
      holders.delete(t);
      return t;
    };
    const keepIds = new Set(xs.map((x) => x.id));
    hold(y.id, dy ?? tf.ones(y.shape));
    for (let i = filtered.length - 1; i >= 0; i--) {
      const node = filtered[i];
      const dys = node.outputs.map((output) => grads.get(output.id) ?? null);
      if (node.gradient == null) {
        throw new Error(`Cannot compute gradient: gradient function not found for ${node.kernelName}.`);
      }
      const inputGradients = node.gradient(dys);
      for (const [name, x] of Object.entries(node.inputs)) {
        if (!(name in inputGradients)) {
          throw new Error(
            `Cannot backprop through input ${name}. Available gradients found: ${Object.keys(inputGradients)}.`,
          );
        }
        const dx = this.tidy(() => inputGradients[name]());
        if (dx.dtype !== 'float32') {
          throw new Error(
            `Error in gradient for op ${node.kernelName}. The gradient of input ${name} must have 'float32' ` +
              `dtype, but has '${dx.dtype}'`,
          );
        }
        if (!tf.util.arraysEqual(dx.shape, x.shape)) {
          throw new Error(
            `Error in gradient for op ${node.kernelName}. The gradient of input '${name}' has shape ` +
              `'${dx.shape}', which does not match the shape of the input '${x.shape}'`,
          );
        }
        const current = grads.get(x.id);
        if (current === undefined) {
          hold(x.id, dx);
        } else {
          const sum = tf.add(current, dx);
          const released = unhold(x.id);
          if (released !== undefined && released !== dy) released.dispose();
          hold(x.id, sum);
        }
      }
      // This node was the only reader of its outputs' gradients and of its saved tensors.
      for (const output of node.outputs) {
        if (keepIds.has(output.id)) continue;
        const released = unhold(output.id);
        if (released !== undefined && released !== dy) released.dispose();
      }
      if (releaseSaved) for (const t of node.saved ?? []) if (!holders.has(t)) t.dispose();
    }
    const result = xs.map((x) => grads.get(x.id) as tf.Tensor);
    if (this.state.gradientDepth === 0) {
      for (const node of tape) for (const t of node.saved ?? []) t.dispose();
      this.state.activeTape = null;
    }
    return { value: y, grads: result };
  });
}

/**
 * Installs the eager backpropagation on tfjs's engine (idempotent). {@link registerGradients} calls it; values
 * and gradients are the same as tfjs's own to the bit, only the peak memory of a gradient computation drops.
 */
export function installEagerBackprop(): void {
  const engine = tf.engine() as unknown as EngineInternals;
  if (installed.has(engine)) return;
  if (
    typeof engine.gradients !== 'function' ||
    engine.state === undefined ||
    typeof engine.startTape !== 'function'
  ) {
    throw new Error(
      'installEagerBackprop: tfjs-core internals differ from 4.22.0 (expected engine.gradients, state, startTape); ' +
        'check the @tensorflow/tfjs-core version',
    );
  }
  original = engine.gradients;
  engine.gradients = eagerGradients as unknown as GradientsFn;
  installed.add(engine);
}

/**
 * @internal For comparisons and tests: turns the eager release off (tfjs's own backpropagation, which keeps
 * everything to the end) or back on; returns the previous setting.
 */
export function setEagerBackprop(on: boolean): boolean {
  const previous = enabled;
  enabled = on;
  return previous;
}
