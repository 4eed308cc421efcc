"""Label distributions real exports have, drawn at random: one dominant class, classes of 1 to 4 records.

The synthetic notes keep their words (so a model learns something); each class keeps a random number of its
records: one class nearly all of them, a few classes a handful (1 and 2 records: dropped at ingest as rare;
3 and 4: one or two training notes each), and one class whose records are all the same note (it cannot reach
every split without leaking, so it stays in train).
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def random_distribution(seed: int, n_source: int = 900) -> pd.DataFrame:
    """Records with columns record_id, text, label, created_at, region, language, dealer_type."""
    from vigil.data.synthetic import SyntheticConfig, generate

    rng = np.random.default_rng(seed)
    frame, _ = generate(SyntheticConfig(n_records=n_source, seed=seed, pii_rate=0.1))
    labels = list(rng.permutation(sorted(frame["label"].unique())))
    dominant, repeated, *others = labels
    sizes = {label: int(rng.choice([1, 2, 3, 4, 6, 12, 40])) for label in others}
    sizes[others[0]], sizes[others[1]], sizes[others[2]] = 1, 3, 4  # always one of each tiny kind
    parts = [frame[frame["label"] == dominant]]
    for label, size in sizes.items():
        members = frame[frame["label"] == label]
        parts.append(members.sample(n=min(size, len(members)), random_state=seed))
    copies = frame[frame["label"] == repeated].head(3).copy()
    copies["text"] = copies["text"].iloc[0]  # three records, one note
    parts.append(copies)
    return pd.concat(parts, ignore_index=True).sample(frac=1.0, random_state=seed).reset_index(drop=True)
