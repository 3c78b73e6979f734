#!/usr/bin/env python3
"""Builds the demo assets shipped in @s2cassi/demo-data from the shared reference data.

- assets/demo-scene.safetensors: a 256 x 256 crop (rows 128..383, cols 128..383) of the CAVE scene
  'fake_and_real_peppers', its 31 bands (400..700 nm, 16-bit PNG) linearly interpolated onto the 28
  CASSI band centres, stored as U16 (value / 65535 = reflectance-like intensity in [0, 1]), HWC layout.
- assets/standard-mask.safetensors: the standard 256 x 256 TSA-Net simulation mask (float32).

Run once with Debian's python3-numpy/-scipy/-pil:
  /usr/bin/python3 packages/demo-data/scripts/make_demo_assets.py [/path/to/shared/data]
"""
import json, struct, sys, pathlib
import numpy as np
import scipy.io
from PIL import Image

here = pathlib.Path(__file__).resolve().parent.parent
data = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else here.parent.parent.parent / "shared" / "data")

CASSI = [453.5, 457.5, 462.0, 466.0, 471.5, 476.5, 481.5, 487.0, 492.5, 498.0, 504.0, 510.0, 516.0, 522.5,
         529.5, 536.5, 544.0, 551.5, 558.5, 567.5, 575.5, 584.5, 594.5, 604.0, 614.5, 625.0, 636.5, 648.0]
CAVE = np.arange(400, 701, 10, dtype=np.float64)
SCENE, ROW, COL, SIZE = "fake_and_real_peppers", 128, 128, 256


def write_safetensors(path, tensors, metadata):
    header, blob, offset = {"__metadata__": metadata}, b"", 0
    for name in sorted(tensors):
        dtype, array = tensors[name]
        raw = np.ascontiguousarray(array).tobytes()
        header[name] = {"dtype": dtype, "shape": list(array.shape), "data_offsets": [offset, offset + len(raw)]}
        blob += raw
        offset += len(raw)
    text = json.dumps(header).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    path.write_bytes(struct.pack("<Q", len(text)) + text + blob)


bands = []
for i in range(1, 32):
    png = data / "cave" / f"{SCENE}_ms" / f"{SCENE}_ms_{i:02d}.png"
    bands.append(np.array(Image.open(png), dtype=np.float64)[ROW:ROW + SIZE, COL:COL + SIZE])
cube31 = np.stack(bands, axis=-1) / 65535.0
cube28 = np.empty((SIZE, SIZE, 28))
for k, centre in enumerate(CASSI):
    j = np.searchsorted(CAVE, centre) - 1
    t = (centre - CAVE[j]) / 10.0
    cube28[..., k] = (1 - t) * cube31[..., j] + t * cube31[..., j + 1]
scene_u16 = np.round(np.clip(cube28, 0, 1) * 65535).astype("<u2")
write_safetensors(here / "assets" / "demo-scene.safetensors", {"cube": ("U16", scene_u16)}, {
    "scene": SCENE, "crop": f"rows {ROW}..{ROW + SIZE - 1}, cols {COL}..{COL + SIZE - 1} of 512 x 512",
    "layout": "hwc", "scale": "65535", "wavelengths_nm": json.dumps(CASSI),
    "source": "CAVE multispectral image database (Yasuma, Mitsunaga, Iso, Nayar 2010), Columbia University; research use, cite the database",
    "resampling": "linear interpolation of the 31 bands (400..700 nm, 10 nm) onto the 28 CASSI centres",
})
mask = scipy.io.loadmat(data / "cassi_sim_mask" / "mask.mat")["mask"].astype("<f4")
write_safetensors(here / "assets" / "standard-mask.safetensors", {"mask": ("F32", mask)}, {
    "source": "TSA-Net simulation mask (Meng, Ma, Yuan, ECCV 2020), github mengziyi64/TSA-Net TSA_Net_simulation/Data/mask.mat",
    "shape": "256 x 256, float32, 0.0066..1 (not binary)",
})
print("scene", scene_u16.shape, scene_u16.min(), scene_u16.max(), "mask", mask.shape, float(mask.min()), float(mask.mean()))
