"""Processes started together on an empty data folder: the schema is created once, and every one of them starts."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ROUNDS = 6
PROCESSES = 3
# A process that, round after round, says it is ready, waits for the starting signal and then opens that round's
# empty database (imports are paid once, so the rounds race on migrating, not on starting Python).
RACER = """
import sys, time
from pathlib import Path
from storage.database import make_engine, migrate
for folder in map(Path, sys.argv[1:]):
    print("ready", flush=True)
    while not (folder / "go").exists():
        time.sleep(0.0005)
    try:
        engine = make_engine(f"sqlite:///{folder / 'data' / 'tanya.sqlite'}")
        migrate(engine)
        engine.dispose()
        print("migrated", flush=True)
    except Exception as error:
        print("failed", type(error).__name__, str(error).splitlines()[0], flush=True)
"""


def test_processes_starting_together_on_an_empty_folder_all_create_or_find_the_schema(tmp_path: Path) -> None:
    folders = [tmp_path / f"round-{number}" for number in range(ROUNDS)]
    for folder in folders:
        folder.mkdir()
    racers = [subprocess.Popen([sys.executable, "-c", RACER, *map(str, folders)], cwd=ROOT, stdout=subprocess.PIPE,
                               text=True, env={"PYTHONPATH": str(ROOT)}) for _ in range(PROCESSES)]
    outcomes = []
    try:
        for folder in folders:
            assert all(racer.stdout.readline().strip() == "ready" for racer in racers)
            (folder / "go").touch()
            outcomes.append([racer.stdout.readline().strip() for racer in racers])
    finally:
        for racer in racers:
            racer.kill()
            racer.wait()
    failed = [(number, line) for number, lines in enumerate(outcomes) for line in lines if line != "migrated"]
    assert not failed, failed
