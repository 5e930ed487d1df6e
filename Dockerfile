# syntax=docker/dockerfile:1
# The featureflags image: a static binary on distroless, run as non-root.
#   docker build --build-arg VERSION=v1.2.3 --build-arg COMMIT=$(git rev-parse --short=12 HEAD) -t featureflags .

ARG GO_VERSION=1.26.8

FROM --platform=$BUILDPLATFORM golang:${GO_VERSION} AS build
WORKDIR /src
# Modules first, in a layer of their own: it is rebuilt only when go.mod or
# go.sum change.
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
ARG COMMIT=unknown
ARG TARGETOS
ARG TARGETARCH
# The same flags as `make build`; the version shows in `featureflags version`
# and in the featureflags_build_info metric.
RUN --mount=type=cache,target=/root/.cache/go-build \
    GOOS=$TARGETOS GOARCH=$TARGETARCH \
    CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION} -X main.commit=${COMMIT}" -o /out/featureflags ./cmd/featureflags
RUN mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot AS final
COPY --from=build /out/featureflags /featureflags
COPY --from=build --chown=65532:65532 /out/data /data
USER 65532:65532
WORKDIR /
# Listen on every address inside the container; a non-loopback address
# needs FEATUREFLAGS_ADMIN_TOKEN (or --insecure). SQLite by default, in /data.
ENV FEATUREFLAGS_LISTEN=0.0.0.0:8080 \
    FEATUREFLAGS_STORE=/data/featureflags.db
VOLUME /data
EXPOSE 8080
# No shell or curl here: the binary checks its own /readyz.
HEALTHCHECK --interval=10s --timeout=5s --start-period=15s --retries=3 \
    CMD ["/featureflags", "healthcheck"]
ENTRYPOINT ["/featureflags"]
CMD ["serve"]
