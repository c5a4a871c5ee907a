"""`reframe serve` under load: bounded concurrent clients on loopback only.

Starts the real ``reframe serve`` (a child process with a throwaway data folder and its
own token in ``REFRAME_API_TOKEN``), uploads one small real clip, then runs CLIENTS
clients x REQUESTS requests each, all at once (status polls, job lists and, every
SUBMIT_EVERY-th request, a job submission: a stream-copy of the clip into the outputs
folder). Then it waits (bounded) for the queue to drain and checks that every job the
server acknowledged with 201 is in the store ("lost jobs" otherwise).

Prints p50/p99 latency per request kind and overall, the count of 5xx answers and of
other failures, lost jobs, and how the jobs ended.

Run: python benchmarks/api_load.py [--clients 50] [--requests 20]
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from media_core.api.token import new_token  # noqa: E402
from media_core.ffmpeg import ffmpeg_exe  # noqa: E402

SUBMIT_EVERY = 10


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def start_server(home: Path, port: int, token: str) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(ROOT), REFRAME_API_TOKEN=token)
    for var, sub in (("REFRAME_DATA_DIR", "data"), ("REFRAME_CONFIG_DIR", "config"), ("REFRAME_CACHE_DIR", "cache")):
        env[var] = str(home / sub)
    (home / "config").mkdir(parents=True)
    # Room for every submission of the run: the 429 cap is the attack suite's business.
    (home / "config" / "engine.json").write_text('{"api": {"max_queued_jobs": 100000}}')
    cmd = [sys.executable, "-m", "media_core", "serve", "--port", str(port)]
    return subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def wait_up(url: str, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"reframe serve exited: {proc.stderr.read() if proc.stderr else ''}")
        try:
            if httpx.get(url + "/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise SystemExit("reframe serve did not come up")


async def client_loop(
    client: httpx.AsyncClient, n: int, requests: int, clip: str, out_dir: str, stats: dict, submitted: list
) -> None:
    for i in range(requests):
        kind = "submit" if (i + n) % SUBMIT_EVERY == 0 else ("list" if i % 3 == 0 else "status")
        started = time.perf_counter()
        try:
            if kind == "submit":
                body = {
                    "type": "ffmpeg_transcode",
                    "params": {"input": clip, "output": f"{out_dir}/c{n}-{i}.mp4", "args": ["-c:v", "copy"]},
                }
                response = await client.post("/jobs", json=body)
                if response.status_code == 201:
                    submitted.append(response.json()["id"])
            elif kind == "list":
                response = await client.get("/jobs", params={"limit": 20})
            else:
                target = submitted[-1] if submitted else "0" * 32
                response = await client.get(f"/jobs/{target}")
        except httpx.HTTPError as exc:
            stats["errors"].append(f"{kind}: {type(exc).__name__}: {exc}")
            continue
        stats["latency"][kind].append(time.perf_counter() - started)
        stats["codes"][response.status_code] += 1
        if response.status_code >= 400 and response.status_code != 404:
            stats["errors"].append(f"{kind}: HTTP {response.status_code}: {response.text[:200]}")


async def run_load(url: str, token: str, clients: int, requests: int, clip: str, out_dir: str) -> tuple[dict, list]:
    stats: dict = {"latency": collections.defaultdict(list), "codes": collections.Counter(), "errors": []}
    submitted: list[str] = []
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=60, limits=limits) as client:
        started = time.perf_counter()
        await asyncio.gather(
            *(client_loop(client, n, requests, clip, out_dir, stats, submitted) for n in range(clients))
        )
        stats["wall"] = time.perf_counter() - started
    return stats, submitted


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--drain", type=float, default=300, help="seconds to wait for the queue to finish")
    args = parser.parse_args()
    token, port = new_token(), free_port()
    url = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory(prefix="reframe-api-load-") as tmp:
        home = Path(tmp)
        clip = home / "clip.mp4"
        source = ["-f", "lavfi", "-i", "testsrc2=size=160x120:rate=10:duration=1"]
        encode = ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"]
        subprocess.run([ffmpeg_exe(), "-v", "error", *source, *encode, str(clip)], check=True)
        proc = start_server(home, port, token)
        try:
            wait_up(url, proc)
            headers = {"Authorization": f"Bearer {token}"}
            uploaded = httpx.post(
                url + "/files", headers=headers, files={"file": ("clip.mp4", clip.read_bytes())}, timeout=30
            ).json()["path"]
            out_dir = str(home / "data" / "outputs" / "load")
            stats, submitted = asyncio.run(run_load(url, token, args.clients, args.requests, uploaded, out_dir))
            ended = drain(url, headers, submitted, args.drain)
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
    report(args, stats, submitted, ended)
    return 0


def drain(url: str, headers: dict, submitted: list[str], timeout: float) -> dict:
    """Wait (bounded) for every acknowledged job to finish; job id → final status or 'LOST'."""
    deadline = time.monotonic() + timeout
    ended: dict[str, str] = {}
    with httpx.Client(base_url=url, headers=headers, timeout=30) as client:
        while True:
            for job_id in submitted:
                response = client.get(f"/jobs/{job_id}")
                ended[job_id] = response.json()["status"] if response.status_code == 200 else "LOST"
            done = all(s in ("succeeded", "failed", "cancelled", "interrupted", "LOST") for s in ended.values())
            if done or time.monotonic() > deadline:
                return ended
            time.sleep(1)


def report(args, stats: dict, submitted: list[str], ended: dict) -> None:
    everything = [v for values in stats["latency"].values() for v in values]
    total = sum(stats["codes"].values())
    print(f"clients {args.clients} x requests {args.requests} on 127.0.0.1: {total} answered in {stats['wall']:.1f} s")
    print(f"{'kind':<8} {'n':>5} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}")
    for kind in ("status", "list", "submit"):
        values = stats["latency"].get(kind, [])
        print(
            f"{kind:<8} {len(values):>5} {percentile(values, 0.5) * 1000:>8.1f} "
            f"{percentile(values, 0.99) * 1000:>8.1f} {max(values, default=0) * 1000:>8.1f}"
        )
    print(
        f"{'all':<8} {len(everything):>5} {statistics.median(everything) * 1000:>8.1f} "
        f"{percentile(everything, 0.99) * 1000:>8.1f} {max(everything) * 1000:>8.1f}"
    )
    fivexx = sum(n for code, n in stats["codes"].items() if code >= 500)
    print(f"status codes: {dict(sorted(stats['codes'].items()))}")
    print(f"5xx: {fivexx}   transport errors and refusals: {len(stats['errors'])}")
    for line in stats["errors"][:5]:
        print(f"  {line}")
    lost = [job_id for job_id, status in ended.items() if status == "LOST"]
    print(
        f"jobs acknowledged: {len(submitted)}   lost: {len(lost)}   ended: {dict(collections.Counter(ended.values()))}"
    )


if __name__ == "__main__":
    sys.exit(main())
