# imagescan's container image: a static binary and nothing else. The same image, without
# a daemon, as an OCI layout: scripts/build-image OUT_DIR (tests/image.rs builds, pushes
# and runs it).
#   docker build -t registry.example.com/tools/imagescan:v0.1.0 .
# Entrypoint /imagescan; default command `fn` (KRM function mode: container functions run
# with no arguments). The Argo CD plugin's init container runs
# `/imagescan install-to DIR` (plugin/argocd/install).

FROM docker.io/library/rust:1-bookworm AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends musl-tools \
 && rm -rf /var/lib/apt/lists/* \
 && rustup target add x86_64-unknown-linux-musl
WORKDIR /src
COPY . .
RUN cargo build --locked --release --target x86_64-unknown-linux-musl --bin imagescan \
 && cp target/x86_64-unknown-linux-musl/release/imagescan /imagescan

FROM scratch
COPY --from=build /imagescan /imagescan
USER 65532:65532
ENTRYPOINT ["/imagescan"]
CMD ["fn"]
