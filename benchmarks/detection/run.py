"""Run the detection benchmark: ours against the baselines on both regimes, robustness and timing.

    python -m benchmarks.detection.run          # full run, a few minutes; rewrites the tables in the docs
    python -m benchmarks.detection.run --quick  # small populations, prints only

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

from benchmarks.detection.baselines import ewma_hysteresis_flags, naive_argmax_flags
from benchmarks.detection.generator import EASY, HARD, KINDS, Population, Regime, generate
from benchmarks.detection.scorer import Score, score_flags
from tracking.detection import (
    DYNAMICS,
    DetectionSettings,
    SeriesBatch,
    detect_states,
    estimate_reliability,
    reliable_change_events,
    shift_events,
)
from tracking.instrument import load_instrument

DOC = Path(__file__).resolve().parents[2] / "docs" / "detection.md"
GOALS = {"easy": (0.99, 0.02, 1.0), "hard": (0.93, 0.20, 2.0)}
EWMA_FIXED = {"alpha": 0.5, "margin_points": 10.0}
EWMA_GRID = {"alpha": (0.3, 0.4, 0.5, 0.6, 0.7), "margin_points": tuple(float(h) for h in range(4, 27))}


@dataclass(frozen=True)
class Row:
    regime: str
    method: str
    score: Score


def batch_of(population: Population) -> SeriesBatch:
    return SeriesBatch(population.client, population.weeks, population.scores)


def ours(population: Population) -> Score:
    batch = batch_of(population)
    events = shift_events(batch, detect_states(batch))
    rows = np.array([event.row for event in events], dtype=np.int64)
    to = np.array([DYNAMICS.index(event.to_dynamic) for event in events], dtype=np.int64)
    return score_flags(population, rows, to)


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


def reliable_change_table(n_clients: int, seed: int) -> list[tuple[str, str, float, float]]:
    """Reliable-change flags per client-year by client kind, with reliability estimated from the data."""
    item_dynamics = [item.dynamic for item in load_instrument().items]
    rows = []
    for regime in (EASY, HARD):
        population = generate(regime, n_clients, seed=seed)
        batch = batch_of(population)
        first_rows = np.r_[True, population.client[1:] != population.client[:-1]]
        reliability = estimate_reliability(population.strain, item_dynamics, population.scores, first_rows)
        events = reliable_change_events(batch, reliability)
        kinds = population.kinds[population.client[[event.row for event in events]]]
        for kind in KINDS:
            years = population.span_weeks[population.kinds == kind].sum() / 52.0
            rows.append((regime.name, kind, float((kinds == kind).sum() / years), reliability))
    return rows


def timing(n_clients: int, seed: int) -> dict[str, float]:
    regime = HARD.varied("timing", weeks=(110, 110), missed_week_share=0.09)
    population = generate(regime, n_clients, seed=seed)
    batch = batch_of(population)
    started = time.perf_counter()
    result = detect_states(batch)
    states_seconds = time.perf_counter() - started
    events = shift_events(batch, result)
    total_seconds = time.perf_counter() - started
    return {"rows": batch.client.size, "clients": n_clients, "states_seconds": states_seconds,
            "total_seconds": total_seconds, "events": len(events)}


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


def markdown_reliable_change(rows) -> str:
    lines = ["| regime | client kind | reliable-change flags / client-year (all dynamics, both directions) |",
             "| --- | --- | ---: |"]
    lines += [f"| {regime} | {kind} | {rate:.2f} |" for regime, kind, rate, _reliability in rows]
    for regime in dict.fromkeys(row[0] for row in rows):
        reliability = next(row[3] for row in rows if row[0] == regime)
        alphas = ", ".join(f"{d} {a:.2f}" for d, a in reliability.alpha.items())
        sds = ", ".join(f"{d} {v:.1f}" for d, v in reliability.sd.items())
        lines.append(f"\n{regime}: reliability {reliability.source} from {reliability.n:,} complete "
                     f"check-ins; alpha {alphas}; SD of first scores {sds}.")
    return "\n".join(lines)


def markdown_timing(result: dict) -> str:
    return (f"{result['clients']:,} clients, {result['rows']:,} check-ins: `detect_states` "
            f"{result['states_seconds']:.2f} s, with `shift_events` {result['total_seconds']:.2f} s "
            f"({result['events']:,} shift events), one core.")


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
    print(f"Detection settings: {DetectionSettings()}")
    print("Main table")
    main_rows = main_table(n_main, args.seed)
    print(markdown_main(main_rows))
    print("Robustness")
    robust_rows = robustness_table(n_robust, args.seed + 1, with_difficulty=not args.quick)
    print(markdown_robustness(robust_rows))
    print("Reliable change")
    rc_rows = reliable_change_table(n_robust, args.seed + 2)
    print(markdown_reliable_change(rc_rows))
    print("Timing")
    timed = timing(n_timing, args.seed + 3)
    print(markdown_timing(timed))
    if not args.quick:
        write_section("settings", markdown_settings())
        write_section("main", markdown_main(main_rows))
        write_section("robustness", markdown_robustness(robust_rows))
        write_section("reliable-change", markdown_reliable_change(rc_rows))
        write_section("timing", markdown_timing(timed))
        print(f"wrote the tables into {DOC}")


if __name__ == "__main__":
    main()
