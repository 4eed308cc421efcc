"""Overload and shutdown: a bounded queue, 503 with Retry-After, nothing computed for clients that left.

The load tests run the real `vigil serve` on 127.0.0.1 with the model of a real
pipeline run; the queue's own rules (deadline, drop, refusal) are also checked on
the batcher with a model call the test controls, where timing can be exact.
"""

from __future__ import annotations

import asyncio
import json
import re
import statistics
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn

from conftest import free_port
from service_process import Service
from vigil.serving.app import create_app
from vigil.serving.batching import MicroBatcher, QueueLimits, Rejected
from vigil.serving.call_cost import CallCost
from vigil.serving.runtime import load_runtime
from vigil.serving.settings import ServeSettings

# Capacity, queue waits and drain times are measured against the clock: alone, never beside other tests.
pytestmark = pytest.mark.serial

WAIT_BOUND = 1.0  # seconds; the service under test is started with it
WORDS = "brake fluid leak caliper pedal soft noise engine firmware error sensor freio ruido motor bomba".split()
# the heaviest request the limits allow: 64 texts of 5,000 characters (about 0.2 s of model time here)
HEAVY_TEXT = " ".join(WORDS[(i * 7) % len(WORDS)] for i in range(900))[:5000]
HEAVY = json.dumps({"texts": [HEAVY_TEXT] * 64}).encode()
JSON = {"content-type": "application/json"}


def metric(text: str, name: str) -> float:
    """Sum of one metric's samples in an exposition text (every label set)."""
    pattern = re.compile(rf"^{re.escape(name)}(?:{{[^}}]*}})? (\S+)$", re.MULTILINE)
    return sum(float(value) for value in pattern.findall(text))


def quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


@pytest.fixture(scope="module")
def loaded_service(evidence_repo: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    env = {"VIGIL_SERVE_QUEUE_MAX_WAIT_SECONDS": str(WAIT_BOUND), "VIGIL_SERVE_SHUTDOWN_DRAIN_SECONDS": "1.5"}
    server = Service(evidence_repo, tmp_path_factory.mktemp("overload") / "service.log", env)
    yield server
    if server.process.poll() is None:
        server.stop()


async def _capacity(client: httpx.AsyncClient, url: str) -> float:
    """Seconds per heavy request, one at a time (the first warms the cost model)."""
    seconds = []
    for _ in range(4):
        started = time.perf_counter()
        assert (await client.post(f"{url}/predict", content=HEAVY, headers=JSON)).status_code == 200
        seconds.append(time.perf_counter() - started)
    return statistics.median(seconds[1:])


def test_at_four_times_capacity_admitted_requests_stay_within_the_bound_and_the_rest_get_503_at_once(
    loaded_service: Service,
):
    url = loaded_service.url

    async def scenario() -> tuple[float, list[tuple[int, float, dict]], list[int], str]:
        async with httpx.AsyncClient(timeout=30, limits=httpx.Limits(max_connections=200)) as client:
            per_request = await _capacity(client, url)
            rate = 4 / per_request  # requests per second: four times what one worker completes
            outcomes: list[tuple[int, float, dict]] = []
            readiness: list[int] = []
            burst_over = asyncio.Event()

            async def one(i: int) -> None:
                await asyncio.sleep(i / rate)
                started = time.perf_counter()
                response = await client.post(f"{url}/predict", content=HEAVY, headers=JSON)
                body = response.json() if response.status_code != 200 else {}
                body["retry_after"] = response.headers.get("retry-after")
                outcomes.append((response.status_code, time.perf_counter() - started, body))

            async def watch_readiness() -> None:
                deadline = time.perf_counter() + 30
                while time.perf_counter() < deadline:
                    readiness.append((await client.get(f"{url}/ready")).status_code)
                    if burst_over.is_set() and readiness[-1] == 200:
                        return
                    await asyncio.sleep(0.05)

            watcher = asyncio.create_task(watch_readiness())
            await asyncio.gather(*(one(i) for i in range(int(2.5 * rate))))
            burst_over.set()
            await watcher
            return per_request, outcomes, readiness, (await client.get(f"{url}/metrics")).text

    per_request, outcomes, readiness, metrics = asyncio.run(scenario())
    statuses = Counter(status for status, _, _ in outcomes)
    assert set(statuses) <= {200, 503}, statuses
    assert statuses[200] >= 2 and statuses[503] >= statuses[200], statuses  # 4x capacity: most are refused

    admitted = [seconds for status, seconds, _ in outcomes if status == 200]
    # an admitted request waits at most the bound, then its own call (and its upload and parsing)
    assert quantile(admitted, 0.99) <= WAIT_BOUND + 3 * per_request, (admitted, per_request)
    assert metric(metrics, 'vigil_queue_wait_seconds_bucket{le="1.0"}') == metric(
        metrics, "vigil_queue_wait_seconds_count"
    )

    refused = [body for status, _, body in outcomes if status == 503]
    assert all(body["error"] in ("queue_full", "wait_too_long", "deadline") for body in refused), refused
    assert all(int(body["retry_after"]) >= 1 and body["request_id"] for body in refused)
    late = metric(metrics, 'vigil_requests_rejected_total{reason="deadline"}')
    assert late <= len(refused) / 4, (late, len(refused))  # refusals come at admission, not after a wait
    # the service's own timing of each refused request, from its whole body to the response (the upload
    # itself is the client's: 5-47 ms here, with the test's client on the same two cores)
    lines = [json.loads(line) for line in loaded_service.log_path.read_text().splitlines() if line.startswith("{")]
    refusals = [line for line in lines if line.get("event") == "request" and line.get("status") == 503]
    assert all(0 <= line["body_ms"] <= line["ms"] for line in refusals), refusals
    deciding_ms = sorted(line["ms"] - line["body_ms"] for line in refusals)
    at_admission = deciding_ms[: len(deciding_ms) - int(late)]  # the deadline refusals waited, by design
    # Refused at admission means never queued: far from the wait bound, every one of them. The event
    # loop shares two cores and the GIL with the inference thread and the test's client, so one
    # refusal in a burst can be held up by the scheduler (123 ms once in CI, 4 ms at the median):
    # a strict per-request bound measures the machine; the tenth that may exceed 50 ms does not.
    assert at_admission[-1] < WAIT_BOUND * 1000 / 4, deciding_ms[-5:]
    assert sum(ms > 50 for ms in at_admission) <= len(at_admission) / 10, deciding_ms[-5:]
    assert statistics.median(at_admission) <= 20, deciding_ms

    # /ready went false during the backlog and came back once it drained
    assert 503 in readiness and readiness[-1] == 200, readiness


def test_sigterm_under_load_completes_or_cleanly_refuses_every_request(loaded_service: Service):
    """Every request sent gets a 200 or a 503 (none a 500, none a reset), like a load balancer that
    stops sending to an instance once it says it is shutting down."""
    url = loaded_service.url
    outcomes: Counter = Counter()

    async def scenario() -> None:
        stop_sending = asyncio.Event()

        async def one(i: int) -> None:
            await asyncio.sleep(i * 0.05)
            if stop_sending.is_set():
                return
            async with httpx.AsyncClient(timeout=30) as client:  # a connection of its own, as from many clients
                try:
                    response = await client.post(f"{url}/predict", content=HEAVY, headers=JSON)
                except httpx.HTTPError as exc:
                    outcomes[type(exc).__name__] += 1
                    return
            error = response.json().get("error") if response.status_code != 200 else None
            outcomes[(response.status_code, error)] += 1
            if error == "shutting_down":
                assert response.headers["connection"] == "close"
                stop_sending.set()

        async def terminate() -> None:
            await asyncio.sleep(1.0)
            loaded_service.process.terminate()

        await asyncio.gather(terminate(), *(one(i) for i in range(100)))

    asyncio.run(scenario())
    logs = loaded_service.stop()
    assert set(outcomes) <= {(200, None), (503, "shutting_down"), (503, "wait_too_long"), (503, "queue_full"),
                             (503, "deadline")}, outcomes  # fmt: skip
    assert outcomes[(200, None)] >= 1 and outcomes[(503, "shutting_down")] >= 1, outcomes
    assert "draining before shutdown" in logs and '"status": 500' not in logs


@pytest.fixture()
def gated_server(evidence_repo: Path, tmp_path: Path) -> Iterator[tuple[str, list[list[str]], threading.Event]]:
    """The app on a real uvicorn (in a thread), with a model call that waits for the test's go."""
    runtime = load_runtime(evidence_repo / "models/model", None)
    calls: list[list[str]] = []
    go = threading.Event()
    predict = runtime.predict

    def gated(texts: list[str], top_k: int) -> list[dict]:
        calls.append(list(texts))
        assert go.wait(20)
        return predict(texts, top_k)

    runtime.predict = gated  # type: ignore[method-assign]
    settings = ServeSettings(sink_dir=str(tmp_path / "sink"), queue_max_texts=3, queue_max_wait_seconds=30)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(runtime, settings), port=port, log_config=None))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}", calls, go
    go.set()
    server.should_exit = True
    thread.join(10)


def test_requests_whose_clients_left_while_queued_are_never_computed(gated_server):
    url, calls, go = gated_server

    async def scenario() -> dict:
        async with httpx.AsyncClient(timeout=20) as client:
            first = asyncio.create_task(client.post(f"{url}/predict", json={"text": "first: brake pedal soft"}))
            while not calls:
                await asyncio.sleep(0.01)

            async def leaves(i: int) -> str:
                try:  # a client that gives up after 1.5 s, while the first call still holds the model
                    await client.post(f"{url}/predict", json={"text": f"gives up {i}"}, timeout=1.5)
                except httpx.TimeoutException:
                    return "gave up"
                return "answered"

            leaving = [asyncio.create_task(leaves(i)) for i in range(3)]
            while metric((await client.get(f"{url}/metrics")).text, "vigil_queue_texts") < 3:
                await asyncio.sleep(0.02)
            started = time.perf_counter()
            full = await client.post(f"{url}/predict", json={"text": "one too many"})
            full_seconds = time.perf_counter() - started
            ready_when_full = (await client.get(f"{url}/ready")).json()
            gave_up = await asyncio.gather(*leaving)
            while (
                metric((await client.get(f"{url}/metrics")).text, 'vigil_requests_rejected_total{reason="client_gone"}')
                < 3
            ):  # noqa: E501
                await asyncio.sleep(0.02)
            go.set()
            answered = await first
            after = await client.post(f"{url}/predict", json={"text": "after: engine misfire"})
            return {
                "full": full, "full_seconds": full_seconds, "ready": ready_when_full, "gave_up": gave_up,
                "first": answered.status_code, "after": after.status_code,
                "ready_after": (await client.get(f"{url}/ready")).status_code,
            }  # fmt: skip

    result = asyncio.run(scenario())
    assert result["full"].status_code == 503 and result["full"].json()["error"] == "queue_full"
    assert int(result["full"].headers["retry-after"]) >= 1 and result["full_seconds"] < 0.5
    assert result["ready"]["ready"] is False and "backlog" in result["ready"]["reasons"][0]
    assert result["gave_up"] == ["gave up"] * 3
    assert result["first"] == 200 and result["after"] == 200 and result["ready_after"] == 200
    # the model saw the first request and the one after; never the three whose clients had left
    assert calls == [["first: brake pedal soft"], ["after: engine misfire"]]


def test_micro_batcher_merges_queued_requests_and_keeps_each_callers_order():
    calls: list[list[str]] = []

    def predict(texts: list[str]) -> list[str]:
        calls.append(list(texts))
        time.sleep(0.02)  # the model is busy; meanwhile more requests queue up
        if "boom" in texts:
            raise RuntimeError("model failed")
        return [text.upper() for text in texts]

    async def scenario() -> tuple[list[list[str]], BaseException | None]:
        batcher = MicroBatcher(predict, QueueLimits(max_texts_per_call=5))
        results = await asyncio.gather(*(batcher.submit([f"a{i}", f"b{i}"]) for i in range(6)))
        try:
            await batcher.submit(["boom"])
            error = None
        except RuntimeError as exc:
            error = exc
        await batcher.close()
        return results, error

    results, error = asyncio.run(scenario())
    assert results == [[f"A{i}", f"B{i}"] for i in range(6)]
    assert all(len(c) <= 5 for c in calls) and len(calls) < 6  # merged, never above max_texts
    assert all(len(c) % 2 == 0 for c in calls[:-1])  # a caller's texts are never split
    assert isinstance(error, RuntimeError)


def test_a_request_queued_past_the_bound_is_refused_not_computed_late():
    """When the model runs slower than the cost model predicted, the late request gets 503 ``deadline``."""
    seen: list[list[str]] = []

    def slow(texts: list[str]) -> list[str]:
        seen.append(texts)
        time.sleep(0.3)
        return texts

    async def scenario() -> tuple[list, BaseException]:
        batcher = MicroBatcher(slow, QueueLimits(max_texts_per_call=1, max_queued_texts=10, max_wait_seconds=0.2))
        first = asyncio.create_task(batcher.submit(["a"]))
        await asyncio.sleep(0.01)
        second = asyncio.create_task(batcher.submit(["b"]))  # admitted: nothing measured yet predicts a wait
        results = await asyncio.gather(first, second, return_exceptions=True)
        await batcher.close()
        return results[0], results[1]

    first, second = asyncio.run(scenario())
    assert first == ["a"] and isinstance(second, Rejected) and second.reason == "deadline"
    assert seen == [["a"]]


def test_the_call_cost_model_learns_a_fixed_and_a_per_character_part():
    cost = CallCost()
    for chars in [100, 5_000, 320_000, 2_000, 64_000] * 4:
        cost.observe(chars, 0.001 + 2e-6 * chars)
    fixed, per_char = cost.coefficients()
    assert fixed == pytest.approx(0.001, rel=1e-3) and per_char == pytest.approx(2e-6, rel=1e-3)
    early = cost.seconds(2, 10_000)  # the first calls were predicted badly: the margin remembers that
    for chars in [100, 5_000, 320_000, 2_000, 64_000] * 40:
        cost.observe(chars, 0.001 + 2e-6 * chars)
    assert early > cost.seconds(2, 10_000) == pytest.approx(0.002 + 0.02, rel=1e-3)  # exact since: no margin
    single = CallCost()
    single.observe(1_000, 0.01)
    assert single.seconds(1, 2_000) == pytest.approx(0.02)  # one size seen: charged per character
