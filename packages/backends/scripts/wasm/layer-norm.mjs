// Kernels: S2CassiLayerNorm and S2CassiLayerNormGrad (src/wasm/kernels/layer-norm.ts, layer-norm-grad.ts).
import {
  add,
  bytes,
  f4,
  fload,
  forLoop,
  fstore,
  get,
  hsum,
  i32,
  rowLoop,
  set,
  splat,
  vload,
  vstore,
} from './_wat.mjs';

// layerNorm(x, gamma, beta, y, stats, rows, cols, epsBits): per row of `cols` floats, y = (x - mean) * rstd * gamma
// + beta with the biased variance (two passes: the mean, then the centred squares), rstd = 1 / sqrt(var + eps);
// stats[2r] = mean, stats[2r + 1] = rstd (what the gradient needs). eps is passed as its float32 bits (the worker
// pool passes int32 arguments).
// layerNormGrad(x, gamma, stats, dy, dx, partial, rows, cols): xhat = (x - mean) rstd, g = dy gamma,
// dx = rstd (g - mean(g) - xhat mean(g xhat)); partial[0..cols) = sum over these rows of dy xhat (d gamma),
// partial[cols..2 cols) = sum of dy (d beta), overwritten (one partial per part, summed by the caller).
export function layerNormText() {
  const vv = (name) => `(local.get $${name})`;
  return `
  (func (export "layerNorm") (param $x i32) (param $gamma i32) (param $beta i32) (param $y i32) (param $stats i32)
      (param $rows i32) (param $cols i32) (param $epsBits i32)
    (local $r i32) (local $q i32) (local $row i32) (local $vs v128) (local $s f32) (local $mean f32) (local $rstd f32)
    (local $d v128) (local $ds f32) (local $vmean v128) (local $vrstd v128)
    ${forLoop(
      'R',
      'r',
      get('rows'),
      `${set('vs', f4(0))} ${set('s', '(f32.const 0)')}
      ${rowLoop(
        'M',
        get('cols'),
        (at) => set('vs', `(f32x4.add ${vv('vs')} ${vload(at(get('x')))})`),
        (at) => set('s', `(f32.add ${vv('s')} ${fload(at(get('x')))})`),
      )}
      ${set('mean', `(f32.div (f32.add ${vv('s')} ${hsum(vv('vs'))}) (f32.convert_i32_u ${get('cols')}))`)}
      ${set('vmean', splat(vv('mean')))}
      ${set('vs', f4(0))} ${set('s', '(f32.const 0)')}
      ${rowLoop(
        'V',
        get('cols'),
        (at) =>
          `${set('d', `(f32x4.sub ${vload(at(get('x')))} ${vv('vmean')})`)} ${set('vs', `(f32x4.add ${vv('vs')} (f32x4.mul ${vv('d')} ${vv('d')}))`)}`,
        (at) =>
          `${set('ds', `(f32.sub ${fload(at(get('x')))} ${vv('mean')})`)} ${set('s', `(f32.add ${vv('s')} (f32.mul ${vv('ds')} ${vv('ds')}))`)}`,
      )}
      ${set(
        'rstd',
        `(f32.div (f32.const 1) (f32.sqrt (f32.add (f32.div (f32.add ${vv('s')} ${hsum(vv('vs'))}) (f32.convert_i32_u ${get('cols')})) (f32.reinterpret_i32 ${get('epsBits')}))))`,
      )}
      ${set('vrstd', splat(vv('rstd')))}
      ${rowLoop(
        'Y',
        get('cols'),
        (at) =>
          vstore(
            at(get('y')),
            `(f32x4.add (f32x4.mul (f32x4.mul (f32x4.sub ${vload(at(get('x')))} ${vv('vmean')}) ${vv('vrstd')}) ${vload(at(get('gamma')))}) ${vload(at(get('beta')))})`,
          ),
        (at) =>
          fstore(
            at(get('y')),
            `(f32.add (f32.mul (f32.mul (f32.sub ${fload(at(get('x')))} ${vv('mean')}) ${vv('rstd')}) ${fload(at(get('gamma')))}) ${fload(at(get('beta')))})`,
          ),
      )}
      ${fstore(get('stats'), vv('mean'))}
      (f32.store offset=4 align=4 ${get('stats')} ${vv('rstd')})
      ${set('stats', add(get('stats'), i32(8)))}
      ${set('x', add(get('x'), bytes(get('cols'))))}
      ${set('y', add(get('y'), bytes(get('cols'))))}`,
    )})
  (func (export "layerNormGrad") (param $x i32) (param $gamma i32) (param $stats i32) (param $dy i32) (param $dx i32)
      (param $partial i32) (param $rows i32) (param $cols i32)
    (local $r i32) (local $q i32) (local $dbeta i32) (local $mean f32) (local $rstd f32) (local $vmean v128)
    (local $vrstd v128) (local $xh v128) (local $g v128) (local $sg v128) (local $sgx v128) (local $fxh f32) (local $fg f32)
    (local $fsg f32) (local $fsgx f32) (local $mg v128) (local $mgx v128) (local $fmg f32) (local $fmgx f32)
    (local.set $dbeta (i32.add (local.get $partial) ${bytes(get('cols'))}))
    (memory.fill (local.get $partial) (i32.const 0) (i32.shl ${bytes(get('cols'))} (i32.const 1)))
    ${forLoop(
      'R',
      'r',
      get('rows'),
      `${set('mean', fload(get('stats')))} (local.set $rstd (f32.load offset=4 align=4 ${get('stats')}))
      ${set('vmean', splat(vv('mean')))} ${set('vrstd', splat(vv('rstd')))}
      ${set('sg', f4(0))} ${set('sgx', f4(0))} ${set('fsg', '(f32.const 0)')} ${set('fsgx', '(f32.const 0)')}
      ${rowLoop(
        'A',
        get('cols'),
        (at) => `${set('xh', `(f32x4.mul (f32x4.sub ${vload(at(get('x')))} ${vv('vmean')}) ${vv('vrstd')})`)}
      ${set('g', vload(at(get('dy'))))}
      ${vstore(at(get('partial')), `(f32x4.add ${vload(at(get('partial')))} (f32x4.mul ${vv('g')} ${vv('xh')}))`)}
      ${vstore(at(get('dbeta')), `(f32x4.add ${vload(at(get('dbeta')))} ${vv('g')})`)}
      ${set('g', `(f32x4.mul ${vv('g')} ${vload(at(get('gamma')))})`)}
      ${set('sg', `(f32x4.add ${vv('sg')} ${vv('g')})`)}
      ${set('sgx', `(f32x4.add ${vv('sgx')} (f32x4.mul ${vv('g')} ${vv('xh')}))`)}`,
        (at) => `${set('fxh', `(f32.mul (f32.sub ${fload(at(get('x')))} ${vv('mean')}) ${vv('rstd')})`)}
      ${set('fg', fload(at(get('dy'))))}
      ${fstore(at(get('partial')), `(f32.add ${fload(at(get('partial')))} (f32.mul ${vv('fg')} ${vv('fxh')}))`)}
      ${fstore(at(get('dbeta')), `(f32.add ${fload(at(get('dbeta')))} ${vv('fg')})`)}
      ${set('fg', `(f32.mul ${vv('fg')} ${fload(at(get('gamma')))})`)}
      ${set('fsg', `(f32.add ${vv('fsg')} ${vv('fg')})`)}
      ${set('fsgx', `(f32.add ${vv('fsgx')} (f32.mul ${vv('fg')} ${vv('fxh')}))`)}`,
      )}
      ${set('fmg', `(f32.div (f32.add ${vv('fsg')} ${hsum(vv('sg'))}) (f32.convert_i32_u ${get('cols')}))`)}
      ${set('fmgx', `(f32.div (f32.add ${vv('fsgx')} ${hsum(vv('sgx'))}) (f32.convert_i32_u ${get('cols')}))`)}
      ${set('mg', splat(vv('fmg')))} ${set('mgx', splat(vv('fmgx')))}
      ${rowLoop(
        'D',
        get('cols'),
        (at) =>
          vstore(
            at(get('dx')),
            `(f32x4.mul ${vv('vrstd')} (f32x4.sub (f32x4.sub (f32x4.mul ${vload(at(get('dy')))} ${vload(at(get('gamma')))}) ${vv('mg')})
              (f32x4.mul (f32x4.mul (f32x4.sub ${vload(at(get('x')))} ${vv('vmean')}) ${vv('vrstd')}) ${vv('mgx')})))`,
          ),
        (at) =>
          fstore(
            at(get('dx')),
            `(f32.mul ${vv('rstd')} (f32.sub (f32.sub (f32.mul ${fload(at(get('dy')))} ${fload(at(get('gamma')))}) ${vv('fmg')})
              (f32.mul (f32.mul (f32.sub ${fload(at(get('x')))} ${vv('mean')}) ${vv('rstd')}) ${vv('fmgx')})))`,
          ),
      )}
      ${set('stats', add(get('stats'), i32(8)))}
      ${set('x', add(get('x'), bytes(get('cols'))))}
      ${set('dy', add(get('dy'), bytes(get('cols'))))}
      ${set('dx', add(get('dx'), bytes(get('cols'))))}`,
    )})`;
}
