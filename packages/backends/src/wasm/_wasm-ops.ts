import * as tf from '@tensorflow/tfjs-core';

type Info = tf.TensorInfo;
type WasmBackendLike = tf.KernelBackend & {
  disposeData(dataId: object, force?: boolean): boolean;
};

/**
 * Kernel-level building blocks for composing new wasm kernels out of kernels wasm already has. Runs
 * registered wasm kernel functions directly (no engine, no tape, no Tensor objects) and frees every
 * intermediate it made when `dispose` is called; the kernel returns only its final TensorInfo.
 */
export class WasmOps {
  private readonly made: Info[] = [];

  constructor(readonly backend: tf.KernelBackend) {}

  run(kernelName: string, inputs: Record<string, Info>, attrs: Record<string, unknown> = {}): Info {
    const kernel = tf.getKernel(kernelName, 'wasm');
    if (kernel == null) throw new Error(`wasm kernel '${kernelName}' is not registered`);
    const out = kernel.kernelFunc({
      inputs: inputs as tf.NamedTensorInfoMap,
      attrs: attrs as tf.NamedAttrMap,
      backend: this.backend,
    }) as Info;
    this.made.push(out);
    return out;
  }

  transpose(x: Info, perm: number[]): Info {
    return this.run(tf.Transpose, { x }, { perm });
  }

  reshape(x: Info, shape: number[]): Info {
    return this.run(tf.Reshape, { x }, { shape });
  }

  reverse(x: Info, dims: number[]): Info {
    return this.run(tf.Reverse, { x }, { dims });
  }

  sum(x: Info, axis: number[]): Info {
    return this.run(tf.Sum, { x }, { axis, keepDims: false });
  }

  slice(x: Info, begin: number[], size: number[]): Info {
    return this.run(tf.Slice, { x }, { begin, size });
  }

  pad(x: Info, paddings: Array<[number, number]>): Info {
    return this.run(tf.PadV2, { x }, { paddings, constantValue: 0 });
  }

  /**
   * Pads (positive) or crops (negative) the two spatial axes of an NHWC tensor so that later convs run
   * with 'valid' padding.
   */
  padOrCrop(x: Info, top: number, bottom: number, left: number, right: number): Info {
    let out = x;
    if (top < 0 || bottom < 0 || left < 0 || right < 0) {
      const cropTop = Math.max(0, -top);
      const cropLeft = Math.max(0, -left);
      const height = x.shape[1] - cropTop - Math.max(0, -bottom);
      const width = x.shape[2] - cropLeft - Math.max(0, -right);
      out = this.slice(out, [0, cropTop, cropLeft, 0], [x.shape[0], height, width, x.shape[3]]);
    }
    if (top > 0 || bottom > 0 || left > 0 || right > 0) {
      out = this.pad(out, [
        [0, 0],
        [Math.max(0, top), Math.max(0, bottom)],
        [Math.max(0, left), Math.max(0, right)],
        [0, 0],
      ]);
    }
    return out;
  }

  /**
   * Inserts stride - 1 zeros after every row and column of an NHWC tensor (the "dilation" of dy that a
   * transposed strided convolution needs): [b, h, w, c] -> [b, h * sh, w * sw, c].
   */
  dilate(x: Info, strideHeight: number, strideWidth: number): Info {
    if (strideHeight === 1 && strideWidth === 1) return x;
    const [b, h, w, c] = x.shape;
    const expanded = this.reshape(x, [b, h, 1, w, 1, c]);
    const padded = this.pad(expanded, [
      [0, 0],
      [0, 0],
      [0, strideHeight - 1],
      [0, 0],
      [0, strideWidth - 1],
      [0, 0],
    ]);
    return this.reshape(padded, [b, h * strideHeight, w * strideWidth, c]);
  }

  /** Frees every intermediate except `keep` (the kernel's output). */
  dispose(keep: Info): void {
    const backend = this.backend as WasmBackendLike;
    for (const info of this.made) {
      if (info !== keep) backend.disposeData(info.dataId);
    }
    this.made.length = 0;
  }
}
