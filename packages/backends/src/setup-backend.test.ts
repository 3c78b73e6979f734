import { expectNoLeaks, setBackend } from '@s2cassi/testing';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { backendInfo } from './backend-info';
import { setupBackend, TENSORFLOW_INSTALL_HINT } from './setup-backend';
import { guardWasmMalloc } from './wasm/_simd-module';
import { WASM_TRAINING_KERNELS } from './wasm/register-wasm-kernels';

describe('guardWasmMalloc', () => {
  it("binds emscripten's lazy _malloc, then throws instead of returning 0, once", () => {
    const calls: number[] = [];
    let next = 64;
    const raw = (bytes: number) => {
      calls.push(bytes);
      return bytes > 1000 ? 0 : (next += 64);
    };
    const module = {
      // like emscripten: the first call replaces the property with the raw export
      _malloc(bytes: number): number {
        module._malloc = raw;
        return raw(bytes);
      },
      _free: (_pointer: number) => {},
    };
    expect(guardWasmMalloc(module)).toBe(true);
    expect(guardWasmMalloc(module)).toBe(false);
    expect(module._malloc(100)).toBeGreaterThan(0);
    expect(() => module._malloc(5 * 2 ** 20)).toThrow(/could not allocate 5\.0 MiB: the wasm heap is full/);
    expect(module._malloc(0 + 8)).toBeGreaterThan(0);
    expect(calls).toEqual([16, 100, 5 * 2 ** 20, 8]);
  });
});

describe('setupBackend', () => {
  afterAll(async () => {
    await setBackend('cpu');
  });

  it("'cpu' activates cpu with gradients registered", async () => {
    const lines: string[] = [];
    const choice = await setupBackend('cpu', { log: (m) => lines.push(m) });
    expect(choice).toEqual({ backend: 'cpu', reason: "requested 'cpu'" });
    expect(lines.at(-1)).toContain('backend: cpu');
    const info = backendInfo();
    expect(info.name).toBe('cpu');
    expect(info.threads).toBeUndefined();
    expect(info.gradientsRegistered).toBe(true);
    expect(info.memory.numTensors).toBe(tf.memory().numTensors);
  });

  it("'wasm' activates wasm from the package's dist/, with the training kernels and a working conv gradient (threads: 1 keeps tfjs's single-threaded build)", async () => {
    const choice = await setupBackend('wasm', { threads: 1, log: () => {} });
    expect(choice.backend).toBe('wasm');
    expect(choice.reason).toMatch(/tfjs-backend-wasm\/dist\/|already/);
    expect(tf.getBackend()).toBe('wasm');
    for (const name of WASM_TRAINING_KERNELS) expect(tf.getKernel(name, 'wasm')).toBeDefined();
    const info = backendInfo();
    expect(info.name).toBe('wasm');
    expect(info.threads).toBe(1);
    const shape = await expectNoLeaks(() =>
      tf.tidy(() => {
        const x = tf.ones([1, 6, 6, 2]) as tf.Tensor4D;
        const w = tf.ones([3, 3, 2, 4]) as tf.Tensor4D;
        const dw = tf.grad((f: tf.Tensor) => tf.sum(tf.conv2d(x, f as tf.Tensor4D, 1, 'same')))(w);
        // Each filter tap sees the ones it overlaps: centre tap 36 pixels, edge taps 30, corners 25.
        const values = dw.dataSync();
        expect([values[0], values[4 * 2 * 1], values[4 * 2 * 4]]).toEqual([25, 30, 36]);
        return dw.shape;
      }),
    );
    expect(shape).toEqual([3, 3, 2, 4]);
  });

  it("'wasm' guards tfjs's malloc (a failed allocation throws instead of handing out offset 0)", async () => {
    await setupBackend('wasm', { log: () => {} });
    const module = (
      tf.backend() as unknown as { wasm: { _malloc(bytes: number): number; _free(p: number): void } }
    ).wasm;
    // guardWasmMalloc reports false when the guard is already there
    expect(guardWasmMalloc(module)).toBe(false);
    const pointer = module._malloc(1024);
    expect(pointer).toBeGreaterThan(0);
    module._free(pointer);
    const sum = tf.tidy(() => tf.sum(tf.ones([100, 100])));
    expect(await sum.data()).toEqual(new Float32Array([10000]));
    sum.dispose();
  });

  it("'tensorflow' without tfjs-node installed says how to install it", async () => {
    await expect(setupBackend('tensorflow')).rejects.toThrow(/npm install @tensorflow\/tfjs-node@4\.22\.0/);
    expect(TENSORFLOW_INSTALL_HINT).toContain('@tensorflow/tfjs-node-gpu');
  });

  it("'auto' in Node without a hardware GPU or tfjs-node picks wasm and says why", async () => {
    const choice = await setupBackend('auto');
    expect(choice.backend).toBe('wasm');
    expect(choice.reason).toMatch(/^auto: wasm/);
    expect(choice.reason).toMatch(/webgpu: /);
    expect(choice.reason).toContain('tensorflow: @tensorflow/tfjs-node(-gpu) not installed');
  });

  it("'webgl' is for browsers; with fallback it goes on to wasm and says why", async () => {
    await expect(setupBackend('webgl')).rejects.toThrow(/'webgl' needs a browser or a Web Worker \(WebGL2\)/);
    const choice = await setupBackend('webgl', { fallback: true, log: () => {} });
    expect(choice.backend).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(choice.fallback).toMatch(/^webgl failed \('webgl' needs a browser.*\); using wasm instead$/);
    expect(choice.reason).toMatch(/^fallback: wasm/);
    // a request that works reports no fallback
    expect((await setupBackend('cpu', { fallback: true })).fallback).toBeUndefined();
  });

  it('rejects an unknown request and bad thread counts with the expected values named', async () => {
    await expect(setupBackend('opengl' as never)).rejects.toThrow(
      /expected one of 'auto', 'webgpu', 'webgl', 'wasm', 'cpu', 'tensorflow', got "opengl"/,
    );
    await expect(setupBackend('wasm', { threads: 0 })).rejects.toThrow(
      /threads to be an integer >= 1, got 0/,
    );
  });
});
