"""A tiny randomly initialised BERT with a WordPiece tokenizer built offline (< 1 s).

Stands in for all-MiniLM-L6-v2 in tests: same architecture family, same
directory layout (config.json, weights, tokenizer.json), so the transformer
families run their real code paths without the 90 MB package.
"""

from __future__ import annotations

import re
import string
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

SPECIAL = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]


def build_tiny_bert(directory: Path, texts: Iterable[str], vocab_words: int = 600, seed: int = 0) -> Path:
    import torch
    from tokenizers import Tokenizer, normalizers, pre_tokenizers, processors
    from tokenizers.models import WordPiece
    from transformers import BertConfig, BertModel

    directory.mkdir(parents=True, exist_ok=True)
    words = Counter(w for text in texts for w in re.findall(r"[a-z0-9]+", text.lower()))
    characters = list(string.ascii_lowercase + string.digits + string.punctuation)
    vocab = SPECIAL + characters + [f"##{c}" for c in string.ascii_lowercase + string.digits]
    vocab += [w for w, _ in words.most_common(vocab_words) if w not in vocab]
    ids = {token: i for i, token in enumerate(vocab)}
    tokenizer = Tokenizer(WordPiece(ids, unk_token="[UNK]", continuing_subword_prefix="##"))
    tokenizer.normalizer = normalizers.BertNormalizer(lowercase=True, strip_accents=True)
    tokenizer.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tokenizer.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]",
        pair="[CLS] $A [SEP] $B:1 [SEP]:1",
        special_tokens=[("[CLS]", ids["[CLS]"]), ("[SEP]", ids["[SEP]"])],
    )
    tokenizer.save(str(directory / "tokenizer.json"))
    config = BertConfig(
        vocab_size=len(vocab),
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=128,
    )
    torch.manual_seed(seed)
    BertModel(config).save_pretrained(directory)
    return directory
