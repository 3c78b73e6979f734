#!/usr/bin/python3
"""Reference fixtures for @s2cassi/hsi-render, from an independent NumPy implementation.

    /usr/bin/python3 packages/hsi-render/scripts/make_fixtures.py

Writes
  fixtures/colorimetry.json                 spectra -> XYZ -> linear sRGB -> encoded sRGB for several band
                                            sets, illuminants, adaptations and exposures.
  test/golden/chart_and_stuffed_toy-srgb.png  sRGB rendering (D65, Bradford to the sRGB white, exposure 1)
                                            of the CAVE scene chart_and_stuffed_toy, 2x2-averaged to 256x256
                                            (needs ../shared/data or $S2CASSI_DATA; skipped otherwise).

It reads the same official CIE CSV files as the TypeScript tables (data/cie/). Unlike the TypeScript
code, illuminant A comes from the CIE's 1 nm table (CIE_std_illum_A_1nm.csv) instead of the Planck
formula, so the fixture also checks the formula.
"""

import json
import os
from pathlib import Path

import numpy as np
from PIL import Image

PACKAGE = Path(__file__).resolve().parent.parent
CIE = PACKAGE / "data" / "cie"
REPO = PACKAGE.parent.parent


def table(name: str) -> np.ndarray:
    return np.loadtxt(CIE / name, delimiter=",")


CMF = table("CIE_xyz_1931_2deg.csv")  # columns: nm, x, y, z
ILLUMINANTS = {
    "D65": table("CIE_std_illum_D65.csv"),
    "D50": table("CIE_std_illum_D50.csv"),
    "A": table("CIE_std_illum_A_1nm.csv"),
}

SRGB_MATRIX = np.array([[3.2406, -1.5372, -0.4986], [-0.9689, 1.8758, 0.0415], [0.0557, -0.2040, 1.0570]])
BRADFORD = np.array([[0.8951, 0.2664, -0.1614], [-0.7502, 1.7135, 0.0367], [0.0389, -0.0685, 1.0296]])
SRGB_WHITE = np.array([0.3127 / 0.3290, 1.0, (1 - 0.3127 - 0.3290) / 0.3290])


def cmf_at(centres: np.ndarray) -> np.ndarray:
    """3 x N colour matching functions, linear interpolation, zero outside the table."""
    return np.stack([np.interp(centres, CMF[:, 0], CMF[:, k], left=0.0, right=0.0) for k in (1, 2, 3)])


def power_at(illuminant: str, centres: np.ndarray) -> np.ndarray:
    if illuminant == "E":
        return np.full(centres.shape, 100.0)
    t = ILLUMINANTS[illuminant]
    return np.interp(centres, t[:, 0], t[:, 1], left=0.0, right=0.0)


def widths_of(centres: np.ndarray) -> np.ndarray:
    if centres.size == 1:
        return np.ones(1)
    padded = np.concatenate([[centres[0]], centres, [centres[-1]]])
    return (padded[2:] - padded[:-2]) / 2.0


def weights(centres: np.ndarray, illuminant: str, exposure: float) -> np.ndarray:
    w = cmf_at(centres) * power_at(illuminant, centres) * widths_of(centres)
    return w * (exposure / w[1].sum())


def to_linear_srgb(xyz: np.ndarray, white: np.ndarray, adaptation: str) -> np.ndarray:
    matrix = SRGB_MATRIX
    if adaptation == "bradford":
        source = BRADFORD @ (white / white[1])
        target = BRADFORD @ SRGB_WHITE
        matrix = SRGB_MATRIX @ np.linalg.inv(BRADFORD) @ np.diag(target / source) @ BRADFORD
    return matrix @ xyz


def encode(linear: np.ndarray) -> np.ndarray:
    v = np.clip(linear, 0.0, 1.0)
    return np.where(v <= 0.0031308, 12.92 * v, 1.055 * np.power(v, 1 / 2.4) - 0.055)


CASSI = np.array(
    [453.5, 457.5, 462.0, 466.0, 471.5, 476.5, 481.5, 487.0, 492.5, 498.0, 504.0, 510.0, 516.0, 522.5,
     529.5, 536.5, 544.0, 551.5, 558.5, 567.5, 575.5, 584.5, 594.5, 604.0, 614.5, 625.0, 636.5, 648.0]
)
CAVE = np.arange(400.0, 701.0, 10.0)


def cases() -> list[dict]:
    rng = np.random.default_rng(20240611)
    irregular = np.sort(rng.uniform(370.0, 790.0, 17)).round(2)
    one_nm = np.arange(360.0, 831.0, 1.0)
    smooth_cassi = 0.5 + 0.4 * np.sin((CASSI - 450) / 35.0)
    smooth_cave = 0.3 + 0.25 * np.cos((CAVE - 400) / 60.0) + 0.2 * np.exp(-(((CAVE - 610) / 25.0) ** 2))
    narrow_540 = np.where(CASSI == 536.5, 1.0, 0.0)
    narrow_620 = np.where(CASSI == 625.0, 1.0, 0.0)
    out = []

    def add(name, centres, spectrum, illuminant="D65", adaptation="bradford", exposure=1.0):
        w = weights(centres, illuminant, exposure)
        xyz = w @ spectrum
        white = w.sum(axis=1)
        linear = to_linear_srgb(xyz, white, adaptation)
        out.append(
            {
                "name": name,
                "wavelengths": centres.tolist(),
                "illuminant": illuminant,
                "adaptation": adaptation,
                "exposure": exposure,
                "spectrum": np.asarray(spectrum, dtype=float).tolist(),
                "xyz": xyz.tolist(),
                "white": white.tolist(),
                "linear": linear.tolist(),
                "encoded": encode(linear).tolist(),
            }
        )

    add("cassi ones D65", CASSI, np.ones(CASSI.size))
    add("cassi smooth D65", CASSI, smooth_cassi)
    add("cassi smooth D65 no adaptation", CASSI, smooth_cassi, adaptation="none")
    add("cassi narrow 536.5 D65", CASSI, narrow_540)
    add("cassi narrow 625 D65", CASSI, narrow_620)
    add("cassi random E", CASSI, rng.uniform(0, 1, CASSI.size), illuminant="E")
    for illuminant in ("D65", "D50", "A", "E"):
        add(f"cave smooth {illuminant}", CAVE, smooth_cave, illuminant=illuminant)
        add(f"cave smooth {illuminant} no adaptation", CAVE, smooth_cave, illuminant=illuminant, adaptation="none")
    add("cave smooth D65 exposure 0.5", CAVE, smooth_cave, exposure=0.5)
    add("irregular random D50", irregular, rng.uniform(0, 1.2, irregular.size), illuminant="D50")
    # Illuminant A: the CIE 1 nm table is exact only at whole nanometres (between them this script
    # interpolates linearly while the TypeScript code evaluates the defining formula), so use whole nm.
    whole = np.unique(irregular.round())
    add("irregular random A no adaptation", whole, rng.uniform(0, 1.2, whole.size), illuminant="A", adaptation="none")
    add("1nm ones D65 no adaptation", one_nm, np.ones(one_nm.size), adaptation="none")
    add("1nm ones A no adaptation", one_nm, np.ones(one_nm.size), illuminant="A", adaptation="none")
    add("single band 550 D65", np.array([550.0]), np.array([0.7]))
    return out


def shared_data() -> Path | None:
    for candidate in (os.environ.get("S2CASSI_DATA"), str(REPO.parent / "shared" / "data"), "/work/shared/data"):
        if candidate and (Path(candidate) / "README.md").exists():
            return Path(candidate)
    return None


def golden(scene: str = "chart_and_stuffed_toy") -> None:
    data = shared_data()
    if data is None:
        print("shared data not found: golden PNG not regenerated")
        return
    folder = data / "cave" / f"{scene}_ms"
    bands = [np.asarray(Image.open(folder / f"{scene}_ms_{k:02d}.png"), dtype=np.float64) / 65535.0 for k in range(1, 32)]
    cube = np.stack(bands, axis=-1)  # 512 x 512 x 31
    h, w, n = cube.shape
    small = cube.reshape(h // 2, 2, w // 2, 2, n).mean(axis=(1, 3))
    wts = weights(CAVE, "D65", 1.0)
    white = wts.sum(axis=1)
    xyz = small @ wts.T  # H x W x 3
    source = BRADFORD @ (white / white[1])
    target = BRADFORD @ SRGB_WHITE
    matrix = SRGB_MATRIX @ np.linalg.inv(BRADFORD) @ np.diag(target / source) @ BRADFORD
    linear = xyz @ matrix.T
    rgb = np.round(255 * encode(linear)).astype(np.uint8)
    path = PACKAGE / "test" / "golden" / f"{scene}-srgb.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(rgb, mode="RGB").save(path, optimize=True)
    print(f"wrote {path.relative_to(PACKAGE)} ({path.stat().st_size} bytes), mean {rgb.mean(axis=(0, 1))}")


def main() -> None:
    fixtures = PACKAGE / "fixtures"
    fixtures.mkdir(exist_ok=True)
    payload = {
        "generator": "packages/hsi-render/scripts/make_fixtures.py (NumPy " + np.__version__ + ")",
        "cases": cases(),
    }
    (fixtures / "colorimetry.json").write_text(json.dumps(payload, indent=1) + "\n")
    print(f"wrote fixtures/colorimetry.json ({len(payload['cases'])} cases)")
    golden()


if __name__ == "__main__":
    main()
