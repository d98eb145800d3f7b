#!/usr/bin/env python3
"""Where the bytes of a JFR recording's allocation samples go (bench/validate-alloc.sh, issue 13 goal 4).

Reads `jfr print --json --events jdk.ObjectAllocationSample` from standard input and prints:
  - the split by layer: each sample goes to the layer of the deepest-known Ward or library frame on its stack that
    decides it (the store, Ward's HTTP layer, Jetty/Javalin, Jackson, the core, ...);
  - the top allocation sites: the first frame that is not JDK code, with the allocated class.
Weights are JFR's sampled weights (bytes the thread allocated since its previous sample), so the shares are of all
bytes allocated; the first sample of each platform thread is left out, since it stands for everything the thread allocated
before the recording began (a scheduler thread's start-up work, say).
  - with STACKS > 0, the most common stack (STACKS frames) of each of the first sites.
Usage: jfr print --json --events jdk.ObjectAllocationSample rec.jfr | bench/alloc-sites.py [TOP] [PER_REQUEST_DIVISOR] [STACKS]

With COLLAPSED=1 in the environment it reads an async-profiler allocation profile in collapsed form instead
(`event=alloc`, dumped with `stop,total,file=X.collapsed`: one line a stack, frames root first separated by ';', the
allocated class last, then the bytes). async-profiler weighs each sample by the bytes it stands for on the thread
that allocated it, virtual threads included, so its sums are of all bytes allocated; JFR's sampled weights can charge
a long-lived virtual thread (the JDK's I/O pollers) with what its carriers allocated. Neither sees everything: the
stack chunks the JDK allocates when a virtual thread parks appear in JFR's samples, not in async-profiler's.
"""
import os
import json
import sys
from collections import Counter

TOP = int(sys.argv[1]) if len(sys.argv) > 1 else 25
REQUESTS = float(sys.argv[2]) if len(sys.argv) > 2 else 0.0
STACKS = int(sys.argv[3]) if len(sys.argv) > 3 else 0

# Checked from the top of the stack down; the first layer whose prefix a frame has names the sample.
LAYERS = [
    ("JFR itself", ("jdk.jfr.",)),
    ("store (SQL/H2/Hikari/JDBI)", ("dev.ward.store.sql", "org.h2.", "com.zaxxer.hikari", "org.jdbi.")),
    ("store (Redis/Lettuce/Netty)", ("dev.ward.store.redis", "io.lettuce.", "io.netty.")),
    ("Jackson", ("com.fasterxml.jackson.",)),
    ("logging", ("ch.qos.logback.", "org.slf4j.")),
    ("Ward HTTP layer", ("dev.ward.server.http.",)),
    ("Ward core", ("dev.ward.",)),
    ("Javalin", ("io.javalin.",)),
    ("Jetty", ("org.eclipse.jetty.",)),
]
JDK = ("java.", "javax.", "jdk.", "sun.", "com.sun.", "kotlin.", "jakarta.")


def frames(event):
    st = event["values"].get("stackTrace") or {}
    for f in st.get("frames") or []:
        m = f.get("method") or {}
        # JFR writes most class names with slashes (dev/ward/...), hidden classes (lambdas) with dots.
        t = ((m.get("type") or {}).get("name") or "?").replace("/", ".")
        yield t, m.get("name") or "?", f.get("lineNumber")


def jfr_samples(seen):
    """(weight, allocated class, frames innermost first) of each JFR sample but each platform thread's first."""
    for e in json.load(sys.stdin)["recording"]["events"]:
        v = e["values"]
        t = v.get("eventThread") or {}
        thread = t.get("javaThreadId") or t.get("osThreadId")
        if not t.get("virtual") and thread not in seen:
            seen.add(thread)
            continue
        yield v.get("weight") or 0, (v.get("objectClass") or {}).get("name") or "?", list(frames(e))


def collapsed_samples():
    """The same from async-profiler's collapsed stacks (frames root first, class last, then bytes)."""
    for line in sys.stdin:
        stack, _, n = line.rstrip("\n").rpartition(" ")
        if not stack:
            continue
        fs = stack.split(";")
        yield int(n), fs[-1], [(f.rpartition(".")[0].replace("/", ".") or f, f.rpartition(".")[2], None) for f in reversed(fs[:-1])]


def main():
    layers, sites, total = Counter(), Counter(), 0
    stacks = {}
    seen = set()
    samples = collapsed_samples() if os.environ.get("COLLAPSED") == "1" else jfr_samples(seen)
    for w, cls, fs in samples:
        total += w
        layer = "other (JDK, virtual threads, JFR)"
        for t, _, _ in fs:
            hit = next((name for name, prefixes in LAYERS if t.startswith(prefixes)), None)
            if hit:
                layer = hit
                break
        layers[layer] += w
        site = next(((t, m, ln) for t, m, ln in fs if not t.startswith(JDK)), fs[0] if fs else ("?", "?", None))
        top = fs[0] if fs else ("?", "?", None)
        key = (f"{site[0]}.{site[1]}:{site[2]}", cls, f"{top[0].rsplit('.', 1)[-1]}.{top[1]}")
        sites[key] += w
        if STACKS:
            stacks.setdefault(key, Counter())[tuple(f"{t}.{m}:{ln}" for t, m, ln in fs[:STACKS])] += w
    unit = (lambda b: f"{b / REQUESTS:8.0f} B/req") if REQUESTS else (lambda b: f"{b / 1048576:8.1f} MiB")
    print(f"# allocation samples ({len(seen)} platform threads' first left out) standing for {total / 1048576:.1f} MiB"
          + (f", {total / REQUESTS:.0f} bytes per request" if REQUESTS else ""))
    print("## by layer")
    for name, w in layers.most_common():
        print(f"{100 * w / total:5.1f} %  {unit(w)}  {name}")
    print(f"## top {TOP} sites (first non-JDK frame; allocated class; innermost frame)")
    for (site, cls, top), w in sites.most_common(TOP):
        print(f"{100 * w / total:5.1f} %  {unit(w)}  {site}  [{cls}]  via {top}")
    if STACKS:
        for key, _ in sites.most_common(min(TOP, 12)):
            print(f"## stack of {key[0]} [{key[1]}]")
            for frame in stacks[key].most_common(1)[0][0]:
                print(f"     {frame}")


main()
