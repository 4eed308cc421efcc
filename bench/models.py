"""Compare every model option on the default data and on the FAA maintenance records.

For each dataset the bench builds the splits exactly as the pipeline does
(ingest -> scrub -> split, through the same library calls), then for each
family: trains with the stage's own `train_predictor` (calibration included),
saves and re-loads the model directory as serving does, and measures on the
test split macro-F1, accuracy, critical-class F1, ECE, fit seconds, and
single-text and batch-32 predict latency (p50/p95).

A last section times the MiniLM encoder itself: torch eager vs ONNX fp32 vs
ONNX int8 on the same texts; the final line is the int8-vs-eager ratio of
single-text p95 latency (`speed-up: N.Nx`).

    python bench/models.py                       # everything (~25 min on 2 cores)
    python bench/models.py --datasets faa_maintenance --families tfidf_logreg tfidf_svm
    python bench/models.py --datasets faa_maintenance --families tfidf_logreg --split-seeds 0 1 2 3 4
    python bench/models.py ... --override train.decision=tuned    # any params override

With ``--split-seeds`` the bench instead re-splits the same scrubbed records
with each seed and prints the spread of test macro-F1 per family (no latency):
on small, imbalanced data one split's number says little on its own.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")

import numpy as np
import pandas as pd
import yaml

REPO_ROOT = Path(__file__).resolve().parents[1]
FAMILIES = ["tfidf_logreg", "tfidf_svm", "minilm_frozen", "minilm_finetune"]
DATASETS = ["synthetic", "faa_maintenance"]


def build_splits(
    dataset: str, workdir: Path, split_seed: int | None = None, overrides: tuple[str, ...] = ()
) -> tuple[dict, dict[str, pd.DataFrame]]:
    """Composed params and train/val/test frames for ``data=<dataset>``, via ingest/scrub/split code.

    The scrubbed records are cached in ``workdir``; ``split_seed`` overrides the split's seed only.
    """
    from vigil.data.sources import load_dataset
    from vigil.data.split import min_examples_per_label, stratified_split
    from vigil.params import compose
    from vigil.privacy.config import ScrubConfig
    from vigil.privacy.parallel import scrub_parquet

    params = yaml.safe_load(compose(REPO_ROOT, [f"data={dataset}", *overrides]))
    seed = int(params["seed"])
    raw, scrubbed = workdir / f"{dataset}-raw.parquet", workdir / f"{dataset}-scrubbed.parquet"
    if not scrubbed.exists():
        loaded = load_dataset(params["data"], seed=seed, min_examples_per_label=min_examples_per_label())
        loaded.frame.to_parquet(raw, index=False)
        scrub_parquet(raw, scrubbed, workdir / f"{dataset}-vault.parquet", ScrubConfig.from_params(params["scrub"]))
    split_seed = seed if split_seed is None else split_seed
    return params, stratified_split(pd.read_parquet(scrubbed), params["split"]["ratios"], split_seed)


def model_params(family: str, finetune_epochs: int) -> dict:
    config = yaml.safe_load((REPO_ROOT / "params" / "model" / f"{family}.yaml").read_text())
    if family == "minilm_finetune":
        config["params"]["epochs"] = finetune_epochs
    return config


def latency_ms(predict, inputs: list, warmup: int = 5) -> tuple[float, float]:
    for item in inputs[:warmup]:
        predict(item)
    timings = []
    for item in inputs:
        started = time.perf_counter()
        predict(item)
        timings.append((time.perf_counter() - started) * 1000)
    return float(np.percentile(timings, 50)), float(np.percentile(timings, 95))


def bench_family(family: str, params: dict, splits: dict[str, pd.DataFrame], workdir: Path, args) -> dict:
    from vigil.evaluation.metrics import classification_metrics
    from vigil.modeling import load_model, save_model
    from vigil.modeling.training import TrainingOptions, train_predictor

    train, val, test = splits["train"], splits["val"], splits["test"]
    note = ""
    if family == "minilm_finetune" and len(train) > args.finetune_max_train:
        train = train.groupby("label", group_keys=False).sample(
            frac=args.finetune_max_train / len(train), random_state=0
        )
        note = f"{len(train)} train"
    result = train_predictor(
        model_params(family, args.finetune_epochs),
        TrainingOptions.from_params(params["train"]),
        int(params["seed"]),
        (train["text"].tolist(), train["label"].tolist()),
        (val["text"].tolist(), val["label"].tolist()),
    )
    directory = workdir / f"model-{family}"
    save_model(result.predictor, directory, model_params=model_params(family, args.finetune_epochs), data_digests={})
    predictor = load_model(directory)
    texts = test["text"].tolist()
    proba = predictor.predict_proba(texts)
    predicted = predictor.decide(proba)
    metrics = classification_metrics(
        test["label"].tolist(),
        predicted,
        proba,
        predictor.classes_,
        critical_classes=params["data"].get("critical_classes") or [],
    )
    sample = texts[: args.latency_texts]
    single = latency_ms(lambda t: predictor.predict_proba([t]), sample)
    batches = [sample[i : i + 32] for i in range(0, len(sample) - 31, 32)] or [sample]
    batch = latency_ms(predictor.predict_proba, batches * max(1, 40 // len(batches)), warmup=2)
    return {
        "family": family + (f" ({note})" if note else ""),
        "f1_macro": metrics["f1_macro"],
        "accuracy": metrics["accuracy"],
        "critical_f1_min": metrics.get("critical", {}).get("f1_min"),
        "ece": metrics["ece"],
        "fit_s": round(result.fit_seconds, 1),
        "single_p50_ms": round(single[0], 2),
        "single_p95_ms": round(single[1], 2),
        "batch32_p50_ms": round(batch[0], 1),
        "batch32_p95_ms": round(batch[1], 1),
    }


def split_spread(dataset: str, workdir: Path, args) -> list[dict]:
    """Test macro-F1 of each family over several seeded splits of the same scrubbed records."""
    from vigil.evaluation.metrics import classification_metrics
    from vigil.modeling.training import TrainingOptions, train_predictor

    scores: dict[str, list[float]] = {family: [] for family in args.families}
    for split_seed in args.split_seeds:
        params, splits = build_splits(dataset, workdir, split_seed, tuple(args.override))
        train, val, test = splits["train"], splits["val"], splits["test"]
        for family in args.families:
            result = train_predictor(
                model_params(family, args.finetune_epochs),
                TrainingOptions.from_params(params["train"]),
                split_seed,
                (train["text"].tolist(), train["label"].tolist()),
                (val["text"].tolist(), val["label"].tolist()),
            )
            proba = result.predictor.predict_proba(test["text"].tolist())
            metrics = classification_metrics(
                test["label"].tolist(), result.predictor.decide(proba), proba, result.predictor.classes_
            )
            scores[family].append(metrics["f1_macro"])
    return [
        {
            "family": family,
            "splits": len(values),
            "f1_macro_mean": float(np.mean(values)),
            "f1_macro_sd": float(np.std(values, ddof=1)) if len(values) > 1 else 0.0,
            "f1_macro_min": float(np.min(values)),
            "f1_macro_max": float(np.max(values)),
            "per_seed": " ".join(f"{v:.3f}" for v in values),
        }
        for family, values in scores.items()
    ]


def encoder_runtimes(texts: list[str]) -> list[dict]:
    """MiniLM encoder latency: torch eager vs ONNX fp32 vs ONNX int8, single text and batch of 32."""
    import torch
    from transformers import AutoModel

    from vigil.modeling.encoder_source import PACKAGED_MINILM, resolve_encoder
    from vigil.modeling.minilm_frozen import export_encoder
    from vigil.modeling.onnx_text import OnnxTextModel, default_threads, encode_batch, load_tokenizer, pad_id
    from vigil.modeling.torch_modules import MeanPooledEncoder, to_tensors

    torch.set_num_threads(default_threads())
    directory = resolve_encoder(PACKAGED_MINILM)
    tokenizer = load_tokenizer((directory / "tokenizer.json").read_text(encoding="utf-8"), 128)
    module = MeanPooledEncoder(AutoModel.from_pretrained(directory)).eval()

    def eager(batch: list[str]):
        with torch.no_grad():
            return module(**to_tensors(encode_batch(tokenizer, batch, pad_id(tokenizer))))

    runners = {"torch eager (fp32)": eager}
    for mode in ("none", "int8"):
        graph, tokenizer_json = export_encoder(directory, 128, mode)
        runtime = OnnxTextModel(graph, tokenizer_json, max_length=128, batch_size=64)
        runners[f"onnxruntime {'fp32' if mode == 'none' else 'int8'}"] = runtime.run
    batches = [texts[i : i + 32] for i in range(0, len(texts) - 31, 32)]
    rows = []
    for name, run in runners.items():
        single = latency_ms(lambda t, run=run: run([t]), texts)
        batch = latency_ms(run, batches * 4, warmup=2)
        rows.append(
            {"runtime": name, "single_p50_ms": single[0], "single_p95_ms": single[1], "batch32_p50_ms": batch[0]}
        )
    return rows


_FOUR_DIGITS = ("accuracy", "ece", "critical_f1_min")


def print_table(title: str, rows: list[dict]) -> None:
    print(f"\n## {title}\n")
    columns = list(rows[0])
    print("| " + " | ".join(columns) + " |")
    print("|" + "|".join("---" for _ in columns) + "|")
    for row in rows:
        cells = [
            f"{v:.4f}"
            if isinstance(v, float) and (k.startswith("f1_macro") or k in _FOUR_DIGITS)
            else (f"{v:.2f}" if isinstance(v, float) else str(v))
            for k, v in row.items()
        ]
        print("| " + " | ".join(cells) + " |")
    sys.stdout.flush()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--datasets", nargs="+", default=DATASETS, choices=DATASETS)
    parser.add_argument("--families", nargs="+", default=FAMILIES, choices=FAMILIES)
    parser.add_argument("--finetune-epochs", type=int, default=2)
    parser.add_argument("--finetune-max-train", type=int, default=3000, help="stratified subsample for fine-tuning")
    parser.add_argument("--latency-texts", type=int, default=200)
    parser.add_argument("--skip-encoder", action="store_true", help="skip the torch vs ONNX encoder timing")
    parser.add_argument("--split-seeds", nargs="+", type=int, help="report the macro-F1 spread over these splits")
    parser.add_argument(
        "--override", action="append", default=[], help="Hydra override for params (e.g. train.decision=tuned)"
    )
    args = parser.parse_args()
    os.chdir(REPO_ROOT)  # data sources in params are relative to the repository
    with tempfile.TemporaryDirectory(prefix="vigil-bench-models-") as tmp:
        workdir = Path(tmp)
        if args.split_seeds:
            for dataset in args.datasets:
                print_table(
                    f"data={dataset}: test macro-F1 over split seeds {args.split_seeds}",
                    split_spread(dataset, workdir, args),
                )
            return
        test_texts: list[str] = []
        for dataset in args.datasets:
            params, splits = build_splits(dataset, workdir, overrides=tuple(args.override))
            sizes = {name: len(frame) for name, frame in splits.items()}
            rows = [bench_family(family, params, splits, workdir, args) for family in args.families]
            print_table(f"data={dataset} ({sizes}; test-split metrics)", rows)
            test_texts = test_texts or splits["test"]["text"].tolist()[: args.latency_texts]
        if not args.skip_encoder:
            rows = encoder_runtimes(test_texts)
            print_table("MiniLM encoder, same texts (ms)", rows)
            eager, int8 = rows[0]["single_p95_ms"], rows[-1]["single_p95_ms"]
            print(f"\nsingle-text p95: torch eager {eager:.2f} ms, ONNX int8 {int8:.2f} ms")
            print(f"speed-up: {eager / int8:.1f}x")


if __name__ == "__main__":
    main()
