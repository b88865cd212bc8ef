# syntax=docker/dockerfile:1
# The apim-capacity-operator image: one fully static `apimcap` binary on distroless, no
# shell, non-root.
#
#   docker build -t REGISTRY/apim-capacity-operator:TAG .
#
# The builder compiles for x86_64-unknown-linux-musl, the usual way to a static Rust binary
# (musl's resolver works without NSS modules, which distroless/static does not have). TLS
# is rustls with ring, so there is no OpenSSL to link.
#
# Both base images are build arguments whose defaults are the real ones. `make image-test`
# builds this same file where no base image can be pulled: BINARY_FROM=prebuilt takes the
# static binary `make static` built (a crt-static glibc build of the same sources) from the
# build context instead of compiling it, and RUNTIME_IMAGE=scratch stands in for distroless
# (an image with nothing but /apimcap). The `builder` stage is then never built.

ARG RUST_IMAGE=docker.io/library/rust:1.95-bookworm
ARG RUNTIME_IMAGE=gcr.io/distroless/static-debian12:nonroot
# Which stage provides /apimcap: `builder` compiles it, `prebuilt` copies ./apimcap from the
# build context.
ARG BINARY_FROM=builder

FROM ${RUST_IMAGE} AS builder
ARG TARGET=x86_64-unknown-linux-musl
RUN rustup target add ${TARGET} \
 && apt-get update \
 && apt-get install -y --no-install-recommends musl-tools \
 && rm -rf /var/lib/apt/lists/*
# Without the simulator: --build-arg CARGO_FLAGS=--no-default-features (no `apimcap sim`).
ARG CARGO_FLAGS=""
WORKDIR /src
# The whole workspace: the operator package and crates/ (the simulator, `apimcap sim`).
COPY . .
ENV CARGO_PROFILE_RELEASE_STRIP=symbols \
    CC_x86_64_unknown_linux_musl=musl-gcc
# Cache mounts keep the crate downloads and the build between image builds.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked --target ${TARGET} ${CARGO_FLAGS} --bin apimcap \
 && cp target/${TARGET}/release/apimcap /apimcap \
 && /apimcap --version

FROM scratch AS prebuilt
COPY apimcap /apimcap

FROM ${BINARY_FROM} AS binary

FROM ${RUNTIME_IMAGE}
COPY --from=binary /apimcap /apimcap
USER 65532:65532
EXPOSE 8080
ENTRYPOINT ["/apimcap"]
CMD ["run"]
