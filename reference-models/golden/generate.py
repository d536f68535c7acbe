"""Regenerates every golden file: /usr/bin/python3 reference-models/golden/generate.py

Runs each module under kernels/ (and models/, once present) that defines ``main()``.
"""
import importlib
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)


def main():
    for package in ("kernels", "models"):
        folder = os.path.join(HERE, package)
        if not os.path.isdir(folder):
            continue
        sys.path.insert(0, folder)
        for file in sorted(os.listdir(folder)):
            if file.endswith(".py") and not file.startswith("_"):
                module = importlib.import_module(file[:-3])
                if hasattr(module, "main"):
                    print(f"{package}/{file}")
                    module.main()


if __name__ == "__main__":
    main()
