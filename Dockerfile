# The serving image: `vigil serve` on the pipeline's verified model, nothing else.
#
#   docker build -t vigil-serve .                       # after `make run` (needs models/model + the manifest)
#   make image                                          # docker, or podman --isolation chroot without a daemon
#   make image BASE=localhost/python:3.11-slim          # a base image provided locally (offline machines)
#
# Behind a TLS-intercepting proxy or with an internal package mirror, pass its CA bundle as the build
# secret `pip_ca` (make image does when PIP_CA or PIP_CERT names a file); it is never stored in a layer.
#
# Build stage: a virtual environment with the serving packages only (requirements/serve.txt, pinned by
# requirements.lock) and vigil itself without its pipeline dependencies.
# Final stage: the same slim base, that environment, the model directory and the signed manifest, a
# non-root user. `vigil serve` checks the manifest's signer against the anchors in policies/trust/ and the model
# against the manifest before it binds the port.
ARG BASE=python:3.11-slim

FROM ${BASE} AS build
ARG SERVE_REQUIREMENTS=requirements/serve.txt
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PYTHONDONTWRITEBYTECODE=1
WORKDIR /build
RUN python -m venv /opt/vigil
COPY requirements.lock ./
COPY requirements/ requirements/
RUN --mount=type=secret,id=pip_ca \
    if [ -s /run/secrets/pip_ca ]; then export PIP_CERT=/run/secrets/pip_ca; fi \
    && /opt/vigil/bin/pip install -c requirements.lock -r "${SERVE_REQUIREMENTS}"
COPY pyproject.toml README.md ./
COPY src/ src/
RUN --mount=type=secret,id=pip_ca \
    if [ -s /run/secrets/pip_ca ]; then export PIP_CERT=/run/secrets/pip_ca; fi \
    && /opt/vigil/bin/pip install --no-deps . \
    && /opt/vigil/bin/python -m compileall -q /opt/vigil/lib

FROM ${BASE}
ARG VERSION=0.0.0-dev
ARG GIT_SHA=unknown
ARG MANIFEST_DIGEST=unknown
LABEL org.opencontainers.image.title="vigil-serve" \
      org.opencontainers.image.description="Vigil failure-mode classifier: prediction API with its signed evidence" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${GIT_SHA}" \
      org.opencontainers.image.licenses="Apache-2.0" \
      io.vigil.manifest.digest="sha256:${MANIFEST_DIGEST}"
ENV PATH=/opt/vigil/bin:${PATH} \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HF_HUB_OFFLINE=1 \
    VIGIL_SERVE_SINK_DIR=/var/lib/vigil/monitoring
RUN groupadd --system --gid 10001 vigil \
    && useradd --system --uid 10001 --gid vigil --no-create-home --shell /usr/sbin/nologin vigil \
    && mkdir -p /var/lib/vigil/monitoring \
    && chown -R vigil:vigil /var/lib/vigil
COPY --from=build /opt/vigil /opt/vigil
WORKDIR /srv/vigil
COPY params.yaml ./
COPY models/model/ models/model/
# The scrubber of `serve.log_text: scrubbed` uses the learned name model, as the scrub stage does.
COPY models/name_model/ models/name_model/
COPY reports/compliance/manifest.json reports/compliance/manifest.sig reports/compliance/signer.pem reports/compliance/
# The anchors of the commit being built: `vigil serve` refuses a manifest whose signer is not anchored for releases.
COPY policies/trust/ policies/trust/
USER 10001:10001
EXPOSE 8000
VOLUME ["/var/lib/vigil/monitoring"]
HEALTHCHECK --interval=30s --timeout=3s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request, sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/health', timeout=2).status != 200)"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["vigil", "serve", "--host", "0.0.0.0", "--port", "8000"]
