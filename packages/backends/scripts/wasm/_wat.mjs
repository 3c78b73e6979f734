// Shared WebAssembly-text helpers of the SIMD kernels (scripts/wasm/*.mjs): partial vector loads and stores,
// vector constants, Horner's scheme, the elementwise export, and short forms for locals, i32 arithmetic and loops.

/** Loads `width` (1-4) floats at `ptr` into the low lanes of a vector (the rest zero). */
export function partialLoad(width, ptr) {
  if (width === 4) return `(v128.load align=4 ${ptr})`;
  if (width === 1) return `(v128.load32_zero align=4 ${ptr})`;
  if (width === 2) return `(v128.load64_zero align=4 ${ptr})`;
  return `(f32x4.replace_lane 2 (v128.load64_zero align=4 ${ptr}) (f32.load offset=8 ${ptr}))`;
}

/** Stores the low `width` (1-4) lanes of `value` at `ptr`. */
export function partialStore(width, ptr, value) {
  if (width === 4) return [`(v128.store align=4 ${ptr} ${value})`];
  if (width === 1) return [`(v128.store32_lane align=4 0 ${ptr} ${value})`];
  if (width === 2) return [`(v128.store64_lane align=4 0 ${ptr} ${value})`];
  return [
    `(v128.store64_lane align=4 0 ${ptr} ${value})`,
    `(f32.store offset=8 ${ptr} (f32x4.extract_lane 2 ${value}))`,
  ];
}

export const f4 = (value) => `(v128.const f32x4 ${value} ${value} ${value} ${value})`;
/** Horner's scheme on vectors: coefficients highest power first. */
export function horner(variable, coefficients) {
  let acc = f4(coefficients[0]);
  for (const c of coefficients.slice(1)) acc = `(f32x4.add (f32x4.mul ${acc} ${variable}) ${f4(c)})`;
  return acc;
}

/**
 * Exported `name(...inputs, output, count)` (pointers, then a count of floats): output[i] = f(inputs[i]...),
 * four at a time through the vector function `fn4`, the last count mod 4 through partial loads and stores.
 */
export function elementwiseExport(name, fn4, inputs = ['$x'], output = '$y') {
  const pointers = [...inputs, output];
  const call = (load) => `(call ${fn4} ${inputs.map(load).join(' ')})`;
  const tail = [];
  for (const width of [1, 2, 3]) {
    tail.push(`(if (i32.eq (local.get $rest) (i32.const ${width})) (then
      ${partialStore(
        width,
        `(local.get ${output})`,
        call((p) => partialLoad(width, `(local.get ${p})`)),
      ).join('\n      ')}))`);
  }
  return `(func (export "${name}") ${pointers.map((p) => `(param ${p} i32)`).join(' ')} (param $count i32)
    (local $i i32) (local $rest i32)
    (block $done (loop $L
      (br_if $done (i32.gt_u (i32.add (local.get $i) (i32.const 4)) (local.get $count)))
      (v128.store align=4 (local.get ${output}) ${call((p) => `(v128.load align=4 (local.get ${p}))`)})
      ${pointers.map((p) => `(local.set ${p} (i32.add (local.get ${p}) (i32.const 16)))`).join('\n      ')}
      (local.set $i (i32.add (local.get $i) (i32.const 4)))
      (br $L)))
    (local.set $rest (i32.sub (local.get $count) (local.get $i)))
    ${tail.join('\n    ')})`;
}

export const get = (name) => `(local.get $${name})`;
export const set = (name, value) => `(local.set $${name} ${value})`;
export const add = (a, b) => `(i32.add ${a} ${b})`;
export const mul = (a, b) => `(i32.mul ${a} ${b})`;
export const i32 = (value) => `(i32.const ${value})`;
export const bytes = (value) => `(i32.shl ${value} (i32.const 2))`;
export const splat = (value) => `(f32x4.splat ${value})`;
export const hsum = (v) =>
  `(f32.add (f32.add (f32x4.extract_lane 0 ${v}) (f32x4.extract_lane 1 ${v})) (f32.add (f32x4.extract_lane 2 ${v}) (f32x4.extract_lane 3 ${v})))`;
export const hmax = (v) =>
  `(f32.max (f32.max (f32x4.extract_lane 0 ${v}) (f32x4.extract_lane 1 ${v})) (f32.max (f32x4.extract_lane 2 ${v}) (f32x4.extract_lane 3 ${v})))`;

/** for ($i = 0; $i < end; $i++) body */
export function forLoop(label, i, end, body) {
  return `${set(i, i32(0))}
    (block $${label}Done (loop $${label}
      (br_if $${label}Done (i32.ge_u ${get(i)} ${end}))
      ${body}
      ${set(i, add(get(i), i32(1)))}
      (br $${label})))`;
}

/**
 * Over the floats [0, end) of a row (byte offset $q from the row starts): `vector(at)` four at a time, then
 * `scalar(at)` for the last end mod 4 (at(base) = the byte address base + $q).
 */
export function rowLoop(label, end, vector, scalar) {
  const at = (base) => `(i32.add ${base} (local.get $q))`;
  return `${set('q', i32(0))}
    (block $${label}VDone (loop $${label}V
      (br_if $${label}VDone (i32.gt_u (i32.add (local.get $q) (i32.const 16)) ${bytes(end)}))
      ${vector(at)}
      ${set('q', add(get('q'), i32(16)))}
      (br $${label}V)))
    (block $${label}SDone (loop $${label}S
      (br_if $${label}SDone (i32.ge_u (local.get $q) ${bytes(end)}))
      ${scalar(at)}
      ${set('q', add(get('q'), i32(4)))}
      (br $${label}S)))`;
}
export const vload = (ptr) => `(v128.load align=4 ${ptr})`;
export const fload = (ptr) => `(f32.load align=4 ${ptr})`;
export const vstore = (ptr, v) => `(v128.store align=4 ${ptr} ${v})`;
export const fstore = (ptr, v) => `(f32.store align=4 ${ptr} ${v})`;
/** exp of one float32 (lane 0 of $exp4 on a splat; the module defines $exp4, scripts/wasm/exp.mjs). */
export const expScalar = (x) => `(f32x4.extract_lane 0 (call $exp4 (f32x4.splat ${x})))`;
