"""XEP-0392 Consistent Color Generation: the same JID gets the same colour
in every client (Conversations, Dino, Gajim, Poezio...).

hue = the first 16 bits (little-endian) of SHA-1(identifier) scaled to
0..360°, then HSLuv(hue, saturation 100, lightness 50) → sRGB. The HSLuv
conversion below follows the HSLuv reference (hsluv.org).
"""

from __future__ import annotations

import hashlib
import math
from functools import lru_cache

_M = (
    (3.240969941904521, -1.537383177570093, -0.498610760293),
    (-0.96924363628087, 1.87596750150772, 0.041555057407175),
    (0.055630079696993, -0.20397695888897, 1.056971514242878),
)
_REF_Y = 1.0
_REF_U = 0.19783000664283
_REF_V = 0.46831999493879
_KAPPA = 903.2962962
_EPSILON = 0.0088564516


def hue_angle(identifier: str) -> float:
    digest = hashlib.sha1(identifier.encode("utf-8")).digest()
    return (digest[0] | digest[1] << 8) / 65536 * 360


def _bounds(lightness: float) -> list[tuple[float, float]]:
    sub1 = (lightness + 16) ** 3 / 1560896
    sub2 = sub1 if sub1 > _EPSILON else lightness / _KAPPA
    lines = []
    for m1, m2, m3 in _M:
        for t in (0, 1):
            top1 = (284517 * m1 - 94839 * m3) * sub2
            top2 = (838422 * m3 + 769860 * m2 + 731718 * m1) * lightness * sub2 - 769860 * t * lightness
            bottom = (632260 * m3 - 126452 * m2) * sub2 + 126452 * t
            lines.append((top1 / bottom, top2 / bottom))
    return lines


def _max_chroma(lightness: float, hue: float) -> float:
    rad = math.radians(hue)
    lengths = []
    for slope, intercept in _bounds(lightness):
        length = intercept / (math.sin(rad) - slope * math.cos(rad))
        if length >= 0:
            lengths.append(length)
    return min(lengths)


def _to_srgb(channel: float) -> float:
    if channel <= 0.0031308:
        value = 12.92 * channel
    else:
        value = 1.055 * channel ** (1 / 2.4) - 0.055
    return min(1.0, max(0.0, value))


def hsluv_to_rgb(hue: float, saturation: float, lightness: float) -> tuple[float, float, float]:
    if lightness > 99.9999999:
        return (1.0, 1.0, 1.0)
    if lightness < 1e-8:
        return (0.0, 0.0, 0.0)
    chroma = _max_chroma(lightness, hue) / 100 * saturation
    rad = math.radians(hue)
    u, v = chroma * math.cos(rad), chroma * math.sin(rad)
    var_u = u / (13 * lightness) + _REF_U
    var_v = v / (13 * lightness) + _REF_V
    y = _REF_Y * ((lightness + 16) / 116) ** 3 if lightness > 8 else _REF_Y * lightness / _KAPPA
    x = -(9 * y * var_u) / ((var_u - 4) * var_v - var_u * var_v)
    z = (9 * y - 15 * var_v * y - var_v * x) / (3 * var_v)
    return tuple(_to_srgb(r0 * x + r1 * y + r2 * z) for r0, r1, r2 in _M)  # type: ignore[return-value]


@lru_cache(maxsize=4096)
def consistent_rgb(identifier: str) -> tuple[int, int, int]:
    """The identifier's colour as 0..255 RGB (saturation 100, lightness 50)."""
    r, g, b = hsluv_to_rgb(hue_angle(identifier), 100, 50)
    return round(r * 255), round(g * 255), round(b * 255)
