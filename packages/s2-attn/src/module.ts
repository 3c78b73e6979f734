import * as tf from '@tensorflow/tfjs-core';
import { S2AttnInputError } from './_validate';

let nextModuleId = 0;

/** A named weight of a module tree: `name` is the hierarchical, PyTorch-state_dict-like path. */
export interface NamedWeight {
  name: string;
  variable: tf.Variable;
}

/**
 * Base class of this package's layers: a tiny module system on tfjs-core (no tfjs-layers).
 *
 * A module owns `tf.Variable`s under local names (`weight`, `bias`, ...) and child modules under local
 * names (`qkv`, `blocks.3`, ...). {@link Module.namedWeights} lists every variable of the tree under its
 * hierarchical name, e.g. `stages.0.blocks.3.units.1.msa.qkv.weight`; these are the tensor names of the
 * safetensors weight files. The tfjs variable names are made unique per module instance (tfjs requires
 * globally unique variable names), so two models can live side by side.
 *
 * Modules are `tf.serialization.Serializable`: `getConfig()` returns the plain-JSON config that rebuilds
 * the module (weights excepted), and the package registers its classes under `s2cassi.<ClassName>`.
 */
export abstract class Module extends tf.serialization.Serializable {
  private readonly parameterMap = new Map<string, tf.Variable>();
  private readonly childMap = new Map<string, Module>();
  private readonly moduleId = nextModuleId++;
  private disposed = false;

  /** Creates a variable from `values` (copied) and registers it under `localName`. */
  protected addParameter(
    localName: string,
    shape: number[],
    values: Float32Array,
    trainable = true,
  ): tf.Variable {
    if (this.parameterMap.has(localName) || this.childMap.has(localName)) {
      throw new S2AttnInputError(`${this.getClassName()}: duplicate member name '${localName}'`);
    }
    const variable = tf.tidy(() =>
      tf.variable(tf.tensor(values, shape, 'float32'), trainable, `s2cassi_${this.moduleId}/${localName}`),
    );
    this.parameterMap.set(localName, variable);
    return variable;
  }

  /** Registers `child` under `localName` and returns it. */
  protected addChild<M extends Module>(localName: string, child: M): M {
    if (this.parameterMap.has(localName) || this.childMap.has(localName)) {
      throw new S2AttnInputError(`${this.getClassName()}: duplicate member name '${localName}'`);
    }
    this.childMap.set(localName, child);
    return child;
  }

  /** Every variable of this module and its children, depth first, in registration order. */
  namedWeights(prefix = ''): NamedWeight[] {
    const out: NamedWeight[] = [];
    for (const [name, variable] of this.parameterMap) out.push({ name: prefix + name, variable });
    for (const [name, child] of this.childMap) out.push(...child.namedWeights(`${prefix}${name}.`));
    return out;
  }

  /** The trainable variables (all of them: this package has no frozen parameters). */
  trainableVariables(): tf.Variable[] {
    return this.namedWeights()
      .map((w) => w.variable)
      .filter((v) => v.trainable);
  }

  /** Number of scalar parameters in this module tree. */
  parameterCount(): number {
    return this.namedWeights().reduce((sum, w) => sum + w.variable.size, 0);
  }

  /** Disposes every variable of the tree. The module cannot be used afterwards. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const variable of this.parameterMap.values()) variable.dispose();
    for (const child of this.childMap.values()) child.dispose();
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  protected assertLive(): void {
    if (this.disposed) throw new S2AttnInputError(`${this.getClassName()}: the module was disposed`);
  }
}
