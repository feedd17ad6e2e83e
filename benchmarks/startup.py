"""Start-up cost of the bot: import time, `everybody-sells --help`, and the RSS of `run`.

    python -m benchmarks.startup                 # 7 runs each, SQLite in a temp dir
    python -m benchmarks.startup --runs 15

Times, in fresh processes, `python -c "import bot.runner"` and `everybody-sells --help`
(median and best of N), then starts `everybody-sells run` in HTTP mode against the Slack
stand-in and reports how long it took until /healthz answered and its resident memory
then (VmRSS, and the peak VmHWM, from /proc/PID/status; Linux only).
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from tests.slack_standin import SlackStandIn

SETTINGS = ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "DATABASE_URL")
DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def console_script() -> str:
    script = Path(sys.executable).parent / "everybody-sells"
    return str(script) if script.exists() else shutil.which("everybody-sells") or "everybody-sells"


def timed(command: list[str], runs: int) -> list[float]:
    """Wall-clock seconds of each of `runs` runs of `command`."""
    seconds = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
        seconds.append(time.perf_counter() - started)
    return seconds


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def memory_kb(pid: int) -> dict[str, int]:
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            fields[name] = int(value.split()[0])
    return fields


def started_run(folder: Path) -> tuple[float, dict[str, int]]:
    """Seconds until `everybody-sells run` answered /healthz, and its memory then."""
    standin = SlackStandIn().start()
    port = free_port()
    env = {name: value for name, value in os.environ.items() if name not in SETTINGS}
    env.update(
        SLACK_BOT_TOKEN="xoxb-benchmark",
        SLACK_SIGNING_SECRET="benchmark",
        SLACK_API_URL=standin.api_url,
        DATABASE_URL=f"sqlite:///{folder / 'startup.db'}",
        PORT=str(port),
    )
    started = time.perf_counter()
    process = subprocess.Popen(
        [console_script(), "run"], cwd=folder, env=env, stderr=subprocess.DEVNULL
    )
    try:
        while process.poll() is None:
            try:
                with DIRECT.open(f"http://127.0.0.1:{port}/healthz", timeout=1):
                    break
            except OSError:
                time.sleep(0.02)
        else:
            raise SystemExit(f"`everybody-sells run` exited with {process.returncode}")
        seconds = time.perf_counter() - started
        time.sleep(1)  # the scheduler's first sweep runs at start
        return seconds, memory_kb(process.pid)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
        standin.stop()


def summary(name: str, seconds: list[float]) -> str:
    return (
        f"{name:<34} median {statistics.median(seconds) * 1000:6.0f} ms"
        f"   best {min(seconds) * 1000:6.0f} ms   ({len(seconds)} runs)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    runs = parser.parse_args().runs
    print(
        summary(
            "python -c 'import bot.runner'",
            timed([sys.executable, "-c", "import bot.runner"], runs),
        )
    )
    print(summary("everybody-sells --help", timed([console_script(), "--help"], runs)))
    with tempfile.TemporaryDirectory() as folder:
        seconds, memory = started_run(Path(folder))
    print(
        f"{'everybody-sells run':<34} /healthz after {seconds * 1000:.0f} ms, "
        f"VmRSS {memory['VmRSS'] / 1024:.1f} MB, VmHWM {memory['VmHWM'] / 1024:.1f} MB"
    )


if __name__ == "__main__":
    main()
