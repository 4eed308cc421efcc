"""A maintenance export as people have it: the patterns that broke a new user's first run, generated.

From the synthetic notes (so the test owns its data): no id column; a quarter of the rows are copies of other
rows (some in capitals, with other spacing or punctuation); labels that say "no label" (``NA``, ``N/A``, blank);
a label with only 4 records; columns literally named ``text`` and ``label`` whose notes are *shorter* than the
label values (content alone would swap them); an ``order_type`` column of a few repeated values that the notes
do not explain (a decoy label); one row with an unquoted comma; and the same table without a header row.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

LABEL_NAMES = {
    "electrical": "Electrical system and wiring fault",
    "engine": "Engine mechanical or combustion fault",
    "brakes": "Brake system fault (pads, discs, hydraulics)",
    "infotainment_software": "Infotainment or software malfunction",
    "transmission": "Transmission and clutch fault",
    "suspension_steering": "Suspension or steering fault",
    "body_paint": "Body, paint or sealing defect",
    "hvac": "Heating, ventilation or air conditioning",
    "fuel_system": "Fuel system fault or leak",
}
RARE_LABEL = "Exhaust system leak (rare)"
NOTE_WORDS = 6


def messy_export(n: int = 600, seed: int = 7) -> tuple[str, dict[str, int]]:
    """The CSV text (with a header row) and what was planted in it (counts the test checks against)."""
    from vigil.data.synthetic import SyntheticConfig, generate

    rng = np.random.default_rng(seed)
    frame, _ = generate(SyntheticConfig(n_records=n, seed=seed, pii_rate=0.2))
    notes = frame["text"].map(lambda t: " ".join(t.replace(",", " ").split()[:NOTE_WORDS]))
    table = pd.DataFrame(
        {
            "text": notes,
            "label": frame["label"].map(LABEL_NAMES),
            "order_type": rng.choice(["PREVENTIVE", "CORRECTIVE", "INSPECTION", "WARRANTY"], size=n),
            "opened": pd.to_datetime(frame["created_at"]).dt.strftime("%Y-%m-%d"),
        }
    )
    table.loc[table.index[:4], "label"] = RARE_LABEL
    na = rng.choice(np.arange(4, n), size=n // 8, replace=False)
    table.loc[na, "label"] = rng.choice(["NA", "NA", "NA", "N/A", ""], size=len(na))
    copies = table[table["label"] != RARE_LABEL].sample(n=n // 3, random_state=seed).copy()  # 200 of 800: a quarter
    variants = [str.upper, lambda t: f"  {t}.", lambda t: t.replace(" ", "  "), lambda t: t]
    copies["text"] = [variants[i % len(variants)](t) for i, t in enumerate(copies["text"])]
    table = pd.concat([table, copies], ignore_index=True).sample(frac=1.0, random_state=seed).reset_index(drop=True)
    lines = table.to_csv(index=False).splitlines()
    common = set(LABEL_NAMES.values())
    shifted = next(
        i
        for i, line in enumerate(lines[1:], start=1)
        if '"' not in line and line.count(",") == 3 and line.split(",")[1] in common and len(line.split()) > 3
    )
    text, rest = lines[shifted].split(",", 1)
    lines[shifted] = f"{' '.join(text.split()[:2])}, {' '.join(text.split()[2:]) or 'x'},{rest}"
    planted = {
        "rows": len(table),
        "copies": len(copies),
        "unlabelled": int(table["label"].isin(["NA", "N/A", ""]).sum()),
        "rare": int((table["label"] == RARE_LABEL).sum()),
        "bad_row": shifted,  # data row of the unquoted comma (1 = first under the header)
    }
    return "\n".join(lines) + "\n", planted


def without_header(text: str) -> str:
    return text.split("\n", 1)[1]
