"""Reads dutyledger's process-mining exports back with pm4py and compares them with what
dutyledger itself reports (tests/api/cases/export.rs writes the files and expected.json).

Usage: python check_export.py DIR   (DIR holds ocel.json, ocel.sqlite, ocel.xml, cases.xes and
expected.json). Prints one line per check; exits 1 if any check fails.
"""

import json
import math
import os
import sys

import pm4py
from pm4py.objects.ocel.validation import ocel20_rel_validation

failures = []


def check(name, ok, detail=""):
    print(("ok   " if ok else "FAIL ") + name + (": " + detail if detail else ""))
    if not ok:
        failures.append(name)


def main(folder):
    expected = json.load(open(os.path.join(folder, "expected.json"), encoding="utf-8"))
    print("pm4py", pm4py.__version__)

    # OCEL 2.0 in its three forms: each loads, with our counts of objects and events, and
    # the same relationships.
    loaded = {}
    for form, read in (
        ("json", pm4py.read_ocel2_json),
        ("sqlite", pm4py.read_ocel2_sqlite),
        ("xml", pm4py.read_ocel2_xml),
    ):
        ocel = read(os.path.join(folder, "ocel." + form))
        loaded[form] = ocel
        check(f"ocel.{form} objects", len(ocel.objects) == expected["objects"],
              f"{len(ocel.objects)} vs {expected['objects']}")
        check(f"ocel.{form} events", len(ocel.events) == expected["events"],
              f"{len(ocel.events)} vs {expected['events']}")
        types = sorted(ocel.objects["ocel:type"].unique())
        check(f"ocel.{form} object types", types == sorted(expected["object_types"]), str(types))
        check(f"ocel.{form} e2o", len(ocel.relations) == expected["e2o"],
              f"{len(ocel.relations)} vs {expected['e2o']}")
        check(f"ocel.{form} o2o", len(ocel.o2o) == expected["o2o"],
              f"{len(ocel.o2o)} vs {expected['o2o']}")
        quals = sorted(ocel.relations["ocel:qualifier"].unique())
        check(f"ocel.{form} qualifiers", set(expected["qualifiers"]) <= set(quals), str(quals))

    # The OCEL 2.0 relational validation on the SQLite file: every check passes.
    satisfied, unsatisfied = ocel20_rel_validation.apply(os.path.join(folder, "ocel.sqlite"))
    check("sqlite relational validation", not unsatisfied and len(satisfied) > 0,
          f"{len(satisfied)} satisfied, unsatisfied: {list(unsatisfied)}")

    # XES: one trace per case, every event.
    log = pm4py.read_xes(os.path.join(folder, "cases.xes"))
    traces = log["case:concept:name"].nunique()
    check("xes traces", traces == expected["traces"], f"{traces} vs {expected['traces']}")
    check("xes events", len(log) == expected["xes_events"], f"{len(log)} vs {expected['xes_events']}")
    for col in ("concept:name", "lifecycle:transition", "time:timestamp", "org:resource"):
        check(f"xes column {col}", col in log.columns)

    # Performance DFG over the step lifecycle events: the mean of (step start -> step
    # complete) equals our stepAnalytics calendar-time mean, within a second.
    steps = set(expected["step_means"].keys())
    lifecycle = log[log["concept:name"].isin(steps)].copy()
    lifecycle["activity"] = lifecycle["concept:name"] + "|" + lifecycle["lifecycle:transition"]
    dfg, _, _ = pm4py.discover_performance_dfg(
        lifecycle, activity_key="activity", timestamp_key="time:timestamp",
        case_id_key="case:concept:name")
    for name, ours in sorted(expected["step_means"].items()):
        edge = dfg.get((name + "|start", name + "|complete"))
        theirs = edge["mean"] if isinstance(edge, dict) else edge
        check(f"dfg mean {name}", theirs is not None and math.isclose(theirs, ours, abs_tol=1.0),
              f"pm4py {theirs} vs ours {ours}")

    # Variants: the step runs of each case in the order they started (a case with none has
    # the empty variant).
    starts = log[log["lifecycle:transition"] == "start"]
    theirs = {}
    if len(starts):
        for variant, count in pm4py.get_variants(
                starts, activity_key="concept:name", timestamp_key="time:timestamp",
                case_id_key="case:concept:name").items():
            theirs[tuple(variant)] = count if isinstance(count, int) else len(count)
    empty = traces - starts["case:concept:name"].nunique()
    if empty:
        theirs[()] = empty
    ours = {tuple(v["steps"]): v["cases"] for v in expected["variants"]}
    check("variants", theirs == ours,
          f"{len(theirs)} pm4py variants vs {len(ours)} ours" +
          ("" if theirs == ours else f"; pm4py {theirs}; ours {ours}"))

    print(f"{len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
