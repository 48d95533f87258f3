# rfs: the two commands are `make run` and `make test`; the rest are their parts.
SHELL := /bin/bash
SWIFT ?= swift
PYTHON := .venv/bin/python
RUN_DIR ?= run

.PHONY: all bootstrap build release run test unit-test conformance bench bench-10m proto clean

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

## Benchmarks (release build), each next to a baseline from the same run: checksums and
## codecs (memcpy), the WAL and namenode creates with 1 and 64 clients (the disk's fsync rate).
bench: bootstrap
	$(SWIFT) build -c release --product rfs
	$(SWIFT) build -c release --product rfs-microbench
	.build/release/rfs-microbench all

## The namenode scale run: 10 million files in directories of 1,000; prints peak memory
## and on-disk size. Tens of minutes; not part of `make test`. FILES=... to change the count.
FILES ?= 10000000
bench-10m: bootstrap
	$(SWIFT) build -c release --product rfs
	$(SWIFT) build -c release --product rfs-microbench
	.build/release/rfs-microbench namespace-scale --files $(FILES)

## Regenerate Common/RFSProtocol/Generated from Common/RFSProtocol/proto.
proto: bootstrap
	scripts/gen-proto

clean:
	rm -rf .build $(RUN_DIR)
