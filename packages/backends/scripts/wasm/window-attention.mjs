// Kernels: S2CassiWindowAttention and S2CassiWindowAttentionGrad (src/wasm/kernels/window-attention.ts,
// window-attention-grad.ts).
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

// Fused spatial window attention. A descriptor (int32 words at $desc) describes the call:
//   0 qkv [windows, P, 3C] (channels [3][T][Ch]: q, k, v of head h at h Ch), 1 out [windows, P, C] (forward) or
//   dOut (backward), 2 stats [windows, T, P, 2] (row max, 1 / row sum), 3 bias [T, P, P], 4 mask [maskWindows, P, P]
//   or 0, 5 scale [T] (1 / beta), 6 T, 7 P, 8 Ch, 9 maskWindows, 10 scratch, 11 scratch bytes per part,
//   12 dqkv [windows, P, 3C] (backward), 13 partials (backward: per part [T, P, P] d bias then [T] d scale),
//   14 partial bytes per part.
// attnFwd(desc, w0, w1, thread): for windows w0 <= w < w1 and every head, logits = scale_h Q K^T + B_h (+ mask of
// window w mod maskWindows), A = softmax over each row, out = A V; only the row max and 1 / sum are stored (stats).
// attnBwd(desc, w0, w1, thread): recomputes A from the stats, then dV = A^T dOut, dA = dOut V^T,
// dL = A (dA - rowsum(A dA)), dQ = scale dL K, dK = scale dL^T Q (into dqkv), and adds dL to the thread's d bias and
// sum(dL (Q K^T)) to its d scale (zeroed first).
export const DESC = {
  qkv: 0,
  out: 4,
  stats: 8,
  bias: 12,
  mask: 16,
  scale: 20,
  heads: 24,
  tokens: 28,
  headDim: 32,
  maskWindows: 36,
  scratch: 40,
  scratchBytes: 44,
  dqkv: 48,
  partial: 52,
  partialBytes: 56,
};
const attentionLocals = `
    (local $qkv i32) (local $out i32) (local $stats i32) (local $bias i32) (local $mask i32) (local $scale i32)
    (local $T i32) (local $P i32) (local $Ch i32) (local $nW i32) (local $C i32) (local $C3 i32)
    (local $S i32) (local $D i32) (local $X i32) (local $buf i32) (local $w i32) (local $h i32) (local $i i32) (local $t i32)
    (local $c i32) (local $q i32) (local $qp i32) (local $kp i32) (local $vp i32) (local $op i32) (local $row i32)
    (local $drow i32) (local $brow i32) (local $mrow i32) (local $st i32) (local $sc f32) (local $vsc v128)
    (local $mx f32) (local $vmx v128) (local $sm f32) (local $vsm v128) (local $inv f32) (local $vinv v128)
    (local $e v128) (local $fe f32) (local $dqkv i32) (local $partial i32) (local $dbias i32) (local $dscale i32)
    (local $dq i32) (local $dsAcc f32) (local $vdsAcc v128) (local $delta f32) (local $vdelta v128) (local $p v128) (local $fp f32)`;
function loadDescriptor() {
  return Object.entries({
    qkv: 'qkv',
    out: 'out',
    stats: 'stats',
    bias: 'bias',
    mask: 'mask',
    scale: 'scale',
    T: 'heads',
    P: 'tokens',
    Ch: 'headDim',
    nW: 'maskWindows',
  })
    .map(([local, field]) => `(local.set $${local} (i32.load offset=${DESC[field]} (local.get $desc)))`)
    .join('\n    ');
}
/** $X[c][t] = src[t][c] for t < P, c < Ch (src rows `rowBytes` apart): a head's K or V, transposed. */
function transposeHead(src, rowBytes) {
  return forLoop(
    'Tt',
    't',
    get('P'),
    forLoop(
      'Tc',
      'c',
      get('Ch'),
      fstore(
        add(get('X'), bytes(add(mul(get('c'), get('P')), get('t')))),
        fload(add(add(src, mul(get('t'), rowBytes)), bytes(get('c')))),
      ),
    ),
  );
}
export function attentionText() {
  const vv = (name) => `(local.get $${name})`;
  const C3bytes = bytes(get('C3'));
  const Cbytes = bytes(get('C'));
  const Pbytes = bytes(get('P'));
  const headPointers = `
      ${set('qp', add(get('qkv'), bytes(add(mul(mul(get('w'), get('P')), get('C3')), mul(get('h'), get('Ch'))))))}
      ${set('kp', add(get('qp'), Cbytes))}
      ${set('vp', add(get('kp'), Cbytes))}
      ${set('op', add(get('out'), bytes(add(mul(mul(get('w'), get('P')), get('C')), mul(get('h'), get('Ch'))))))}
      ${set('sc', fload(add(get('scale'), bytes(get('h')))))} ${set('vsc', splat(vv('sc')))}`;
  const rowPointers = `
        ${set('row', add(get('S'), bytes(mul(get('i'), get('P')))))}
        ${set('brow', add(get('bias'), bytes(mul(add(mul(get('h'), get('P')), get('i')), get('P')))))}
        ${set('mrow', add(get('mask'), bytes(mul(add(mul(`(i32.rem_u ${get('w')} ${get('nW')})`, get('P')), get('i')), get('P')))))}
        ${set('st', add(get('stats'), `(i32.shl ${add(mul(add(mul(get('w'), get('T')), get('h')), get('P')), get('i'))} (i32.const 3))`))}`;
  // logits of one element (vector / scalar) at byte offset $q of the row, without and with the mask
  const logit = (masked) => ({
    v: (at) =>
      masked
        ? `(f32x4.add (f32x4.add (f32x4.mul ${vload(at(get('row')))} ${vv('vsc')}) ${vload(at(get('brow')))}) ${vload(at(get('mrow')))})`
        : `(f32x4.add (f32x4.mul ${vload(at(get('row')))} ${vv('vsc')}) ${vload(at(get('brow')))})`,
    s: (at) =>
      masked
        ? `(f32.add (f32.add (f32.mul ${fload(at(get('row')))} ${vv('sc')}) ${fload(at(get('brow')))}) ${fload(at(get('mrow')))})`
        : `(f32.add (f32.mul ${fload(at(get('row')))} ${vv('sc')}) ${fload(at(get('brow')))})`,
  });
  const withMask = (label, body) =>
    `(if (local.get $mask) (then ${body(`${label}m`, logit(true))}) (else ${body(`${label}u`, logit(false))}))`;

  const forwardRow = `${rowPointers}
        ${set('vmx', f4('-inf'))} ${set('mx', '(f32.const -inf)')}
        ${withMask('L', (label, l) =>
          rowLoop(
            label,
            get('P'),
            (at) =>
              `${set('e', l.v(at))} ${vstore(at(get('row')), vv('e'))} ${set('vmx', `(f32x4.max ${vv('vmx')} ${vv('e')})`)}`,
            (at) =>
              `${set('fe', l.s(at))} ${fstore(at(get('row')), vv('fe'))} ${set('mx', `(f32.max ${vv('mx')} ${vv('fe')})`)}`,
          ),
        )}
        ${set('mx', `(f32.max ${vv('mx')} ${hmax(vv('vmx'))})`)} ${set('vmx', splat(vv('mx')))}
        ${set('vsm', f4(0))} ${set('sm', '(f32.const 0)')}
        ${rowLoop(
          'E',
          get('P'),
          (at) =>
            `${set('e', `(call $softmaxExp4 (f32x4.sub ${vload(at(get('row')))} ${vv('vmx')}))`)} ${vstore(at(get('row')), vv('e'))} ${set('vsm', `(f32x4.add ${vv('vsm')} ${vv('e')})`)}`,
          (at) =>
            `${set('fe', expScalar(`(f32.sub ${fload(at(get('row')))} ${vv('mx')})`))} ${fstore(at(get('row')), vv('fe'))} ${set('sm', `(f32.add ${vv('sm')} ${vv('fe')})`)}`,
        )}
        ${set('inv', `(f32.div (f32.const 1) (f32.add ${vv('sm')} ${hsum(vv('vsm'))}))`)} ${set('vinv', splat(vv('inv')))}
        ${rowLoop(
          'N',
          get('P'),
          (at) => vstore(at(get('row')), `(f32x4.mul ${vload(at(get('row')))} ${vv('vinv')})`),
          (at) => fstore(at(get('row')), `(f32.mul ${fload(at(get('row')))} ${vv('inv')})`),
        )}
        ${fstore(get('st'), vv('mx'))} (f32.store offset=4 align=4 ${get('st')} ${vv('inv')})`;

  const forward = `
  (func (export "attnFwd") (param $desc i32) (param $w0 i32) (param $w1 i32) (param $thread i32)
    ${attentionLocals}
    ${loadDescriptor()}
    ${set('C', mul(get('T'), get('Ch')))} ${set('C3', mul(get('C'), i32(3)))}
    ${set('S', add(`(i32.load offset=${DESC.scratch} ${get('desc')})`, mul(get('thread'), `(i32.load offset=${DESC.scratchBytes} ${get('desc')})`)))}
    ${set('X', add(get('S'), bytes(mul(get('P'), get('P')))))}
    ${set('w', get('w0'))}
    (block $WDone (loop $W
      (br_if $WDone (i32.ge_u ${get('w')} ${get('w1')}))
      ${forLoop(
        'H',
        'h',
        get('T'),
        `${headPointers}
      ${transposeHead(get('kp'), C3bytes)}
      (call $gemmStrided ${get('qp')} ${get('X')} ${get('S')} ${get('P')} ${get('Ch')} ${get('P')} ${C3bytes} (i32.const 4) ${Pbytes} ${Pbytes} (i32.const 0))
      ${forLoop('I', 'i', get('P'), forwardRow)}
      (call $gemmStrided ${get('S')} ${get('vp')} ${get('op')} ${get('P')} ${get('P')} ${get('Ch')} ${Pbytes} (i32.const 4) ${C3bytes} ${Cbytes} (i32.const 0))`,
      )}
      ${set('w', add(get('w'), i32(1)))}
      (br $W))))`;

  // backward: $S = Q K^T (raw), $D = dOut V^T, $buf = one row of A
  const backwardRow = `${rowPointers}
        ${set('drow', add(get('D'), bytes(mul(get('i'), get('P')))))}
        ${set('vmx', splat(fload(get('st'))))} ${set('mx', fload(get('st')))}
        (local.set $inv (f32.load offset=4 align=4 ${get('st')})) ${set('vinv', splat(vv('inv')))}
        ${set('vdelta', f4(0))} ${set('delta', '(f32.const 0)')}
        ${withMask('B', (label, l) =>
          rowLoop(
            label,
            get('P'),
            (at) =>
              `${set('p', `(f32x4.mul (call $softmaxExp4 (f32x4.sub ${l.v(at)} ${vv('vmx')})) ${vv('vinv')})`)} ${vstore(at(get('buf')), vv('p'))}
          ${set('vdelta', `(f32x4.add ${vv('vdelta')} (f32x4.mul ${vv('p')} ${vload(at(get('drow')))}))`)}`,
            (at) =>
              `${set('fp', `(f32.mul ${expScalar(`(f32.sub ${l.s(at)} ${vv('mx')})`)} ${vv('inv')})`)} ${fstore(at(get('buf')), vv('fp'))}
          ${set('delta', `(f32.add ${vv('delta')} (f32.mul ${vv('fp')} ${fload(at(get('drow')))}))`)}`,
          ),
        )}
        ${set('delta', `(f32.add ${vv('delta')} ${hsum(vv('vdelta'))})`)} ${set('vdelta', splat(vv('delta')))}
        ${set('brow', add(get('dbias'), bytes(mul(add(mul(get('h'), get('P')), get('i')), get('P')))))}
        ${rowLoop(
          'G',
          get('P'),
          (at) => `${set('p', vload(at(get('buf'))))}
          ${set('e', `(f32x4.mul ${vv('p')} (f32x4.sub ${vload(at(get('drow')))} ${vv('vdelta')}))`)}
          ${set('vdsAcc', `(f32x4.add ${vv('vdsAcc')} (f32x4.mul ${vv('e')} ${vload(at(get('row')))}))`)}
          ${vstore(at(get('brow')), `(f32x4.add ${vload(at(get('brow')))} ${vv('e')})`)}
          ${vstore(at(get('drow')), `(f32x4.mul ${vv('e')} ${vv('vsc')})`)}
          ${vstore(at(get('row')), vv('p'))}`,
          (at) => `${set('fp', fload(at(get('buf'))))}
          ${set('fe', `(f32.mul ${vv('fp')} (f32.sub ${fload(at(get('drow')))} ${vv('delta')}))`)}
          ${set('dsAcc', `(f32.add ${vv('dsAcc')} (f32.mul ${vv('fe')} ${fload(at(get('row')))}))`)}
          ${fstore(at(get('brow')), `(f32.add ${fload(at(get('brow')))} ${vv('fe')})`)}
          ${fstore(at(get('drow')), `(f32.mul ${vv('fe')} ${vv('sc')})`)}
          ${fstore(at(get('row')), vv('fp'))}`,
        )}`;

  const backward = `
  (func (export "attnBwd") (param $desc i32) (param $w0 i32) (param $w1 i32) (param $thread i32)
    ${attentionLocals}
    ${loadDescriptor()}
    ${set('C', mul(get('T'), get('Ch')))} ${set('C3', mul(get('C'), i32(3)))}
    ${set('dqkv', `(i32.load offset=${DESC.dqkv} ${get('desc')})`)}
    ${set('S', add(`(i32.load offset=${DESC.scratch} ${get('desc')})`, mul(get('thread'), `(i32.load offset=${DESC.scratchBytes} ${get('desc')})`)))}
    ${set('D', add(get('S'), bytes(mul(get('P'), get('P')))))}
    ${set('X', add(get('D'), bytes(mul(get('P'), get('P')))))}
    ${set('buf', add(get('X'), bytes(mul(get('P'), get('Ch')))))}
    ${set('dbias', add(`(i32.load offset=${DESC.partial} ${get('desc')})`, mul(get('thread'), `(i32.load offset=${DESC.partialBytes} ${get('desc')})`)))}
    ${set('dscale', add(get('dbias'), bytes(mul(get('T'), mul(get('P'), get('P'))))))}
    (memory.fill ${get('dbias')} (i32.const 0) ${bytes(add(mul(get('T'), mul(get('P'), get('P'))), get('T')))})
    ${set('w', get('w0'))}
    (block $WDone (loop $W
      (br_if $WDone (i32.ge_u ${get('w')} ${get('w1')}))
      ${forLoop(
        'H',
        'h',
        get('T'),
        `${headPointers}
      ;; here $op is the head's dOut
      ${transposeHead(get('kp'), C3bytes)}
      (call $gemmStrided ${get('qp')} ${get('X')} ${get('S')} ${get('P')} ${get('Ch')} ${get('P')} ${C3bytes} (i32.const 4) ${Pbytes} ${Pbytes} (i32.const 0))
      ${transposeHead(get('vp'), C3bytes)}
      (call $gemmStrided ${get('op')} ${get('X')} ${get('D')} ${get('P')} ${get('Ch')} ${get('P')} ${Cbytes} (i32.const 4) ${Pbytes} ${Pbytes} (i32.const 0))
      ${set('vdsAcc', f4(0))} ${set('dsAcc', '(f32.const 0)')}
      ${forLoop('I', 'i', get('P'), backwardRow)}
      ${fstore(add(get('dscale'), bytes(get('h'))), `(f32.add ${fload(add(get('dscale'), bytes(get('h'))))} (f32.add ${vv('dsAcc')} ${hsum(vv('vdsAcc'))}))`)}
      ${set('dq', add(get('dqkv'), bytes(add(mul(mul(get('w'), get('P')), get('C3')), mul(get('h'), get('Ch'))))))}
      ;; dV = A^T dOut, dQ = dL' K, dK = dL'^T Q (dL' = scale dL in $D, A in $S)
      (call $gemmStrided ${get('S')} ${get('op')} ${add(get('dq'), bytes(mul(get('C'), i32(2))))} ${get('P')} ${get('P')} ${get('Ch')} (i32.const 4) ${Pbytes} ${Cbytes} ${C3bytes} (i32.const 0))
      (call $gemmStrided ${get('D')} ${get('kp')} ${get('dq')} ${get('P')} ${get('P')} ${get('Ch')} ${Pbytes} (i32.const 4) ${C3bytes} ${C3bytes} (i32.const 0))
      (call $gemmStrided ${get('D')} ${get('qp')} ${add(get('dq'), Cbytes)} ${get('P')} ${get('P')} ${get('Ch')} (i32.const 4) ${Pbytes} ${C3bytes} ${C3bytes} (i32.const 0))`,
      )}
      ${set('w', add(get('w'), i32(1)))}
      (br $W))))`;
  return `${forward}\n${backward}`;
}
