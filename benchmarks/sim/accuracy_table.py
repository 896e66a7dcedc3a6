#!/usr/bin/env python3
"""Measured against predicted: one markdown table from pairs of fccl-perf and fccl-sim CSVs.

    accuracy_table.py "LABEL=PREDICTED.csv=MEASURED.csv[:MEASURED.csv...]" ...

Rows match on (collective, nranks, size). A size's measured time is the fastest of its rows in
the measured files (repeats, in place and out of place): this machine's other work only adds
time. The error is the predicted time over the measured one, minus 1 (busbw's is the inverse).
"""
import csv
import statistics
import sys


def rows(paths):
    """The fastest row of each (collective, nranks, size) over the files."""
    best = {}
    for path in paths:
        with open(path, newline="") as f:
            for r in csv.DictReader(f):
                key = (r["collective"], int(r["nranks"]), int(r["size_bytes"]))
                if key not in best or float(r["time_us"]) < float(best[key]["time_us"]):
                    best[key] = r
    return best


def main(pairs):
    lines = ["| layout | collective | size (B) | measured busbw (GB/s) | predicted busbw (GB/s) | "
             "algorithm | error |", "|---|---|---:|---:|---:|---|---:|"]
    errors = []
    for pair in pairs:
        label, predicted_path, measured_paths = pair.split("=")
        measured, predicted = rows(measured_paths.split(":")), rows([predicted_path])
        for key in sorted(measured, key=lambda k: k[2]):
            if key not in predicted:
                continue
            m, p = measured[key], predicted[key]
            error = float(p["time_us"]) / float(m["time_us"]) - 1
            errors.append(abs(error))
            lines.append(f"| {label} | {key[0]} | {key[2]} | {float(m['busbw_GBps']):.3f} | "
                         f"{float(p['busbw_GBps']):.3f} | {p['algorithm']} | {100 * error:+.1f}% |")
    print("\n".join(lines))
    print()
    if errors:
        print(f"{len(errors)} points: median |error| {100 * statistics.median(errors):.1f}%, "
              f"max {100 * max(errors):.1f}%, over 25%: {sum(e > 0.25 for e in errors)}")


if __name__ == "__main__":
    main(sys.argv[1:])
