"""The HTTP contract (pydantic): what a client sends and gets back, with OpenAPI examples.

Unknown fields are rejected (a typo such as ``"txt"`` must not silently
predict on nothing), and exactly one of ``text`` / ``texts`` is required.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator

from vigil.serving.record_ids import RECORD_ID_PATTERN

EXAMPLE_TEXT = "Customer reports grinding noise when braking, front pads worn to metal."


class PredictRequest(BaseModel):
    """One text or a batch of texts to classify."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"text": EXAMPLE_TEXT}, {"texts": [EXAMPLE_TEXT, "AC blows warm air"]}]},
    )

    text: str | None = Field(default=None, description="one service note")
    texts: list[str] | None = Field(default=None, description="several notes, classified in one call")

    @model_validator(mode="after")
    def _exactly_one(self) -> PredictRequest:
        if (self.text is None) == (self.texts is None):
            raise ValueError("send exactly one of 'text' or 'texts'")
        if self.texts is not None and not self.texts:
            raise ValueError("'texts' must not be empty")
        return self

    def items(self) -> list[str]:
        return [self.text] if self.text is not None else list(self.texts or [])


class ClassScore(BaseModel):
    label: str
    probability: float


class Prediction(BaseModel):
    """One text's result: the decided label, every class's probability, the top-k."""

    record_id: str = Field(description="id of this prediction, for POST /feedback")
    label: str
    probability: float = Field(description="calibrated probability of the decided label")
    probabilities: dict[str, float]
    top_k: list[ClassScore]


class PredictResponse(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "predictions": [
                        {
                            "record_id": "p-1f0c2a9e7b3d4c55a3e91b07d2c4f688",
                            "label": "brakes",
                            "probability": 0.97,
                            "probabilities": {"brakes": 0.97, "suspension_steering": 0.02, "engine": 0.01},
                            "top_k": [{"label": "brakes", "probability": 0.97}],
                        }
                    ],
                    "model_version": "tfidf_logreg@3f2c1ab4d5e6",
                    "manifest_digest": "9d5e…",
                }
            ]
        }
    )

    predictions: list[Prediction]
    model_version: str
    manifest_digest: str | None


class ErrorResponse(BaseModel):
    """Every 4xx/5xx body: a stable code, a message a human can act on, the request id."""

    error: str
    detail: str | list[dict] | None = None
    request_id: str | None = None


class FeedbackRequest(BaseModel):
    """The correct label for an earlier prediction, named by its record id or its text's SHA-256."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"record_id": "p-1f0c2a9e7b3d4c55a3e91b07d2c4f688", "label": "brakes"}]},
    )

    record_id: str | None = Field(default=None, pattern=RECORD_ID_PATTERN)
    text_sha256: str | None = Field(default=None, pattern=r"^[0-9a-f]{64}$")
    label: str = Field(min_length=1, max_length=100)

    @model_validator(mode="after")
    def _one_key(self) -> FeedbackRequest:
        if (self.record_id is None) == (self.text_sha256 is None):
            raise ValueError("send exactly one of 'record_id' or 'text_sha256'")
        return self
