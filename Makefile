# rfs: the two commands are `make run` and `make test`; the rest are their parts.
SHELL := /bin/bash
SWIFT ?= swift
PYTHON := .venv/bin/python
RUN_DIR ?= run

.PHONY: all bootstrap build release run test unit-test conformance bench proto clean

all: build

## Install what rfs needs (Debian packages, the conformance venv). Idempotent.
bootstrap:
	@scripts/bootstrap

build: bootstrap
	$(SWIFT) build

release: bootstrap
	$(SWIFT) build -c release --product rfs

## Build in release mode and run rfs in the foreground (Ctrl-C stops it).
## Today that is one namenode on 127.0.0.1:8020 serving an empty namespace; the local
## cluster (namenodes and datanodes) grows here as it lands.
run: release
	@mkdir -p $(RUN_DIR)/name
	.build/release/rfs namenode -c conf/rfs-site.conf \
		-D dfs.namenode.rpc-address=127.0.0.1:8020 \
		-D dfs.namenode.name.dir=$(RUN_DIR)/name

## Unit tests (swift test), then the conformance tests against real third-party clients.
test: bootstrap unit-test conformance

unit-test:
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

conformance:
	$(SWIFT) build --product rfs
	RFS_BIN=$(CURDIR)/.build/debug/rfs $(PYTHON) -m pytest -q Tests/Conformance

## Micro-benchmarks (release build): checksums and codecs, each next to memcpy in the same run.
bench: bootstrap
	$(SWIFT) build -c release --product rfs-microbench
	.build/release/rfs-microbench all

## Regenerate Common/RFSProtocol/Generated from Common/RFSProtocol/proto.
proto: bootstrap
	scripts/gen-proto

clean:
	rm -rf .build $(RUN_DIR)
