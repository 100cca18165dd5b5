# syntax=docker/dockerfile:1
# triage: one image for every component (serve, agent, the CLI), built in two stages.
#
#   docker build -t triage:dev .
#   docker run --rm -p 9193:9193 -v triage-data:/var/lib/triage triage:dev
#
# Stage 1 builds the release binary. Its dependencies are compiled in their own layer from the
# manifests alone (stub sources), so a change to triage's code rebuilds only triage.
FROM rust:1.95-bookworm AS builder
WORKDIR /src
# The image's toolchain is 1.95: rust-toolchain.toml is left out (.dockerignore) so rustup does
# not fetch components (rustfmt, clippy) the build does not need.
COPY Cargo.toml Cargo.lock ./
COPY crates/triage-core/Cargo.toml crates/triage-core/Cargo.toml
COPY crates/triage/Cargo.toml crates/triage/Cargo.toml
COPY bench/loadgen/Cargo.toml bench/loadgen/Cargo.toml
RUN mkdir -p crates/triage-core/src crates/triage/src bench/loadgen/src \
 && echo '' > crates/triage-core/src/lib.rs \
 && echo '' > crates/triage/src/lib.rs \
 && echo 'fn main() {}' > crates/triage/src/main.rs \
 && echo 'fn main() {}' > bench/loadgen/src/main.rs \
 && cargo build --release --locked -p triage \
 && rm -rf crates/triage-core/src crates/triage/src bench/loadgen/src
COPY crates crates
COPY bench/loadgen bench/loadgen
# Touch the real sources so cargo does not take the stubs' fingerprints for them.
RUN find crates -name '*.rs' -exec touch {} + \
 && cargo build --release --locked -p triage \
 && install -D -m 0755 target/release/triage /out/triage \
 && mkdir -p /out/data

# Stage 2: a small runtime with glibc and the system CA certificates (HTTPS to GGUS, SSB,
# chat services; time zones are built into the binary).
FROM debian:bookworm-slim AS runtime
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 triage \
 && useradd --system --uid 10001 --gid triage --home-dir /var/lib/triage --shell /usr/sbin/nologin triage \
 && mkdir -p /var/lib/triage /etc/triage \
 && chown triage:triage /var/lib/triage
COPY --from=builder /out/triage /usr/local/bin/triage
# Without --config triage uses its embedded default configuration; mount an alertmanager.yml
# (a ConfigMap in Kubernetes) and add `--config /etc/triage/alertmanager.yml`.
USER 10001:10001
WORKDIR /var/lib/triage
VOLUME ["/var/lib/triage"]
EXPOSE 9193
ENV TRIAGE_LISTEN=0.0.0.0:9193 \
    TRIAGE_DATA_DIR=/var/lib/triage
ENTRYPOINT ["triage"]
CMD ["serve", "--listen", "0.0.0.0:9193", "--data-dir", "/var/lib/triage", "--log-format", "json"]
