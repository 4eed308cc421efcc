"""Full fine-tuning of all-MiniLM-L6-v2 for sequence classification (opt-in: minutes per epoch on CPU).

Training choices, each for a reason:
* dynamic padding and length-grouped batches (shuffle, then sort inside
  windows of ``group_window`` batches): CPU time scales with padded length, and
  technician notes vary from five words to a paragraph;
* class-weighted cross-entropy (``class_weight: balanced``) for imbalanced labels;
* AdamW with linear warm-up/decay and gradient clipping, the standard recipe
  for BERT-sized encoders;
* early stopping on validation macro-F1 (the metric the policies read), keeping
  the best epoch's weights; everything seeded.
The best weights are exported to ONNX (int8 optional) and all predictions,
including the stage's own evaluation, come from that graph.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from sklearn.metrics import f1_score
from tqdm import tqdm

from vigil.log import get_logger
from vigil.modeling.base import Validation
from vigil.modeling.encoder_source import require_training_stack, resolve_encoder
from vigil.modeling.onnx_family import OnnxFamily
from vigil.modeling.onnx_text import default_threads, encode_batch, load_tokenizer, pad_encodings, pad_id, softmax

_LOG = get_logger("modeling.minilm_finetune")


def balanced_class_weights(y: np.ndarray, n_classes: int) -> np.ndarray:
    """scikit-learn's 'balanced' weights: n_samples / (n_classes * count_c)."""
    counts = np.bincount(y, minlength=n_classes).astype(np.float64)
    return len(y) / (n_classes * np.maximum(counts, 1.0))


def length_grouped_batches(lengths: Sequence[int], batch_size: int, window: int, rng: np.random.Generator):
    """Shuffled batches of similar-length examples (less padding, still random across epochs)."""
    order = rng.permutation(len(lengths))
    span = batch_size * max(1, window)
    batches: list[list[int]] = []
    for start in range(0, len(order), span):
        chunk = sorted(order[start : start + span], key=lambda i: lengths[i])
        batches.extend(chunk[i : i + batch_size] for i in range(0, len(chunk), batch_size))
    return [batches[i] for i in rng.permutation(len(batches))]


class MiniLMFinetune(OnnxFamily):
    family = "minilm_finetune"

    def fit(
        self,
        texts: Sequence[str],
        labels: Sequence[str],
        *,
        sample_weight: np.ndarray | None = None,
        validation: Validation | None = None,
    ) -> MiniLMFinetune:
        require_training_stack(self.family)
        import torch
        from transformers import AutoModelForSequenceClassification, get_linear_schedule_with_warmup
        from transformers.utils import logging as hf_logging

        from vigil.modeling.onnx_export import export_onnx, quantize, text_inputs
        from vigil.modeling.torch_modules import LogitsOnly, to_tensors

        p = self.params
        torch.manual_seed(self.seed)
        torch.set_num_threads(default_threads())
        rng = np.random.default_rng(self.seed)
        encoder_dir = resolve_encoder(p["encoder"])
        tokenizer_json = (encoder_dir / "tokenizer.json").read_text(encoding="utf-8")
        tokenizer = load_tokenizer(tokenizer_json, p["max_length"])
        padding = pad_id(tokenizer)
        texts, labels = list(texts), [str(label) for label in labels]
        self.classes_ = sorted(set(labels))
        index = {label: i for i, label in enumerate(self.classes_)}
        y = np.array([index[label] for label in labels])
        hf_logging.set_verbosity_error()  # "newly initialized classifier weights" is expected here
        model = AutoModelForSequenceClassification.from_pretrained(
            encoder_dir,
            num_labels=len(self.classes_),
            id2label=dict(enumerate(self.classes_)),
            label2id=index,
        )
        names = text_inputs(model)
        class_weight = balanced_class_weights(y, len(self.classes_)) if p["class_weight"] == "balanced" else None
        loss_fn = torch.nn.CrossEntropyLoss(
            weight=None if class_weight is None else torch.tensor(class_weight, dtype=torch.float32), reduction="none"
        )
        weights = torch.ones(len(texts)) if sample_weight is None else torch.tensor(sample_weight, dtype=torch.float32)
        encodings = tokenizer.encode_batch(texts)  # tokenised once, padded per batch in every epoch
        lengths = [len(e.ids) for e in encodings]
        steps_per_epoch = math.ceil(len(texts) / p["batch_size"])
        optimizer = torch.optim.AdamW(model.parameters(), lr=p["learning_rate"], weight_decay=p["weight_decay"])
        schedule = get_linear_schedule_with_warmup(
            optimizer, int(p["warmup_ratio"] * steps_per_epoch * p["epochs"]), steps_per_epoch * p["epochs"]
        )

        def logits_of(batch_encodings: list) -> torch.Tensor:
            feed = to_tensors(pad_encodings(batch_encodings, padding))
            return model(**{name: feed[name] for name in names}).logits

        val_encodings = tokenizer.encode_batch(list(validation[0])) if validation is not None else []

        def validation_f1() -> float:
            model.eval()
            order = np.argsort([len(e.ids) for e in val_encodings], kind="stable")
            predicted = np.empty(len(order), dtype=np.int64)
            with torch.no_grad():
                for start in range(0, len(order), p["batch_size"] * 2):
                    rows = order[start : start + p["batch_size"] * 2]
                    predicted[rows] = logits_of([val_encodings[i] for i in rows]).argmax(dim=1).numpy()
            assert validation is not None  # only called when there is a validation split
            truth = [index.get(str(label), -1) for label in validation[1]]
            return float(f1_score(truth, predicted, labels=list(range(len(self.classes_))), average="macro"))

        history: list[float] = []
        best_f1, best_state, best_epoch, stale = -1.0, None, 0, 0
        for epoch in range(1, int(p["epochs"]) + 1):
            model.train()
            batches = length_grouped_batches(lengths, p["batch_size"], p["group_window"], rng)
            for batch in tqdm(batches, desc=f"finetune epoch {epoch}", unit="batch", leave=False, disable=None):
                losses = loss_fn(logits_of([encodings[i] for i in batch]), torch.from_numpy(y[batch]))
                loss = (losses * weights[batch]).mean()
                loss.backward()
                torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
                optimizer.step()
                schedule.step()
                optimizer.zero_grad()
            if validation is None:
                continue
            score = validation_f1()
            history.append(round(score, 4))
            _LOG.info("epoch", extra={"epoch": epoch, "val_f1_macro": round(score, 4)})
            if score > best_f1:
                best_f1, best_state, best_epoch, stale = score, copy.deepcopy(model.state_dict()), epoch, 0
            else:
                stale += 1
                if stale >= int(p["patience"]):
                    break
        if best_state is not None:
            model.load_state_dict(best_state)
        example = to_tensors(encode_batch(tokenizer, ["brake pads worn", "engine"], padding))
        graph = export_onnx(LogitsOnly(model), example, names, "logits")
        self._set_runtime(quantize(graph, p["quantize"]), tokenizer_json)
        self.training_summary = {
            "epochs_run": len(history) if validation is not None else int(p["epochs"]),
            "best_epoch": best_epoch,
            "val_f1_macro_by_epoch": history,
        }
        return self

    def _probabilities(self, outputs: np.ndarray) -> np.ndarray:
        return softmax(outputs.astype(np.float64))

    def describe(self) -> dict[str, Any]:
        return {**super().describe(), "learning_rate": self.params["learning_rate"]}
