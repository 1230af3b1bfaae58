"""Ctrl-C: a SIGINT sent to a process running cascade.run stops it once the
running replicates have finished, keeps them in `out` and raises
KeyboardInterrupt; the next run in that process starts uninterrupted; a
Ctrl-C outside a run is Python's own KeyboardInterrupt (the process is not
ended); and a resume finishes the run with the digests of an uninterrupted
one."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import textwrap

import cascade

from conftest import ROOT

SCENARIO = "scenarios/b16_tail_vein.ron"
REPLICATES = 100

CHILD = textwrap.dedent(
    """
    import os, signal, sys
    import cascade
    out, replicates = sys.argv[1], int(sys.argv[2])
    try:
        cascade.run({scenario!r}, replicates=replicates, threads=1, out=out)
        print("finished")
    except KeyboardInterrupt as interrupt:
        print("KeyboardInterrupt:", interrupt)
    # The next run is not interrupted by the last one's Ctrl-C.
    print("next run:", len(cascade.run("scenarios/quickstart.ron", replicates=2, threads=1).digests))
    # Ctrl-C outside a run is Python's.
    try:
        os.kill(os.getpid(), signal.SIGINT)
        for _ in range(100):
            pass
        print("no KeyboardInterrupt")
    except KeyboardInterrupt:
        print("outside a run: KeyboardInterrupt")
    sys.stdout.flush()
    """
).format(scenario=SCENARIO)


def test_ctrl_c_keeps_the_finished_replicates_and_resume_finishes_them(tmp_path):
    out = tmp_path / "out"
    environment = dict(os.environ, CASCADE_PROGRESS_SECONDS="0", PYTHONUNBUFFERED="1")
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(out), str(REPLICATES)],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    # Wait for the second replicate's progress line, then Ctrl-C.
    assert child.stderr is not None
    for line in child.stderr:
        if re.search(rf": 2/{REPLICATES} replicates", line):
            break
    else:
        raise AssertionError(f"no progress line; the child said: {child.communicate()}")
    child.send_signal(signal.SIGINT)
    stdout, stderr = child.communicate(timeout=600)
    assert child.returncode == 0, stderr
    kept = re.search(rf"KeyboardInterrupt: interrupted: (\d+) of {REPLICATES} replicates kept in ", stdout)
    assert kept, stdout + stderr
    held = int(kept.group(1))
    assert 2 <= held < REPLICATES, stdout
    assert "next run: 2" in stdout, stdout
    assert "outside a run: KeyboardInterrupt" in stdout, stdout
    assert not (out / "manifest.json").exists()

    finished = cascade.run(SCENARIO, replicates=REPLICATES, threads=2, out=out, resume=True)
    assert finished.summary.height == REPLICATES
    # The same digests as an uninterrupted run (replicate i is a function of
    # the seed and i alone).
    uninterrupted = cascade.run(SCENARIO, replicates=REPLICATES, threads=2)
    assert finished.digests == uninterrupted.digests
