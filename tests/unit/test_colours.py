"""XEP-0392's own test vectors (hue angle, then HSLuv(angle, 100, 50))."""

import pytest

from tui.core.colours import consistent_rgb, hsluv_to_rgb, hue_angle


@pytest.mark.parametrize("identifier, angle, rgb", [
    ("Romeo", 327.255249, (0.865, 0.000, 0.686)),
    ("juliet@capulet.lit", 209.410400, (0.000, 0.515, 0.573)),
    ("\U0001f63a", 331.199341, (0.872, 0.000, 0.659)),
    ("council", 359.994507, (0.918, 0.000, 0.394)),
])
def test_xep_0392_vectors(identifier, angle, rgb):
    assert hue_angle(identifier) == pytest.approx(angle, abs=1e-6)
    assert hsluv_to_rgb(hue_angle(identifier), 100, 50) == pytest.approx(rgb, abs=1e-3)


def test_rgb_is_stable_and_in_range():
    assert consistent_rgb("bob@example.org") == consistent_rgb("bob@example.org")
    assert all(0 <= c <= 255 for c in consistent_rgb("bob@example.org"))
    assert consistent_rgb("bob@example.org") != consistent_rgb("carol@example.org")
