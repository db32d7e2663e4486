"""Run the recovery benchmark: `not_on_track` on synthetic responders, slow responders, non-responders
and deteriorators, with the default curve and with the curve estimated from the population itself.

    python -m benchmarks.recovery.run          # full run, several minutes; rewrites the tables in the docs
    python -m benchmarks.recovery.run --quick  # small populations, prints only

Seeds 1-3 were used to choose the defaults; seeds 101-103 were held back and run only to report.
The tables go between the `<!-- benchmark:... -->` markers of docs/recovery.md; the text around
them is written by hand.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from dataclasses import dataclass, fields
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import numpy as np

from benchmarks.recovery.generator import EASY_RECOVERY, HARD_RECOVERY, Population, RecoveryRegime, generate
from benchmarks.recovery.scorer import EMPTY, KindScore, focus_not_improving_share, score_events
from tracking.detection import SeriesBatch, detect_states
from tracking.instrument import DYNAMICS
from tracking.recovery import (
    Curves,
    FocusPeriods,
    NotOnTrack,
    RecoverySettings,
    coaching_timeline,
    default_curves,
    estimate_curves,
    not_on_track_table,
    refresh_table,
)

DOC = Path(__file__).resolve().parents[2] / "docs" / "recovery.md"
TUNING_SEEDS = (1, 2, 3)
HELD_BACK_SEEDS = (101, 102, 103)
GOAL_FLAGGED = 0.85
GOAL_RESPONDERS = 0.10
CURVES = ("default", "estimated")


@dataclass(frozen=True)
class Outcome:
    regime: str
    variation: str
    curve: str
    seeds: str
    scores: dict[str, KindScore]
    by_dynamic: dict[str, dict[str, KindScore]]
    curves: list[Curves]
    focus_share: float

    @property
    def stuck(self) -> KindScore:
        """Non-responders and deteriorators together."""
        return self.scores["non_responder"].plus(self.scores["deteriorator"])

    def meets(self) -> bool:
        return self.stuck.share_by_tenth >= GOAL_FLAGGED and self.scores["responder"].share_ever <= GOAL_RESPONDERS


def batch_of(population: Population) -> SeriesBatch:
    return SeriesBatch(population.client, population.weeks, population.scores)


def focus_on_dominant(population: Population) -> FocusPeriods:
    """Every client's coach focuses on the true dominant from the first check-in on."""
    first = np.r_[True, population.client[1:] != population.client[:-1]]
    return FocusPeriods.of(population.client[first], population.dominant, population.weeks[first])


def flags_as_refresh_finds_them(batch: SeriesBatch, dominant: np.ndarray, focus: FocusPeriods, curve: str,
                                settings: RecoverySettings) -> tuple[list[NotOnTrack], Curves]:
    """The flags by the path `koers import` and every refresh take (`tracking.store.on_track.flag_table`)."""
    table, curves = refresh_table(batch, dominant, focus, None if curve == "estimated" else default_curves(settings),
                                  settings)
    return table.events(), curves


def run_once(population: Population, curve: str, settings: RecoverySettings,
             with_focus: bool) -> tuple[list[NotOnTrack], Curves]:
    batch = batch_of(population)
    dominant = detect_states(batch).dominant
    focus = focus_on_dominant(population) if with_focus else FocusPeriods.empty()
    return flags_as_refresh_finds_them(batch, dominant, focus, curve, settings)


def _add(totals: dict[str, KindScore], scores: dict[str, KindScore]) -> None:
    for kind, score in scores.items():
        totals[kind] = totals.get(kind, EMPTY).plus(score)


def evaluate(regime: RecoveryRegime, curve: str, seeds: tuple[int, ...], n_clients: int, settings: RecoverySettings,
             label: str, base: str | None = None, with_focus: bool = False) -> Outcome:
    totals: dict[str, KindScore] = {}
    by_dynamic: dict[str, dict[str, KindScore]] = {d: {} for d in DYNAMICS}
    used, focus_shares = [], []
    for seed in seeds:
        population = generate(regime, n_clients, seed)
        events, curves = run_once(population, curve, settings, with_focus)
        used.append(curves)
        _add(totals, score_events(population, events))
        for code, dynamic in enumerate(DYNAMICS):
            _add(by_dynamic[dynamic], score_events(population, events, population.dominant == code))
        focus_shares.append(focus_not_improving_share(population, events))
    return Outcome(base or regime.name, regime.name if base else "", curve, label, totals, by_dynamic, used,
                   float(np.mean(focus_shares)))


def _progress(outcome: Outcome) -> None:
    print(f"  {outcome.regime} {outcome.variation} / {outcome.curve} / seeds {outcome.seeds}: flagged by 10th "
          f"{outcome.stuck.share_by_tenth:.3f}, responders {outcome.scores['responder'].share_ever:.3f}", flush=True)


def main_table(n_clients: int, settings: RecoverySettings) -> list[Outcome]:
    outcomes = []
    for seeds, label in ((TUNING_SEEDS, "1-3 (tuning)"), (HELD_BACK_SEEDS, "101-103 (held back)")):
        for regime in (EASY_RECOVERY, HARD_RECOVERY):
            for curve in CURVES:
                outcomes.append(evaluate(regime, curve, seeds, n_clients, settings, label))
                _progress(outcomes[-1])
    return outcomes


def variations(base: RecoveryRegime) -> list[RecoveryRegime]:
    """The same regime with one part of the generator changed at a time."""
    low, high = base.answers.item_noise_sd
    return [
        base.answering("item noise x1.15", item_noise_sd=(low * 1.15, high * 1.15)),
        base.answering("25% missed weeks, 8% unanswered items", missed_week_share=0.25, unanswered_item_share=0.08),
        base.answering("submitted up to 1 week late", submit_jitter_weeks=(-0.4, 1.0)),
        base.answering("mood SD 0.8-1.2 in strain space", mood_sd=(0.8, 1.2), mood_space="strain"),
        base.answering("item biases SD 0.8", item_bias_sd=0.8),
        base.answering("dominant at 5-7 instead of 5.5-8.5", top_level=(5.0, 7.0)),
        base.varied("responders fall fast first (exponential)", shape="exponential"),
        base.varied("responders start after 0-4 weeks", onset_weeks=(0.0, 4.0)),
        base.varied("responders recover to 2.5-4.5 only", recovered_level=(2.5, 4.5)),
        base.varied("the other dynamics never follow the dominant", others_follow=(0.0, 0.0)),
        base.varied("non-responders drift up to 1 point either way", non_responder_drift=(0.0, 1.0)),
        base.varied("deteriorators rise 0.5-1.5 only", deteriorate_points=(0.5, 1.5)),
        base.varied("40% non-responders, 30% responders", kind_shares={
            "responder": 0.30, "slow": 0.15, "non_responder": 0.40, "deteriorator": 0.15}),
    ]


def robustness_table(n_clients: int, settings: RecoverySettings) -> list[Outcome]:
    outcomes = []
    for base in (EASY_RECOVERY, HARD_RECOVERY):
        for regime in [base, *variations(base)]:
            for curve in CURVES:
                outcomes.append(evaluate(regime, curve, HELD_BACK_SEEDS[:1], n_clients, settings,
                                         str(HELD_BACK_SEEDS[0]), base=base.name))
                _progress(outcomes[-1])
        for curve in CURVES:
            outcomes.append(evaluate(base.varied("focus on the dominant from the first check-in"), curve,
                                     HELD_BACK_SEEDS[:1], n_clients, settings, str(HELD_BACK_SEEDS[0]),
                                     base=base.name, with_focus=True))
            _progress(outcomes[-1])
    return outcomes


def _share(value: float) -> str:
    return f"{value:.3f}"


def markdown_main(outcomes: list[Outcome]) -> str:
    lines = [
        "| seeds | regime | curve | non-responders + deteriorators flagged by 10th check-in | non-responders "
        "| deteriorators | median check-in of first flag | responders ever flagged | slow responders by 10th / "
        "ever | meets goals |",
        "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for o in outcomes:
        s = o.scores
        lines.append(
            f"| {o.seeds} | {o.regime} | {o.curve} | {_share(o.stuck.share_by_tenth)} | "
            f"{_share(s['non_responder'].share_by_tenth)} | {_share(s['deteriorator'].share_by_tenth)} | "
            f"{o.stuck.median_first:g} | {_share(s['responder'].share_ever)} | "
            f"{_share(s['slow'].share_by_tenth)} / {_share(s['slow'].share_ever)} | {'yes' if o.meets() else 'no'} |"
        )
    return "\n".join(lines)


def markdown_by_dynamic(outcomes: list[Outcome]) -> str:
    lines = ["| seeds | regime | curve | " + " | ".join(DYNAMICS) + " |", "| --- | --- | --- |" + " ---: |" * 4]
    for o in outcomes:
        cells = [f"{_share(o.by_dynamic[d]['non_responder'].plus(o.by_dynamic[d]['deteriorator']).share_by_tenth)}"
                 f" / {_share(o.by_dynamic[d]['responder'].share_ever)}" for d in DYNAMICS]
        lines.append(f"| {o.seeds} | {o.regime} | {o.curve} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def markdown_robustness(outcomes: list[Outcome]) -> str:
    lines = [
        "| regime | variation | curve | non-responders + deteriorators by 10th | median first flag | "
        "responders ever flagged | slow responders by 10th | meets goals |",
        "| --- | --- | --- | ---: | ---: | ---: | ---: | --- |",
    ]
    for o in outcomes:
        shown = "(as above)" if o.variation == o.regime else o.variation
        if o.variation.startswith("focus"):
            shown += f" ({o.focus_share:.0%} of first flags on the stuck say the focus is not improving)"
        lines.append(
            f"| {o.regime} | {shown} | {o.curve} | {_share(o.stuck.share_by_tenth)} | {o.stuck.median_first:g} | "
            f"{_share(o.scores['responder'].share_ever)} | {_share(o.scores['slow'].share_by_tenth)} | "
            f"{'yes' if o.meets() else 'no'} |"
        )
    return "\n".join(lines)


def markdown_curves(outcomes: list[Outcome]) -> str:
    lines = ["| seeds | regime | dynamic | weeks until half the excess is gone | share gone by week 26 | "
             "pace spread | clients |", "| --- | --- | --- | ---: | ---: | ---: | ---: |"]
    default = default_curves(RecoverySettings())
    for dynamic in DYNAMICS:
        lines.append(f"| - | - | {dynamic} (default) | {default.half_weeks(dynamic):g} | "
                     f"{default.share_gone(dynamic, 26):.2f} | {default.pace_spread[dynamic]:.2f} | - |")
    for o in outcomes:
        if o.curve != "estimated":
            continue
        for dynamic in DYNAMICS:
            halves = ", ".join(f"{c.half_weeks(dynamic):g}" for c in o.curves)
            gone = ", ".join(f"{c.share_gone(dynamic, 26):.2f}" for c in o.curves)
            paces = ", ".join(f"{c.pace_spread[dynamic]:.2f}" for c in o.curves)
            counts = ", ".join(str(c.clients[dynamic]) for c in o.curves)
            lines.append(f"| {o.seeds} | {o.regime} | {dynamic} | {halves} | {gone} | {paces} | {counts} |")
    return "\n".join(lines)


def markdown_settings() -> str:
    lines = ["| setting | default | what it means | why this default |", "| --- | ---: | --- | --- |"]
    for spec in fields(RecoverySettings):
        lines.append(f"| `{spec.metadata['env']}` | {spec.default:g} | {spec.metadata['doc']} | "
                     f"{spec.metadata['reason']} |")
    return "\n".join(lines)


def timing(n_clients: int, settings: RecoverySettings) -> str:
    population = generate(HARD_RECOVERY.varied("timing", weeks=(52, 52)), n_clients, seed=7)
    batch = batch_of(population)
    dominant = detect_states(batch).dominant
    started = time.perf_counter()
    timeline = coaching_timeline(batch, None, settings)
    curves = estimate_curves(batch, dominant, None, settings, timeline=timeline)
    estimated = time.perf_counter() - started
    table = not_on_track_table(batch, dominant, None, FocusPeriods.empty(), curves, settings, timeline=timeline)
    total = time.perf_counter() - started
    return (f"{n_clients:,} clients, {batch.client.size:,} check-ins: the coaching timeline and `estimate_curves` "
            f"{estimated:.2f} s, with `not_on_track_table` {total:.2f} s ({len(table):,} flags), one core.")


def write_section(name: str, content: str) -> None:
    text = DOC.read_text(encoding="utf-8")
    pattern = re.compile(rf"(<!-- benchmark:{name} -->\n).*?(<!-- /benchmark:{name} -->)", re.S)
    if not pattern.search(text):
        raise SystemExit(f"{DOC}: no <!-- benchmark:{name} --> section to write into")
    DOC.write_text(pattern.sub(lambda m: m.group(1) + content + "\n" + m.group(2), text), encoding="utf-8")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small populations; print only")
    args = parser.parse_args(argv)
    n_main, n_robust, n_timing = (300, 300, 1000) if args.quick else (2000, 2000, 10_000)
    settings = RecoverySettings()
    print("Main table")
    main_rows = main_table(n_main, settings)
    tables = {"main": markdown_main(main_rows), "by-dynamic": markdown_by_dynamic(main_rows),
              "curves": markdown_curves(main_rows)}
    print("Robustness (first held-back seed)")
    tables["robustness"] = markdown_robustness(robustness_table(n_robust, settings))
    tables["timing"] = timing(n_timing, settings)
    tables["settings"] = markdown_settings()
    for name in ("main", "by-dynamic", "curves", "robustness", "timing"):
        print(f"\n{tables[name]}")
    if not args.quick:
        for name, content in tables.items():
            write_section(name, content)
        print(f"\nwrote the tables into {DOC}")


if __name__ == "__main__":
    main()
