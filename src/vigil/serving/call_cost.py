"""How long a model call takes, learnt from the calls the service has made.

Admission control needs to know how long a newly queued request would wait,
and that depends on what is ahead of it: a call has a fixed part (vectoriser
set-up, one BLAS call, the thread hand-off) and a part that grows with the
characters it reads. 64 texts of 5,000 characters took about 0.7 s a call in
the overload test that motivated the queue bound, one short note about 1 ms,
so neither a per-request nor a per-text average predicts both. The estimate is
an exponentially weighted least-squares fit of ``seconds = fixed + per_char *
chars`` over recent calls (a forgetting factor, so a model or a machine that
slows down is followed within a few dozen calls); O(1) per call. Predictions
carry a margin, the recent mean relative error of the fit, because under-
estimating costs more than over-estimating: an admitted request that then waits
past the bound is refused late, after its client has waited for nothing.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class CallCost:
    """Online fit of a call's seconds against the characters it classified."""

    forgetting: float = 0.97  # weight of the past per call: about 33 calls of memory
    _weight: float = 0.0
    _x: float = 0.0
    _y: float = 0.0
    _xx: float = 0.0
    _xy: float = 0.0
    _relative_error: float = 0.0

    def observe(self, chars: int, seconds: float) -> None:
        """Record one finished call."""
        f = self.forgetting
        if self.known and seconds > 0:
            predicted = self._fit(1, chars)
            self._relative_error = f * self._relative_error + (1 - f) * abs(seconds - predicted) / seconds
        self._weight = f * self._weight + 1.0
        self._x = f * self._x + chars
        self._y = f * self._y + seconds
        self._xx = f * self._xx + chars * chars
        self._xy = f * self._xy + chars * seconds

    @property
    def known(self) -> bool:
        return self._weight > 0.0

    def coefficients(self) -> tuple[float, float]:
        """``(fixed seconds per call, seconds per character)``, both >= 0.

        With calls of a single size the slope is not identified; then the whole
        cost is charged per character, which over-estimates small calls, the
        safe side for an admission bound.
        """
        if not self.known:
            return 0.0, 0.0
        spread = self._weight * self._xx - self._x * self._x
        if spread > 1e-9 * max(1.0, self._weight * self._xx):
            per_char = (self._weight * self._xy - self._x * self._y) / spread
            fixed = (self._y - per_char * self._x) / self._weight
            if per_char >= 0.0 and fixed >= 0.0:
                return fixed, per_char
        if self._x > 0:
            return 0.0, self._y / self._x
        return self._y / self._weight, 0.0

    def seconds(self, calls: int, chars: int) -> float:
        """Predicted time of ``calls`` model calls reading ``chars`` characters in all, with the margin."""
        return self._fit(calls, chars) * (1.0 + self._relative_error)

    def _fit(self, calls: int, chars: int) -> float:
        fixed, per_char = self.coefficients()
        return calls * fixed + chars * per_char
