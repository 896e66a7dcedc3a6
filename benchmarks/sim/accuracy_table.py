#!/usr/bin/env python3
"""Measured against predicted: one markdown table from pairs of fccl-perf and fccl-sim CSVs.

    accuracy_table.py "LABEL=MEASURED.csv=PREDICTED.csv" ...

Rows match on (collective, nranks, size); measured rows are the out-of-place ones. The error is
the predicted time over the measured one, minus 1 (busbw's error is the inverse).
"""
import csv
import statistics
import sys


def rows(path, placement):
    with open(path, newline="") as f:
        return {(r["collective"], int(r["nranks"]), int(r["size_bytes"])): r
                for r in csv.DictReader(f) if r["placement"] == placement}


def main(pairs):
    lines = ["| layout | collective | size (B) | measured busbw (GB/s) | predicted busbw (GB/s) | "
             "algorithm | error |", "|---|---|---:|---:|---:|---|---:|"]
    errors = []
    for pair in pairs:
        label, measured_path, predicted_path = pair.split("=")
        measured, predicted = rows(measured_path, "out-of-place"), rows(predicted_path, "simulated")
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
