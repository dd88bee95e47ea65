"""Run the benchmarks: `python -m bench [--quick] [NAME ...]`.

Each benchmark is a module `bench/<name with _>.py` exposing `NAME` (e.g. "delivery-drain") and
`async def run(quick: bool) -> Result`. It prints exactly one line:

    bench NAME: FIGURES; target TARGET: PASS|SHORT

Figures that depend on the machine are given as a ratio to a reference measured in the same run.
The exit code is 0 even when a target is SHORT (CI runs --quick sizes to prove the benches work);
pass --strict to fail on SHORT.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import pkgutil
import sys
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Result:
    figures: str
    target: str
    passed: bool

    def line(self, name: str) -> str:
        return f"bench {name}: {self.figures}; target {self.target}: {'PASS' if self.passed else 'SHORT'}"


def discover() -> dict[str, object]:
    found = {}
    for module in pkgutil.iter_modules([str(Path(__file__).parent)]):
        if module.name.startswith("_"):
            continue
        mod = importlib.import_module(f"bench.{module.name}")
        if hasattr(mod, "NAME") and hasattr(mod, "run"):
            found[mod.NAME] = mod
    return dict(sorted(found.items()))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--quick", action="store_true", help="small sizes, for CI")
    parser.add_argument("--strict", action="store_true", help="exit 1 if any target is SHORT")
    parser.add_argument("names", nargs="*", help="benchmarks to run (default: all)")
    args = parser.parse_args(argv)
    benches = discover()
    unknown = [n for n in args.names if n not in benches]
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; known: {', '.join(benches)}")
        return 2
    short = 0
    for name, mod in benches.items():
        if args.names and name not in args.names:
            continue
        result: Result = asyncio.run(mod.run(args.quick))  # type: ignore[attr-defined]
        print(result.line(name), flush=True)
        short += not result.passed
    return 1 if (short and args.strict) else 0


if __name__ == "__main__":
    sys.exit(main())
