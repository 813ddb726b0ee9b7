# syntax=docker/dockerfile:1
# SheetOps image: a static binary on distroless, non-root. Build: docker build -t sheetops:latest .
# Kubernetes manifests: deploy/ (read-only root filesystem, state on an emptyDir).

# ---- build ----
# The Go release go.mod names (go 1.26.8).
ARG GO_VERSION=1.26.8
FROM golang:${GO_VERSION} AS build
WORKDIR /src
# Modules first, so that a source change does not download them again.
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
ARG VERSION=""
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 GOOS=linux go build -trimpath -ldflags="-s -w -X main.version=${VERSION}" \
    -o /out/sheetops ./cmd/sheetops

# ---- run ----
# static: no libc, no shell; nonroot: uid/gid 65532.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/sheetops /usr/local/bin/sheetops
USER 65532:65532
# Relative paths in a config (the default stateDir .sheetops, export dir exports) land here;
# deploy/ mounts an emptyDir on it since the root filesystem is read-only.
WORKDIR /var/lib/sheetops
EXPOSE 9090
ENTRYPOINT ["/usr/local/bin/sheetops"]
CMD ["run", "--config", "/etc/sheetops/config.yaml"]
