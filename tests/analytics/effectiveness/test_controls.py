from __future__ import annotations

from boostloop.analytics.effectiveness.controls import PostMeta, select_controls
from boostloop.enums import ContentType, Platform

FB, IG = Platform.FACEBOOK, Platform.INSTAGRAM
IMG, VID = ContentType.IMAGE, ContentType.VIDEO


def meta(pid, platform=FB, ctype=IMG, day=0.0, last_age=500.0, boosted=None):
    return PostMeta(pid, platform, ctype, day * 24.0, last_age, boosted)


def test_rules_and_order():
    target = meta("t", day=50)
    cands = [
        target,
        meta("near", day=52), meta("far", day=95), meta("other_platform", platform=IG, day=50),
        meta("short", day=50, last_age=100), meta("boosted_early", day=50, boosted=20),
        meta("boosted_late", day=49, boosted=400), meta("video", ctype=VID, day=50),
    ]
    sel = select_controls(target, cands, boost_age_hours=24, horizon_hours=200, min_controls=2)
    assert sel.post_ids == ("boosted_late", "near")  # same type, within 30 days, nearest (1 day) first
    assert sel.relaxed == ()


def test_relaxes_period_then_content_type():
    target = meta("t", day=50)
    cands = [meta("far1", day=100), meta("far2", day=0), meta("video", ctype=VID, day=50)]
    sel = select_controls(target, cands, boost_age_hours=24, horizon_hours=200, min_controls=2)
    assert sel.relaxed == ("period",) and set(sel.post_ids) == {"far1", "far2"}
    sel = select_controls(target, cands, boost_age_hours=24, horizon_hours=200, min_controls=3)
    assert sel.relaxed == ("period", "content_type") and sel.post_ids[0] == "video"


def test_never_another_platform_and_capped():
    target = meta("t")
    cands = [meta(f"p{i}", day=i / 10) for i in range(60)] + [meta("ig", platform=IG)]
    sel = select_controls(target, cands, boost_age_hours=5, horizon_hours=5, max_controls=40)
    assert len(sel.post_ids) == 40 and "ig" not in sel.post_ids
