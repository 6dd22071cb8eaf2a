# syntax=docker/dockerfile:1
# sidecarset-injector: the admission webhook server.
#   docker build -t sidecarset-injector:0.1.0 .
# The builder runs the same setup and Release build as `make release`; the runtime stage holds only
# the binary, the shared libraries it links (checked with ldd below) and the example SidecarSets.

FROM debian:bookworm-slim AS build
WORKDIR /src
# The setup script alone first, so the dependency layer is cached across source changes.
COPY scripts/setup.sh scripts/setup.sh
RUN scripts/setup.sh && rm -rf /var/lib/apt/lists/*
COPY . .
# Same preset as `make release`; only the server target (tests and benchmarks are CI's job).
RUN cmake --preset release -DINJECTOR_BENCH=OFF \
 && cmake --build --preset release --target sidecarset-injector -j "$(nproc)" \
 && strip build/release/sidecarset-injector

FROM debian:bookworm-slim
LABEL org.opencontainers.image.title="sidecarset-injector" \
      org.opencontainers.image.description="OpenKruise SidecarSet injection as a mutating admission webhook" \
      org.opencontainers.image.version="0.1.0"
# Runtime libraries of the binary: OpenSSL, libyaml, spdlog (with fmt), RE2, mimalloc, libstdc++.
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      libssl3 libyaml-0-2 libspdlog1.10 libfmt9 libre2-9 libmimalloc2.0 libstdc++6 \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /src/build/release/sidecarset-injector /usr/local/bin/sidecarset-injector
# Fail the build, not the pod, if a shared library is missing.
RUN if ldd /usr/local/bin/sidecarset-injector | grep 'not found'; then exit 1; fi \
 && /usr/local/bin/sidecarset-injector --version
# Defaults for `docker run` with only the certificates mounted; the Deployment mounts its
# ConfigMap over this directory.
COPY examples/sidecarsets/ /etc/sidecarset-injector/sidecarsets/
# Numeric non-root user (the "nonroot" uid of distroless images): runAsNonRoot can verify it.
USER 65532:65532
EXPOSE 8443
ENTRYPOINT ["/usr/local/bin/sidecarset-injector"]
CMD ["serve", "--sidecarsets", "/etc/sidecarset-injector/sidecarsets", "--tls-cert", "/etc/sidecarset-injector/tls/tls.crt", "--tls-key", "/etc/sidecarset-injector/tls/tls.key", "--listen", "0.0.0.0:8443", "--log-format", "json"]
