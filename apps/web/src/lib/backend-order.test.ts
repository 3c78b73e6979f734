import { describe, expect, it } from 'vitest';
import { orderFor, softwareRenderer } from './backend-order';

describe('backend order', () => {
  it('auto walks webgpu, webgl, wasm, cpu; an explicit request falls back down the chain', () => {
    expect(orderFor('auto')).toEqual(['webgpu', 'webgl', 'wasm', 'cpu']);
    expect(orderFor('webgpu')).toEqual(['webgpu', 'webgl', 'wasm', 'cpu']);
    expect(orderFor('webgl')).toEqual(['webgl', 'wasm', 'cpu']);
    expect(orderFor('wasm')).toEqual(['wasm', 'cpu']);
    expect(orderFor('cpu')).toEqual(['cpu']);
    expect(() => orderFor('cuda' as 'cpu')).toThrow(
      /expected one of auto, webgpu, webgl, wasm, cpu, got cuda/,
    );
  });

  it('recognises software renderers', () => {
    expect(softwareRenderer('ANGLE (Google, Vulkan 1.3.0 (SwiftShader Device (Subzero)))')).toBe(true);
    expect(softwareRenderer('google / swiftshader')).toBe(true);
    expect(softwareRenderer('llvmpipe (LLVM 15.0.6, 256 bits)')).toBe(true);
    expect(softwareRenderer('nvidia / ampere')).toBe(false);
    expect(softwareRenderer('ANGLE (NVIDIA, NVIDIA GeForce RTX 3080)', true)).toBe(true);
  });
});
