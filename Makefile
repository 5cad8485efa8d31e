# The two commands of the README: `make run` and `make test`.
CARGO ?= cargo

.PHONY: run test bench bench-pipeline lint k8s eval

## Every service in one process on SQLite (data in ./.frontdesk), gRPC on 127.0.0.1:50051.
run:
	$(CARGO) run --locked -p frontdesk --bin frontdesk -- dev --log-format pretty

## Unit and behaviour tests: SQLite, and Postgres + Redis on localhost.
test:
	$(CARGO) nextest run --workspace --locked --no-fail-fast

## Load generator vs pgbench on the same SQL, then the intake -> routing pipeline at 500,
## 1,000 and 1,500 creates/s offered (open loop) with its created -> routed lag (BENCHMARKS.md).
bench:
	bash tools/bench/scripts/run.sh
	SKIP_BUILD=1 bash tools/bench/scripts/pipeline.sh

## The pipeline alone (intake and routing as two processes on Postgres + Redis).
bench-pipeline:
	bash tools/bench/scripts/pipeline.sh

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets --locked -- -D warnings

## Classifier accuracy per category on the labelled dev set.
eval:
	$(CARGO) run --locked -p frontdesk-intake --example classify_eval -- services/intake/tests/data/classification_dev.jsonl

## Render every kustomize overlay and validate it offline (schemas, CRDs, probes, policies); lint the Dockerfile.
k8s:
	bash k8s/validate.sh
