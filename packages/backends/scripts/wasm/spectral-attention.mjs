// Kernels: S2CassiSpectralAttention and S2CassiSpectralAttentionGrad (src/wasm/kernels/spectral-attention.ts,
// spectral-attention-grad.ts).
import {
  add,
  bytes,
  expScalar,
  f4,
  fload,
  forLoop,
  fstore,
  get,
  hmax,
  hsum,
  i32,
  mul,
  rowLoop,
  set,
  splat,
  vload,
  vstore,
} from './_wat.mjs';
import { DESC } from './window-attention.mjs';

// Fused spectral window attention (Ch x Ch maps). A descriptor (int32 words at $desc) describes the call:
//   0 qkv [windows, P, 3C] (channels [3][T][Ch]), 1 out [windows, P, C] (forward) or dOut (backward),
//   2 stats [windows, T, Ch, 2] (row max, 1 / row sum), 3 bias [T, Ch, Ch], 4 transpose (0: Z = V A, the paper's
//   Eq. 9; 1: Z = V A^T, MST's attn @ v), 5 scale [T] (1 / beta), 6 T, 7 P, 8 Ch, 9 unused, 10 scratch,
//   11 scratch bytes per part (4 Ch^2 floats), 12 dqkv [windows, P, 3C] (backward), 13 partials (backward: per
//   part [T, Ch, Ch] d bias then [T] d scale), 14 partial bytes per part.
// spectralFwd(desc, w0, w1, thread): for windows w0 <= w < w1 and every head, S = K^T Q (Ch x Ch, the P tokens the
// inner dimension), A = softmax over each row of scale_h S + B_h, out = V A (or V A^T); stores only the row max
// and 1 / sum (stats).
// spectralBwd(desc, w0, w1, thread): recomputes S and A from the stats, then dA = V^T dOut (or dOut^T V),
// dL = A (dA - rowsum(A dA)), dV = dOut A^T (or dOut A), dQ = scale K dL, dK = scale Q dL^T (into dqkv), and adds
// dL to the thread's d bias and sum(dL S) to its d scale (zeroed first).
const SPECTRAL_DESC = { ...DESC, transpose: 16 };
const spectralLocals = `
    (local $qkv i32) (local $out i32) (local $stats i32) (local $bias i32) (local $tr i32) (local $scale i32)
    (local $T i32) (local $P i32) (local $Ch i32) (local $C i32) (local $C3 i32) (local $S i32) (local $A i32)
    (local $D i32) (local $X i32) (local $w i32) (local $h i32) (local $i i32) (local $t i32) (local $c i32)
    (local $q i32) (local $qp i32) (local $kp i32) (local $vp i32) (local $op i32) (local $row i32) (local $arow i32)
    (local $drow i32) (local $brow i32) (local $gb i32) (local $st i32) (local $sc f32) (local $vsc v128) (local $mx f32)
    (local $vmx v128) (local $sm f32) (local $vsm v128) (local $inv f32) (local $vinv v128) (local $e v128) (local $fe f32)
    (local $dqkv i32) (local $dbias i32) (local $dscale i32) (local $dq i32) (local $dsAcc f32) (local $vdsAcc v128)
    (local $delta f32) (local $vdelta v128) (local $p v128) (local $fp f32) (local $bmat i32)`;
function spectralDescriptor() {
  return Object.entries({
    qkv: 'qkv',
    out: 'out',
    stats: 'stats',
    bias: 'bias',
    tr: 'transpose',
    scale: 'scale',
    T: 'heads',
    P: 'tokens',
    Ch: 'headDim',
  })
    .map(
      ([local, field]) => `(local.set $${local} (i32.load offset=${SPECTRAL_DESC[field]} (local.get $desc)))`,
    )
    .join('\n    ');
}
/** $X[c][t] = src[t][c] for a Ch x Ch matrix at `src` (rows Ch floats apart). */
function transposeSquare(src) {
  return forLoop(
    'Qt',
    't',
    get('Ch'),
    forLoop(
      'Qc',
      'c',
      get('Ch'),
      fstore(
        add(get('X'), bytes(add(mul(get('c'), get('Ch')), get('t')))),
        fload(add(src, bytes(add(mul(get('t'), get('Ch')), get('c'))))),
      ),
    ),
  );
}
export function spectralText() {
  const vv = (name) => `(local.get $${name})`;
  const C3bytes = bytes(get('C3'));
  const Cbytes = bytes(get('C'));
  const Chbytes = bytes(get('Ch'));
  const headPointers = `
      ${set('qp', add(get('qkv'), bytes(add(mul(mul(get('w'), get('P')), get('C3')), mul(get('h'), get('Ch'))))))}
      ${set('kp', add(get('qp'), Cbytes))}
      ${set('vp', add(get('kp'), Cbytes))}
      ${set('op', add(get('out'), bytes(add(mul(mul(get('w'), get('P')), get('C')), mul(get('h'), get('Ch'))))))}
      ${set('sc', fload(add(get('scale'), bytes(get('h')))))} ${set('vsc', splat(vv('sc')))}
      ;; S = K^T Q: A-operand K^T (element (i, p) at kp + p 3C + i), B = Q (rows 3C apart)
      (call $gemmStrided ${get('kp')} ${get('qp')} ${get('S')} ${get('Ch')} ${get('P')} ${get('Ch')} (i32.const 4) ${C3bytes} ${C3bytes} ${Chbytes} (i32.const 0))`;
  const rowPointers = `
        ${set('row', add(get('S'), bytes(mul(get('i'), get('Ch')))))}
        ${set('arow', add(get('A'), bytes(mul(get('i'), get('Ch')))))}
        ${set('brow', add(get('bias'), bytes(mul(add(mul(get('h'), get('Ch')), get('i')), get('Ch')))))}
        ${set('st', add(get('stats'), `(i32.shl ${add(mul(add(mul(get('w'), get('T')), get('h')), get('Ch')), get('i'))} (i32.const 3))`))}`;
  const logitV = (at) =>
    `(f32x4.add (f32x4.mul ${vload(at(get('row')))} ${vv('vsc')}) ${vload(at(get('brow')))})`;
  const logitS = (at) => `(f32.add (f32.mul ${fload(at(get('row')))} ${vv('sc')}) ${fload(at(get('brow')))})`;
  const forwardRow = `${rowPointers}
        ${set('vmx', f4('-inf'))} ${set('mx', '(f32.const -inf)')}
        ${rowLoop(
          'L',
          get('Ch'),
          (at) =>
            `${set('e', logitV(at))} ${vstore(at(get('arow')), vv('e'))} ${set('vmx', `(f32x4.max ${vv('vmx')} ${vv('e')})`)}`,
          (at) =>
            `${set('fe', logitS(at))} ${fstore(at(get('arow')), vv('fe'))} ${set('mx', `(f32.max ${vv('mx')} ${vv('fe')})`)}`,
        )}
        ${set('mx', `(f32.max ${vv('mx')} ${hmax(vv('vmx'))})`)} ${set('vmx', splat(vv('mx')))}
        ${set('vsm', f4(0))} ${set('sm', '(f32.const 0)')}
        ${rowLoop(
          'E',
          get('Ch'),
          (at) =>
            `${set('e', `(call $softmaxExp4 (f32x4.sub ${vload(at(get('arow')))} ${vv('vmx')}))`)} ${vstore(at(get('arow')), vv('e'))} ${set('vsm', `(f32x4.add ${vv('vsm')} ${vv('e')})`)}`,
          (at) =>
            `${set('fe', expScalar(`(f32.sub ${fload(at(get('arow')))} ${vv('mx')})`))} ${fstore(at(get('arow')), vv('fe'))} ${set('sm', `(f32.add ${vv('sm')} ${vv('fe')})`)}`,
        )}
        ${set('inv', `(f32.div (f32.const 1) (f32.add ${vv('sm')} ${hsum(vv('vsm'))}))`)} ${set('vinv', splat(vv('inv')))}
        ${rowLoop(
          'N',
          get('Ch'),
          (at) => vstore(at(get('arow')), `(f32x4.mul ${vload(at(get('arow')))} ${vv('vinv')})`),
          (at) => fstore(at(get('arow')), `(f32.mul ${fload(at(get('arow')))} ${vv('inv')})`),
        )}
        ${fstore(get('st'), vv('mx'))} (f32.store offset=4 align=4 ${get('st')} ${vv('inv')})`;
  // A^T (into $X) when the product uses it, else A itself
  const pickB = (whenTransposed) => `
      (if ${whenTransposed} (then ${transposeSquare(get('A'))} ${set('bmat', get('X'))}) (else ${set('bmat', get('A'))}))`;
  const prologue = (backward) => `
    ${spectralLocals}
    ${spectralDescriptor()}
    ${set('C', mul(get('T'), get('Ch')))} ${set('C3', mul(get('C'), i32(3)))}
    ${set('S', add(`(i32.load offset=${SPECTRAL_DESC.scratch} ${get('desc')})`, mul(get('thread'), `(i32.load offset=${SPECTRAL_DESC.scratchBytes} ${get('desc')})`)))}
    ${set('A', add(get('S'), bytes(mul(get('Ch'), get('Ch')))))}
    ${set('D', add(get('A'), bytes(mul(get('Ch'), get('Ch')))))}
    ${set('X', add(get('D'), bytes(mul(get('Ch'), get('Ch')))))}
    ${
      backward
        ? `${set('dqkv', `(i32.load offset=${SPECTRAL_DESC.dqkv} ${get('desc')})`)}
    ${set('dbias', add(`(i32.load offset=${SPECTRAL_DESC.partial} ${get('desc')})`, mul(get('thread'), `(i32.load offset=${SPECTRAL_DESC.partialBytes} ${get('desc')})`)))}
    ${set('dscale', add(get('dbias'), bytes(mul(get('T'), mul(get('Ch'), get('Ch'))))))}
    (memory.fill ${get('dbias')} (i32.const 0) ${bytes(add(mul(get('T'), mul(get('Ch'), get('Ch'))), get('T')))})`
        : ''
    }
    ${set('w', get('w0'))}`;

  const forward = `
  (func (export "spectralFwd") (param $desc i32) (param $w0 i32) (param $w1 i32) (param $thread i32)
    ${prologue(false)}
    (block $WDone (loop $W
      (br_if $WDone (i32.ge_u ${get('w')} ${get('w1')}))
      ${forLoop(
        'H',
        'h',
        get('T'),
        `${headPointers}
      ${forLoop('I', 'i', get('Ch'), forwardRow)}
      ${pickB(get('tr'))}
      ;; out = V B (B = A or A^T): A-operand V (rows 3C apart), out rows C apart
      (call $gemmStrided ${get('vp')} ${get('bmat')} ${get('op')} ${get('P')} ${get('Ch')} ${get('Ch')} ${C3bytes} (i32.const 4) ${Chbytes} ${Cbytes} (i32.const 0))`,
      )}
      ${set('w', add(get('w'), i32(1)))}
      (br $W))))`;

  // backward rows: $A = A (recomputed), $D = dA, then dS = scale dL into $D
  const backwardRow = `${rowPointers}
        ${set('drow', add(get('D'), bytes(mul(get('i'), get('Ch')))))}
        ${set('gb', add(get('dbias'), bytes(mul(add(mul(get('h'), get('Ch')), get('i')), get('Ch')))))}
        ${set('vmx', splat(fload(get('st'))))} ${set('mx', fload(get('st')))}
        (local.set $inv (f32.load offset=4 align=4 ${get('st')})) ${set('vinv', splat(vv('inv')))}
        ${set('vdelta', f4(0))} ${set('delta', '(f32.const 0)')}
        ${rowLoop(
          'B',
          get('Ch'),
          (at) =>
            `${set('p', `(f32x4.mul (call $softmaxExp4 (f32x4.sub ${logitV(at)} ${vv('vmx')})) ${vv('vinv')})`)} ${vstore(at(get('arow')), vv('p'))}
          ${set('vdelta', `(f32x4.add ${vv('vdelta')} (f32x4.mul ${vv('p')} ${vload(at(get('drow')))}))`)}`,
          (at) =>
            `${set('fp', `(f32.mul ${expScalar(`(f32.sub ${logitS(at)} ${vv('mx')})`)} ${vv('inv')})`)} ${fstore(at(get('arow')), vv('fp'))}
          ${set('delta', `(f32.add ${vv('delta')} (f32.mul ${vv('fp')} ${fload(at(get('drow')))}))`)}`,
        )}
        ${set('delta', `(f32.add ${vv('delta')} ${hsum(vv('vdelta'))})`)} ${set('vdelta', splat(vv('delta')))}
        ${rowLoop(
          'G',
          get('Ch'),
          (
            at,
          ) => `${set('e', `(f32x4.mul ${vload(at(get('arow')))} (f32x4.sub ${vload(at(get('drow')))} ${vv('vdelta')}))`)}
          ${set('vdsAcc', `(f32x4.add ${vv('vdsAcc')} (f32x4.mul ${vv('e')} ${vload(at(get('row')))}))`)}
          ${vstore(at(get('gb')), `(f32x4.add ${vload(at(get('gb')))} ${vv('e')})`)}
          ${vstore(at(get('drow')), `(f32x4.mul ${vv('e')} ${vv('vsc')})`)}`,
          (
            at,
          ) => `${set('fe', `(f32.mul ${fload(at(get('arow')))} (f32.sub ${fload(at(get('drow')))} ${vv('delta')}))`)}
          ${set('dsAcc', `(f32.add ${vv('dsAcc')} (f32.mul ${vv('fe')} ${fload(at(get('row')))}))`)}
          ${fstore(at(get('gb')), `(f32.add ${fload(at(get('gb')))} ${vv('fe')})`)}
          ${fstore(at(get('drow')), `(f32.mul ${vv('fe')} ${vv('sc')})`)}`,
        )}`;

  const backward = `
  (func (export "spectralBwd") (param $desc i32) (param $w0 i32) (param $w1 i32) (param $thread i32)
    ${prologue(true)}
    (block $WDone (loop $W
      (br_if $WDone (i32.ge_u ${get('w')} ${get('w1')}))
      ${forLoop(
        'H',
        'h',
        get('T'),
        `${headPointers}
      ;; here $op is the head's dOut. dA = V^T dOut (paper) or dOut^T V (transposed product), into $D
      (if ${get('tr')}
        (then (call $gemmStrided ${get('op')} ${get('vp')} ${get('D')} ${get('Ch')} ${get('P')} ${get('Ch')} (i32.const 4) ${Cbytes} ${C3bytes} ${Chbytes} (i32.const 0)))
        (else (call $gemmStrided ${get('vp')} ${get('op')} ${get('D')} ${get('Ch')} ${get('P')} ${get('Ch')} (i32.const 4) ${C3bytes} ${Cbytes} ${Chbytes} (i32.const 0))))
      ${set('vdsAcc', f4(0))} ${set('dsAcc', '(f32.const 0)')}
      ${forLoop('I', 'i', get('Ch'), backwardRow)}
      ${fstore(add(get('dscale'), bytes(get('h'))), `(f32.add ${fload(add(get('dscale'), bytes(get('h'))))} (f32.add ${vv('dsAcc')} ${hsum(vv('vdsAcc'))}))`)}
      ${set('dq', add(get('dqkv'), bytes(add(mul(mul(get('w'), get('P')), get('C3')), mul(get('h'), get('Ch'))))))}
      ;; dV = dOut A^T (paper) or dOut A (transposed product)
      ${pickB(`(i32.eqz ${get('tr')})`)}
      (call $gemmStrided ${get('op')} ${get('bmat')} ${add(get('dq'), bytes(mul(get('C'), i32(2))))} ${get('P')} ${get('Ch')} ${get('Ch')} ${Cbytes} (i32.const 4) ${Chbytes} ${C3bytes} (i32.const 0))
      ;; dQ = K dS, dK = Q dS^T (dS = scale dL in $D)
      (call $gemmStrided ${get('kp')} ${get('D')} ${get('dq')} ${get('P')} ${get('Ch')} ${get('Ch')} ${C3bytes} (i32.const 4) ${Chbytes} ${C3bytes} (i32.const 0))
      ${transposeSquare(get('D'))}
      (call $gemmStrided ${get('qp')} ${get('X')} ${add(get('dq'), Cbytes)} ${get('P')} ${get('Ch')} ${get('Ch')} ${C3bytes} (i32.const 4) ${Chbytes} ${C3bytes} (i32.const 0))`,
      )}
      ${set('w', add(get('w'), i32(1)))}
      (br $W))))`;
  return `${forward}\n${backward}`;
}
