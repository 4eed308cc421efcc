"""Config objects from params sections: defaults from the dataclass, unknown keys and bad types refused in one line."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
import yaml

from conftest import REPO_ROOT
from vigil.audit.explain import ExplainConfig
from vigil.audit.fairness import FairnessConfig
from vigil.compliance.evidence import ReportSettings
from vigil.config_section import from_section
from vigil.data.schema import DataSpec
from vigil.data.synthetic import SyntheticConfig
from vigil.errors import VigilError
from vigil.privacy.config import ScrubConfig
from vigil.privacy.name_training import NameModelSettings
from vigil.privacy.residual_calibration import ResidualModelSettings


@dataclass(frozen=True)
class Example:
    name: str
    resamples: int = 100
    confidence: float = 0.95
    regions: tuple[str, ...] = ("US",)
    mode: str | tuple[str, ...] = "pairs"
    seed: int = 0


def test_defaults_come_from_the_dataclass_and_nested_keys_map_to_fields():
    built = from_section(
        Example, {"name": "x", "bootstrap": {"n": 7}}, "audit.example", keys={"resamples": "bootstrap.n"}
    )
    assert built == Example(name="x", resamples=7)
    assert from_section(Example, {"name": "x", "mode": ["a", "b"]}, "s").mode == ("a", "b")
    assert from_section(Example, {"name": "x", "confidence": 1}, "s").confidence == 1.0


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ({"name": "x", "resample": 5}, "params.yaml: audit.example.resample: unknown key; known: "),
        ({"name": "x", "bootstrap": {"m": 1}}, "params.yaml: audit.example.bootstrap.m: unknown key"),
        ({"bootstrap": {"n": 5}}, "params.yaml: audit.example.name: missing (it has no default)"),
        (
            {"name": "x", "bootstrap": {"n": "many"}},
            "params.yaml: audit.example.bootstrap.n: expected an integer, got 'many'",
        ),
        (
            {"name": "x", "bootstrap": {"n": 2.5}},
            "params.yaml: audit.example.bootstrap.n: expected an integer, got 2.5",
        ),
        ({"name": "x", "regions": "US"}, "params.yaml: audit.example.regions: expected a list, got 'US'"),
        ({"name": "x", "confidence": True}, "params.yaml: audit.example.confidence: expected a number, got True"),
    ],
)
def test_a_wrong_section_stops_with_one_line_naming_the_file_and_key(section: dict, message: str):
    with pytest.raises(VigilError) as error:
        from_section(Example, section, "audit.example", keys={"resamples": "bootstrap.n"})
    assert str(error.value).startswith(message) and "\n" not in str(error.value)


def test_keys_read_by_another_consumer_can_be_named_and_fixed_fields_are_not_params():
    built = from_section(Example, {"name": "x", "top_cohorts": 3}, "s", ignore=("top_cohorts",), seed=9)
    assert built.seed == 9
    with pytest.raises(VigilError, match="s.seed: unknown key"):
        from_section(Example, {"name": "x", "seed": 3}, "s", seed=9)


def test_the_committed_params_build_and_a_typo_in_any_section_is_refused():
    params = yaml.safe_load((REPO_ROOT / "params.yaml").read_text())
    builders = {
        "audit.fairness": lambda s: FairnessConfig.from_params(s, ["region"], 1),
        "audit.explain": lambda s: ExplainConfig.from_params(s, 1),
        "scrub": ScrubConfig.from_params,
        "name_model": NameModelSettings.from_params,
        "residual_model": ResidualModelSettings.from_params,
        "report": ReportSettings.from_params,
        "data.synthetic": lambda s: SyntheticConfig.from_params(s, 1),
        "data": DataSpec.from_params,
    }
    for where, build in builders.items():
        section = params
        for part in where.split("."):
            section = section[part]
        build(section)
        with pytest.raises(VigilError, match=rf"^params\.yaml: {where}\.a_typo: unknown key"):
            build({**section, "a_typo": 1})
