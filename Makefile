# Kartei: the two commands are `make run` and `make test`. See README.md.
SHELL := /bin/bash
CARGO ?= cargo
KARTEI := ./target/debug/kartei

.PHONY: run test bench schema check-schema check-boundaries helm-check frontend lint fmt clean-local

## Serve on 127.0.0.1:8080 with a demo tenant (PostgreSQL found or started; Redis embedded
## unless REDIS_URL is set).
run:
	@eval "$$(.ci/services.sh run)"; \
	[ -f .local/jwt-secret ] || (mkdir -p .local && head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' > .local/jwt-secret); \
	export KARTEI_JWT_SECRET_FILE="$${KARTEI_JWT_SECRET_FILE:-$$PWD/.local/jwt-secret}"; \
	export KARTEI__LOG__FORMAT="$${KARTEI__LOG__FORMAT:-pretty}"; \
	export KARTEI__GRAPHQL__INTROSPECTION="$${KARTEI__GRAPHQL__INTROSPECTION:-true}"; \
	export KARTEI__GRAPHQL__GRAPHIQL="$${KARTEI__GRAPHQL__GRAPHIQL:-true}"; \
	export KARTEI__HTTP__METRICS_BIND="$${KARTEI__HTTP__METRICS_BIND:-127.0.0.1:9091}"; \
	$(CARGO) build -p kartei-server --bin kartei && \
	$(KARTEI) demo --contacts 2000 && \
	exec $(KARTEI) serve

## Format, lint, contract checks and every test, against real PostgreSQL and Redis.
test: lint check-schema check-boundaries helm-check frontend
	@eval "$$(.ci/services.sh test)"; \
	if $(CARGO) nextest --version >/dev/null 2>&1; then \
	  $(CARGO) nextest run --workspace --no-fail-fast; \
	else \
	  $(CARGO) test --workspace --no-fail-fast; \
	fi

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

## Regenerate frontend-schema/schema.graphql from the code.
schema:
	$(CARGO) run -q -p kartei-server --bin kartei -- export-schema --out frontend-schema/schema.graphql

## Fail when the checked-in SDL differs from what the code serves.
check-schema:
	@$(CARGO) run -q -p kartei-server --bin kartei -- export-schema > target/schema.graphql
	@diff -u frontend-schema/schema.graphql target/schema.graphql \
	  || (echo "frontend-schema/schema.graphql is stale: run 'make schema' and commit it" >&2; exit 1)

## The frontend contract: TypeScript types for the example operations, generated from
## schema.graphql (fails on fields the schema lacks), type-checked, and not stale in git;
## every example query through Apollo's and urql's normalized caches (no warning, no lost
## data, paging keeps page 1); the Relay screens in relay/ compiled with relay-compiler; the SDL linted with
## @graphql-eslint's Relay rules and strict-id-in-types (no finding).
frontend:
	@cd frontend-schema && npm ci --no-audit --no-fund --loglevel=error \
	  && npx graphql-codegen --config codegen.yml --silent \
	  && npx tsc --noEmit -p tsconfig.json \
	  && node test/validate.mjs \
	  && node test/caches.mjs \
	  && mkdir -p relay/__generated__ && npx relay-compiler \
	  && node lint/run.mjs
	@git diff --quiet -- frontend-schema/generated \
	  || (echo "frontend-schema/generated is stale: run 'make frontend' and commit it" >&2; exit 1)
	@echo "frontend: $$(ls frontend-schema/operations/*.graphql | wc -l) operation files, $$(grep -c '^export type .*Query = \|^export type .*Mutation = ' frontend-schema/generated/graphql.ts) typed operations, tsc clean"

## Lint, render and validate the Helm chart; the application loads the config it renders.
helm-check:
	@$(CARGO) build -q -p kartei-server --bin kartei
	@bash .ci/helm-check.sh

## Domain crates must not know HTTP or GraphQL.
check-boundaries:
	@for c in kartei-core kartei-tenancy kartei-auth kartei-contacts kartei-compliance kartei-segments kartei-search kartei-campaigns; do \
	  for dep in actix-web async-graphql; do \
	    if $(CARGO) tree -q -p $$c -i $$dep -e normal >/dev/null 2>&1; then \
	      echo "$$c depends on $$dep: the crate boundary is broken" >&2; exit 1; \
	    fi; \
	  done; \
	done; echo "boundaries: domain crates free of actix-web and async-graphql"

## Benchmarks (release build); results go to BENCHMARKS.md.
bench:
	@eval "$$(.ci/services.sh test)"; \
	$(CARGO) bench -p kartei-tests --bench gateway && $(CARGO) bench -p kartei-tests --bench contacts \
	  && $(CARGO) bench -p kartei-tests --bench compliance \
	  && $(CARGO) bench -p kartei-tests --bench segments \
	  && $(CARGO) bench -p kartei-tests --bench search \
	  && $(CARGO) bench -p kartei-tests --bench campaigns

clean-local:
	rm -rf .local
