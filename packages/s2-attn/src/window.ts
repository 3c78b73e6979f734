import * as tf from '@tensorflow/tfjs-core';
import {
  describeShape,
  expectNonNegativeInteger,
  expectPositiveInteger,
  S2AttnInputError,
} from './_validate';
import { linearMap } from './lean-gradients';

function expectFeatureMap(x: tf.Tensor, what: string): [number, number, number, number] {
  if (!(x instanceof tf.Tensor) || x.rank !== 4) {
    throw new S2AttnInputError(
      `${what}: expected a tensor [batch, height, width, channels], got ${x instanceof tf.Tensor ? `shape ${describeShape(x.shape)}` : typeof x}`,
    );
  }
  return x.shape as [number, number, number, number];
}

/**
 * Swin's `window_partition`: [batch, H, W, C] -> [batch * (H/M) * (W/M), M*M, C]. Windows are ordered
 * (batch, window row, window column); the M*M tokens of a window are row-major. H and W must be
 * multiples of M.
 */
export function windowPartition(x: tf.Tensor, windowSize: number): tf.Tensor3D {
  const [batch, height, width] = expectFeatureMap(x, 'windowPartition');
  const m = expectPositiveInteger(windowSize, 'windowPartition windowSize');
  if (height % m !== 0 || width % m !== 0) {
    throw new S2AttnInputError(
      `windowPartition: expected height and width that are multiples of the window size ${m}, got shape ${describeShape(x.shape)}`,
    );
  }
  // a permutation: its gradient is the inverse permutation of dy (the tape keeps nothing)
  return tf.tidy(
    () =>
      linearMap(
        x,
        (input) => partition(input, m),
        (dy) => reverse(dy, m, batch, height, width),
      ) as tf.Tensor3D,
  );
}

/** [B*(H/M), M, W/M, M*C] -> swap the two middle axes -> [B*(H/M), W/M, M, M*C] -> windows. */
function partition(x: tf.Tensor, m: number): tf.Tensor {
  const [batch, height, width, channels] = x.shape;
  return tf.tidy(() => {
    const grouped = tf.reshape(x, [batch * (height / m), m, width / m, m * channels]);
    const swapped = tf.transpose(grouped, [0, 2, 1, 3]);
    return tf.reshape(swapped, [batch * (height / m) * (width / m), m * m, channels]);
  });
}

function reverse(windows: tf.Tensor, m: number, batch: number, height: number, width: number): tf.Tensor {
  const channels = windows.shape[2] as number;
  return tf.tidy(() => {
    const grouped = tf.reshape(windows, [batch * (height / m), width / m, m, m * channels]);
    const swapped = tf.transpose(grouped, [0, 2, 1, 3]);
    return tf.reshape(swapped, [batch, height, width, channels]);
  });
}

/** Swin's `window_reverse`: the inverse of {@link windowPartition}, back to [batch, H, W, C]. */
export function windowReverse(
  windows: tf.Tensor,
  windowSize: number,
  height: number,
  width: number,
): tf.Tensor4D {
  const m = expectPositiveInteger(windowSize, 'windowReverse windowSize');
  expectPositiveInteger(height, 'windowReverse height');
  expectPositiveInteger(width, 'windowReverse width');
  if (!(windows instanceof tf.Tensor) || windows.rank !== 3 || windows.shape[1] !== m * m) {
    throw new S2AttnInputError(
      `windowReverse: expected windows [count, ${m * m}, channels], got ${windows instanceof tf.Tensor ? `shape ${describeShape(windows.shape)}` : typeof windows}`,
    );
  }
  if (height % m !== 0 || width % m !== 0) {
    throw new S2AttnInputError(
      `windowReverse: expected height and width that are multiples of ${m}, got ${height} x ${width}`,
    );
  }
  const perImage = (height / m) * (width / m);
  const count = windows.shape[0];
  if (count % perImage !== 0) {
    throw new S2AttnInputError(
      `windowReverse: ${count} windows is not a multiple of the ${perImage} windows of a ${height} x ${width} map`,
    );
  }
  const batch = count / perImage;
  return tf.tidy(
    () =>
      linearMap(
        windows,
        (input) => reverse(input, m, batch, height, width),
        (dy) => partition(dy, m),
      ) as tf.Tensor4D,
  );
}

function roll(x: tf.Tensor, axis: 1 | 2, start: number): tf.Tensor {
  const size = x.shape[axis] as number;
  const s = ((start % size) + size) % size;
  if (s === 0) return tf.clone(x);
  const begin = [0, 0, 0, 0];
  const head = [...x.shape];
  head[axis] = s;
  const tailBegin = [...begin];
  tailBegin[axis] = s;
  const tail = [...x.shape];
  tail[axis] = size - s;
  return tf.concat([tf.slice(x, tailBegin, tail), tf.slice(x, begin, head)], axis);
}

/**
 * Swin's cyclic shift `torch.roll(x, (-s, -s), (1, 2))` with slice + concat (tfjs has no roll):
 * out[:, i, j] = x[:, (i + s) mod H, (j + s) mod W]. x is [batch, H, W, C].
 */
export function cyclicShift(x: tf.Tensor, shift: number): tf.Tensor4D {
  expectFeatureMap(x, 'cyclicShift');
  const s = expectNonNegativeInteger(shift, 'cyclicShift shift');
  return tf.tidy(
    () =>
      linearMap(
        x,
        (input) => roll2d(input, s),
        (dy) => roll2d(dy, -s),
      ) as tf.Tensor4D,
  );
}

/** roll along height, then width (a permutation: the gradient of roll2d(x, s) is roll2d(dy, -s)). */
function roll2d(x: tf.Tensor, start: number): tf.Tensor {
  return tf.tidy(() => roll(roll(x, 1, start), 2, start));
}

/** The inverse of {@link cyclicShift}: out[:, i, j] = x[:, (i - s) mod H, (j - s) mod W]. */
export function reverseCyclicShift(x: tf.Tensor, shift: number): tf.Tensor4D {
  expectFeatureMap(x, 'reverseCyclicShift');
  const s = expectNonNegativeInteger(shift, 'reverseCyclicShift shift');
  return tf.tidy(
    () =>
      linearMap(
        x,
        (input) => roll2d(input, -s),
        (dy) => roll2d(dy, s),
      ) as tf.Tensor4D,
  );
}
