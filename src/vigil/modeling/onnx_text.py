"""Run a tokenizer.json + ONNX graph pair: the inference path of the transformer families.

Training and serving use the same object, so the probabilities measured by
``evaluate`` are the probabilities the service returns (int8 quantisation
included), and a saved model reproduces its predictions bit for bit. Only
``onnxruntime``, ``tokenizers`` and ``numpy`` are needed: no torch at serving time.

Batches are formed from texts of similar token length (dynamic padding to the
longest in the batch, not to ``max_length``), then rows are put back in input
order; that is what makes batch prediction several times cheaper than one by one.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from tqdm import tqdm

_PROGRESS_MIN_TEXTS = 2000


def load_tokenizer(tokenizer_json: str, max_length: int):
    """A ``tokenizers.Tokenizer`` that truncates to ``max_length`` and does not pad (we pad per batch)."""
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_str(tokenizer_json)
    tokenizer.no_padding()
    tokenizer.enable_truncation(max_length=int(max_length))
    return tokenizer


def pad_id(tokenizer) -> int:
    for token in ("[PAD]", "<pad>"):
        token_id = tokenizer.token_to_id(token)
        if token_id is not None:
            return int(token_id)
    return 0


def pad_encodings(encodings: Sequence, padding_id: int) -> dict[str, np.ndarray]:
    """Token ids, attention mask and token types of already-tokenised texts, padded to the longest."""
    width = max(len(e.ids) for e in encodings)
    ids = np.full((len(encodings), width), padding_id, dtype=np.int64)
    mask = np.zeros((len(encodings), width), dtype=np.int64)
    types = np.zeros((len(encodings), width), dtype=np.int64)
    for row, encoding in enumerate(encodings):
        n = len(encoding.ids)
        ids[row, :n] = encoding.ids
        mask[row, :n] = encoding.attention_mask
        types[row, :n] = encoding.type_ids
    return {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}


def encode_batch(tokenizer, texts: Sequence[str], padding_id: int) -> dict[str, np.ndarray]:
    """Tokenise and pad one batch."""
    return pad_encodings(tokenizer.encode_batch(list(texts)), padding_id)


def default_threads() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1))


class OnnxTextModel:
    """Tokenise, batch and run an ONNX text graph whose first output is one row per text."""

    def __init__(self, onnx_bytes: bytes, tokenizer_json: str, *, max_length: int, batch_size: int) -> None:
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = default_threads()
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        self.onnx_bytes = onnx_bytes
        self.tokenizer_json = tokenizer_json
        self.batch_size = int(batch_size)
        self.tokenizer = load_tokenizer(tokenizer_json, max_length)
        self.padding_id = pad_id(self.tokenizer)
        self.session = ort.InferenceSession(onnx_bytes, options, providers=["CPUExecutionProvider"])
        self.input_names = [i.name for i in self.session.get_inputs()]

    def run(self, texts: Sequence[str], *, description: str = "onnx") -> np.ndarray:
        """First graph output for every text, in input order."""
        texts = list(texts)
        if not texts:
            raise ValueError("no texts to encode")
        encodings = self.tokenizer.encode_batch(texts)  # once: the lengths order the batches
        order = np.argsort([len(e.ids) for e in encodings], kind="stable")
        rows: list[np.ndarray] = []
        starts = range(0, len(texts), self.batch_size)
        # disable=None: a bar on a terminal, nothing in CI logs (the stage logs carry the outcome).
        quiet = True if len(texts) < _PROGRESS_MIN_TEXTS else None
        progress = tqdm(starts, desc=description, unit="batch", disable=quiet, leave=False)
        for start in progress:
            feed = pad_encodings([encodings[i] for i in order[start : start + self.batch_size]], self.padding_id)
            rows.append(self.session.run(None, {name: feed[name] for name in self.input_names})[0])
        stacked = np.concatenate(rows, axis=0)
        result = np.empty_like(stacked)
        result[order] = stacked
        return result

    def save(self, directory: Path, graph_file: str, tokenizer_file: str) -> list[str]:
        (directory / graph_file).write_bytes(self.onnx_bytes)
        (directory / tokenizer_file).write_text(self.tokenizer_json, encoding="utf-8")
        return [graph_file, tokenizer_file]


def softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=1, keepdims=True)
