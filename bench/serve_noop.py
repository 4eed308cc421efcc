"""The baseline app of bench/serve.py: one no-op POST route, nothing else (framework + server cost)."""

from fastapi import FastAPI
from pydantic import BaseModel

app = FastAPI()


class Body(BaseModel):
    text: str | None = None
    texts: list[str] | None = None


@app.post("/noop")
async def noop(body: Body) -> dict[str, bool]:
    return {"ok": True}
