"""Executes the tutorial notebook (soil.ipynb) with nbclient, as .ci/run does,
after checking that it is the jupytext pair of soil.py (the script is the
source: `jupytext --sync soil.py` after an edit).

    CASCADE_TUTORIAL_OUT=DIR python python/tutorial/run_tutorial.py

The figure and the runs go to $CASCADE_TUTORIAL_OUT (a temporary
directory without it).
"""

from __future__ import annotations

import pathlib
import sys

import jupytext
import nbformat
from nbclient import NotebookClient

HERE = pathlib.Path(__file__).resolve().parent


def sources(notebook: nbformat.NotebookNode) -> list[tuple[str, str]]:
    return [(cell.cell_type, cell.source.strip()) for cell in notebook.cells]


def main() -> int:
    notebook = nbformat.read(HERE / "soil.ipynb", as_version=4)
    script = jupytext.read(HERE / "soil.py")
    if sources(notebook) != sources(script):
        print("soil.ipynb is not soil.py's notebook: run `jupytext --sync python/tutorial/soil.py`", file=sys.stderr)
        return 1
    NotebookClient(notebook, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(HERE)}}).execute()
    printed = [
        output.get("text", "")
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.get("outputs", [])
    ]
    figure = [line for text in printed for line in text.splitlines() if line.startswith("figure written to ")]
    if not figure:
        print("the tutorial wrote no figure", file=sys.stderr)
        return 1
    path = pathlib.Path(figure[-1].removeprefix("figure written to "))
    if not path.is_file() or path.stat().st_size == 0:
        print(f"the tutorial's figure {path} is missing or empty", file=sys.stderr)
        return 1
    print(f"the tutorial ran: {len(notebook.cells)} cells, figure {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
