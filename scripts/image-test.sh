#!/usr/bin/env bash
# Builds the test image from the repository's Dockerfile with local substitutes for the base
# images, which cannot be pulled here: BINARY_FROM=prebuilt (the static binary `make static`
# built, instead of compiling in the Rust image) and RUNTIME_IMAGE=scratch (instead of
# distroless). Usage: image-test.sh STATIC_BINARY STATE_DIR. Writes the image's name to
# STATE_DIR/name. A no-op when an image of the same Dockerfile and binary exists; test images
# older than 6 hours are removed, and so are dangling layers, so podman's storage stays bounded.
# Installs podman, buildah and runc from Debian when they are missing and it runs as root
# (as CI does); otherwise it skips, saying so.
set -euo pipefail
bin=${1:?static binary}
state=${2:?state directory}
repo=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$state"
state=$(cd "$state" && pwd)

if ! command -v podman > /dev/null || ! command -v runc > /dev/null; then
  if [ "$(id -u)" != 0 ]; then
    # The one optional part of `make test`: without the tools and the rights to install them,
    # the image is neither built nor run (the e2e test image:: skips without STATE_DIR/name).
    rm -f "$state/name"
    echo "SKIPPED: podman or runc is missing and this is not root; the container image is" \
      "neither built nor run (apt-get install podman buildah runc, then make image-test)" >&2
    exit 0
  fi
  echo "installing podman, buildah and runc (Debian packages)" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq podman buildah runc > /dev/null
fi

repository=localhost/apim-capacity-operator
inputs=$(cat "$repo/Dockerfile" "$bin" "$0" | sha256sum | cut -c1-16)
image="$repository:test-$inputs"
# podman keeps its own temporary files out of the caller's TMPDIR.
export TMPDIR="$state/tmp"
mkdir -p "$TMPDIR"
trap 'rm -rf "$state/tmp" "$state/context"' EXIT

if podman image exists "$image"; then
  echo "test image $image is current" >&2
else
  rm -rf "$state/context"
  mkdir -p "$state/context"
  cp "$bin" "$state/context/apimcap"
  echo "building $image from Dockerfile (BINARY_FROM=prebuilt, RUNTIME_IMAGE=scratch)" >&2
  podman build --quiet --file "$repo/Dockerfile" \
    --build-arg BINARY_FROM=prebuilt --build-arg RUNTIME_IMAGE=scratch \
    --label "apimcap.test-inputs=$inputs" --tag "$image" "$state/context" > /dev/null
fi

# Test images of other binaries once they are 6 hours old, and layers no tag holds.
podman images --noheading --format '{{.Repository}}:{{.Tag}}' \
  --filter "reference=$repository:test-*" --filter until=6h \
  | while read -r name; do
      if [ "$name" != "$image" ]; then podman rmi -f "$name" > /dev/null || true; fi
    done
podman image prune -f > /dev/null

echo "$image" > "$state/name"
size=$(podman image inspect --format '{{.Size}}' "$image")
echo "test image $image: $(numfmt --to=iec "$size") ($size bytes), user $(podman image inspect --format '{{.Config.User}}' "$image")" >&2
