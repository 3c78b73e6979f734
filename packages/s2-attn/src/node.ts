// `@s2cassi/s2-attn/node`: the Node-only file helpers. The main entry needs no Node built-in and only the
// safetensors codec of `@s2cassi/hsi-io`; saving to and loading from files lives here.
export { loadS2Transformer, saveS2Transformer } from './weights-file';
