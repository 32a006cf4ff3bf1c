"""python -m demo_company --scale demo --seed 42 --out DIR"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from demo_company.generate import generate


def main() -> None:
    parser = argparse.ArgumentParser(description="Generate the demo company's source-system exports.")
    parser.add_argument("--scale", default="demo", help="tiny, demo, or a multiplier such as 10x (default: demo)")
    parser.add_argument("--seed", type=int, default=42)
    from orchestration.settings import load_settings

    default_out = load_settings().landing
    parser.add_argument("--out", type=Path, default=default_out, help=f"landing folder (default: {default_out})")
    args = parser.parse_args()
    manifest = generate(args.out, args.scale, args.seed, progress=print)
    print(json.dumps(manifest["counts"], indent=1))


if __name__ == "__main__":
    main()
