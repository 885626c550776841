"""Generate a workspace from a world, with its ground truth.

The model, per post (see DESIGN.md, "The simulator and its ground truth"):

- Organic: a post reaches N_o ~ Poisson(followers * organic_reach_rate * quality * content multiplier *
  timing^organic_timing_strength) people over its life, accruing as 1 - 2^(-t / half_life).
- Paid (boosted posts): spending S of budget B reaches R(S) = max_paid_reach * segment reach multiplier *
  (1 - exp(-S / saturation_budget)) people (diminishing returns), paced by the hourly delivery weights.
  A share ``overlap`` of them were reached organically by the same post too. The boost also brings
  ``organic_spillover * N_o`` extra organic people (shares, social proof).
- People: each reached person may leave a tracked view, an engagement and a click per channel; only a
  click can convert (conversion rate by content type x segment). A person reached by both channels has
  two independent chances, so part of the paid conversions would have happened organically anyway.
- Counterfactual: the same people with the same random draws but no boost (no paid exposure, no
  spillover people). True incremental conversions = conversions with the boost - without, both counted
  before the world's end.
"""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from boostloop.enums import (
    AttributionEventType,
    BoostSource,
    BoostStatus,
    CampaignObjective,
    CampaignStatus,
    ContentType,
    ExperimentDimension,
    ExperimentStatus,
    MetricGranularity,
    Platform,
    TouchpointType,
)
from boostloop.simulate.people import decay_weights, flags_given_any, p_any
from boostloop.simulate.world import PlatformSpec, SegmentSpec, World, world_to_dict

EVENT_TYPES = [AttributionEventType.VIEW, AttributionEventType.CLICK, AttributionEventType.ENGAGEMENT,
               AttributionEventType.CONVERSION, AttributionEventType.SHARE]
TOUCH_TYPES = [TouchpointType.ORGANIC, TouchpointType.PAID, TouchpointType.UNKNOWN]
_VIEW, _CLICK, _ENG, _CONV = 0, 1, 2, 3
_ORG, _PAID, _UNK = 0, 1, 2
# Platform attribution windows for the ad platforms' own conversion counts (Meta's default setting).
PLATFORM_CLICK_WINDOW_H = 7 * 24
PLATFORM_VIEW_WINDOW_H = 24
STRATEGIES = ("HIGH_ENGAGEMENT", "VIRAL_POTENTIAL", "PRODUCT_FOCUS", "AUDIENCE_EXPANSION")
REASONS = {
    "HIGH_ENGAGEMENT": "Engagement in the first hours was well above the account's usual posts.",
    "VIRAL_POTENTIAL": "Shares were climbing fast; a boost could widen the audience while it is fresh.",
    "PRODUCT_FOCUS": "Post features a best-selling product; boosting to drive purchases.",
    "AUDIENCE_EXPANSION": "Testing whether this message lands with a new audience segment.",
}
PLATFORM_PREFIX = {Platform.FACEBOOK: "fb", Platform.INSTAGRAM: "ig", Platform.LINKEDIN: "li",
                   Platform.TIKTOK: "tt", Platform.X: "x", Platform.YOUTUBE: "yt", Platform.PINTEREST: "pin",
                   Platform.GOOGLE: "g", Platform.OTHER: "o"}
MARKETERS = ("maria.lopez@northwind.example", "sam.okafor@northwind.example", "jin.park@northwind.example")


@dataclass
class SimulatedWorkspace:
    """A generated workspace: rows keyed by ORM column names, events as Arrow, and the truth."""

    world: World
    seed: int
    scale: float
    start: datetime
    end: datetime
    workspace: dict
    accounts: list[dict] = field(default_factory=list)
    posts: list[dict] = field(default_factory=list)
    organic_metrics: list[dict] = field(default_factory=list)
    campaigns: list[dict] = field(default_factory=list)
    campaign_metrics: list[dict] = field(default_factory=list)
    boosts: list[dict] = field(default_factory=list)
    experiments: list[dict] = field(default_factory=list)
    variants: list[dict] = field(default_factory=list)
    events: pa.Table | None = None
    truth: dict = field(default_factory=dict)


@dataclass
class _EventBuffer:
    """Column arrays of events, appended per post and joined once at the end."""

    time: list[np.ndarray] = field(default_factory=list)
    etype: list[np.ndarray] = field(default_factory=list)
    touch: list[np.ndarray] = field(default_factory=list)
    platform: list[np.ndarray] = field(default_factory=list)
    boost: list[np.ndarray] = field(default_factory=list)
    post: list[np.ndarray] = field(default_factory=list)
    person: list[np.ndarray] = field(default_factory=list)
    value: list[np.ndarray] = field(default_factory=list)

    def add(self, time, etype, touch, platform, boost, post, person, value) -> None:  # noqa: ANN001
        n = len(time)
        if n == 0:
            return
        self.time.append(np.asarray(time, dtype=np.float64))
        for buf, v, dt in ((self.etype, etype, np.int8), (self.touch, touch, np.int8),
                           (self.platform, platform, np.int8), (self.boost, boost, np.int32),
                           (self.post, post, np.int32), (self.person, person, np.int64),
                           (self.value, value, np.int64)):
            arr = np.asarray(v, dtype=dt)
            buf.append(np.full(n, arr, dtype=dt) if arr.ndim == 0 else arr)

    def join(self) -> dict[str, np.ndarray]:
        if not self.time:
            return {k: np.empty(0) for k in ("time", "etype", "touch", "platform", "boost", "post", "person",
                                             "value")}
        return {k: np.concatenate(getattr(self, k)) for k in ("time", "etype", "touch", "platform", "boost",
                                                              "post", "person", "value")}


class _Ids:
    """Deterministic UUIDs from the seed (version-4 layout)."""

    def __init__(self, seed: int) -> None:
        self._rng = np.random.default_rng([seed, 0xB00])

    def __call__(self) -> uuid.UUID:
        return uuid.UUID(bytes=self._rng.bytes(16), version=4)


def _lognormal_mean_one(rng: np.random.Generator, sd: float, size=None):  # noqa: ANN001, ANN202
    return rng.lognormal(-sd * sd / 2.0, sd, size)


def _largest_remainder(total: int, weights: np.ndarray) -> np.ndarray:
    """Integers proportional to ``weights`` that sum exactly to ``total`` (cents stay exact)."""
    if total <= 0 or weights.sum() <= 0:
        return np.zeros(weights.size, dtype=np.int64)
    raw = weights / weights.sum() * total
    out = np.floor(raw).astype(np.int64)
    short = total - int(out.sum())
    if short > 0:
        out[np.argsort(-(raw - out), kind="stable")[:short]] += 1
    return out


def _to_dt(start: datetime, hours: float) -> datetime:
    return start + timedelta(hours=float(hours))


class _Generator:
    def __init__(self, world: World, seed: int, scale: float) -> None:
        self.w = world
        self.seed = seed
        self.scale = scale
        self.rng = np.random.default_rng(seed)
        self.ids = _Ids(seed)
        self.tz = ZoneInfo(world.workspace.timezone)
        self.start = world.workspace.start.astimezone(UTC)
        self.end_h = world.workspace.days * 24
        self.end = _to_dt(self.start, self.end_h)
        self.events = _EventBuffer()
        pool = max(1000, int(world.journeys.audience_pool * scale))
        self.pool = pool
        self.has_uid = self.rng.random(pool) >= world.journeys.share_without_user_id
        self.platform_codes = {p: i for i, p in enumerate(Platform)}
        self.ws_id = self.ids()
        self.out = SimulatedWorkspace(
            world=world, seed=seed, scale=scale, start=self.start, end=self.end,
            workspace={"id": self.ws_id, "name": world.workspace.name, "slug": world.workspace.slug,
                       "currency": world.workspace.currency, "timezone": world.workspace.timezone},
        )
        self.boost_truth: dict[str, dict] = {}
        self.post_ids: list[uuid.UUID] = []
        self.boost_ids: list[uuid.UUID] = []
        self.delivery = np.asarray(world.delivery_hour_weights, dtype=float)

    # ---- time helpers -------------------------------------------------------------------------
    def local(self, hours: float) -> datetime:
        return _to_dt(self.start, hours).astimezone(self.tz)

    def timing_multiplier(self, hours: float) -> float:
        loc = self.local(hours)
        return self.w.hour_multipliers[loc.hour] * self.w.weekday_multipliers[loc.weekday()]

    def delivery_weights(self, start_h: int, n_hours: int) -> np.ndarray:
        """Pacing weight of each delivery hour [start_h + i, start_h + i + 1) in local time."""
        first_local = self.local(start_h).hour
        return self.delivery[(first_local + np.arange(n_hours)) % 24]

    # ---- the world ---------------------------------------------------------------------------
    def run(self) -> SimulatedWorkspace:
        for platform, spec in self.w.platforms.items():
            self.platform(platform, spec)
        self.experiments()
        self.finish_events()
        self.out.truth = self.truth()
        return self.out

    def platform(self, platform: Platform, spec: PlatformSpec) -> None:
        w, rng = self.w, self.rng
        account_id = self.ids()
        prefix = PLATFORM_PREFIX[platform]
        followers = spec.followers  # scale adds posts and boosts (and people), not bigger audiences per post
        self.out.accounts.append({
            "id": account_id, "workspace_id": self.ws_id, "platform": platform,
            "platform_account_id": f"{prefix}_{1000 + len(self.out.accounts)}",
            "handle": f"{w.workspace.slug}.{platform.value.lower()}", "followers": followers,
        })
        n_posts = max(1, round(spec.posts * self.scale))
        types = list(w.content)
        shares = np.array([w.content[t].share for t in types], dtype=float)
        ctypes = rng.choice(len(types), size=n_posts, p=shares / shares.sum())
        # Publishing: a random day up to the world's last, at a local hour weighted towards the working day
        # (7-21 h). Posting continues to the end, as in a live workspace: the newest posts are hours old
        # (what the recommender looks for); only posts older than 36 h get boosted (below).
        post_hours_w = np.array([0.2] * 7 + [1.0] * 15 + [0.4] * 2)
        days = rng.integers(0, max(1, w.workspace.days), size=n_posts)
        local_hours = rng.choice(24, size=n_posts, p=post_hours_w / post_hours_w.sum())
        minutes = rng.integers(0, 60, size=n_posts)
        quality = _lognormal_mean_one(rng, w.post_quality_log_sd, n_posts)
        local_start = self.start.astimezone(self.tz).replace(hour=0, minute=0, second=0, microsecond=0)
        pub_h = np.empty(n_posts)
        for i in range(n_posts):
            loc = (local_start + timedelta(days=int(days[i]))).replace(hour=int(local_hours[i]),
                                                                       minute=int(minutes[i]))
            pub_h[i] = (loc.astimezone(UTC) - self.start).total_seconds() / 3600.0
        pub_h = np.clip(pub_h, 0, self.end_h - 1)  # at least an hour of organic data before the end
        order = np.argsort(pub_h, kind="stable")
        ctypes, pub_h, quality = ctypes[order], pub_h[order], quality[order]

        # Which posts get boosted: more likely the better they do (selection on quality).
        n_boosts = min(max(0, round(spec.boosts * self.scale)), n_posts)
        eligible = pub_h < self.end_h - 36
        weights = np.where(eligible, quality ** w.boosting.selection_strength, 0.0)
        boosted = set()
        if n_boosts and weights.sum() > 0:
            k = min(n_boosts, int(eligible.sum()))
            boosted = set(rng.choice(n_posts, size=k, replace=False, p=weights / weights.sum()).tolist())

        for i in range(n_posts):
            ctype = types[ctypes[i]]
            self.post(platform, spec, account_id, prefix, i, ctype, float(pub_h[i]), float(quality[i]),
                      followers, boosted=i in boosted)

    def post(self, platform: Platform, spec: PlatformSpec, account_id: uuid.UUID, prefix: str, index: int,
             ctype: ContentType, pub_h: float, quality: float, followers: int, *, boosted: bool) -> None:
        w, rng = self.w, self.rng
        cspec = w.content[ctype]
        post_id = self.ids()
        post_idx = len(self.post_ids)
        self.post_ids.append(post_id)
        media = {ContentType.VIDEO: 1, ContentType.REEL: 1, ContentType.IMAGE: 1, ContentType.STORY: 1,
                 ContentType.TEXT: 0}.get(ctype)
        if media is None:
            media = int(rng.integers(3, 11)) if ctype == ContentType.CAROUSEL else int(rng.integers(0, 2))
        self.out.posts.append({
            "id": post_id, "workspace_id": self.ws_id, "account_id": account_id, "platform": platform,
            "platform_post_id": f"{prefix}_post_{100000 + index + 1000 * len(self.out.accounts)}",
            "content_type": ctype, "text_length": int(rng.integers(40, 900)), "media_count": media,
            "hashtag_count": int(rng.poisson(2.5)), "published_at": _to_dt(self.start, pub_h),
            "is_ads_eligible": bool(rng.random() > 0.05),
        })
        timing = self.timing_multiplier(pub_h) ** w.organic_timing_strength
        expected_reach = followers * spec.organic_reach_rate * quality * cspec.organic_reach_multiplier * timing
        n_org = int(rng.poisson(expected_reach))
        ipr = spec.organic_impressions_per_reach * float(_lognormal_mean_one(rng, 0.05))
        eng_rate = spec.organic_engagement_rate * math.sqrt(quality) * float(_lognormal_mean_one(rng, 0.1))
        horizon = int(math.ceil(self.end_h - pub_h)) + 1
        org_w = decay_weights(horizon, spec.organic_half_life_hours)
        # Hourly counts of organically reached people (lifetime; the last bucket is after the world's end).
        org_hourly = rng.multinomial(n_org, np.append(org_w, max(0.0, 1.0 - org_w.sum())))[:-1]

        boost = None
        if boosted:
            boost = self.boost_plan(platform, spec, post_id, ctype, pub_h)
            # Extra organic people brought by the boost (shares, social proof), arriving with the paid delivery.
            boost["n_spill"] = int(rng.poisson(spec.organic_spillover * n_org)) if boost["delivered_h"] else 0
        pid = self.platform_codes[platform]
        bidx = -1 if boost is None else boost["index"]
        p_eng_o = (1.0 - (1.0 - eng_rate) ** ipr) * w.journeys.engagement_tracking
        org_probs = np.array([w.journeys.organic_view_tracking, p_eng_o, spec.organic_ctr])
        cvr_o = cspec.conversion_rate

        # Organic people, split into organic-only and the overlap with the paid audience.
        n_ovl = 0
        if boost is not None:
            n_ovl = min(int(rng.binomial(boost["n_paid"], spec.overlap)), n_org)
        groups = {"org": n_org - n_ovl, "ovl": n_ovl}
        if boost is not None:
            boost["n_ovl"] = n_ovl
            groups["paid"] = boost["n_paid"] - n_ovl
            groups["spill"] = boost["n_spill"]
        truth_conv = {"with": 0, "without": 0, "with_value": 0, "without_value": 0,
                      "split": {"organic": 0, "paid": 0, "overlap": 0}, "platform_conv": [], "paid_clicks": []}
        org_clicks_t: list[np.ndarray] = []
        for name, n in groups.items():
            if n <= 0:
                continue
            has_org = name in ("org", "ovl", "spill")
            has_paid = name in ("ovl", "paid")
            probs = []
            if has_org:
                probs += list(org_probs)
            if has_paid:
                probs += list(boost["paid_probs"])
            probs = np.array(probs)
            k = int(rng.binomial(n, p_any(probs)))
            if k == 0:
                continue
            flags = flags_given_any(rng, k, probs)
            person = rng.integers(0, self.pool, size=k)
            col = 0
            t_org = t_paid = None
            conv_o = np.zeros(k, bool)
            conv_p = np.zeros(k, bool)
            click_o_t = np.full(k, np.inf)
            click_p_t = np.full(k, np.inf)
            if has_org:
                if name == "spill":
                    t_org = boost["paid_times"](k)
                else:
                    t_org = pub_h + rng.exponential(spec.organic_half_life_hours / math.log(2), size=k)
                view, eng, click = flags[:, 0], flags[:, 1], flags[:, 2]
                col = 3
                click_o_t = np.where(click, t_org + rng.random(k) * 0.5, np.inf)
                conv_o = click & (rng.random(k) < cvr_o)
                self.events.add(t_org[view], _VIEW, _ORG, pid, bidx, post_idx, person[view], -1)
                self.events.add(t_org[eng] + rng.random(int(eng.sum())), _ENG, _ORG, pid, bidx, post_idx,
                                person[eng], -1)
                self.events.add(click_o_t[click], _CLICK, _ORG, pid, bidx, post_idx, person[click], -1)
                org_clicks_t.append(click_o_t[click])
            if has_paid:
                t_paid = boost["paid_times"](k)
                view, eng, click = flags[:, col], flags[:, col + 1], flags[:, col + 2]
                click_p_t = np.where(click, t_paid + rng.random(k) * 0.5, np.inf)
                conv_p = click & (rng.random(k) < boost["cvr_p"])
                self.events.add(t_paid[view], _VIEW, _PAID, pid, bidx, post_idx, person[view], -1)
                self.events.add(t_paid[eng] + rng.random(int(eng.sum())), _ENG, _PAID, pid, bidx, post_idx,
                                person[eng], -1)
                self.events.add(click_p_t[click], _CLICK, _PAID, pid, bidx, post_idx, person[click], -1)
                truth_conv["paid_clicks"].append(click_p_t[click])
            delay = rng.lognormal(math.log(w.journeys.conversion_delay_median_hours),
                                  w.journeys.conversion_delay_log_sd, size=(k, 2))
            value = np.maximum(100, rng.lognormal(math.log(w.journeys.conversion_value_median_cents),
                                                  w.journeys.conversion_value_log_sd, size=k)).astype(np.int64)
            t_conv_o = np.where(conv_o, click_o_t + delay[:, 0], np.inf)
            t_conv_p = np.where(conv_p, click_p_t + delay[:, 1], np.inf)
            t_with = np.minimum(t_conv_o, t_conv_p)
            via_paid = t_conv_p < t_conv_o
            with_in = t_with < self.end_h
            # Without the boost only organic exposure of people the post would have reached anyway.
            without_in = (t_conv_o < self.end_h) if name in ("org", "ovl") else np.zeros(k, bool)
            truth_conv["with"] += int(with_in.sum())
            truth_conv["without"] += int(without_in.sum())
            truth_conv["with_value"] += int(value[with_in].sum())
            truth_conv["without_value"] += int(value[without_in].sum())
            key = {"org": "organic", "spill": "organic", "ovl": "overlap", "paid": "paid"}[name]
            truth_conv["split"][key] += int(with_in.sum())
            # A converter may also arrive once untagged (UNKNOWN) between the click and the purchase.
            conv_idx = np.flatnonzero(with_in)
            last_click = np.where(via_paid, click_p_t, click_o_t)[conv_idx]
            unk = rng.random(conv_idx.size) < w.journeys.unknown_touch_share
            t_unk = last_click[unk] + rng.random(int(unk.sum())) * (t_with[conv_idx][unk] - last_click[unk])
            self.events.add(t_unk, _CLICK, _UNK, self.platform_codes[Platform.OTHER], -1, -1, person[conv_idx][unk],
                            -1)
            self.events.add(t_with[conv_idx], _CONV, np.where(via_paid[conv_idx], _PAID, _ORG), pid, bidx, post_idx,
                            person[conv_idx], value[conv_idx])
            if has_paid:
                # The ad platform's own count: converters within 7 days of a paid click or 1 day of a paid view.
                seen_paid = t_paid
                with np.errstate(invalid="ignore"):  # inf - inf for people who neither clicked nor converted
                        in_platform = with_in & (((t_with - click_p_t) <= PLATFORM_CLICK_WINDOW_H)
                                             | ((t_with - seen_paid) <= PLATFORM_VIEW_WINDOW_H))
                truth_conv["platform_conv"].append(np.stack([t_with[in_platform], value[in_platform]], axis=1))

        self.organic_captures(post_id, platform, spec, ctype, pub_h, org_hourly, ipr, eng_rate, boost,
                              np.concatenate(org_clicks_t) if org_clicks_t else np.empty(0))
        if boost is not None:
            self.paid_metrics(boost, truth_conv)
            self.boost_truth[str(boost["id"])].update({
                "incremental_conversions": truth_conv["with"] - truth_conv["without"],
                "incremental_value_cents": truth_conv["with_value"] - truth_conv["without_value"],
                "conversions_with_boost": truth_conv["with"],
                "conversions_without_boost": truth_conv["without"],
                "conversions_split": truth_conv["split"],
            })
            spend = boost["spend_cents"]
            t = self.boost_truth[str(boost["id"])]
            t["roi"] = (t["incremental_value_cents"] - spend) / spend if spend > 0 else None
            t["incremental_reach"] = boost["n_paid"] - n_ovl
            t["overlap_reach"] = n_ovl

    # ---- boosts ------------------------------------------------------------------------------
    def boost_plan(self, platform: Platform, spec: PlatformSpec, post_id: uuid.UUID, ctype: ContentType,
                   pub_h: float) -> dict:
        w, rng = self.w, self.rng
        b = w.budget
        start_h = int(math.ceil(pub_h + rng.uniform(w.boosting.delay_hours_min, w.boosting.delay_hours_max)))
        start_h = min(start_h, self.end_h - 12)
        budget = float(np.clip(rng.lognormal(math.log(b.median_cents), b.log_sd), b.min_cents, b.max_cents))
        budget = int(round(budget / 500.0) * 500)  # budgets are set in $5 steps
        duration = int(rng.choice(b.duration_days))
        seg: SegmentSpec = w.segments[int(rng.integers(len(w.segments)))]
        planned_h = duration * 24
        cancelled = rng.random() < b.cancel_probability
        run_h = int(rng.integers(1, 25)) if cancelled else planned_h
        delivered_h = max(0, min(run_h, self.end_h - start_h))
        pace = self.delivery_weights(start_h, planned_h)
        spend_h = budget * pace / pace.sum()
        spend_h = spend_h[:delivered_h]
        spend_total = int(round(spend_h.sum()))
        max_reach = spec.max_paid_reach * seg.reach_multiplier
        cum = np.concatenate([[0.0], np.cumsum(spend_h)])
        reach_curve = max_reach * (1.0 - np.exp(-cum / spec.saturation_budget_cents))
        new_reach = np.diff(reach_curve)
        n_paid = int(rng.poisson(reach_curve[-1])) if delivered_h else 0
        m_time = self.timing_multiplier(start_h)
        ctr = min(1.0, spec.paid_ctr * seg.ctr_multiplier * m_time)
        p_eng = (1.0 - (1.0 - spec.paid_engagement_rate) ** spec.paid_frequency) * w.journeys.engagement_tracking
        cvr_p = min(1.0, w.content[ctype].conversion_rate * seg.cvr_multiplier)
        weights = new_reach if new_reach.sum() > 0 else np.ones(max(1, delivered_h))

        def paid_times(k: int) -> np.ndarray:
            if k == 0:
                return np.empty(0)
            hrs = rng.choice(weights.size, size=k, p=weights / weights.sum())
            return start_h + hrs + rng.random(k)

        index = len(self.boost_ids)
        boost_id = self.ids()
        campaign_id = self.ids()
        self.boost_ids.append(boost_id)
        strategy = STRATEGIES[int(rng.integers(len(STRATEGIES)))]
        end_planned = start_h + planned_h
        if cancelled and start_h + run_h <= self.end_h:
            status, ended = BoostStatus.CANCELLED, start_h + run_h
        elif end_planned <= self.end_h:
            status, ended = BoostStatus.COMPLETED, end_planned
        else:
            status, ended = BoostStatus.ACTIVE, None
        prefix = PLATFORM_PREFIX[platform]
        post_row = self.out.posts[-1]
        self.out.campaigns.append({
            "id": campaign_id, "workspace_id": self.ws_id, "platform": platform,
            "platform_campaign_id": f"{prefix}_cmp_{23850000 + index}",
            "name": f"Boost {post_row['platform_post_id']} - {seg.name} - {self.local(start_h):%Y-%m-%d}",
            "objective": CampaignObjective.CONVERSIONS,
            "status": {BoostStatus.ACTIVE: CampaignStatus.ACTIVE, BoostStatus.CANCELLED: CampaignStatus.PAUSED}.get(
                status, CampaignStatus.COMPLETED),
            "promoted_platform_post_id": post_row["platform_post_id"],
            "started_at": _to_dt(self.start, start_h), "ended_at": None if ended is None else _to_dt(self.start, ended),
        })
        targeting = {"segment": seg.name, "age_min": seg.age_min, "age_max": seg.age_max,
                     "interests": list(seg.interests), "locations": list(seg.locations)}
        self.out.boosts.append({
            "id": boost_id, "workspace_id": self.ws_id, "original_post_id": post_id, "campaign_id": campaign_id,
            "platform": platform, "boosted_at": _to_dt(self.start, start_h),
            "boosted_by": MARKETERS[int(rng.integers(len(MARKETERS)))], "boost_reason": REASONS[strategy],
            "boost_strategy": strategy, "source": BoostSource.SIMULATED, "organic_metrics": {},
            "targeting_criteria": targeting, "initial_budget_cents": budget, "duration_days": duration,
            "snapshot_cadence_hours": 1, "status": status,
            "ended_at": None if ended is None else _to_dt(self.start, ended),
        })
        self.boost_truth[str(boost_id)] = {
            "post_id": str(post_id), "platform": platform.value, "segment": seg.name, "content_type": ctype.value,
            "start_local_hour": self.local(start_h).hour, "start_local_weekday": self.local(start_h).weekday(),
            "timing_multiplier": m_time, "budget_cents": budget, "spend_cents": spend_total,
            "paid_reach": n_paid, "status": status.value,
        }
        return {"id": boost_id, "campaign_id": campaign_id, "index": index, "start_h": start_h,
                "planned_h": planned_h, "delivered_h": delivered_h, "spend_h": spend_h, "spend_cents": spend_total,
                "new_reach": new_reach, "n_paid": n_paid, "n_spill": 0, "paid_times": paid_times,
                "paid_probs": np.array([w.journeys.paid_view_tracking, p_eng, ctr]), "cvr_p": cvr_p,
                "spec": spec, "post_id": post_id, "ended": ended}

    def paid_metrics(self, boost: dict, truth_conv: dict) -> None:
        """Hourly delivery rows of the boost's campaign."""
        n_h = boost["delivered_h"]
        if n_h == 0:
            return
        spec: PlatformSpec = boost["spec"]
        spend = _largest_remainder(boost["spend_cents"], boost["spend_h"])
        new_reach = boost["new_reach"]
        reach_h = self.rng.multinomial(boost["n_paid"], new_reach / new_reach.sum()) if new_reach.sum() > 0 \
            else np.zeros(n_h, dtype=np.int64)
        impressions = _largest_remainder(int(round(boost["n_paid"] * spec.paid_frequency)), boost["spend_h"])
        start = boost["start_h"]
        edges = start + np.arange(n_h + 1)
        clicks = np.histogram(np.concatenate(truth_conv["paid_clicks"]) if truth_conv["paid_clicks"] else [],
                              bins=edges)[0]
        conv = np.concatenate(truth_conv["platform_conv"]) if truth_conv["platform_conv"] else np.empty((0, 2))
        # Conversions reported at the hour they happen; those after delivery stopped land on its last hour.
        conv_hour = np.clip(np.floor(conv[:, 0] - start).astype(int), 0, n_h - 1) if len(conv) else np.empty(0, int)
        conversions = np.bincount(conv_hour, minlength=n_h)
        values = np.bincount(conv_hour, weights=conv[:, 1] if len(conv) else None, minlength=n_h)
        for h in range(n_h):
            self.out.campaign_metrics.append({
                "workspace_id": self.ws_id, "campaign_id": boost["campaign_id"], "granularity": MetricGranularity.HOUR,
                "period_start": _to_dt(self.start, start + h), "impressions": int(impressions[h]),
                "reach": int(reach_h[h]), "clicks": int(clicks[h]), "conversions": int(conversions[h]),
                "conversion_value_cents": int(round(values[h])), "spend_cents": int(spend[h]),
            })

    # ---- organic metrics ---------------------------------------------------------------------
    def organic_captures(self, post_id: uuid.UUID, platform: Platform, spec: PlatformSpec, ctype: ContentType,
                         pub_h: float, org_hourly: np.ndarray, ipr: float, eng_rate: float, boost: dict | None,
                         org_click_times: np.ndarray) -> None:
        w = self.w
        horizon = org_hourly.size
        cf_reach = np.cumsum(org_hourly)  # cumulative at the end of hour i after publishing
        spill = np.zeros(horizon)
        paid_only = np.zeros(horizon)
        if boost is not None:
            n_spill = boost["n_spill"]
            offset = boost["start_h"] - pub_h
            if boost["delivered_h"] and n_spill:
                times = boost["paid_times"](n_spill) - pub_h
                spill = np.cumsum(np.histogram(times, bins=np.arange(horizon + 1))[0]).astype(float)
            if boost["delivered_h"]:
                # The realised overlap: the nominal share of the paid audience, capped by the post's organic reach.
                share_paid_only = 1.0 - boost["n_ovl"] / boost["n_paid"] if boost["n_paid"] else 0.0
                reach_rel = np.histogram(boost["paid_times"](boost["n_paid"]) - pub_h, bins=np.arange(horizon + 1))[0]
                paid_only = np.cumsum(reach_rel) * share_paid_only
            # Counterfactual series for the truth, hourly from the boost's start.
            i0 = int(math.floor(offset))
            span = min(horizon - i0, boost["planned_h"] + 7 * 24)
            idx = np.arange(i0, i0 + max(0, span))
            cf = cf_reach[idx]
            self.boost_truth[str(boost["id"])]["counterfactual"] = {
                "hours": (idx - i0).tolist(),
                "reach": cf.astype(int).tolist(),
                "impressions": np.round(cf * ipr).astype(int).tolist(),
                "engagements": np.round(cf * ipr * eng_rate).astype(int).tolist(),
            }
            act = cf + spill[idx]
            self.boost_truth[str(boost["id"])]["actual_organic"] = {
                "reach": act.astype(int).tolist(),
                "impressions": np.round(act * ipr).astype(int).tolist(),
                "engagements": np.round(act * ipr * eng_rate).astype(int).tolist(),
            }
            self.boost_truth[str(boost["id"])]["organic_spillover_reach"] = int(spill[-1]) if horizon else 0
        # Captures: hourly for 48 h, then every capture_every_hours, for capture_days, none after the world's
        # end (the series runs to ceil(end - published) + 1 hours, so its last hours lie past the end).
        last = min(horizon, w.boosting.capture_days * 24, int(math.floor(self.end_h - pub_h + 1e-9)))
        hours = sorted(set(range(1, min(48, last) + 1)) | set(range(48, last + 1, w.boosting.capture_every_hours)))
        reports_total = spec.reports_total_reach
        video = ctype in (ContentType.VIDEO, ContentType.REEL)
        pub_dt = _to_dt(self.start, pub_h)
        click_times = np.sort(org_click_times - pub_h)
        for h in hours:
            if h > horizon:
                break
            reach = cf_reach[h - 1] + spill[h - 1]
            impressions = int(round(reach * ipr))
            engagements = int(round(impressions * eng_rate))
            likes = int(round(engagements * 0.72))
            comments = int(round(engagements * 0.1))
            self.out.organic_metrics.append({
                "workspace_id": self.ws_id, "post_id": post_id, "captured_at": pub_dt + timedelta(hours=h),
                "impressions": impressions, "reach": int(reach), "engagements": engagements, "likes": likes,
                "comments": comments, "shares": max(0, engagements - likes - comments),
                "clicks": int(np.searchsorted(click_times, h)),
                "video_views": int(round(impressions * 0.38)) if video else 0,
                "total_reach": int(round(reach + paid_only[h - 1])) if reports_total else None,
            })
        if boost is not None:
            # The pre-boost snapshot a marketer's tool would have captured: the post's own latest capture
            # at or before the boost's start.
            boosted_at = _to_dt(self.start, boost["start_h"])
            before = [m for m in self.out.organic_metrics[-len(hours):]
                      if m["post_id"] == post_id and m["captured_at"] <= boosted_at]
            snap = before[-1] if before else None
            keys = ("impressions", "reach", "engagements", "likes", "comments", "shares", "clicks", "video_views")
            self.out.boosts[boost["index"]]["organic_metrics"] = (
                {k: snap[k] for k in keys} | {"captured_at": snap["captured_at"].isoformat(), "estimated": False}
                if snap else {k: 0 for k in keys} | {"captured_at": None, "estimated": True}
            )

    # ---- experiments -------------------------------------------------------------------------
    def experiments(self) -> None:
        """A/B tests of a timing strategy: morning (09-11 h) against evening (18-21 h) boost starts."""
        rng = self.rng
        truth = []
        for e in range(self.w.experiments):
            exp_id = self.ids()
            control = {"name": "morning-start", "hours": [9, 10, 11]}
            treat = {"name": "evening-start", "hours": [18, 19, 20, 21]}
            seg = self.w.segments[0]
            platform, spec = next(iter(self.w.platforms.items()))
            content_cvr = float(np.mean([c.conversion_rate for c in self.w.content.values()]))
            rows = []
            rates = {}
            for pos, v in enumerate((control, treat)):
                mult = float(np.mean([self.w.hour_multipliers[h] for h in v["hours"]]))
                p = min(1.0, spec.paid_ctr * seg.ctr_multiplier * mult * content_cvr * seg.cvr_multiplier)
                n = int(rng.integers(18_000, 22_000))
                conv = int(rng.binomial(n, p))
                vals = np.maximum(100, rng.lognormal(math.log(self.w.journeys.conversion_value_median_cents),
                                                     self.w.journeys.conversion_value_log_sd, conv))
                rates[v["name"]] = p
                rows.append({
                    "id": self.ids(), "workspace_id": self.ws_id, "experiment_id": exp_id, "name": v["name"],
                    "position": pos, "is_control": pos == 0,
                    "strategy": {"start_local_hours": v["hours"], "segment": seg.name, "platform": platform.value},
                    "allocation": 0.5, "exposures": n, "conversions": conv, "metric_sum": float(vals.sum()),
                    "metric_sum_sq": float((vals ** 2).sum()), "spend_cents": int(n * 2.2),
                })
            self.out.experiments.append({
                "id": exp_id, "workspace_id": self.ws_id, "name": f"Evening vs morning boost start #{e + 1}",
                "hypothesis": "Boosts started in the evening convert better than boosts started in the morning.",
                "dimension": ExperimentDimension.TIMING, "primary_metric": "conversion_rate",
                "guardrail_metrics": ["cost_per_result", "spend"], "status": ExperimentStatus.COMPLETED,
                "assignment_seed": int(self.seed * 1000 + e), "alpha": 0.05, "min_sample_per_variant": 10_000,
                "started_at": _to_dt(self.start, 24 * 30), "ended_at": _to_dt(self.start, 24 * 44),
            })
            self.out.variants.extend(rows)
            truth.append({"experiment_id": str(exp_id), "true_conversion_rates": rates,
                          "true_relative_lift": rates[treat["name"]] / rates[control["name"]] - 1.0})
        self._experiment_truth = truth

    # ---- events to Arrow ---------------------------------------------------------------------
    def finish_events(self) -> None:
        cols = self.events.join()
        n_tracked = cols["time"].size
        # Background untagged visits (never convert): random people, uniform over the period.
        n_bg = int(self.rng.poisson(self.w.journeys.background_unknown_rate * n_tracked))
        if n_bg:
            bg = {
                "time": self.rng.random(n_bg) * self.end_h, "etype": np.full(n_bg, _CLICK, np.int8),
                "touch": np.full(n_bg, _UNK, np.int8),
                "platform": np.full(n_bg, self.platform_codes[Platform.OTHER], np.int8),
                "boost": np.full(n_bg, -1, np.int32), "post": np.full(n_bg, -1, np.int32),
                "person": self.rng.integers(0, self.pool, n_bg), "value": np.full(n_bg, -1, np.int64),
            }
            cols = {k: np.concatenate([cols[k], bg[k]]) for k in cols}
        keep = cols["time"] < self.end_h
        cols = {k: v[keep] for k, v in cols.items()}
        order = np.lexsort((cols["person"], cols["time"]))
        cols = {k: v[order] for k, v in cols.items()}
        n = cols["time"].size
        micros = np.round(cols["time"] * 3_600_000_000).astype(np.int64) + int(self.start.timestamp() * 1_000_000)
        person = pa.array(cols["person"]).cast(pa.string())
        day = pa.array((cols["time"] // 24).astype(np.int64)).cast(pa.string())
        has_uid = self.has_uid[cols["person"]]
        user_id = pc.if_else(pa.array(has_uid), pc.binary_join_element_wise("u", person, ""),
                             pa.scalar(None, pa.string()))
        session_id = pc.binary_join_element_wise("s", person, "-", day, "")
        # Ids and enum columns are dictionary-encoded: 10^7 events would otherwise carry ~1 GB of
        # repeated UUID strings (and overflow a 32-bit-offset string array).
        boost_dict = pa.array([str(b) for b in self.boost_ids], pa.string())
        post_dict = pa.array([str(p) for p in self.post_ids], pa.string())

        def dict_col(indices: np.ndarray, dictionary: pa.Array) -> pa.DictionaryArray:
            idx = pa.array(indices.astype(np.int32), mask=indices < 0)
            return pa.DictionaryArray.from_arrays(idx, dictionary)

        etype_dict = pa.array([e.value for e in EVENT_TYPES])
        touch_dict = pa.array([t.value for t in TOUCH_TYPES])
        plat_dict = pa.array([p.value for p in Platform])
        seq = pa.array(np.arange(n, dtype=np.int64)).cast(pa.string())
        self.out.events = pa.table({
            "client_event_id": pc.binary_join_element_wise(f"sim{self.seed}-", seq, ""),
            "boost_campaign_id": dict_col(cols["boost"], boost_dict),
            "post_id": dict_col(cols["post"], post_dict),
            "user_id": user_id,
            "session_id": session_id,
            "event_type": dict_col(cols["etype"], etype_dict),
            "touchpoint_type": dict_col(cols["touch"], touch_dict),
            "platform": dict_col(cols["platform"], plat_dict),
            "event_value_cents": pa.array(np.where(cols["value"] < 0, 0, cols["value"]),
                                          mask=cols["value"] < 0),
            "occurred_at": pa.array(micros, pa.timestamp("us", tz="UTC")),
        })

    # ---- truth -------------------------------------------------------------------------------
    def truth(self) -> dict:
        w = self.w
        best_h = max(w.hour_multipliers)
        best_wd = max(w.weekday_multipliers)
        seg_effect = {s.name: s.reach_multiplier * s.ctr_multiplier * s.cvr_multiplier for s in w.segments}
        # Per-dollar paid response of each content type is its conversion rate (paid reach does not depend on it).
        content_rates = {c.value: spec.conversion_rate for c, spec in w.content.items()}
        return {
            "seed": self.seed,
            "scale": self.scale,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "world": world_to_dict(w),
            "boosts": self.boost_truth,
            # Planted timing: the hours / weekdays whose multiplier is within 5% of the best one.
            "best_hours": [h for h, m in enumerate(w.hour_multipliers) if m >= 0.95 * best_h],
            "worst_hours": [h for h, m in enumerate(w.hour_multipliers) if m <= 1.05 * min(w.hour_multipliers)],
            "best_weekdays": [d for d, m in enumerate(w.weekday_multipliers) if m >= 0.95 * best_wd],
            "segment_effects": seg_effect,
            "best_segment": max(seg_effect, key=seg_effect.get),
            "content_type_rates": content_rates,
            "best_content_type": max(content_rates, key=content_rates.get),
            "roi_optimal_budget_cents": {p.value: roi_optimal_budget(w, p) for p in w.platforms},
            "experiments": getattr(self, "_experiment_truth", []),
            "counts": {"posts": len(self.out.posts), "boosts": len(self.out.boosts),
                       "events": self.out.events.num_rows if self.out.events is not None else 0},
        }


def expected_incremental_value_cents(world: World, platform: Platform, budget_cents: float) -> float:
    """Expected incremental conversion value of a boost of ``budget_cents`` at average conditions.

    Average over segments (equally likely), start hours and weekdays (equally likely) and content types
    (by share). Paid-only people convert with p_p = ctr * cvr; overlap people only add p_p * (1 - p_o),
    the chance the paid click converts someone whom the organic click would not have.
    """
    spec = world.platforms[platform]
    timing = float(np.mean(world.hour_multipliers)) * float(np.mean(world.weekday_multipliers))
    shares = np.array([c.share for c in world.content.values()])
    cvr = float(np.dot(shares / shares.sum(), [c.conversion_rate for c in world.content.values()]))
    mean_value = world.journeys.conversion_value_median_cents * math.exp(world.journeys.conversion_value_log_sd ** 2 / 2)
    total = 0.0
    for seg in world.segments:
        reach = spec.max_paid_reach * seg.reach_multiplier * (1 - math.exp(-budget_cents / spec.saturation_budget_cents))
        p_p = min(1.0, spec.paid_ctr * seg.ctr_multiplier * timing) * min(1.0, cvr * seg.cvr_multiplier)
        p_o = spec.organic_ctr * cvr
        total += reach * ((1 - spec.overlap) * p_p + spec.overlap * p_p * (1 - p_o))
    return total / len(world.segments) * mean_value


def roi_optimal_budget(world: World, platform: Platform) -> int:
    """The budget maximising expected incremental value minus spend: where one more dollar of budget
    returns exactly one dollar of incremental value (marginal ROAS = 1). Grid search in $5 steps."""
    grid = np.arange(500, world.budget.max_cents * 3 + 1, 500, dtype=float)
    profit = np.array([expected_incremental_value_cents(world, platform, b) - b for b in grid])
    return int(grid[int(np.argmax(profit))])


def generate(world: World, seed: int, *, scale: float = 1.0) -> SimulatedWorkspace:
    """Generate a workspace from ``world``; the same (world, seed, scale) always gives the same data."""
    if scale <= 0:
        raise ValueError("scale: must be > 0")
    return _Generator(world, seed, scale).run()
