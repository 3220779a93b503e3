#!/usr/bin/env python3
"""layers.py ROOT: checks the agent's include graph against its layers.

The folders of ROOT/userspace listed in AGENT_LAYERS (userspace/build.mk),
lowest first, are layers: a file may include headers of its own folder and of
the folders before it, and the shared BPF records (bpf/*.h), never a later
folder's, nor an earlier one that AGENT_FORBIDDEN_INCLUDES (HIGH:LOW pairs,
also in userspace/build.mk) keeps it from. Modules (a .c with its .h) must not depend on each other in a
cycle, within a folder too, and no header may be named like a system
one (or one of bpf/ or demo-server/, also on the include path). Prints one line per finding and exits 1 when
there is any; prints the layer of every module with --list.
"""
import os
import re
import sys

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def read_layers(root):
    """The layers, lowest first, and the set of (high, low) pairs where
    high may not include low."""
    text = open(os.path.join(root, "userspace", "build.mk")).read()
    match = re.search(r"^AGENT_LAYERS\s*:=\s*(.+)$", text, re.M)
    if match is None:
        sys.exit("layers.py: no AGENT_LAYERS in userspace/build.mk")
    layers = match.group(1).split()
    forbidden = set()
    match = re.search(r"^AGENT_FORBIDDEN_INCLUDES\s*:=\s*(.*)$", text, re.M)
    for pair in match.group(1).split() if match else ():
        high, _, low = pair.partition(":")
        if high not in layers or low not in layers:
            sys.exit(f"layers.py: AGENT_FORBIDDEN_INCLUDES names {pair}, not two layers")
        forbidden.add((high, low))
    return layers, forbidden


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    root = args[0] if args else "."
    layers, forbidden = read_layers(root)
    rank = {layer: i for i, layer in enumerate(layers)}
    home = {}  # header or source name -> its folder
    for layer in layers:
        folder = os.path.join(root, "userspace", layer)
        for name in sorted(os.listdir(folder)):
            if name.endswith((".c", ".h")):
                if name in home:
                    print(f"{name} is in both {home[name]}/ and {layer}/")
                home[name] = layer
    stray = [n for n in os.listdir(os.path.join(root, "userspace")) if n.endswith((".c", ".h"))]
    findings = [f"userspace/{n} is in no layer's folder" for n in sorted(stray)]
    shared = set(n for n in os.listdir(os.path.join(root, "bpf")) if n.endswith(".h"))
    # Every folder is on the include path, so a header named like a system
    # one (features.h, poll.h) would be picked up by libc's own includes.
    system = os.environ.get("SYSTEM_INCLUDE", "/usr/include")
    others = [system] + [os.path.join(root, d) for d in ("bpf", "demo-server")]
    for name, layer in sorted(home.items()):
        for other in others:
            if name.endswith(".h") and os.path.exists(os.path.join(other, name)):
                findings.append(f"userspace/{layer}/{name} has the name of a header in {other}/, "
                                "which is on the include path too")

    depends = {}  # module -> modules it includes
    for name, layer in sorted(home.items()):
        module = name[:-2]
        text = open(os.path.join(root, "userspace", layer, name)).read()
        for included in INCLUDE.findall(text):
            if included in shared or included.endswith((".skel.h", ".pb-c.h")):
                continue
            if included not in home:
                findings.append(f"userspace/{layer}/{name} includes {included}, which no layer holds")
                continue
            other = home[included]
            if rank[other] > rank[layer]:
                findings.append(f"userspace/{layer}/{name} includes {other}/{included}: "
                                f"{layer} is below {other}")
            if (layer, other) in forbidden:
                findings.append(f"userspace/{layer}/{name} includes {other}/{included}: "
                                f"{layer} may not reach {other} (AGENT_FORBIDDEN_INCLUDES)")
            if included[:-2] != module:
                depends.setdefault(module, set()).add(included[:-2])

    # A cycle between modules, found by depth-first search.
    state = {}

    def visit(module, path):
        state[module] = "open"
        for other in sorted(depends.get(module, ())):
            if state.get(other) == "open":
                cycle = path[path.index(other):] + [other]
                findings.append("module cycle: " + " -> ".join(cycle))
            elif other not in state:
                visit(other, path + [other])
        state[module] = "done"

    for module in sorted(depends):
        if module not in state:
            visit(module, [module])

    if "--list" in sys.argv:
        for name, layer in sorted(home.items(), key=lambda kv: (rank[kv[1]], kv[0])):
            if name.endswith(".c"):
                print(f"{layer} {name[:-2]}")
    for finding in findings:
        print(finding)
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
