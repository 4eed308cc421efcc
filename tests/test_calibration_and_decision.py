import numpy as np
import pytest
from sklearn.metrics import f1_score

from vigil.evaluation.calibration import expected_calibration_error
from vigil.modeling.calibration import apply_temperature, fit_temperature, negative_log_likelihood
from vigil.modeling.decision import decide, tune_log_offsets


def overconfident_sample(n: int = 4000, k: int = 4, true_temperature: float = 2.0, seed: int = 0):
    """Labels drawn from softmax(z); the model reports softmax(z * T): over-confident by a known factor."""
    rng = np.random.default_rng(seed)
    logits = rng.normal(0, 1.5, size=(n, k))
    honest = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    y = np.array([rng.choice(k, p=row) for row in honest])
    sharp = np.exp(logits * true_temperature)
    return sharp / sharp.sum(axis=1, keepdims=True), y


def test_temperature_recovers_known_overconfidence_and_lowers_ece():
    proba, y = overconfident_sample()
    temperature = fit_temperature(proba, y)
    assert temperature == pytest.approx(2.0, rel=0.1)
    calibrated = apply_temperature(proba, temperature)
    assert negative_log_likelihood(calibrated, y) < negative_log_likelihood(proba, y)
    labels = [str(i) for i in range(4)]
    truth = [labels[i] for i in y]

    def ece(p):
        return expected_calibration_error(truth, [labels[i] for i in p.argmax(1)], p.max(axis=1), 15)

    assert ece(calibrated) < ece(proba) / 3
    np.testing.assert_array_equal(calibrated.argmax(1), proba.argmax(1))  # never changes the decision


def test_temperature_is_one_for_a_calibrated_model():
    proba, y = overconfident_sample(true_temperature=1.0, seed=1)
    assert fit_temperature(proba, y) == pytest.approx(1.0, abs=0.1)
    assert apply_temperature(proba, 1.0) is proba


def test_tuned_offsets_raise_macro_f1_on_an_imbalanced_problem():
    rng = np.random.default_rng(3)
    n_major, n_minor = 900, 100
    y = np.array([0] * n_major + [1] * n_minor)
    # The minority class's probability is systematically too low: arg-max misses most of it.
    minor_score = np.concatenate([rng.beta(2, 10, n_major), rng.beta(5, 6, n_minor)])
    proba = np.column_stack([1 - minor_score, minor_score])
    offsets = tune_log_offsets(proba, y)
    before = f1_score(y, decide(proba), average="macro")
    after = f1_score(y, decide(proba, offsets), average="macro")
    assert after > before + 0.05
    assert offsets[1] - offsets[0] > 0  # the fix favours the minority class


def test_offsets_stay_zero_when_nothing_improves():
    proba = np.array([[0.9, 0.1], [0.2, 0.8], [0.7, 0.3], [0.1, 0.9]])
    y = np.array([0, 1, 0, 1])
    np.testing.assert_array_equal(tune_log_offsets(proba, y), [0.0, 0.0])
