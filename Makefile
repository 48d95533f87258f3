# rfs: the two commands are `make run` and `make test`; the rest are their parts.
SHELL := /bin/bash
SWIFT ?= swift
PYTHON := .venv/bin/python
RUN_DIR ?= run

.PHONY: all bootstrap build release run test unit-test conformance bench bench-io bench-10m proto clean libhdfs libhdfs-release bench-libhdfs bench-webhdfs bench-all

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
	SWIFT=$(SWIFT) scripts/unit-test

conformance: libhdfs
	$(SWIFT) build --product rfs
	RFS_BIN=$(CURDIR)/.build/debug/rfs RFS_LIBHDFS_DIR=$(LIBHDFS_DIR) $(PYTHON) -m pytest -q Tests/Conformance

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

## `rfs bench all` (release build): the standard suite on its own minicluster, every row next
## to a baseline from the same run (fsync, disk, loopback, memcpy, a 3-member etcd); prints
## the table and writes bench-results.json (`rfs bench compare a.json b.json` diffs two runs).
bench-all: bootstrap
	$(SWIFT) build -c release --product rfs
	.build/release/rfs bench all -dir $(CURDIR)/run-bench-all -json $(CURDIR)/bench-results.json

## libhdfs.so next to the Swift client: a 1 GiB sequential write and read through the C API
## (bench/LibHDFS/hdfs_bench.c) and through RFSClient (rfs-client-bench, bench/LibHDFS/SwiftClient), alternated in one run
## on `rfs minicluster`. Not part of `make test`.
bench-libhdfs: bootstrap
	$(SWIFT) build -c release --product rfs
	$(SWIFT) build -c release --product rfs-client-bench
	$(MAKE) libhdfs LIBHDFS_CONFIG=release
	$(CC) -O2 -Wall -I $(CURDIR)/.build/libhdfs-release bench/LibHDFS/hdfs_bench.c -L $(CURDIR)/.build/libhdfs-release -lhdfs \
		-Wl,-rpath,$(CURDIR)/.build/libhdfs-release -o $(CURDIR)/.build/libhdfs-release/hdfs_bench
	$(PYTHON) bench/LibHDFS/bench_libhdfs.py .build/release/rfs .build/libhdfs-release/hdfs_bench .build/release/rfs-client-bench \
		--size-mib $(SIZE_MIB) --dir $(CURDIR)/run-bench-libhdfs

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

## libhdfs.so (the libhdfs C API on the Swift client) as programs look for it: the library as
## libhdfs.so.0.0.0 (its soname), libhdfs.so linking to it, and hdfs.h, in $(LIBHDFS_DIR).
## LIBHDFS_CONFIG=release for an optimized build (the benchmark's). Also an empty libjvm.so under
## $(LIBHDFS_DIR)/jvm-stub, for pyarrow, which loads one first (JAVA_HOME=$(LIBHDFS_DIR)/jvm-stub).
LIBHDFS_CONFIG ?= debug
LIBHDFS_DIR ?= $(CURDIR)/.build/libhdfs-$(LIBHDFS_CONFIG)
libhdfs:
	$(SWIFT) build -c $(LIBHDFS_CONFIG) --product hdfs
	mkdir -p $(LIBHDFS_DIR)
	cp -f .build/$(LIBHDFS_CONFIG)/libhdfs.so $(LIBHDFS_DIR)/libhdfs.so.0.0.0
	ln -sf libhdfs.so.0.0.0 $(LIBHDFS_DIR)/libhdfs.so
	cp -f Client/LibHDFS/CLibHDFS/include/hdfs.h $(LIBHDFS_DIR)/hdfs.h
	mkdir -p $(LIBHDFS_DIR)/jvm-stub/lib/server
	$(CC) -shared -fPIC -o $(LIBHDFS_DIR)/jvm-stub/lib/server/libjvm.so Client/LibHDFS/JVMStub/libjvm_stub.c

## Regenerate Common/RFSProtocol/Generated from Common/RFSProtocol/proto.
proto: bootstrap
	scripts/gen-proto

clean:
	rm -rf .build $(RUN_DIR)
