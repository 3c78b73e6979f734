import { describe, expect, it } from 'vitest';
import { backendOrder } from './backend-order';
import { isSoftwareRenderer } from './software-renderer';

describe('backendOrder', () => {
  it("'auto' walks the platform's chain, fastest first", () => {
    expect(backendOrder('auto', 'browser')).toEqual(['webgpu', 'webgl', 'wasm', 'cpu']);
    expect(backendOrder('auto', 'node')).toEqual(['webgpu', 'tensorflow', 'wasm', 'cpu']);
  });

  it('an explicit request comes first, then the chain below it (the fallback)', () => {
    expect(backendOrder('webgpu', 'browser')).toEqual(['webgpu', 'webgl', 'wasm', 'cpu']);
    expect(backendOrder('webgl', 'browser')).toEqual(['webgl', 'wasm', 'cpu']);
    expect(backendOrder('wasm', 'browser')).toEqual(['wasm', 'cpu']);
    expect(backendOrder('cpu', 'browser')).toEqual(['cpu']);
    expect(backendOrder('tensorflow', 'node')).toEqual(['tensorflow', 'wasm', 'cpu']);
    // outside the platform's chain: then the CPU backends
    expect(backendOrder('webgl', 'node')).toEqual(['webgl', 'wasm', 'cpu']);
    expect(backendOrder('tensorflow', 'browser')).toEqual(['tensorflow', 'wasm', 'cpu']);
  });

  it('rejects an unknown platform', () => {
    expect(() => backendOrder('auto', 'deno' as 'node')).toThrow(/expected platform 'node' or 'browser'/);
  });
});

describe('isSoftwareRenderer', () => {
  it('recognises CPU emulation of a GPU, and fallback adapters', () => {
    for (const name of [
      'Google Inc. (Google) / ANGLE (Google, Vulkan 1.3.0 (SwiftShader Device (Subzero)), SwiftShader driver)',
      'llvmpipe (LLVM 15.0.7, 256 bits)',
      'lavapipe',
      'softpipe',
      'Microsoft Basic Render Driver',
    ])
      expect(isSoftwareRenderer(name), name).toBe(true);
    expect(isSoftwareRenderer('ANGLE (NVIDIA, NVIDIA GeForce RTX 3060 Direct3D11)')).toBe(false);
    expect(isSoftwareRenderer('nvidia / ampere', true)).toBe(true);
  });
});
