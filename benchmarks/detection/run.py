"""Run the detection benchmark: shifts and reliable change against baselines, both regimes, robustness
and timing.

    python -m benchmarks.detection.run          # full run, several minutes; rewrites the tables in the docs
    python -m benchmarks.detection.run --quick  # small populations, prints only

Reliable change is reported on the seeds it was tuned on and, separately, on held-back seeds that
played no part in choosing the defaults.

The tables go between the `<!-- benchmark:... -->` markers of docs/detection.md; the text around
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

from benchmarks.detection.baselines import ewma_hysteresis_flags, naive_argmax_flags, rci_two_in_a_row_flags
from benchmarks.detection.generator import EASY, HARD, KINDS, Population, Regime, generate
from benchmarks.detection.scorer import ChangeScore, Score, score_changes, score_flags
from tracking.detection import (
    DEFAULTS,
    DetectionSettings,
    Reliability,
    SeriesBatch,
    change_tables,
    detect_states,
    estimate_reliability,
    shift_table,
)
from tracking.instrument import load_instrument

DOC = Path(__file__).resolve().parents[2] / "docs" / "detection.md"
GOALS = {"easy": (0.99, 0.02, 1.0), "hard": (0.93, 0.20, 2.0)}
CHANGE_GOALS = (0.10, 0.95, 3.0)  # quiet kinds' flags per client-year, recall of lasting changes, median delay
CHANGE_SHARES = {"stable": 0.25, "single": 0.15, "double": 0.10, "near_tie": 0.20, "recovering": 0.15,
                 "deteriorating": 0.15}
TUNING_SEEDS = (2026, 2027, 2028)
HELD_BACK_SEEDS = (9101, 9102, 9103)
EWMA_FIXED = {"alpha": 0.5, "margin_points": 10.0}
EWMA_GRID = {"alpha": (0.3, 0.4, 0.5, 0.6, 0.7), "margin_points": tuple(float(h) for h in range(4, 27))}


@dataclass(frozen=True)
class Row:
    regime: str
    method: str
    score: Score


def batch_of(population: Population) -> SeriesBatch:
    return SeriesBatch(population.client, population.weeks, population.scores)


def no_moments(population: Population) -> np.ndarray:
    return np.zeros(population.client.size, dtype=np.int64)


def ours(population: Population) -> Score:
    batch = batch_of(population)
    table = shift_table(batch, detect_states(batch), no_moments(population))
    return score_flags(population, table.raised_row, table.to_code)


def ewma(population: Population, alpha: float, margin_points: float) -> Score:
    return score_flags(population, *ewma_hysteresis_flags(batch_of(population), alpha, margin_points))


def ewma_tuned(population: Population, recall: float) -> tuple[Score, dict] | None:
    """The EWMA-hysteresis setting with the fewest false alarms among those reaching `recall`."""
    best = None
    for alpha in EWMA_GRID["alpha"]:
        for margin in EWMA_GRID["margin_points"]:
            score = ewma(population, alpha, margin)
            if score.recall >= recall and (best is None or score.false_alarms < best[0].false_alarms):
                best = (score, {"alpha": alpha, "margin_points": margin})
    return best


def meets(regime: str, score: Score) -> bool:
    base = regime.split(" ")[0]
    return score.meets(*GOALS[base]) if base in GOALS else False


def main_table(n_clients: int, seed: int) -> list[Row]:
    rows = []
    for regime in (EASY, HARD):
        population = generate(regime, n_clients, seed=seed)
        rows.append(Row(regime.name, "Koers (two-speed levels, margin, swing)", ours(population)))
        naive = score_flags(population, *naive_argmax_flags(batch_of(population)))
        rows.append(Row(regime.name, "naive argmax", naive))
        rows.append(Row(regime.name, f"EWMA-hysteresis (alpha {EWMA_FIXED['alpha']}, margin "
                        f"{EWMA_FIXED['margin_points']:g})", ewma(population, **EWMA_FIXED)))
        tuned = ewma_tuned(population, GOALS[regime.name][0])
        if tuned is not None:
            score, chosen = tuned
            rows.append(Row(regime.name, f"EWMA-hysteresis tuned to recall {GOALS[regime.name][0]} "
                            f"(alpha {chosen['alpha']}, margin {chosen['margin_points']:g})", score))
        print(f"  {regime.name}: {population.client.size} check-ins, {len(population.switches)} switches, "
              f"{population.client_years:.0f} client-years", flush=True)
    return rows


def variations(base: Regime) -> list[Regime]:
    """The same regime with one part of the generator changed at a time."""
    low, high = base.item_noise_sd
    return [
        base.varied("item noise x1.15", item_noise_sd=(low * 1.15, high * 1.15)),
        base.varied("item noise x0.8", item_noise_sd=(low * 0.8, high * 0.8)),
        base.varied("near-ties up to 0.8 points", near_tie_points=(0.0, 0.8)),
        base.varied("near-ties: a second dynamic rises to meet the first", tie_onset_share=0.5),
        base.varied("transitions of 1 week", transition_weeks=(1, 1)),
        base.varied("transitions of 3 weeks", transition_weeks=(3, 3)),
        base.varied(
            "25% missed weeks, 8% unanswered items", missed_week_share=0.25, unanswered_item_share=0.08
        ),
        base.varied("no mood", mood_sd=(0.0, 0.0)),
        base.varied("mood SD 0.8-1.2 in strain space", mood_sd=(0.8, 1.2), mood_space="strain"),
        base.varied("mood on the raw answers for everyone", mood_space="answer"),
        base.varied("item biases SD 0.8", item_bias_sd=0.8),
        base.varied("all other dynamics at one shared level", others_level="shared"),
        base.varied("dominant at 5-7 instead of 5.5-8.5", top_level=(5.0, 7.0)),
        base.varied("submitted up to 1 week late", submit_jitter_weeks=(-0.4, 1.0)),
        base.varied("recovery of the dominant only (others just below 5)", recovery="dominant"),
        base.varied("with recovering and deteriorating clients (15% each)", kind_shares=CHANGE_SHARES),
    ]


def robustness_table(n_clients: int, seed: int, with_difficulty: bool) -> list[tuple[str, str, Score, str]]:
    rows = []
    for base in (EASY, HARD):
        for regime in [base, *variations(base)]:
            population = generate(regime, n_clients, seed=seed)
            score = ours(population)
            difficulty = ""
            if with_difficulty:
                tuned = ewma_tuned(population, GOALS[base.name][0])
                difficulty = "-" if tuned is None else f"{tuned[0].false_alarms_per_client_year:.2f}"
            rows.append((base.name, regime.name, score, difficulty))
            print(f"  {base.name} / {regime.name}: recall {score.recall:.3f}, false alarms "
                  f"{score.false_alarms_per_client_year:.3f}", flush=True)
    return rows


def change_population(regime: Regime, n_clients: int, seed: int) -> Population:
    return generate(regime.varied(regime.name, kind_shares=CHANGE_SHARES), n_clients, seed=seed)


def reliability_of(population: Population, settings: DetectionSettings = DEFAULTS,
                   with_estimates: bool = True) -> Reliability:
    """Estimated from the synthetic data as the product estimates it from a practice's data; without
    estimates, every figure is the fallback (a practice with too little data)."""
    item_dynamics = [item.dynamic for item in load_instrument().items]
    first_rows = np.r_[True, population.client[1:] != population.client[:-1]]
    if not with_estimates:
        return estimate_reliability(population.strain[:0], item_dynamics, population.scores[:0], first_rows[:0],
                                    settings)
    return estimate_reliability(population.strain, item_dynamics, population.scores, first_rows, settings,
                                series=batch_of(population))


def ours_change(population: Population, reliability: Reliability,
                settings: DetectionSettings = DEFAULTS) -> ChangeScore:
    tables = change_tables(batch_of(population), no_moments(population), reliability, settings)
    rows = np.concatenate([table.raised_row for table in tables])
    directions = np.concatenate([np.full(len(table), 1 if table.kind == "reliable_deterioration" else -1)
                                 for table in tables])
    return score_changes(population, rows, directions, np.concatenate([table.dynamic_code for table in tables]))


def before_change(population: Population, reliability: Reliability) -> ChangeScore:
    """The rule used before (RCI of single scores, two in a row), with the same alpha and SD."""
    dynamic = "context"
    rows, directions, dynamics = rci_two_in_a_row_flags(batch_of(population), reliability.alpha[dynamic],
                                                        reliability.sd[dynamic])
    return score_changes(population, rows, directions, dynamics)


def reliable_change_table(n_clients: int, seeds: tuple[int, ...], with_before: bool
                          ) -> list[tuple[str, int, str, ChangeScore, Reliability]]:
    """(regime, seed, method, score, reliability) for every regime and seed."""
    rows = []
    for seed in seeds:
        for regime in (EASY, HARD):
            population = change_population(regime, n_clients, seed)
            reliability = reliability_of(population)
            score = ours_change(population, reliability)
            rows.append((regime.name, seed, "Koers", score, reliability))
            if with_before:
                rows.append((regime.name, seed, "before: RCI, two in a row", before_change(population, reliability),
                             reliability))
            print(f"  {regime.name} seed {seed}: quiet {score.quiet_false_alarms_per_client_year:.3f}, recall "
                  f"{score.recall(-1):.3f} / {score.recall(1):.3f}", flush=True)
    return rows


def shift_by_kind_table(n_clients: int, seeds: tuple[int, ...]) -> list[tuple[str, int, Score, Population]]:
    """Shifts on the populations of the reliable-change benchmark (every client kind), by seed."""
    rows = []
    for seed in seeds:
        for regime in (EASY, HARD):
            population = change_population(regime, n_clients, seed)
            rows.append((regime.name, seed, ours(population), population))
    return rows


def markdown_shift_by_kind(rows) -> str:
    kinds = [kind for kind in KINDS]
    lines = ["| regime | seed | recall | median delay | " + " | ".join(kinds) + " | all kinds | meets goals |",
             "| --- | ---: | ---: | ---: | " + " | ".join("---:" for _ in kinds) + " | ---: | --- |"]
    for regime, seed, score, population in rows:
        rates = []
        for kind in kinds:
            years = population.span_weeks[population.kinds == kind].sum() / 52.0
            rates.append(f"{score.false_alarms_by_kind[kind] / years:.3f}")
        lines.append(f"| {regime} | {seed} | {score.recall:.3f} | {score.median_delay_checkins:g} | "
                     f"{' | '.join(rates)} | {score.false_alarms_per_client_year:.3f} | "
                     f"{'yes' if meets(regime, score) else 'no'} |")
    return "\n".join(lines)


def change_variations(base: Regime) -> list[Regime]:
    low, high = base.item_noise_sd
    return [
        base.varied("item noise x1.15", item_noise_sd=(low * 1.15, high * 1.15)),
        base.varied("25% missed weeks, 8% unanswered items", missed_week_share=0.25, unanswered_item_share=0.08),
        base.varied("no mood", mood_sd=(0.0, 0.0)),
        base.varied("mood SD 0.8-1.2 in strain space", mood_sd=(0.8, 1.2), mood_space="strain"),
        base.varied("mood on the raw answers for everyone", mood_space="answer"),
        base.varied("item biases SD 0.8", item_bias_sd=0.8),
        base.varied("submitted up to 1 week late", submit_jitter_weeks=(-0.4, 1.0)),
        base.varied("smaller changes: deterioration by 1.5-3 points", worsening_points=(1.5, 3.0)),
        base.varied("followed 26-52 weeks", weeks=(26, 52)),
    ]


def change_robustness_table(n_clients: int, seed: int) -> list[tuple[str, str, ChangeScore]]:
    rows = []
    for base in (EASY, HARD):
        for regime in [base, *change_variations(base)]:
            population = change_population(regime, n_clients, seed)
            rows.append((base.name, regime.name, ours_change(population, reliability_of(population))))
        population = change_population(base, n_clients, seed)
        rows.append((base.name, "fallback reliability (too little data to estimate)",
                     ours_change(population, reliability_of(population, with_estimates=False))))
        for row in rows[-len(change_variations(base)) - 2:]:
            print(f"  {row[0]} / {row[1]}: quiet {row[2].quiet_false_alarms_per_client_year:.3f}", flush=True)
    return rows


def in_control_run_length(n_streams: int, weeks: int, seed: int,
                          settings: DetectionSettings = DEFAULTS) -> float:
    """Years of weekly check-ins per false flag in one direction, for dynamics whose weeks vary exactly
    as the product assumes (independent normal weeks around a fixed level, noise known): the in-control
    run length of statistical process control, with the baseline's own error included."""
    rng = np.random.default_rng(seed)
    client = np.repeat(np.arange(n_streams), weeks)
    scores = np.full((client.size, 4), np.nan)
    scores[:, 0] = 50.0 + 10.0 * rng.standard_normal(client.size)
    batch = SeriesBatch(client, np.tile(np.arange(weeks, dtype=np.float64), n_streams), scores)
    dynamics = ("context", "relational", "physiological", "identity")
    reliability = Reliability(alpha={d: 0.9 for d in dynamics}, sd={d: 10.0 / np.sqrt(0.1) for d in dynamics},
                              source="model", n=0, clustering_recent={d: 1.0 for d in dynamics},
                              clustering_baseline={d: 1.0 for d in dynamics}, weekly_noise={d: 10.0 for d in dynamics})
    flags = sum(len(table) for table in change_tables(batch, np.zeros(client.size, dtype=np.int64), reliability,
                                                       settings))
    stream_years = 2 * n_streams * (weeks - settings.baseline_checkins) / 52.0
    return stream_years / flags if flags else float("inf")


def timing(n_clients: int, seed: int) -> dict[str, float]:
    regime = HARD.varied("timing", weeks=(110, 110), missed_week_share=0.09)
    population = generate(regime, n_clients, seed=seed)
    batch = batch_of(population)
    reliability = reliability_of(population)
    started = time.perf_counter()
    result = detect_states(batch)
    states_seconds = time.perf_counter() - started
    shifts = shift_table(batch, result, no_moments(population))
    shifts_seconds = time.perf_counter() - started
    changes = change_tables(batch, no_moments(population), reliability)
    total_seconds = time.perf_counter() - started
    return {"rows": batch.client.size, "clients": n_clients, "states_seconds": states_seconds,
            "shifts_seconds": shifts_seconds, "total_seconds": total_seconds, "shifts": len(shifts),
            "changes": sum(len(table) for table in changes)}


def markdown_main(rows: list[Row]) -> str:
    lines = [
        "| regime | method | recall | false alarms / client-year | median delay (check-ins) | meets goals |",
        "| --- | --- | ---: | ---: | ---: | --- |",
    ]
    for row in rows:
        s = row.score
        lines.append(
            f"| {row.regime} | {row.method} | {s.recall:.3f} | {s.false_alarms_per_client_year:.3f} | "
            f"{s.median_delay_checkins:g} | {'yes' if meets(row.regime, s) else 'no'} |"
        )
    return "\n".join(lines)


def markdown_robustness(rows) -> str:
    lines = ["| regime | variation | recall | false alarms / client-year | median delay | meets goals | "
             "EWMA-hysteresis false alarms at the recall goal |",
             "| --- | --- | ---: | ---: | ---: | --- | ---: |"]
    for base, name, s, difficulty in rows:
        shown = "(as above)" if name == base else name
        lines.append(f"| {base} | {shown} | {s.recall:.3f} | {s.false_alarms_per_client_year:.3f} | "
                     f"{s.median_delay_checkins:g} | {'yes' if meets(base, s) else 'no'} | {difficulty} |")
    return "\n".join(lines)


def _recall(score: ChangeScore, direction: int) -> str:
    return f"{score.recall(direction):.3f} ({score.median_delay_checkins[direction]:g})"


def markdown_reliable_change(rows) -> str:
    """Per regime, seed and method: flags per client-year by kind and the lasting changes found."""
    kinds = [kind for kind in KINDS]
    lines = ["| regime | seed | method | " + " | ".join(f"{kind}" for kind in kinds)
             + " | improvement found (median delay) | deterioration found (median delay) | meets goals |",
             "| --- | ---: | --- | " + " | ".join("---:" for _ in kinds) + " | ---: | ---: | --- |"]
    for regime, seed, method, score, _reliability in rows:
        rates = " | ".join(f"{score.flags_per_client_year[kind]:.3f}" for kind in kinds)
        meets = "yes" if score.meets(*CHANGE_GOALS) else "no"
        lines.append(f"| {regime} | {seed} | {method} | {rates} | {_recall(score, -1)} | {_recall(score, 1)} | "
                     f"{meets} |")
    for regime in dict.fromkeys(row[0] for row in rows):
        reliability = next(row[4] for row in rows if row[0] == regime)
        alphas = ", ".join(f"{d} {a:.2f}" for d, a in reliability.alpha.items())
        noise = ", ".join(f"{d} {v:.1f}" for d, v in (reliability.weekly_noise or {}).items())
        clustering = ", ".join(f"{d} {v:.2f}" for d, v in (reliability.clustering_recent or {}).items())
        lines.append(f"\n{regime} (first seed): reliability {reliability.source}; alpha {alphas}; typical "
                     f"week-to-week variation (points) {noise}; clustering of 8-week means {clustering}.")
    return "\n".join(lines)


def markdown_change_robustness(rows) -> str:
    lines = ["| regime | variation | stable | near_tie | improvement found (median delay) | "
             "deterioration found (median delay) | meets goals |", "| --- | --- | ---: | ---: | ---: | ---: | --- |"]
    for base, name, score in rows:
        shown = "(as above)" if name == base else name
        lines.append(f"| {base} | {shown} | {score.flags_per_client_year['stable']:.3f} | "
                     f"{score.flags_per_client_year['near_tie']:.3f} | {_recall(score, -1)} | {_recall(score, 1)} | "
                     f"{'yes' if score.meets(*CHANGE_GOALS) else 'no'} |")
    return "\n".join(lines)


def markdown_timing(result: dict) -> str:
    return (f"{result['clients']:,} clients, {result['rows']:,} check-ins: `detect_states` "
            f"{result['states_seconds']:.2f} s, with `shift_table` {result['shifts_seconds']:.2f} s "
            f"({result['shifts']:,} shifts), with `change_tables` {result['total_seconds']:.2f} s "
            f"({result['changes']:,} reliable-change flags), one core.")


def markdown_settings() -> str:
    lines = ["| setting | default | what it means | why this default |", "| --- | ---: | --- | --- |"]
    for spec in fields(DetectionSettings):
        lines.append(f"| `{spec.metadata['env']}` | {spec.default:g} | {spec.metadata['doc']} | "
                     f"{spec.metadata['reason']} |")
    return "\n".join(lines)


def write_section(name: str, content: str) -> None:
    text = DOC.read_text(encoding="utf-8")
    pattern = re.compile(rf"(<!-- benchmark:{name} -->\n).*?(<!-- /benchmark:{name} -->)", re.S)
    if not pattern.search(text):
        raise SystemExit(f"{DOC}: no <!-- benchmark:{name} --> section to write into")
    DOC.write_text(pattern.sub(lambda m: m.group(1) + content + "\n" + m.group(2), text), encoding="utf-8")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="small populations; print only")
    parser.add_argument("--seed", type=int, default=2024)
    args = parser.parse_args(argv)
    n_main, n_robust, n_timing = (600, 400, 1000) if args.quick else (5000, 3000, 10_000)
    n_change = 600 if args.quick else 4000
    print(f"Detection settings: {DetectionSettings()}")
    print("Main table")
    main_rows = main_table(n_main, args.seed)
    print(markdown_main(main_rows))
    print("Robustness")
    robust_rows = robustness_table(n_robust, args.seed + 1, with_difficulty=not args.quick)
    print(markdown_robustness(robust_rows))
    print("Reliable change, tuning seeds")
    rc_rows = reliable_change_table(n_change, TUNING_SEEDS, with_before=True)
    print(markdown_reliable_change(rc_rows))
    print("Reliable change, held-back seeds")
    held_rows = reliable_change_table(n_change, HELD_BACK_SEEDS, with_before=False)
    print(markdown_reliable_change(held_rows))
    print("Shifts by client kind")
    by_kind = shift_by_kind_table(n_change, TUNING_SEEDS + HELD_BACK_SEEDS)
    print(markdown_shift_by_kind(by_kind))
    print("Reliable change, robustness")
    rc_robust = change_robustness_table(n_robust, args.seed + 5)
    print(markdown_change_robustness(rc_robust))
    years = in_control_run_length(2000 if args.quick else 20_000, 104, args.seed + 6)
    in_control = (f"In-control run length at `CHANGE_Z` {DetectionSettings().change_z:g}: one false flag per "
                  f"{years:,.0f} years of weekly check-ins per dynamic and direction (independent normal weeks, "
                  f"noise known, baseline error included).")
    print(in_control)
    print("Timing")
    timed = timing(n_timing, args.seed + 3)
    print(markdown_timing(timed))
    if not args.quick:
        write_section("settings", markdown_settings())
        write_section("main", markdown_main(main_rows))
        write_section("robustness", markdown_robustness(robust_rows))
        write_section("reliable-change", markdown_reliable_change(rc_rows))
        write_section("reliable-change-held-back", markdown_reliable_change(held_rows))
        write_section("reliable-change-robustness", markdown_change_robustness(rc_robust))
        write_section("shifts-by-kind", markdown_shift_by_kind(by_kind))
        write_section("in-control", in_control)
        write_section("timing", markdown_timing(timed))
        print(f"wrote the tables into {DOC}")


if __name__ == "__main__":
    main()
