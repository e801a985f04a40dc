# syntax=docker/dockerfile:1
# Kartei: one image for the API (`kartei serve`), the worker (`kartei worker`) and the
# migration job (`kartei migrate`). Build: docker build -t kartei .
FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked -p kartei-server --bin kartei \
    && install -D target/release/kartei /out/kartei

FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates tzdata \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --gid 10001 kartei \
    && useradd --uid 10001 --gid 10001 --no-create-home --shell /usr/sbin/nologin kartei
COPY --from=build /out/kartei /usr/local/bin/kartei
USER 10001:10001
ENV KARTEI_BIND=0.0.0.0:8080
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/kartei"]
CMD ["serve"]
