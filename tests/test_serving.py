"""The prediction service on a real uvicorn at 127.0.0.1, with the model and signed manifest of a real run."""

from __future__ import annotations

import asyncio
import json
import os
import random
import shutil
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from prometheus_client.parser import text_string_to_metric_families

from conftest import free_port, run
from service_process import Service
from vigil.data import synthetic_pii
from vigil.serving.app import create_app
from vigil.serving.runtime import load_runtime
from vigil.serving.settings import ServeSettings

BRAKES = "Customer says brake pedal goes to the floor, fluid leaking at the rear caliper."
CANARY_CPF = "529.982.247-25"
CANARY_EMAIL = "ana.canary.7731@example.com"
JSON = {"content-type": "application/json"}


@pytest.fixture(scope="module")
def service(evidence_repo: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    server = Service(evidence_repo, tmp_path_factory.mktemp("serve") / "service.log")
    yield server
    server.stop()


def test_endpoints_answer_with_the_documented_shapes(service: Service, evidence_repo: Path):
    assert httpx.get(f"{service.url}/health").json() == {"status": "ok"}
    ready = httpx.get(f"{service.url}/ready").json()
    assert ready["ready"] is True and ready["model_version"].startswith("tfidf_logreg@")

    one = httpx.post(f"{service.url}/predict", json={"text": BRAKES})
    assert one.status_code == 200 and one.headers["x-request-id"]
    body = one.json()
    manifest = (evidence_repo / "reports/compliance/manifest.json").read_bytes()
    import hashlib

    assert body["manifest_digest"] == hashlib.sha256(manifest).hexdigest()
    prediction = body["predictions"][0]
    assert prediction["label"] == "brakes" and prediction["probability"] > 0.5
    assert abs(sum(prediction["probabilities"].values()) - 1) < 1e-3 and len(prediction["top_k"]) == 3
    assert prediction["record_id"].startswith("p-")

    batch = httpx.post(f"{service.url}/predict", json={"texts": [BRAKES, "AC blows warm air, compressor clutch dead"]})
    assert [p["label"] for p in batch.json()["predictions"]] == ["brakes", "hvac"]

    model = httpx.get(f"{service.url}/model").json()
    assert model["family"] == "tfidf_logreg" and "brakes" in model["labels"] and model["limits"]["max_batch"] == 64
    assert model["inference_path"] == "compiled:linear-softmax"
    assert model["metrics_at_training"] is None or "f1_macro" in model["metrics_at_training"]

    metrics = httpx.get(f"{service.url}/metrics").text
    assert 'vigil_http_requests_total{method="POST",route="/predict",status="200"}' in metrics
    assert 'vigil_predictions_total{label="brakes"}' in metrics
    assert "vigil_http_request_seconds_bucket" in metrics and "vigil_input_chars_bucket" in metrics
    assert "vigil_model_info{" in metrics

    openapi = httpx.get(f"{service.url}/openapi.json").json()
    assert {"/predict", "/health", "/ready", "/metrics", "/model", "/feedback"} <= set(openapi["paths"])
    assert openapi["components"]["schemas"]["PredictRequest"]["examples"]


@pytest.mark.parametrize(
    ("body", "status", "error"),
    [
        (b"{bad json", 400, "bad_json"),
        (b'{"text": "\xff\xfe not UTF-8"}', 400, "bad_json"),
        (b"[" * 100_000, 400, "bad_json"),  # nesting past the recursion limit
        (b'{"text": ' + b"9" * 5000 + b"}", 400, "bad_json"),  # an integer past Python's digit limit
        (json.dumps({"text": 5}).encode(), 422, "invalid_request"),
        (json.dumps({"txt": "unknown field"}).encode(), 422, "invalid_request"),
        (json.dumps({"text": "a", "texts": ["b"]}).encode(), 422, "invalid_request"),
        (json.dumps({"texts": []}).encode(), 422, "invalid_request"),
        (json.dumps({"text": "   "}).encode(), 422, "empty_text"),
        (json.dumps({"text": "x" * 5001}).encode(), 413, "text_too_long"),
        (json.dumps({"texts": ["brakes"] * 65}).encode(), 413, "batch_too_large"),
        (json.dumps({"text": "x" * 1_000_001}).encode(), 413, "request_too_large"),
    ],
)
def test_bad_requests_get_clear_4xx_bodies(service: Service, body: bytes, status: int, error: str):
    response = httpx.post(f"{service.url}/predict", content=body, headers={"content-type": "application/json"})
    assert response.status_code == status, response.text
    payload = response.json()
    assert payload["error"] == error and payload["request_id"] == response.headers["x-request-id"]
    details = payload["detail"] if isinstance(payload["detail"], list) else []
    assert all("input" not in item for item in details)  # pydantic's echo of the input is stripped


def test_a_chunked_body_over_the_limit_gets_413_and_one_under_it_is_served(service: Service):
    def chunks(total: int, piece: bytes):
        for _ in range(total):
            yield piece

    over = httpx.post(
        f"{service.url}/predict", content=chunks(20, b"x" * 100_000), headers={"content-type": "application/json"}
    )
    assert "content-length" not in over.request.headers  # sent chunked, so only the received size can be checked
    assert over.status_code == 413 and over.json()["error"] == "request_too_large"
    assert over.json()["request_id"] == over.headers["x-request-id"]
    body = json.dumps({"text": "freio dianteiro rangendo"}).encode()
    under = httpx.post(f"{service.url}/predict", content=chunks(1, body), headers={"content-type": "application/json"})
    assert under.status_code == 200 and under.json()["predictions"][0]["label"]
    unknown = httpx.get(f"{service.url}/no-such-route")
    assert unknown.status_code == 404 and unknown.json()["error"] == "not_found" and unknown.json()["request_id"]


def test_bounded_load_2000_requests_concurrency_16_without_errors(service: Service):
    async def load() -> list[int]:
        limits = httpx.Limits(max_connections=16)
        async with httpx.AsyncClient(base_url=service.url, limits=limits, timeout=10) as client:
            semaphore = asyncio.Semaphore(16)

            async def one(i: int) -> int:
                async with semaphore:
                    body = {"text": f"{BRAKES} #{i}"} if i % 4 else {"texts": [BRAKES] * 8}
                    return (await client.post("/predict", json=body)).status_code

            return await asyncio.gather(*(one(i) for i in range(2000)))

    started = time.perf_counter()
    statuses = asyncio.run(load())
    assert statuses.count(200) == 2000, {s: statuses.count(s) for s in set(statuses)}
    assert time.perf_counter() - started < 120


def test_feedback_is_stored_without_text_and_predictions_reach_the_sink(service: Service):
    text = f"{BRAKES} {CANARY_EMAIL}"
    record_id = httpx.post(f"{service.url}/predict", json={"text": text}).json()["predictions"][0]["record_id"]
    stored = httpx.post(f"{service.url}/feedback", json={"record_id": record_id, "label": "suspension_steering"})
    assert stored.status_code == 202 and stored.json() == {"stored": True}
    digest = "a" * 64
    assert httpx.post(f"{service.url}/feedback", json={"text_sha256": digest, "label": "brakes"}).status_code == 202
    unknown = httpx.post(f"{service.url}/feedback", json={"record_id": record_id, "label": "wheels"})
    assert unknown.status_code == 422 and unknown.json()["error"] == "unknown_label"
    assert httpx.post(f"{service.url}/feedback", json={"label": "brakes"}).status_code == 422
    assert httpx.post(f"{service.url}/feedback", json={"record_id": "p-x", "label": "brakes"}).status_code == 422
    # Ids the service never issued, in the right shape, are refused: a made-up one and one with its signature changed.
    forged = "p-" + "0123456789abcdef" * 2
    tampered = record_id[:-1] + ("0" if record_id[-1] != "0" else "1")
    for bogus in (forged, tampered):
        refused = httpx.post(f"{service.url}/feedback", json={"record_id": bogus, "label": "brakes"})
        assert refused.status_code == 404 and refused.json()["error"] == "unknown_record", bogus

    from vigil.monitoring.sink import read_records

    feedback = read_records(service.sink, "feedback")
    assert [f["label"] for f in feedback[-2:]] == ["suspension_steering", "brakes"] and feedback[-2][
        "record_id"
    ] == record_id
    assert [f["verified"] for f in feedback[-2:]] == [True, False]  # a text hash cannot be checked
    assert not {f.get("record_id") for f in feedback} & {forged, tampered}  # nothing stored for them
    predictions = {r["record_id"]: r for r in read_records(service.sink, "predictions")}
    record = predictions[record_id]
    assert record["label"] == "brakes" and record["chars"] == len(text) and record["oov"] >= 1
    sink_text = "".join(p.read_text() for p in service.sink.iterdir())
    assert CANARY_EMAIL not in sink_text and "caliper" not in sink_text  # records carry statistics, never text


def test_api_keys_are_required_when_configured(evidence_repo: Path, tmp_path: Path):
    server = Service(evidence_repo, tmp_path / "auth.log", {"VIGIL_API_KEYS": "k-alpha,k-beta"})
    try:
        assert httpx.get(f"{server.url}/health").status_code == 200  # probes stay open
        denied = httpx.post(f"{server.url}/predict", json={"text": BRAKES})
        assert denied.status_code == 401 and denied.json()["error"] == "unauthorized"
        wrong = httpx.post(f"{server.url}/predict", json={"text": BRAKES}, headers={"x-api-key": "k-alpha!"})
        assert wrong.status_code == 401
        assert httpx.post(f"{server.url}/predict", json={"text": BRAKES}, headers={"x-api-key": "k-beta"}).is_success
        bearer = {"authorization": "Bearer k-alpha"}
        assert httpx.get(f"{server.url}/model", headers=bearer).is_success
    finally:
        server.stop()


def test_refuses_to_start_when_the_model_differs_from_the_manifest(evidence_repo: Path, tmp_path: Path):
    repo = tmp_path / "repo"
    shutil.copytree(evidence_repo / "models", repo / "models")
    shutil.copytree(evidence_repo / "reports/compliance", repo / "reports/compliance")
    shutil.copy2(evidence_repo / "params.yaml", repo / "params.yaml")
    card = repo / "models/model/model.json"
    card.write_text(card.read_text().replace('"seed": 42', '"seed": 43'))
    port = str(free_port())
    command = [
        "vigil",
        "serve",
        "--port",
        port,
        "--model",
        "models/model",
        "--manifest",
        "reports/compliance/manifest.json",
        "--allow-development",
    ]
    result = run(command, repo, check=False, timeout=60)
    assert result.returncode == 2
    assert "model.json: SHA-256 differs from the manifest" in result.stderr
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"http://127.0.0.1:{port}/health")


def test_canary_pii_in_a_request_reaches_no_log_line(evidence_repo: Path, tmp_path: Path):
    server = Service(
        evidence_repo,
        tmp_path / "scrubbed.log",
        {
            "VIGIL_SERVE_LOG_TEXT": "scrubbed",
            "VIGIL_SERVE_BODY_TIMEOUT_SECONDS": "1",
            "VIGIL_SERVE_HEADER_TIMEOUT_SECONDS": "1",
        },
    )
    text = f"Cliente {CANARY_EMAIL} CPF {CANARY_CPF} relata pedal de freio baixo"
    rng = random.Random(20)
    planted = [_personal_values(rng) for _ in range(500)]  # 500 requests, each its own e-mail, CPF and phone
    crowd = [f"Cliente {name}, {email}, CPF {cpf}, tel {phone}: ruído no freio" for name, email, cpf, phone in planted]
    try:
        assert httpx.post(f"{server.url}/predict", json={"text": text}).is_success
        statuses = asyncio.run(_concurrently(f"{server.url}/predict", crowd, concurrency=50))
        assert statuses == {200: len(crowd)}, statuses
        surrogate = httpx.post(f"{server.url}/predict", content=b'{"text": "freio \\ud800 ruido"}', headers=JSON)
        assert surrogate.status_code == 422 and surrogate.json()["error"] == "invalid_text", surrogate.text
        assert httpx.post(f"{server.url}/predict", json={"texts": [text, 5]}).status_code == 422
        assert httpx.post(f"{server.url}/predict", json={"text": text * 500}).status_code == 413
        # A request id is echoed and logged only as a UUID or ULID; a CPF sent as one is replaced, never logged.
        disguised = httpx.post(f"{server.url}/predict", json={"text": "freio"}, headers={"x-request-id": CANARY_CPF})
        assert disguised.is_success and disguised.headers["x-request-id"] != CANARY_CPF
        client_id = "3f2b5c1e-8d4a-4e1b-9c2d-1a2b3c4d5e6f"
        kept = httpx.post(f"{server.url}/predict", json={"text": "freio"}, headers={"x-request-id": client_id})
        assert kept.headers["x-request-id"] == client_id
        # A body that stops half-way is answered 408 after the body timeout (1 s here), not held open.
        reply, elapsed = _half_sent_body(server.port)
        assert reply.startswith(b"HTTP/1.1 408") and b'"body_timeout"' in reply and elapsed < 4, reply
        # Headers that stop half-way, or a connection that sends nothing: 408 after the header timeout (1 s here).
        for partial in (b"POST /predict HTTP/1.1\r\nHost: t\r\nContent-Ty", b""):
            reply, elapsed = _half_sent_body(server.port, partial)
            assert reply.startswith(b"HTTP/1.1 408") and b'"header_timeout"' in reply and elapsed < 4, reply
    finally:
        logs = server.stop()
    sink_records = "".join(p.read_text() for p in server.sink.iterdir())
    raw_values = [CANARY_CPF, CANARY_EMAIL, *(value for values in planted for value in values[1:])]
    assert not [v for v in raw_values if v in logs or v in sink_records]
    assert '"client_request_id_replaced": true' in logs and client_id in logs
    assert "<BR_CPF>" in logs and "<EMAIL_ADDRESS>" in logs  # the texts were logged, scrubbed
    predicted = [json.loads(line) for line in logs.splitlines() if '"event": "predicted"' in line]
    assert len(predicted) == 3 + len(crowd) and all(
        "texts_scrubbed" in line or line["texts_not_logged"] == "scrubber backlog" for line in predicted
    )  # every line written; with a backlog some without texts, none with raw ones
    assert sink_records.count('"record_id"') == 3 + len(crowd)  # the accepted requests, as statistics


def _personal_values(rng: random.Random) -> tuple[str, str, str, str]:
    """A name, and the e-mail, valid CPF and Brazilian phone that go with it (names are the scrub tests' job)."""
    name = synthetic_pii.person_name(rng, "pt")
    return name, synthetic_pii.email_for(rng, name), synthetic_pii.cpf(rng), synthetic_pii.phone(rng, "br")


async def _concurrently(url: str, texts: list[str], concurrency: int) -> Counter:
    """POST each text as its own request, ``concurrency`` at a time; the statuses counted."""
    limit = asyncio.Semaphore(concurrency)
    async with httpx.AsyncClient(timeout=60, limits=httpx.Limits(max_connections=concurrency)) as client:

        async def one(text: str) -> int:
            async with limit:
                return (await client.post(url, json={"text": text})).status_code

        return Counter(await asyncio.gather(*(one(t) for t in texts)))


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=50),
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=10), children, max_size=5),
    max_leaves=20,
)
request_bodies = st.one_of(
    json_values,
    st.fixed_dictionaries({"text": json_values}),
    st.fixed_dictionaries({"texts": st.lists(json_values, max_size=70)}),
    st.fixed_dictionaries({"text": st.text(max_size=6000)}),
)


def test_served_probabilities_are_the_evaluated_models(evidence_repo: Path, monkeypatch: pytest.MonkeyPatch):
    """The compiled path serves only what the pipeline evaluated: same labels, probabilities to 1e-12."""
    import dataclasses

    import numpy as np
    import pandas as pd

    from vigil.serving import runtime as runtime_module

    runtime = load_runtime(evidence_repo / "models/model", evidence_repo / "reports/compliance/manifest.json")
    assert runtime.inference_path == "compiled:linear-softmax" and runtime.predictor.scorer is not None
    texts = pd.read_parquet(evidence_repo / "data/processed/test.parquet")["text"].tolist()
    evaluated = dataclasses.replace(runtime.predictor, scorer=None)
    served, expected = runtime.predictor.predict_proba(texts), evaluated.predict_proba(texts)
    assert np.abs(served - expected).max() < 1e-12
    assert runtime.predictor.decide(served) == evaluated.decide(expected)

    monkeypatch.setattr(runtime_module, "COMPILED_TOLERANCE", -1.0)  # any difference at all now disqualifies it
    fallback = load_runtime(evidence_repo / "models/model", None)
    assert fallback.inference_path == "model" and fallback.predictor.scorer is None and fallback.ready


@pytest.fixture(scope="module")
def in_process_client(evidence_repo: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    runtime = load_runtime(evidence_repo / "models/model", evidence_repo / "reports/compliance/manifest.json")
    with TestClient(create_app(runtime, ServeSettings(sink_dir=str(tmp_path_factory.mktemp("fuzz-sink"))))) as client:
        yield client


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=request_bodies, route=st.sampled_from(["/predict", "/feedback"]))
def test_fuzzed_request_bodies_never_get_a_5xx(in_process_client: TestClient, body, route: str):
    response = in_process_client.post(route, json=body)
    assert response.status_code < 500, response.text
    assert response.status_code in {200, 202, 400, 413, 422}


def test_sink_rotates_per_worker_and_keeps_backups(tmp_path: Path):
    from vigil.monitoring.sink import RotatingJsonlSink, read_records

    sink = RotatingJsonlSink(tmp_path, "predictions", max_bytes=400, backups=2)
    for i in range(60):
        sink.write({"i": i, "label": "brakes"})
    files = sorted(p.name for p in tmp_path.iterdir())
    assert len(files) == 3 and all(name.startswith(f"predictions-{os.getpid()}.jsonl") for name in files)
    assert all(p.stat().st_size <= 400 for p in tmp_path.iterdir())
    kept = sorted(r["i"] for r in read_records(tmp_path, "predictions"))
    assert kept == list(range(60 - len(kept), 60))  # the newest records, none torn


def test_metrics_are_one_count_across_two_workers(evidence_repo: Path, tmp_path: Path):
    """Each scrape reaches either worker; in multiprocess mode every scrape reads the same summed count."""
    server = Service(evidence_repo, tmp_path / "two-workers.log", None, "--workers", "2")
    try:
        for _ in range(40):  # a new connection each time, so both workers take requests
            assert httpx.post(f"{server.url}/predict", json={"text": "freio dianteiro rangendo"}).is_success
        counted = set()
        for _ in range(8):
            scrape = httpx.get(f"{server.url}/metrics").text
            line = next(
                line
                for line in scrape.splitlines()
                if line.startswith("vigil_http_requests_total{") and 'route="/predict"' in line and '"200"' in line
            )
            counted.add(float(line.rsplit(" ", 1)[1]))
        assert counted == {40.0}, counted
        assert 'vigil_http_request_seconds_bucket{le="120.0",route="/predict"}' in scrape
        assert scrape.count("vigil_model_info{") == 1 and "} 1.0" in scrape.split("vigil_model_info{", 1)[1][:300]
    finally:
        server.stop()


def test_sink_disk_use_is_capped_across_restarts_without_touching_live_writers(tmp_path: Path):
    """Files of earlier processes (restarts) are removed oldest first; a live worker's open file never is."""
    from vigil.monitoring.sink import RotatingJsonlSink, pid_alive

    dead = [pid for pid in range(4_000_000, 4_000_100) if not pid_alive(pid)][:3]
    live_other = os.getppid()  # a running process: its current file is in use
    line = json.dumps({"label": "brakes", "pad": "x" * 80}) + "\n"
    for age, name in enumerate(
        [
            f"predictions-{dead[0]}.jsonl.2",
            f"predictions-{dead[0]}.jsonl.1",
            f"predictions-{dead[0]}.jsonl",
            f"predictions-{live_other}.jsonl",
            f"predictions-{dead[1]}.jsonl",
            f"feedback-{dead[2]}.jsonl",
        ]
    ):
        path = tmp_path / name
        path.write_text(line * 10)  # ~1 KB each
        os.utime(path, (1_000_000 + age, 1_000_000 + age))  # oldest first in this list
    sink = RotatingJsonlSink(tmp_path, "predictions", max_bytes=10_000, backups=2, max_total_bytes=3_000)
    sink.write({"label": "brakes"})
    left = sorted(p.name for p in tmp_path.iterdir())
    assert f"predictions-{live_other}.jsonl" in left  # the oldest, but a live worker's file
    assert f"predictions-{dead[1]}.jsonl" in left and f"predictions-{os.getpid()}.jsonl" in left
    assert not any(name.startswith(f"predictions-{dead[0]}") for name in left)  # a dead process's, oldest first
    assert f"feedback-{dead[2]}.jsonl" in left  # another kind has its own cap
    total = sum(p.stat().st_size for p in tmp_path.glob("predictions-*"))
    assert total <= 3_000


def _half_sent_body(port: int, request: bytes | None = None) -> tuple[bytes, float]:
    """Headers promising 100 bytes, then 9 of them (or ``request``); what the server answers and when."""
    import socket

    default = (
        b'POST /predict HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"text": '
    )
    with socket.create_connection(("127.0.0.1", port), timeout=8) as sock:
        if request != b"":
            sock.sendall(default if request is None else request)
        started, reply = time.monotonic(), b""
        while b"_timeout" not in reply:
            chunk = sock.recv(4096)
            if not chunk:
                break
            reply += chunk
        return reply, time.monotonic() - started


def test_drift_is_stable_on_held_out_notes_and_flags_shifted_traffic(evidence_repo: Path, tmp_path: Path):
    import pandas as pd

    # Current traffic: the test split (135 notes the model never saw; val is the outputs reference).
    test_texts = pd.read_parquet(evidence_repo / "data/processed/test.parquet")["text"].tolist()
    params = tmp_path / "params.yaml"
    params.write_text(yaml.safe_dump({"monitoring": {"drift": {"min_records": 100}}}))
    runtime = load_runtime(evidence_repo / "models/model", evidence_repo / "reports/compliance/manifest.json")
    for name, texts in {
        "held_out": test_texts,
        "shifted": [f"ERRO {i}: módulo xq-{i} reiniciou, tela piscando, firmware {i}.{i}" for i in range(300)],
    }.items():
        sink = tmp_path / name
        with TestClient(create_app(runtime, ServeSettings(sink_dir=str(sink)))) as client:
            for start in range(0, len(texts), 20):
                assert client.post("/predict", json={"texts": texts[start : start + 20]}).status_code == 200
        command = [
            "vigil",
            "drift",
            "--current",
            str(sink),
            "--params",
            str(params),
            "--out",
            str(tmp_path / f"{name}.json"),
            "--metrics",
            str(tmp_path / f"{name}.prom"),
        ]
        result = run(command, evidence_repo, check=False, env={"VIGIL_LOG_LEVEL": "WARNING"})
        report = json.loads((tmp_path / f"{name}.json").read_text())
        # the verdict for Prometheus (textfile collector / Pushgateway), read back with prometheus_client's parser
        families = {f.name: f for f in text_string_to_metric_families((tmp_path / f"{name}.prom").read_text())}
        detected = families["vigil_drift_detected"].samples[0]
        assert detected.value == (name == "shifted") and detected.labels["model_version"] == runtime.model_version
        failed = {s.labels["check"] for s in families["vigil_drift_check_failed"].samples if s.value == 1}
        assert failed == {c["check"].lower().replace(" ", "_").replace("-", "_") for c in report["checks"]
                          if c["status"] == "drift"}  # fmt: skip
        if name == "held_out":
            assert result.returncode == 0, result.stdout
            assert report["verdict"] == "stable" and report["n_current"] == len(test_texts) >= 100
            # PSI of two samples of 135 notes in 10 bins is about 9 x (1/135 + 1/135) = 0.13 with no drift at all,
            # so the policy's own limit (0.2), not a tighter one, is what a stable verdict means here.
            assert report["text_length"]["psi"] < 0.2 and report["predicted_class"]["psi"] < 0.2
        else:
            assert result.returncode == 1 and report["verdict"] == "drift"
            assert {"text length PSI", "OOV rate increase", "predicted class PSI"} <= set(report["drifted"])
            assert report["vocabulary"]["current_oov_rate"] > report["vocabulary"]["reference_oov_rate"] + 0.2


def test_record_ids_are_recognised_only_under_the_key_that_signed_them():
    from vigil.serving.record_ids import RecordIds

    ids, other = RecordIds("k" * 32), RecordIds("another key of 32 characters!!!")
    issued = [ids.issue() for _ in range(200)]
    assert len(set(issued)) == 200 and all(ids.issued(i) for i in issued)
    assert not any(other.issued(i) for i in issued)  # a replica with another key refuses them
    assert not ids.issued("p-" + "0" * 32) and not ids.issued(issued[0].upper()) and not ids.issued("p-1")
    with pytest.raises(ValueError, match="VIGIL_SERVE_ID_KEY"):
        RecordIds("short")
