"""``serve`` runs the evidence check (``check_evidence --loop``) as one process beside its workers."""

from __future__ import annotations

import time
from pathlib import Path

from tests.regional import make_node


def _checkers(node_pid: int) -> list[int]:
    """PIDs of ``check_evidence --loop`` processes started by the node (its master's children)."""
    found = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            ppid = int(next(line for line in status.read_text().splitlines() if line.startswith("PPid:")).split()[1])
            cmdline = (status.parent / "cmdline").read_bytes().split(b"\0")
        except (OSError, StopIteration, ValueError):
            continue
        if ppid == node_pid and b"check_evidence" in cmdline and b"--loop" in cmdline:
            found.append(int(status.parent.name))
    return found


def test_the_checker_runs_once_beside_two_workers_and_stops_with_the_node(node_template: Path, tmp_path: Path) -> None:
    node = make_node("SH", node_template, tmp_path / "sh", workers=2, NODE_EVIDENCE_CHECK_SECONDS="30")
    node.launch()
    try:
        node.wait_ready()
        deadline = time.monotonic() + 20
        while not _checkers(node.process.pid) and time.monotonic() < deadline:
            time.sleep(0.2)
        checkers = _checkers(node.process.pid)
        assert len(checkers) == 1, checkers
    finally:
        node.stop()
    time.sleep(0.5)
    assert not Path(f"/proc/{checkers[0]}").exists() or b"zombie" in Path(f"/proc/{checkers[0]}/status").read_bytes()


def test_no_checker_when_the_interval_is_zero(node_template: Path, tmp_path: Path) -> None:
    node = make_node("JS", node_template, tmp_path / "js", NODE_EVIDENCE_CHECK_SECONDS="0")
    node.launch()
    try:
        node.wait_ready()
        time.sleep(1.0)
        assert _checkers(node.process.pid) == []
    finally:
        node.stop()
