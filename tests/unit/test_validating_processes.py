"""Starting validating processes: they do not import the parent's main module."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

MAIN = """
import multiprocessing, os, sys
from pathlib import Path

if __name__ == "__mp_main__":  # this module, imported again by a spawned process
    Path(sys.argv[1]).write_text("imported")

if __name__ == "__main__":
    from sincerity.services.validation import _main_module_not_imported

    process = multiprocessing.get_context("spawn").Process(target=os.getpid)
    if sys.argv[2] == "hidden":
        with _main_module_not_imported():
            process.start()
        assert __file__ and __spec__ is None  # restored
    else:
        process.start()
    process.join()
"""


def _main_imported_again(tmp_path: Path, how: str) -> bool:
    script = tmp_path / "main.py"
    script.write_text(MAIN, encoding="utf-8")
    marker = tmp_path / f"marker-{how}"
    subprocess.run([sys.executable, str(script), str(marker), how], check=True, timeout=120)
    return marker.exists()


def test_a_validating_process_does_not_import_the_main_module(tmp_path: Path) -> None:
    """For `sincerity import` the main module is the whole command-line application."""
    assert _main_imported_again(tmp_path, "plain")  # what the hiding saves
    assert not _main_imported_again(tmp_path, "hidden")
