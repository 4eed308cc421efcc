"""Torch wrappers that give the exported ONNX graphs their one output (imported only when training)."""

from __future__ import annotations

import torch


class MeanPooledEncoder(torch.nn.Module):
    """Sentence embedding as all-MiniLM-L6-v2 was trained to give it: masked mean of tokens, L2-normalised."""

    def __init__(self, encoder: torch.nn.Module) -> None:
        super().__init__()
        self.encoder = encoder

    def forward(self, input_ids, attention_mask, token_type_ids=None):  # noqa: D102 - torch signature
        extra = {} if token_type_ids is None else {"token_type_ids": token_type_ids}
        hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask, **extra).last_hidden_state
        mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
        pooled = (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1e-9)
        return torch.nn.functional.normalize(pooled, p=2.0, dim=-1)


class LogitsOnly(torch.nn.Module):
    """A sequence classifier whose output is the logits tensor (ONNX needs one tensor, not a ModelOutput)."""

    def __init__(self, classifier: torch.nn.Module) -> None:
        super().__init__()
        self.classifier = classifier

    def forward(self, input_ids, attention_mask, token_type_ids=None):  # noqa: D102 - torch signature
        extra = {} if token_type_ids is None else {"token_type_ids": token_type_ids}
        return self.classifier(input_ids=input_ids, attention_mask=attention_mask, **extra).logits


def to_tensors(feed: dict) -> dict[str, torch.Tensor]:
    return {name: torch.from_numpy(array) for name, array in feed.items()}
