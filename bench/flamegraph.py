#!/usr/bin/python3
"""Flame graph PNG of a `perf script` dump (perf record --call-graph dwarf), for bench/README.md.

    perf record -e cpu-clock -F 2000 --call-graph dwarf -o perf.data \\
        build/release/core_bench --benchmark_filter='BM_Review/1$' --benchmark_min_time=2
    perf script -i perf.data | /usr/bin/python3 bench/flamegraph.py --title "review, after" out.png

Stacks are folded from the root down (only those under review() are kept, so the benchmark
harness does not show); function names are shortened (templates and argument lists dropped,
nlohmann's document type written `Json`). Width is the share of samples. Needs matplotlib
(Debian python3-matplotlib).
"""
import argparse
import re
import sys
from collections import defaultdict


def short(name):
    name = re.sub(r"\(anonymous namespace\)::", "", name)
    name = name.replace("nlohmann::json_abi_v3_11_2::", "")
    # Drop template arguments and argument lists, innermost first.
    for _ in range(20):
        new = re.sub(r"<[^<>]*>", "", name)
        new = re.sub(r"\([^()]*\)", "", new)
        if new == name:
            break
        name = new
    name = name.replace("basic_json::", "Json::").replace("injector::", "")
    name = re.sub(r"\[abi:cxx11\]", "", name)
    name = re.sub(r"\+0x[0-9a-f]+$", "", name)
    return name.strip() or "?"


def stacks(lines, root):
    frames = []
    for line in lines:
        line = line.rstrip("\n")
        if not line.strip():
            if frames:
                yield frames
            frames = []
            continue
        if not line.startswith(("\t", " ")):
            continue  # the sample's header line
        parts = line.strip().split(" ", 1)
        if len(parts) < 2:
            continue
        sym = parts[1].rsplit(" (", 1)[0]
        frames.append(short(sym))
    if frames:
        yield frames


class Node:
    def __init__(self):
        self.count = 0
        self.children = defaultdict(Node)


def fold(lines, root):
    tree = Node()
    for frames in stacks(lines, root):
        frames = list(reversed(frames))  # root first
        try:
            start = max(i for i, f in enumerate(frames) if f == root)
        except ValueError:
            continue
        node = tree
        node.count += 1
        for f in frames[start:]:
            node = node.children[f]
            node.count += 1
    return tree


def colour(name, inherited):
    """Allocation is grey wherever it happens; otherwise the stage of the nearest ancestor."""
    n = name.lower()
    if "operator new" in n or "operator delete" in n or "malloc" in n or n.startswith("mi_") \
            or "destroy" in n or n.endswith("free"):
        return "#bdbdbd"
    if "decode_review" in n:
        return "#6baed6"
    if "encode_review" in n:
        return "#74c476"
    return inherited


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--title", default="")
    ap.add_argument("--root", default="review")
    args = ap.parse_args()
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    tree = fold(sys.stdin, args.root)
    total = tree.count
    if total == 0:
        sys.exit(f"no samples under {args.root}()")
    rects = []

    def walk(node, name, x, depth, inherited):
        if node.count / total < 0.002:
            return
        c = colour(name, inherited)
        rects.append((x, depth, node.count, name, c))
        cx = x
        for child_name, child in sorted(node.children.items(), key=lambda kv: -kv[1].count):
            walk(child, child_name, cx, depth + 1, c if c != "#bdbdbd" else inherited)
            cx += child.count

    for name, child in tree.children.items():
        walk(child, name, 0, 0, "#fd8d3c")
    depth = max(r[1] for r in rects) + 1
    fig, ax = plt.subplots(figsize=(16, 0.32 * depth + 1))
    for x, d, w, name, c in rects:
        ax.add_patch(plt.Rectangle((x / total, d), w / total, 0.95, facecolor=c,
                                   edgecolor="white", linewidth=0.3))
        label = f"{name} {100 * w / total:.0f}%"
        chars = int(w / total * 190)
        if chars >= 4:
            ax.text(x / total + 0.002, d + 0.45, label[:chars], fontsize=7, va="center")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, depth)
    ax.set_yticks([])
    ax.set_xlabel(f"share of {total} samples under {args.root}()")
    ax.set_title(args.title + "   (blue: decode, orange: inject, green: encode, grey: allocation)")
    fig.tight_layout()
    fig.savefig(args.out, dpi=110)


if __name__ == "__main__":
    main()
