"""World files: defaults, and errors that name the offending key."""

from __future__ import annotations

import tomllib

import pytest

from boostloop.enums import ContentType, Platform
from boostloop.simulate import DEFAULT_WORLD, WorldFileError, load_world, world_from_dict


def _default_dict() -> dict:
    return tomllib.loads(DEFAULT_WORLD.read_text())


def test_default_world_has_three_platforms_300_posts_and_60_boosts() -> None:
    w = load_world()
    assert set(w.platforms) == {Platform.FACEBOOK, Platform.INSTAGRAM, Platform.LINKEDIN}
    assert sum(p.posts for p in w.platforms.values()) == 300
    assert sum(p.boosts for p in w.platforms.values()) == 60
    assert len(w.hour_multipliers) == 24 and len(w.weekday_multipliers) == 7
    assert w.content[ContentType.CAROUSEL].conversion_rate == 0.07


@pytest.mark.parametrize(
    ("patch", "path"),
    [
        (lambda d: d["platforms"]["FACEBOOK"].update(overlap=1.5), "platforms.FACEBOOK.overlap"),
        (lambda d: d["platforms"]["FACEBOOK"].update(cpm=3), "platforms.FACEBOOK.cpm"),
        (lambda d: d["platforms"].update(MYSPACE={}), "platforms.MYSPACE"),
        (lambda d: d["budget"].update(median_cents="lots"), "budget.median_cents"),
        (lambda d: d["budget"].update(duration_days=[3, 2.5]), "budget.duration_days[1]"),
        (lambda d: d.update(hour_multipliers=[1.0] * 23), "hour_multipliers"),
        (lambda d: d["segments"][1].update(reach_multiplier=-1), "segments[1].reach_multiplier"),
        (lambda d: d["workspace"].update(days=0), "workspace.days"),
    ],
)
def test_a_bad_value_is_refused_with_its_path(patch, path: str) -> None:  # noqa: ANN001
    data = _default_dict()
    patch(data)
    with pytest.raises(WorldFileError) as exc:
        world_from_dict(data)
    assert exc.value.path == path


def test_missing_keys_take_their_defaults() -> None:
    data = {"platforms": {"X": {}}, "segments": [{"name": "all"}], "content": {"TEXT": {}}}
    w = world_from_dict(data)
    assert w.platforms[Platform.X].followers == 40_000
    assert w.journeys.share_without_user_id == 0.3


def test_invalid_toml_names_the_file(tmp_path) -> None:  # noqa: ANN001
    f = tmp_path / "w.toml"
    f.write_text("platforms = [")
    with pytest.raises(WorldFileError, match="w.toml: not valid TOML"):
        load_world(f)
