# syntax=docker/dockerfile:1
# The `frontdesk` binary (package frontdesk, bin frontdesk): one image runs every service
# (`frontdesk serve <service>`) and its migrations (`frontdesk migrate <service>`).
#
#   docker build -t frontdesk:dev .
#
# The same package and target the tests build: `cargo build --locked --release -p frontdesk --bin frontdesk`.
# Protos compile with protox (pure Rust), SQLite is bundled, no OpenSSL is linked: the runtime image
# needs only glibc and libgcc, which distroless/cc has.

ARG RUST_VERSION=1.95

FROM docker.io/library/rust:${RUST_VERSION}-slim-bookworm AS build
WORKDIR /src
# Manifests and the whole workspace (every member must exist for cargo to load it).
COPY Cargo.toml Cargo.lock ./
COPY proto ./proto
COPY services ./services
COPY tests ./tests
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --locked --release -p frontdesk --bin frontdesk \
    && install -D -m 0755 target/release/frontdesk /out/frontdesk

FROM gcr.io/distroless/cc-debian12:nonroot
COPY --from=build /out/frontdesk /usr/local/bin/frontdesk
# distroless "nonroot": uid/gid 65532. Numeric so `runAsNonRoot` can verify it.
USER 65532:65532
ENV FRONTDESK_LISTEN=0.0.0.0:50051
EXPOSE 50051 9464
ENTRYPOINT ["/usr/local/bin/frontdesk"]
CMD ["--help"]
