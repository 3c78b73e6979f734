import * as tf from '@tensorflow/tfjs-core';

/** The renderer behind the active tfjs 'webgl' backend, as WEBGL_debug_renderer_info reports it. */
export function webGlRenderer(): string {
  const backend = tf.backend() as unknown as { gpgpu?: { gl?: WebGL2RenderingContext } };
  const gl = backend.gpgpu?.gl;
  const info = gl?.getExtension('WEBGL_debug_renderer_info');
  return gl && info ? String(gl.getParameter(info.UNMASKED_RENDERER_WEBGL)) : 'unknown renderer';
}
