"""Each importer imports its sample; re-importing changes nothing; malformed files write nothing."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from boostloop.errors import InvalidInput
from boostloop.server.db.models import AdCampaign, AdCampaignMetric, OrganicPostMetric, SocialPost, Workspace
from boostloop.server.db.session import session_scope
from boostloop.server.ingest.importers import import_file

from .conftest import table_counts, table_snapshot

SAMPLES = Path(__file__).resolve().parents[3] / "samples"


def run(engine, kind, source, slug="acme", **options):
    with session_scope(engine) as s:
        ws = s.scalars(sa.select(Workspace).where(Workspace.slug == slug)).one()
        return import_file(s, ws, kind, source, **options)


def errors_of(engine, kind, source, **options) -> list[tuple[tuple, str]]:
    before = table_snapshot(engine)
    with pytest.raises(InvalidInput) as exc:
        run(engine, kind, source, **options)
    assert table_snapshot(engine) == before, "a rejected import wrote something"
    return [(tuple(e.loc), e.msg) for e in exc.value.errors]


def reimport_changes_nothing(engine, kind, source, **options) -> None:
    before = table_snapshot(engine)
    again = run(engine, kind, source, **options)
    assert again.changed == 0, again.summary()
    assert table_snapshot(engine) == before


def scalar(engine, stmt):
    with engine.connect() as conn:
        return conn.execute(stmt).scalar_one()


# -- Meta Ads Manager CSV -------------------------------------------------------------------------
def test_meta_ads_campaign_level_sample(engine, workspaces):
    r = run(engine, "meta-ads-csv", SAMPLES / "meta_ads_campaigns_daily.csv")
    assert (r.rows_read, r.campaigns.created, r.campaign_metrics.created) == (5, 2, 5)
    assert (
        scalar(engine, sa.select(sa.func.sum(AdCampaignMetric.spend_cents)))
        == 4000 + 4000 + 3999 + 15000 + 15000
    )
    assert (
        scalar(engine, sa.select(sa.func.sum(AdCampaignMetric.conversion_value_cents)))
        == 11980 + 5990 + 120630 + 95815
    )
    # campaign 102's "Results" are Website purchases; its Purchases column says 14 + 11
    assert scalar(engine, sa.select(sa.func.sum(AdCampaignMetric.conversions))) == 2 + 1 + 0 + 14 + 11
    with Session(engine) as s:
        c = s.scalars(
            sa.select(AdCampaign).where(AdCampaign.platform_campaign_id == "120210000000000101")
        ).one()
        first = s.execute(sa.select(sa.func.min(AdCampaignMetric.period_start))).scalar_one()
    assert c.promoted_platform_post_id == "104501234567890_880001"
    assert c.objective == "ENGAGEMENT" and c.status == "COMPLETED"
    # the reporting day is read in the workspace zone (America/New_York, EDT = UTC-4 in October)
    assert first == datetime(2026, 10, 5, 4, tzinfo=UTC)
    assert c.started_at == datetime(2026, 10, 5, 4, tzinfo=UTC)
    assert c.ended_at == datetime(2026, 10, 9, 4, tzinfo=UTC)
    reimport_changes_nothing(engine, "meta-ads-csv", SAMPLES / "meta_ads_campaigns_daily.csv")


def test_meta_ads_ad_level_sums_ads_per_day(engine, workspaces):
    r = run(engine, "meta-ads-csv", SAMPLES / "meta_ads_ads_daily.csv")
    assert (r.rows_read, r.campaigns.created, r.campaign_metrics.created) == (4, 1, 2)
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(
                AdCampaignMetric.impressions, AdCampaignMetric.reach, AdCampaignMetric.spend_cents
            ).order_by(AdCampaignMetric.period_start)
        ).all()
        extra = conn.execute(sa.select(AdCampaign.extra)).scalar_one()
    assert [tuple(r) for r in rows] == [(3902 + 3655, None, 4500), (4120 + 3398, None, 2250 + 2249)]
    assert extra["ad_ids"] == ["120210000000009001", "120210000000009002"]
    reimport_changes_nothing(engine, "meta-ads-csv", SAMPLES / "meta_ads_ads_daily.csv")


META_HEADER = "Day,Campaign name,Campaign ID,Impressions,Reach,Link clicks,Amount spent ({cur})\n"


def test_meta_ads_wrong_header(engine, workspaces):
    bad = b"Date,Name,Spend\n2026-10-05,x,1.00\n"
    errs = errors_of(engine, "meta-ads-csv", io.BytesIO(bad))
    assert any("no header line" in m for _, m in errs)
    bad = (META_HEADER.format(cur="USD").replace("Impressions,", "") + "2026-10-05,x,1,10,5,20.00\n").encode()
    errs = errors_of(engine, "meta-ads-csv", io.BytesIO(bad))
    assert errs[0][0] == ("line 1",) and "'Impressions'" in errs[0][1]


@pytest.mark.parametrize("code,msg", [("EUR", "workspace 'acme' keeps USD"), ("XYZ", "not an ISO 4217")])
def test_meta_ads_currency_refused(engine, workspaces, code, msg):
    data = (META_HEADER.format(cur=code) + "2026-10-05,x,1,100,80,3,20.00\n").encode()
    errs = errors_of(engine, "meta-ads-csv", io.BytesIO(data))
    assert errs[0][0] == ("line 1", f"Amount spent ({code})") and msg in errs[0][1]


def test_meta_ads_bad_numbers_and_duplicates_name_line_and_column(engine, workspaces):
    data = (
        META_HEADER.format(cur="USD")
        + "2026-10-05,x,1,100,80,3,20.00\n"
        + "2026-10-06,x,1,1O0,80,3,20.00\n"  # letter O in a number
        + "2026-10-07,x,1,100,80,3,-2.00\n"  # negative spend
        + "2026-10-05,x,1,100,80,3,20.00\n"  # the same campaign and day as line 2
        + "2026-10-08,x,1,100,180,3,20.00\n"  # reach above impressions
        + "10/09/2026,x,1,100,80,3,20.00\n"
    ).encode()
    errs = errors_of(engine, "meta-ads-csv", io.BytesIO(data))
    locs = [loc for loc, _ in errs]
    assert ("line 3", "Impressions") in locs
    assert ("line 4", "Amount spent (USD)") in locs
    assert ("line 5",) in locs and "line 2" in dict(errs)[("line 5",)]
    assert ("line 6", "Reach") in locs
    assert ("line 7", "Day") in locs
    assert table_counts(engine)["ad_campaigns"] == 0


def test_meta_ads_multi_day_rows_and_breakdowns_refused(engine, workspaces):
    data = (
        b"Reporting starts,Reporting ends,Campaign name,Campaign ID,Impressions,Amount spent (USD)\n"
        b"2026-10-01,2026-10-31,x,1,100,20.00\n"
    )
    errs = errors_of(engine, "meta-ads-csv", io.BytesIO(data))
    assert errs[0][0] == ("line 2", "Reporting ends") and "By time" in errs[0][1]
    data = (
        b"Day,Age,Campaign name,Campaign ID,Impressions,Amount spent (USD)\n2026-10-01,18-24,x,1,100,20.00\n"
    )
    assert errors_of(engine, "meta-ads-csv", io.BytesIO(data))[0][0] == ("line 1", "Age")


# -- Google Ads CSV --------------------------------------------------------------------------------
def test_google_ads_sample(engine, workspaces):
    r = run(engine, "google-ads-csv", SAMPLES / "google_ads_campaigns.csv")
    assert (r.rows_read, r.campaigns.created, r.campaign_metrics.created) == (4, 2, 4)
    # 92.004 USD is 9200 cents after half-to-even rounding; 12.50 conversions round to 12 (half-to-even)
    assert scalar(engine, sa.select(sa.func.sum(AdCampaignMetric.spend_cents))) == 18247 + 17510 + 9635 + 9200
    assert scalar(engine, sa.select(sa.func.sum(AdCampaignMetric.conversions))) == 12 + 11 + 1 + 0
    assert scalar(engine, sa.select(sa.func.sum(AdCampaignMetric.impressions))) == 2410 + 2288 + 18902 + 17455
    assert any("rounded half-to-even" in w for w in r.warnings)
    reimport_changes_nothing(engine, "google-ads-csv", SAMPLES / "google_ads_campaigns.csv")


def test_google_ads_utf16_tab_download(engine, workspaces):
    text = (SAMPLES / "google_ads_campaigns.csv").read_text(encoding="utf-8")
    import csv as _csv

    rows = list(_csv.reader(io.StringIO(text)))
    out = io.StringIO()
    _csv.writer(out, delimiter="\t", lineterminator="\r\n").writerows(rows)
    r = run(engine, "google-ads-csv", io.BytesIO(out.getvalue().encode("utf-16")))
    assert r.campaign_metrics.created == 4


def test_google_ads_currency_column_checked(engine, workspaces):
    text = (SAMPLES / "google_ads_campaigns.csv").read_text().replace(",USD,", ",GBP,", 1)
    errs = errors_of(engine, "google-ads-csv", io.BytesIO(text.encode()))
    assert errs == [(("line 4", "Currency code"), errs[0][1])] and "GBP" in errs[0][1]


# -- Meta Marketing API insights JSON --------------------------------------------------------------
def test_meta_ads_insights_sample(engine, workspaces):
    r = run(engine, "meta-ads-insights", SAMPLES / "meta_ads_insights.json")
    assert (r.rows_read, r.campaigns.created, r.campaign_metrics.created) == (2, 1, 2)
    # omni_purchase and the pixel purchase count the same purchases: taken once, not added
    assert scalar(engine, sa.select(sa.func.sum(AdCampaignMetric.conversions))) == 3 + 1
    assert scalar(engine, sa.select(sa.func.sum(AdCampaignMetric.conversion_value_cents))) == 17700 + 5900
    assert scalar(engine, sa.select(sa.func.sum(AdCampaignMetric.spend_cents))) == 11040
    reimport_changes_nothing(engine, "meta-ads-insights", SAMPLES / "meta_ads_insights.json")


def test_meta_ads_insights_truncated_json(engine, workspaces):
    data = (SAMPLES / "meta_ads_insights.json").read_bytes()
    errs = errors_of(engine, "meta-ads-insights", io.BytesIO(data[: len(data) * 2 // 3]))
    assert errs[-1][0] == ("data", 1) and "truncated" in errs[-1][1]


def test_meta_ads_insights_frequency_mismatch(engine, workspaces):
    data = (SAMPLES / "meta_ads_insights.json").read_text().replace('"reach": "7015"', '"reach": "211"')
    errs = errors_of(engine, "meta-ads-insights", io.BytesIO(data.encode()))
    assert errs[0][0] == ("data", 0, "frequency")


# -- Meta Graph API post insights JSON -------------------------------------------------------------
def test_meta_post_insights_sample(engine, workspaces):
    r = run(
        engine, "meta-post-insights", SAMPLES / "meta_post_insights.json", captured_at="2026-11-01T00:00:00Z"
    )
    assert (r.accounts.created, r.posts.created, r.organic_metrics.created) == (1, 2, 2)
    with Session(engine) as s:
        m = s.scalars(sa.select(OrganicPostMetric).order_by(OrganicPostMetric.impressions.desc())).first()
        p = s.scalars(
            sa.select(SocialPost).where(SocialPost.platform_post_id == "104501234567890_880001")
        ).one()
    assert (m.impressions, m.reach, m.total_reach, m.engagements, m.clicks) == (5830, 4102, 18020, 611, 402)
    assert (m.likes, m.comments, m.shares) == (180 + 41 + 3, 23, 14)
    assert (p.content_type, p.hashtag_count, p.text_excerpt[:6]) == ("IMAGE", 2, "Autumn")
    assert p.published_at == datetime(2026, 10, 4, 16, 30, tzinfo=UTC)
    reimport_changes_nothing(
        engine, "meta-post-insights", SAMPLES / "meta_post_insights.json", captured_at="2026-11-01T00:00:00Z"
    )


def test_meta_post_insights_needs_a_capture_time(engine, workspaces):
    errs = errors_of(engine, "meta-post-insights", SAMPLES / "meta_post_insights.json")
    assert [loc for loc, _ in errs] == [("data", 0, "insights"), ("data", 1, "insights")]


# -- generic ---------------------------------------------------------------------------------------
def test_generic_campaign_metrics_sample(engine, workspaces):
    r = run(
        engine, "generic", SAMPLES / "generic_tiktok_ads.csv", mapping=SAMPLES / "generic_tiktok_ads.toml"
    )
    assert (r.campaigns.created, r.campaign_metrics.created) == (1, 3)
    assert scalar(engine, sa.select(sa.func.sum(AdCampaignMetric.spend_cents))) == 3500 + 3500 + 3497
    assert scalar(engine, sa.select(AdCampaign.objective)) == "VIDEO_VIEWS"
    reimport_changes_nothing(
        engine, "generic", SAMPLES / "generic_tiktok_ads.csv", mapping=SAMPLES / "generic_tiktok_ads.toml"
    )


def test_generic_organic_history_sample(engine, workspaces):
    r = run(
        engine,
        "generic",
        SAMPLES / "generic_organic_history.csv",
        mapping=SAMPLES / "generic_organic_history.toml",
    )
    assert (r.accounts.created, r.posts.created, r.organic_metrics.created) == (1, 3, 7)
    reimport_changes_nothing(
        engine,
        "generic",
        SAMPLES / "generic_organic_history.csv",
        mapping=SAMPLES / "generic_organic_history.toml",
    )


def test_generic_mapping_errors(engine, workspaces):
    with pytest.raises(InvalidInput) as exc:
        run(
            engine,
            "generic",
            SAMPLES / "generic_tiktok_ads.csv",
            mapping={
                "kind": "campaign_metrics",
                "platform": "MYSPACE",
                "money": "pennies",
                "columns": {"spend": "spend", "colour": "x"},
            },
        )
    locs = {tuple(e.loc) for e in exc.value.errors}
    assert {
        ("mapping", "platform"),
        ("mapping", "money"),
        ("mapping", "columns", "colour"),
        ("mapping", "columns", "platform_campaign_id"),
        ("mapping", "columns", "period_start"),
    } <= locs


def test_generic_ndjson(engine, workspaces):
    lines = (
        b'{"cid": "a1", "day": "2026-10-01", "cost": 1250000, "imps": 10}\n'
        b'{"cid": "a1", "day": "2026-10-02", "cost": "x", "imps": 10}\n'
    )
    mapping = {
        "kind": "campaign_metrics",
        "format": "ndjson",
        "platform": "LINKEDIN",
        "money": "micros",
        "columns": {
            "platform_campaign_id": "cid",
            "period_start": "day",
            "spend": "cost",
            "impressions": "imps",
        },
    }
    errs = errors_of(engine, "generic", io.BytesIO(lines), mapping=mapping)
    assert errs == [(("line 2", "cost"), "not a number: 'x'")]
    r = run(engine, "generic", io.BytesIO(lines.splitlines()[0]), mapping=mapping)
    assert r.campaign_metrics.created == 1
    assert scalar(engine, sa.select(AdCampaignMetric.spend_cents)) == 125


def test_google_ads_wrong_header_and_bad_cells(engine, workspaces):
    errs = errors_of(engine, "google-ads-csv", io.BytesIO(b"Day,Campaign,Campaign ID,Impressions,Clicks\n"))
    assert errs[0][0] == ("line 1",) and "'Cost'" in errs[0][1]
    data = (
        b"Day,Campaign,Campaign ID,Impressions,Clicks,Cost,Conversions,Conv. value\n"
        b"2026-10-05,A,1,10,2,1.00,0,0\n"
        b"2026-10-06,A,1,10,2,one dollar,0,0\n"
        b"2026-10-07,A,1,10,2,1.00,-1,0\n"
        b"2026-10-05,A,1,10,2,1.00,0,0\n"
    )
    errs = errors_of(engine, "google-ads-csv", io.BytesIO(data))
    assert [loc for loc, _ in errs] == [("line 3", "Cost"), ("line 4", "Conversions"), ("line 5",)]


def test_meta_post_insights_truncated(engine, workspaces):
    data = (SAMPLES / "meta_post_insights.json").read_bytes()
    errs = errors_of(
        engine, "meta-post-insights", io.BytesIO(data[:-400]), captured_at="2026-11-01T00:00:00Z"
    )
    assert errs[-1][0] == ("data", 1) and "truncated" in errs[-1][1]


def test_unknown_kind(engine, workspaces):
    with pytest.raises(InvalidInput) as exc:
        run(engine, "myspace-csv", io.BytesIO(b""))
    assert exc.value.errors[0].loc == ("kind",)
