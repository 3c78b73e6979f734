#!/usr/bin/env python3
"""PyTorch peer of our S2-Transformer training step, for bench/peer-verify.ts.

An independent PyTorch implementation of the network in @s2cassi/s2-attn (S2Transformer: embedding conv,
K stages of L S2-attn blocks + a stage conv, head conv with the global residual, f_h mask head, reflect
padding to multiples of M, Swin shifted windows with the -100 region mask, spatial and spectral window
attention with learnable beta and relative biases, LayerNorm, exact or tanh GELU, FFN), of the losses in
@s2cassi/mask-aware-loss (Recon L1 / MSE / RMSE, ME, MA over r x r regions) and of the trainer's Adam step
(PyTorch's Adam, eps 1e-8, no weight decay, optional clip_grad_norm_). Written from our TypeScript and
../shared/spec/s2-transformer.md; it loads our weights (safetensors from encodeModelWeights: Linear
weights [in, out], conv weights HWIO) and checks every name and shape.

Environment (Debian 12): python3-torch links the slow reference BLAS; the peer runs with OpenBLAS instead:
    apt-get install -y --no-install-recommends python3-torch python3-numpy
    apt-get download libopenblas0-pthread && dpkg -x libopenblas0-pthread_*.deb /work/openblas
    LD_LIBRARY_PATH=/work/openblas/usr/lib/x86_64-linux-gnu/openblas-pthread /usr/bin/python3 ...
peer-verify.ts sets LD_LIBRARY_PATH, OPENBLAS_NUM_THREADS, OMP_NUM_THREADS and OMP_WAIT_POLICY (PASSIVE by
default) for this process and unsets OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE (for this process only); with
--openblas-coretype it sets OPENBLAS_CORETYPE itself. OpenBLAS 0.3.21 does not recognise recent CPUs (e.g. family 6
model 207) and then runs its Prescott (SSE3) kernels; the peer prints the core it runs and warns in that case. With --require-blas-dir the peer exits
with an error unless the BLAS library it loaded comes from that folder (no silent reference BLAS).
No package beyond torch and numpy (the safetensors reader below is json + numpy).

Commands (all print human-readable lines, then one line `RESULT <json>`):
    s2_transformer_peer.py check --dir DIR [--threads 2]
        DIR holds weights.safetensors, check.safetensors (input, truth, mask, our outputs and gradients)
        and check.json (configs, our loss values); prints the differences to ours.
    s2_transformer_peer.py time --dir DIR [--steps 3] [--warmup 1] [--threads 2] [--profile]
        [--checkpoint-blocks]
        times the training step on the batch of check.safetensors from the weights in DIR.
    s2_transformer_peer.py count --config JSON
        parameter count of a model config (the JSON of ResolvedS2TransformerConfig, or a part of it).
"""
import argparse
import json
import math
import os
import resource
import struct
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.utils.checkpoint

# ---------------------------------------------------------------------------------------------------------
# safetensors: 8-byte little-endian header length, a JSON header {name: {dtype, shape, data_offsets}},
# optional "__metadata__" (string map), then the raw little-endian data.

_DTYPES = {
    "F64": "<f8",
    "F32": "<f4",
    "F16": "<f2",
    "I64": "<i8",
    "I32": "<i4",
    "I16": "<i2",
    "I8": "i1",
    "U8": "u1",
    "BOOL": "u1",
}


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 8:
        raise ValueError(f"{path}: too short for a safetensors file")
    (header_length,) = struct.unpack("<Q", data[:8])
    if 8 + header_length > len(data):
        raise ValueError(f"{path}: header length {header_length} past the end of the file")
    header = json.loads(data[8 : 8 + header_length].decode("utf-8"))
    metadata = header.pop("__metadata__", {}) or {}
    base = 8 + header_length
    tensors = {}
    for name, info in header.items():
        if info["dtype"] not in _DTYPES:
            raise ValueError(f"{path}: tensor {name}: unsupported dtype {info['dtype']}")
        dtype = np.dtype(_DTYPES[info["dtype"]])
        begin, end = info["data_offsets"]
        shape = tuple(info["shape"])
        count = int(np.prod(shape)) if shape else 1
        if end - begin != count * dtype.itemsize or base + end > len(data):
            raise ValueError(f"{path}: tensor {name}: data offsets {begin}..{end} do not fit shape {shape}")
        tensors[name] = np.frombuffer(data, dtype=dtype, count=count, offset=base + begin).reshape(shape).copy()
    return tensors, metadata


# ---------------------------------------------------------------------------------------------------------
# The network (names of modules and parameters = our safetensors names).

MODEL_DEFAULTS = {
    "bandCount": 28,
    "embeddingDim": 60,
    "stageCount": 4,
    "blocksPerStage": 6,
    "heads": 6,
    "windowSize": 8,
    "ffnRatio": 4,
    "blockType": "parall-ss",
    "maskEncodingStage": 2,
    "maskHeadKernelSize": 3,
    "maskHeadNorm": True,
    "shiftOddBlocks": True,
    "gelu": "erf",
    "ffnOutputGelu": True,
    "spectralProduct": "paper",
    "fuseBias": False,
    "layerNormEpsilon": 1e-5,
    "maskValue": -100,
    "padMode": "reflect",
    "seed": 1,  # our initialisation seed; the peer always loads our weights
}

BLOCK_UNITS = {
    "spa": ["spa"],
    "spe": ["spe"],
    "spa-spa": ["spa", "spa"],
    "spe-spe": ["spe", "spe"],
    "sequn-ss": ["spe", "spa"],
}


def resolve_model_config(config):
    unknown = sorted(set(config) - set(MODEL_DEFAULTS))
    if unknown:
        raise ValueError(f"the peer does not implement model option(s) {', '.join(unknown)}: update it first")
    c = {**MODEL_DEFAULTS, **config}
    if c["embeddingDim"] % c["heads"]:
        raise ValueError("embeddingDim must be divisible by heads")
    if c["blockType"] != "parall-ss" and c["blockType"] not in BLOCK_UNITS:
        raise ValueError(f"unknown blockType {c['blockType']}")
    if c["gelu"] not in ("erf", "tanh") or c["spectralProduct"] not in ("paper", "mst"):
        raise ValueError("gelu must be erf|tanh and spectralProduct paper|mst")
    if c["padMode"] not in ("reflect", "symmetric"):
        raise ValueError("padMode must be reflect|symmetric")
    return c


def gelu(x, approximation):
    return F.gelu(x, approximate="tanh" if approximation == "tanh" else "none")


def window_partition(x, m):
    """[B, H, W, C] -> [B * H/M * W/M, M*M, C], windows ordered (batch, window row, window column)."""
    b, h, w, c = x.shape
    x = x.view(b, h // m, m, w // m, m, c).permute(0, 1, 3, 2, 4, 5)
    return x.reshape(-1, m * m, c)


def window_reverse(windows, m, h, w):
    c = windows.shape[-1]
    b = windows.shape[0] // ((h // m) * (w // m))
    x = windows.view(b, h // m, w // m, m, m, c).permute(0, 1, 3, 2, 4, 5)
    return x.reshape(b, h, w, c)


def shifted_window_mask(h, w, m, shift, value):
    """[H/M * W/M, M*M, M*M]: 0 within a region of the shifted map, `value` across regions (Swin)."""

    def region(i, size):
        return 0 if i < size - m else (1 if i < size - shift else 2)

    rows = np.array([region(i, h) for i in range(h)])
    cols = np.array([region(j, w) for j in range(w)])
    labels = rows[:, None] * 3 + cols[None, :]
    per_window = labels.reshape(h // m, m, w // m, m).transpose(0, 2, 1, 3).reshape(-1, m * m)
    different = per_window[:, :, None] != per_window[:, None, :]
    return torch.from_numpy(np.where(different, value, 0.0).astype(np.float32))


def relative_position_index(m):
    """Swin's index into the (2M-1)^2 table: (dy + M - 1) * (2M - 1) + (dx + M - 1), row-major tokens."""
    coords = np.stack(np.meshgrid(np.arange(m), np.arange(m), indexing="ij")).reshape(2, -1)
    delta = coords[:, :, None] - coords[:, None, :] + (m - 1)
    return torch.from_numpy((delta[0] * (2 * m - 1) + delta[1]).reshape(-1).astype(np.int64))


def spectral_index(ch):
    i = np.arange(ch)
    return torch.from_numpy((i[:, None] - i[None, :] + ch - 1).reshape(-1).astype(np.int64))


def split_qkv(qkv, windows, tokens, heads, head_dim):
    """[n, P, 3C] with channels [3][T][Ch] -> q, k, v [n, T, P, Ch]."""
    return qkv.view(windows, tokens, 3, heads, head_dim).permute(2, 0, 3, 1, 4).unbind(0)


class SpatialMsa(nn.Module):
    """softmax(Q K^T / beta + B [+ mask]) V per window and head; beta init sqrt(Ch)."""

    def __init__(self, features, heads, window_size):
        super().__init__()
        self.heads, self.window_size = heads, window_size
        self.head_dim = features // heads
        self.beta = nn.Parameter(torch.full((heads,), math.sqrt(self.head_dim)))
        self.relative_position_bias_table = nn.Parameter(torch.zeros((2 * window_size - 1) ** 2, heads))
        self.qkv = nn.Linear(features, 3 * features)
        self.proj = nn.Linear(features, features)
        self.register_buffer("index", relative_position_index(window_size), persistent=False)

    def forward(self, x, mask=None):
        n, p, c = x.shape
        t = self.heads
        q, k, v = split_qkv(self.qkv(x), n, p, t, self.head_dim)
        q = q * self.beta.reciprocal().view(1, t, 1, 1)
        attention = q @ k.transpose(-2, -1)
        bias = self.relative_position_bias_table[self.index].view(p, p, t).permute(2, 0, 1)
        attention = attention + bias.unsqueeze(0)
        if mask is not None:
            per_image = mask.shape[0]
            attention = attention.view(n // per_image, per_image, t, p, p) + mask.view(1, per_image, 1, p, p)
            attention = attention.view(n, t, p, p)
        attention = attention.softmax(-1)
        out = (attention @ v).transpose(1, 2).reshape(n, p, c)
        return self.proj(out)


class SpectralMsa(nn.Module):
    """A = softmax(K^T Q / beta + B) (Ch x Ch) per window and head; Z = V A ('paper') or V A^T ('mst')."""

    def __init__(self, features, heads, window_size, product):
        super().__init__()
        self.heads, self.product = heads, product
        self.head_dim = features // heads
        self.beta = nn.Parameter(torch.full((heads,), float(window_size)))
        self.spectral_bias_table = nn.Parameter(torch.zeros(2 * self.head_dim - 1, heads))
        self.qkv = nn.Linear(features, 3 * features)
        self.proj = nn.Linear(features, features)
        self.register_buffer("index", spectral_index(self.head_dim), persistent=False)

    def forward(self, x, mask=None):  # no masking in shifted windows
        n, p, c = x.shape
        t, ch = self.heads, self.head_dim
        q, k, v = split_qkv(self.qkv(x), n, p, t, ch)
        k = k * self.beta.reciprocal().view(1, t, 1, 1)
        attention = k.transpose(-2, -1) @ q
        bias = self.spectral_bias_table[self.index].view(ch, ch, t).permute(2, 0, 1)
        attention = (attention + bias.unsqueeze(0)).softmax(-1)
        out = v @ (attention.transpose(-2, -1) if self.product == "mst" else attention)
        return self.proj(out.transpose(1, 2).reshape(n, p, c))


class FeedForward(nn.Module):
    def __init__(self, features, ratio, output_gelu, approximation):
        super().__init__()
        self.fc1 = nn.Linear(features, ratio * features)
        self.fc2 = nn.Linear(ratio * features, features)
        self.output_gelu, self.approximation = output_gelu, approximation

    def forward(self, x):
        out = self.fc2(gelu(self.fc1(x), self.approximation))
        return gelu(out, self.approximation) if self.output_gelu else out


class Block(nn.Module):
    """Cyclic shift, window partition, the block body on windows [n, M*M, C], reverse, shift back."""

    def __init__(self, c, shift):
        super().__init__()
        self.window_size, self.shift = c["windowSize"], shift
        C, eps = c["embeddingDim"], c["layerNormEpsilon"]
        self.kind = c["blockType"]

        def msa(kind):
            if kind == "spa":
                return SpatialMsa(C, c["heads"], c["windowSize"])
            return SpectralMsa(C, c["heads"], c["windowSize"], c["spectralProduct"])

        if self.kind == "parall-ss":
            self.norm_spe, self.spe = nn.LayerNorm(C, eps=eps), msa("spe")
            self.norm_spa, self.spa = nn.LayerNorm(C, eps=eps), msa("spa")
            self.fuse = nn.Linear(2 * C, C, bias=c["fuseBias"])
            self.units = []
        else:
            kinds = BLOCK_UNITS[self.kind]
            self.units = []
            for i, kind in enumerate(kinds):
                repeated = kinds.count(kind) > 1
                name = f"{kind}{kinds[: i + 1].count(kind)}" if repeated else kind
                self.add_module(f"norm_{name}", nn.LayerNorm(C, eps=eps))
                self.add_module(name, msa(kind))
                self.units.append(name)
        self.norm_ffn = nn.LayerNorm(C, eps=eps)
        self.ffn = FeedForward(C, c["ffnRatio"], c["ffnOutputGelu"], c["gelu"])

    def body(self, w, mask):
        if self.kind == "parall-ss":
            spectral = self.spe(self.norm_spe(w))
            spatial = self.spa(self.norm_spa(w), mask)
            z = w + self.fuse(torch.cat([spectral, spatial], -1))
        else:
            z = w
            for name in self.units:
                z = z + getattr(self, name)(getattr(self, f"norm_{name}")(z), mask)
        return z + self.ffn(self.norm_ffn(z))

    def forward(self, x, mask):  # x [B, H, W, C]
        _, h, w, _ = x.shape
        s, m = self.shift, self.window_size
        if s:
            x = torch.roll(x, shifts=(-s, -s), dims=(1, 2))
        out = window_reverse(self.body(window_partition(x, m), mask if s else None), m, h, w)
        return torch.roll(out, shifts=(s, s), dims=(1, 2)) if s else out


class Stage(nn.Module):
    """Z_k = Z_{k-1} + Conv3x3(blocks(Z_{k-1})); feature maps NCHW outside, NHWC inside the blocks."""

    def __init__(self, c):
        super().__init__()
        shift = c["windowSize"] // 2
        self.blocks = nn.ModuleList(
            Block(c, shift if c["shiftOddBlocks"] and l % 2 == 1 else 0) for l in range(c["blocksPerStage"])
        )
        C = c["embeddingDim"]
        self.conv = nn.Conv2d(C, C, 3, padding=1)

    def forward(self, z, mask, checkpoint_blocks=False):
        x = z.permute(0, 2, 3, 1).contiguous()
        for block in self.blocks:
            if checkpoint_blocks and torch.is_grad_enabled():
                x = torch.utils.checkpoint.checkpoint(block, x, mask, use_reentrant=False)
            else:
                x = block(x, mask)
        return z + self.conv(x.permute(0, 3, 1, 2).contiguous())


class MaskHead(nn.Module):
    """f_h: LayerNorm over channels (optional) + Conv C->N."""

    def __init__(self, c):
        super().__init__()
        C, N, k = c["embeddingDim"], c["bandCount"], c["maskHeadKernelSize"]
        self.norm = nn.LayerNorm(C, eps=c["layerNormEpsilon"]) if c["maskHeadNorm"] else None
        self.conv = nn.Conv2d(C, N, k, padding=k // 2)

    def forward(self, z):
        if self.norm is not None:
            z = self.norm(z.permute(0, 2, 3, 1)).permute(0, 3, 1, 2).contiguous()
        return self.conv(z)


def pad_to_multiple(x, multiple, mode):
    """Bottom/right mirror padding of NCHW x to multiples of `multiple` (several reflections if needed)."""
    for axis in (2, 3):
        target = math.ceil(x.shape[axis] / multiple) * multiple
        while x.shape[axis] < target:
            size = x.shape[axis]
            limit = size - 1 if mode == "reflect" else size
            if limit < 1:
                x = torch.cat([x, x], axis)
                continue
            amount = min(target - size, limit)
            start = size - 2 if mode == "reflect" else size - 1
            index = torch.arange(start, start - amount, -1)
            x = torch.cat([x, x.index_select(axis, index)], axis)
    return x


class S2Transformer(nn.Module):
    """Y0 [B, N, H, W] -> F_hat = Y0 + head(stages(embedding(Y0))) (+ f_h on stage k_ME)."""

    def __init__(self, config):
        super().__init__()
        c = self.config = resolve_model_config(config)
        N, C = c["bandCount"], c["embeddingDim"]
        self.embedding = nn.Conv2d(N, C, 3, padding=1)
        self.stages = nn.ModuleList(Stage(c) for _ in range(c["stageCount"]))
        self.head = nn.Conv2d(C, N, 3, padding=1)
        self.mask_head = MaskHead(c) if c["maskEncodingStage"] > 0 else None
        self.checkpoint_blocks = False
        self._masks = {}

    def window_mask(self, h, w):
        c = self.config
        m, shift = c["windowSize"], c["windowSize"] // 2
        if not (c["shiftOddBlocks"] and c["blocksPerStage"] > 1 and shift > 0):
            return None
        key = (h, w)
        if key not in self._masks:
            self._masks[key] = shifted_window_mask(h, w, m, shift, float(c["maskValue"]))
        return self._masks[key]

    def forward(self, y0, with_intermediate=False):
        c = self.config
        _, _, h, w = y0.shape
        padded = pad_to_multiple(y0, c["windowSize"], c["padMode"])
        mask = self.window_mask(padded.shape[2], padded.shape[3])
        z = self.embedding(padded)
        encoded = None
        for k, stage in enumerate(self.stages):
            z = stage(z, mask, self.checkpoint_blocks)
            if with_intermediate and k + 1 == c["maskEncodingStage"]:
                encoded = self.mask_head(z)[:, :, :h, :w]
        out = (padded + self.head(z))[:, :, :h, :w]
        return out, encoded


# ---------------------------------------------------------------------------------------------------------
# Our weight layout <-> PyTorch's.


def parameter_layouts(model):
    """name -> 'linear' (ours [in, out], torch [out, in]), 'conv' (ours HWIO, torch OIHW) or 'same'."""
    layouts = {}
    for module_name, module in model.named_modules():
        prefix = f"{module_name}." if module_name else ""
        for name, _ in module.named_parameters(recurse=False):
            kind = "same"
            if name == "weight" and isinstance(module, nn.Linear):
                kind = "linear"
            elif name == "weight" and isinstance(module, nn.Conv2d):
                kind = "conv"
            layouts[prefix + name] = kind
    return layouts


def to_torch_layout(array, kind):
    if kind == "linear":
        return np.ascontiguousarray(array.T)
    if kind == "conv":
        return np.ascontiguousarray(array.transpose(3, 2, 0, 1))
    return array


def to_our_layout(array, kind):
    if kind == "linear":
        return np.ascontiguousarray(array.T)
    if kind == "conv":
        return np.ascontiguousarray(array.transpose(2, 3, 1, 0))
    return array


def load_our_weights(model, tensors, source):
    layouts = parameter_layouts(model)
    params = dict(model.named_parameters())
    missing = sorted(set(params) - set(tensors))
    unexpected = sorted(set(tensors) - set(params))
    mismatched = []
    for name, p in params.items():
        if name in tensors:
            converted = to_torch_layout(tensors[name], layouts[name])
            if tuple(converted.shape) != tuple(p.shape):
                mismatched.append(f"{name}: ours {list(tensors[name].shape)} -> {list(converted.shape)}, peer {list(p.shape)}")
    if missing or unexpected or mismatched:
        raise ValueError(
            f"{source}: weights do not match the peer model: missing {missing}, unexpected {unexpected}, "
            f"mismatched {mismatched}"
        )
    with torch.no_grad():
        for name, p in params.items():
            p.copy_(torch.from_numpy(to_torch_layout(tensors[name], layouts[name]).astype(np.float32)))


def parameter_count(model):
    return sum(p.numel() for p in model.parameters())


# ---------------------------------------------------------------------------------------------------------
# Losses (@s2cassi/mask-aware-loss) on NCHW cubes; the mask is [B, H, W] (or [H, W]), the same for all bands.


def region_sums(x, extent):
    """Sums over r x r pixels x all bands (zero-padded partial regions), or the whole sample."""
    if extent == "global":
        return x.sum(dim=(1, 2, 3))
    per_pixel = x.sum(dim=1)  # [B, H, W]
    if extent == 1:
        return per_pixel
    b, h, w = per_pixel.shape
    rows, cols = math.ceil(h / extent), math.ceil(w / extent)
    padded = F.pad(per_pixel, (0, cols * extent - w, 0, rows * extent - h))
    return padded.view(b, rows, extent, cols, extent).sum(dim=(2, 4))


def reconstruction_term(prediction, truth, kind):
    difference = prediction - truth
    if kind == "l1":
        return difference.abs().mean()
    mse = difference.square().mean()
    return mse if kind == "mse" else mse.sqrt()


def loss_parts(spec, prediction, truth, encoded, mask):
    """spec: {objective: l1|rmse|me|ma, alpha, beta, reconstruction, region (r or 'global'), eps}."""
    objective = spec["objective"]
    if objective in ("l1", "rmse"):
        recon = reconstruction_term(prediction, truth, objective)
        return {"total": recon, "recon": recon}
    mask4 = mask.view(mask.shape[0] if mask.dim() == 3 else 1, 1, mask.shape[-2], mask.shape[-1])
    residual = (encoded - mask4 * truth).abs()
    me = residual.mean()
    if objective == "me":
        recon = reconstruction_term(prediction, truth, spec["reconstruction"])
        return {"total": recon + spec["alpha"] * me, "recon": recon, "me": me}
    error = (prediction - truth).abs()
    recon = error.mean() if spec["reconstruction"] == "l1" else reconstruction_term(prediction, truth, spec["reconstruction"])
    ratio = region_sums(error, spec["region"]) / (region_sums(residual, spec["region"]) + spec["eps"])
    ma = ratio.mean()
    return {"total": recon + spec["alpha"] * me + spec["beta"] * ma, "recon": recon, "me": me, "ma": ma}


# ---------------------------------------------------------------------------------------------------------
# The training step: zero_grad, forward, loss, backward, optional clip_grad_norm_, Adam.


class Step:
    def __init__(self, model, batch, loss_spec, optimizer_spec):
        self.model, self.batch, self.loss_spec = model, batch, loss_spec
        self.params = [p for p in model.parameters()]
        self.clip = optimizer_spec.get("gradientClipNorm")
        self.optimizer = torch.optim.Adam(
            self.params,
            lr=optimizer_spec["learningRate"],
            betas=(optimizer_spec["beta1"], optimizer_spec["beta2"]),
            eps=optimizer_spec["epsilon"],
            weight_decay=0,
        )
        self.with_intermediate = loss_spec["objective"] in ("me", "ma")

    def forward_loss(self):
        y0, truth, mask = self.batch
        prediction, encoded = self.model(y0, with_intermediate=self.with_intermediate)
        return loss_parts(self.loss_spec, prediction, truth, encoded, mask)

    def gradients(self):
        """Loss parts and the gradients (None where a parameter takes no part), no update."""
        self.optimizer.zero_grad(set_to_none=True)
        parts = self.forward_loss()
        parts["total"].backward()
        return parts

    def run(self, timings=None):
        t0 = time.perf_counter()
        self.optimizer.zero_grad(set_to_none=True)
        parts = self.forward_loss()
        t1 = time.perf_counter()
        parts["total"].backward()
        t2 = time.perf_counter()
        norm = None
        if self.clip is not None:
            norm = float(torch.nn.utils.clip_grad_norm_([p for p in self.params if p.grad is not None], self.clip))
        self.optimizer.step()
        total = float(parts["total"])
        t3 = time.perf_counter()
        if timings is not None:
            timings.append((t1 - t0, t2 - t1, t3 - t2))
        return total, norm


# ---------------------------------------------------------------------------------------------------------
# Environment report.


def loaded_blas():
    found = set()
    with open("/proc/self/maps") as maps:
        for line in maps:
            path = line.split()[-1] if len(line.split()) >= 6 else ""
            base = os.path.basename(path)
            if "blas" in base or "lapack" in base:
                found.add(os.path.realpath(path))
    return sorted(found)


def _cpu_flags():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("flags"):
                    return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


def _openblas_core(handle):
    import ctypes

    handle.openblas_get_corename.restype = ctypes.c_char_p
    return handle.openblas_get_corename().decode()


def environment(threads, require_blas_dir):
    torch.set_num_threads(threads)
    torch.ones(64, 64) @ torch.ones(64, 64)  # make sure the BLAS is loaded
    libraries = loaded_blas()
    print(f"peer: python {sys.version.split()[0]}, torch {torch.__version__}, numpy {np.__version__}, "
          f"torch threads {torch.get_num_threads()} (interop {torch.get_num_interop_threads()})")
    build = [line.strip() for line in torch.__config__.show().splitlines() if "BLAS" in line or "CPU capability" in line]
    blas_info = next((part.strip() for line in build for part in line.split(",") if "BLAS_INFO" in part), "?")
    print(f"peer: torch.__config__.show(): {blas_info}; {'; '.join(l for l in build if 'capability' in l)}")
    print(f"peer: BLAS libraries loaded: {', '.join(libraries) or 'none'}")
    openblas = next((lib for lib in libraries if "libopenblas" in os.path.basename(lib)), None)
    core = None
    if openblas:
        import ctypes

        handle = ctypes.CDLL(openblas)
        handle.openblas_get_config.restype = ctypes.c_char_p
        core = _openblas_core(handle)
        print(f"peer: OpenBLAS {handle.openblas_get_config().decode()}, core {core}, "
              f"{handle.openblas_get_num_threads()} thread(s)")
        flags = _cpu_flags()
        if core.lower() in ("prescott", "core2", "nehalem", "atom") and "avx2" in flags:
            print(f"peer: WARNING: OpenBLAS runs its {core} kernels on a CPU with AVX2"
                  f"{' and AVX-512' if 'avx512f' in flags else ''} (it did not recognise the CPU); the peer's matrix "
                  "products are ~2.5x slower than they could be: pass --openblas-coretype SkylakeX (AVX-512) or Haswell "
                  "(AVX2) to peer-verify.ts for a fair peer")
    env = {k: os.environ.get(k) for k in ("LD_LIBRARY_PATH", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "OMP_WAIT_POLICY", "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")}
    print(f"peer: environment {json.dumps(env)}")
    if require_blas_dir:
        wanted = os.path.realpath(require_blas_dir)
        if not any(lib.startswith(wanted + os.sep) for lib in libraries if "blas" in os.path.basename(lib)):
            print(f"peer: ERROR: torch did not load a BLAS from {wanted} (loaded: {libraries}); "
                  "refusing to run with another BLAS (Debian's reference BLAS is ~10x slower)", file=sys.stderr)
            sys.exit(3)
    return {"torch": torch.__version__, "blas": libraries, "blasInfo": blas_info, "threads": torch.get_num_threads(),
            "openblasCore": core}


# ---------------------------------------------------------------------------------------------------------
# check / time / count.


def load_case(directory):
    with open(os.path.join(directory, "check.json")) as f:
        meta = json.load(f)
    weights, metadata = read_safetensors(os.path.join(directory, "weights.safetensors"))
    model_config = json.loads(metadata["config"])
    model = S2Transformer(model_config)
    load_our_weights(model, weights, "weights.safetensors")
    data, _ = read_safetensors(os.path.join(directory, "check.safetensors"))
    y0 = torch.from_numpy(data["input"]).permute(0, 3, 1, 2).contiguous()
    truth = torch.from_numpy(data["truth"]).permute(0, 3, 1, 2).contiguous()
    mask = torch.from_numpy(data["mask"])
    return meta, model, (y0, truth, mask), data


def nchw_to_nhwc(x):
    return x.detach().permute(0, 2, 3, 1).numpy()


def difference(peer, ours):
    d = float(np.max(np.abs(peer.astype(np.float64) - ours.astype(np.float64))))
    scale = float(np.max(np.abs(ours)))
    return d, d / scale if scale > 0 else float("inf")


def command_check(args):
    info = environment(args.threads, args.require_blas_dir)
    meta, model, batch, data = load_case(args.dir)
    layouts = parameter_layouts(model)
    result = {"environment": info, "parameters": parameter_count(model), "oursParameters": meta["parameterCount"]}
    print(f"peer: parameters {result['parameters']:,} (ours {meta['parameterCount']:,})")
    model.checkpoint_blocks = meta.get("checkpointBlocks", False)
    y0, truth, mask = batch
    with torch.no_grad():
        prediction, encoded = model(y0, with_intermediate=model.mask_head is not None)
        d, rel = difference(nchw_to_nhwc(prediction), data["reconstruction"])
        result["reconstruction"] = {"maxAbs": d, "maxAbsRelative": rel}
        print(f"forward: reconstruction max |peer - ours| {d:.3e} ({rel:.2e} of max |ours|)")
        if encoded is not None:
            d, rel = difference(nchw_to_nhwc(encoded), data["mask_encoded"])
            result["maskEncoded"] = {"maxAbs": d, "maxAbsRelative": rel}
            print(f"forward: f_h output max |peer - ours| {d:.3e} ({rel:.2e} of max |ours|)")
        # The losses once more in float64 from OUR outputs: separates the network's differences from the
        # float32 rounding of the loss reductions (means and sums over ~1e5-1e6 elements).
        ours64 = torch.from_numpy(data["reconstruction"].astype(np.float64)).permute(0, 3, 1, 2)
        encoded64 = None
        if "mask_encoded" in data:
            encoded64 = torch.from_numpy(data["mask_encoded"].astype(np.float64)).permute(0, 3, 1, 2)
        result["losses"] = {}
        for objective, ours in meta["losses"].items():
            spec = {**meta["lossSpec"], **ours["spec"], "objective": objective}
            parts = loss_parts(spec, prediction, truth, encoded, mask)
            parts64 = loss_parts(spec, ours64, truth.double(), encoded64, mask.double())
            row = {}
            for key, value in parts.items():
                mine = float(value)
                theirs = ours["values"][key]
                exact = float(parts64[key])
                row[key] = {
                    "peer": mine,
                    "ours": theirs,
                    "relative": abs(mine - theirs) / abs(theirs) if theirs else abs(mine),
                    "oursOutputsFloat64": exact,
                    "oursRelativeToFloat64": abs(theirs - exact) / abs(exact) if exact else abs(theirs),
                    "peerRelativeToFloat64": abs(mine - exact) / abs(exact) if exact else abs(mine),
                }
            result["losses"][objective] = row
            print(f"loss {objective}: " + ", ".join(
                f"{k} peer {v['peer']:.7g} ours {v['ours']:.7g} (rel {v['relative']:.1e}; float64 of our outputs "
                f"{v['oursOutputsFloat64']:.7g}: ours rel {v['oursRelativeToFloat64']:.1e}, peer rel {v['peerRelativeToFloat64']:.1e})"
                for k, v in row.items()))
    result["gradients"] = {}
    for objective, ours in meta["gradients"].items():
        spec = {**meta["lossSpec"], **meta["losses"][objective]["spec"], "objective": objective}
        step = Step(model, batch, spec, meta["optimizer"])
        step.gradients()
        worst_name, worst_rel, worst_abs, none_mismatch = "", 0.0, 0.0, []
        squares = 0.0
        for name, p in model.named_parameters():
            key = f"grad.{objective}.{name}"
            if p.grad is None or key not in data:
                if (p.grad is None) != (key not in data):
                    none_mismatch.append(name)
                continue
            g = to_our_layout(p.grad.numpy(), layouts[name])
            squares += float(np.sum(g.astype(np.float64) ** 2))
            d, rel = difference(g, data[key])
            if rel > worst_rel:
                worst_name, worst_rel, worst_abs = name, rel, d
        norm = math.sqrt(squares)
        row = {
            "gradientNorm": {"peer": norm, "ours": ours["gradientNorm"], "relative": abs(norm - ours["gradientNorm"]) / ours["gradientNorm"]},
            "worstTensor": {"name": worst_name, "maxAbs": worst_abs, "maxAbsRelative": worst_rel},
            "differentlyDefined": none_mismatch,
        }
        result["gradients"][objective] = row
        print(f"gradients ({objective}): global norm peer {norm:.7g} ours {ours['gradientNorm']:.7g} "
              f"(rel {row['gradientNorm']['relative']:.1e}); worst tensor {worst_name}: max |peer - ours| "
              f"{worst_abs:.3e} = {worst_rel:.2e} of its max |ours|"
              + (f"; gradient defined on one side only: {none_mismatch}" if none_mismatch else ""))
    # One training step with the trainer's objective and optimizer, then the loss again.
    spec = {**meta["lossSpec"], "objective": meta["lossSpec"]["objective"]}
    step = Step(model, batch, spec, meta["optimizer"])
    loss_before, norm = step.run()
    with torch.no_grad():
        loss_after = float(step.forward_loss()["total"])
    ours = meta["step"]
    result["step"] = {
        "lossBefore": {"peer": loss_before, "ours": ours["lossBefore"]},
        "gradientNorm": {"peer": norm, "ours": ours.get("gradientNorm")},
        "lossAfter": {"peer": loss_after, "ours": ours["lossAfter"], "relative": abs(loss_after - ours["lossAfter"]) / abs(ours["lossAfter"])},
    }
    print(f"one training step ({spec['objective']}, lr {meta['optimizer']['learningRate']}, clip {meta['optimizer'].get('gradientClipNorm')}): "
          f"loss before peer {loss_before:.7g} ours {ours['lossBefore']:.7g}; after peer {loss_after:.7g} ours {ours['lossAfter']:.7g} "
          f"(rel {result['step']['lossAfter']['relative']:.1e})"
          + (f"; clipped gradient norm peer {norm:.7g} ours {ours.get('gradientNorm'):.7g}" if norm is not None else ""))
    print("RESULT " + json.dumps(result))


def quantile(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def command_time(args):
    info = environment(args.threads, args.require_blas_dir)
    meta, model, batch, _ = load_case(args.dir)
    model.checkpoint_blocks = args.checkpoint_blocks
    spec = {**meta["lossSpec"]}
    step = Step(model, batch, spec, meta["optimizer"])
    b, n, h, w = batch[0].shape
    print(f"peer: {parameter_count(model):,} parameters, batch {b} x {h}x{w}, objective {spec['objective']}, "
          f"checkpoint blocks {args.checkpoint_blocks}, {args.warmup} warm-up + {args.steps} timed steps")
    for _ in range(args.warmup):
        step.run()
    wall, cpu, phases = [], [], []
    for _ in range(args.steps):
        c0, t0 = time.process_time(), time.perf_counter()
        step.run(phases)
        wall.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(f"peer step: wall min {min(wall):.3f} s, median {quantile(wall, 0.5):.3f} s ({', '.join(f'{s:.3f}' for s in wall)}); "
          f"CPU min {min(cpu):.3f} s, median {quantile(cpu, 0.5):.3f} s; peak RSS {peak / 2**20:.0f} MiB")
    forward = [p[0] for p in phases]
    backward = [p[1] for p in phases]
    rest = [p[2] for p in phases]
    print(f"peer phases (median): forward + loss {quantile(forward, 0.5):.3f} s, backward {quantile(backward, 0.5):.3f} s, "
          f"clip + Adam {quantile(rest, 0.5):.3f} s")
    profile = None
    if args.profile:
        from torch.profiler import ProfilerActivity, profile as torch_profile

        with torch_profile(activities=[ProfilerActivity.CPU]) as prof:
            step.run()
        table = prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=args.profile_rows)
        print("peer torch.profiler, one step, by self CPU time:")
        print(table)
        profile = [
            {"name": e.key, "calls": e.count, "selfCpuMs": e.self_cpu_time_total / 1000}
            for e in sorted(prof.key_averages(), key=lambda e: -e.self_cpu_time_total)[: args.profile_rows]
        ]
    result = {
        "environment": info,
        "parameters": parameter_count(model),
        "wall": wall,
        "cpu": cpu,
        "phases": {"forward": forward, "backward": backward, "optimizer": rest},
        "peakRssBytes": peak,
        "profile": profile,
    }
    print("RESULT " + json.dumps(result))


def command_count(args):
    model = S2Transformer(json.loads(args.config))
    print(f"peer: {parameter_count(model):,} parameters")
    print("RESULT " + json.dumps({"parameters": parameter_count(model)}))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    for name in ("check", "time"):
        p = sub.add_parser(name)
        p.add_argument("--dir", required=True)
        p.add_argument("--threads", type=int, default=2)
        p.add_argument("--require-blas-dir", default=None)
        if name == "time":
            p.add_argument("--steps", type=int, default=3)
            p.add_argument("--warmup", type=int, default=1)
            p.add_argument("--profile", action="store_true")
            p.add_argument("--profile-rows", type=int, default=15)
            p.add_argument("--checkpoint-blocks", action="store_true")
    p = sub.add_parser("count")
    p.add_argument("--config", required=True)
    args = parser.parse_args()
    {"check": command_check, "time": command_time, "count": command_count}[args.command](args)


if __name__ == "__main__":
    main()
