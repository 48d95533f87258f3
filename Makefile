# rfs: the two commands are `make run` and `make test`; the rest are their parts.
SHELL := /bin/bash
SWIFT ?= swift
PYTHON := .venv/bin/python
RUN_DIR ?= run

.PHONY: all bootstrap build release run test unit-test conformance bench bench-io bench-webhdfs bench-10m proto clean

all: build

## Install what rfs needs (Debian packages, the conformance venv). Idempotent.
bootstrap:
	@scripts/bootstrap

build: bootstrap
	$(SWIFT) build

release: bootstrap
	$(SWIFT) build -c release --product rfs

## Build in release mode and run the local cluster in the foreground (Ctrl-C stops it):
## a namenode on 127.0.0.1:8020 and three datanodes, data and logs under $(RUN_DIR), the
## Hadoop client configuration in $(RUN_DIR)/etc/hadoop.
run: release
	.build/release/rfs minicluster -d $(RUN_DIR) --datanodes 3 --port 8020

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

## The data path: a 1 GiB file written (replication 3) and read on `rfs minicluster` by
## hdfs-native, next to tee-to-three-files + sync and cat measured in the same run.
SIZE_MIB ?= 1024
bench-io: bootstrap
	$(SWIFT) build -c release --product rfs
	$(PYTHON) bench/DataIO/bench_io.py .build/release/rfs --size-mib $(SIZE_MIB) --dir $(CURDIR)/run-bench-io

## WebHDFS: a 1 GiB file uploaded and downloaded with curl through the namenode's redirect,
## next to `rfs dfs -put`/`-get` in the same run; prints MiB/s and the daemons' peak memory.
bench-webhdfs: bootstrap
	$(SWIFT) build -c release --product rfs
	$(PYTHON) bench/DataIO/bench_webhdfs.py .build/release/rfs --size-mib $(SIZE_MIB) --dir $(CURDIR)/run-bench-webhdfs

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
