import * as tf from '@tensorflow/tfjs-core';
import { slice } from './slice';

type Info = tf.TensorInfo;
type KernelArgs = Parameters<tf.KernelFunc>[0];

/**
 * SplitV on wasm, replacing tfjs-backend-wasm 4.22's (which calls its slow JavaScript slice directly): one Slice
 * (./slice.ts, so run by run where the runs are long enough) per part.
 */
function splitV(args: KernelArgs): Info[] {
  const { x } = args.inputs as { x: Info };
  const { numOrSizeSplits, axis } = args.attrs as unknown as {
    numOrSizeSplits: number | number[];
    axis: number;
  };
  const $axis = tf.util.parseAxisParam(axis, x.shape)[0];
  const sizes = tf.backend_util.prepareSplitSize(x as unknown as tf.Tensor, numOrSizeSplits, $axis);
  const begin = new Array<number>(x.shape.length).fill(0);
  const size = [...x.shape];
  return sizes.map((part) => {
    size[$axis] = part;
    const out = slice({ ...args, inputs: { x }, attrs: { begin: [...begin], size: [...size] } });
    begin[$axis] += part;
    return out;
  });
}

export const splitVKernel: tf.KernelConfig = {
  kernelName: tf.SplitV,
  backendName: 'wasm',
  kernelFunc: splitV as unknown as tf.KernelFunc,
};
