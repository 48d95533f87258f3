/*
 * The C judge of rfs's libhdfs.so: every function of hdfs.h against a real cluster, each
 * error path with the errno libhdfs sets. Built with gcc against our hdfs.h and run (under
 * valgrind) by Tests/Conformance/test_libhdfs.py, which starts the cluster and writes the
 * Hadoop XML this program reads through HADOOP_CONF_DIR.
 *
 *   hdfs_test <namenode host> <namenode port> <closed port>
 *
 * Prints one line per failed check and exits 1 if any failed.
 */
#include "hdfs.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int failures;
static int checks;

#define LAST_ERROR() (hdfsGetLastExceptionRootCause() ? hdfsGetLastExceptionRootCause() : "")

#define CHECK(cond)                                                                                  \
    do {                                                                                             \
        checks++;                                                                                    \
        if (!(cond)) {                                                                               \
            fprintf(stderr, "FAIL %s:%d: %s (errno %d %s; last error: %s)\n", __FILE__, __LINE__,   \
                    #cond, errno, strerror(errno), LAST_ERROR());                                    \
            failures++;                                                                              \
        }                                                                                            \
    } while (0)

/* expr must fail with failValue and set errno to code. */
#define EXPECT_ERRNO(expr, failValue, code)                                                          \
    do {                                                                                             \
        checks++;                                                                                    \
        errno = 0;                                                                                   \
        __typeof__(expr) result_ = (expr);                                                           \
        int errno_ = errno;                                                                          \
        if (result_ != (failValue) || errno_ != (code)) {                                            \
            fprintf(stderr, "FAIL %s:%d: %s: want errno %d (%s), got result %lld errno %d (%s); last error: %s\n", \
                    __FILE__, __LINE__, #expr, (code), strerror(code), (long long)(intptr_t)result_, \
                    errno_, strerror(errno_), LAST_ERROR());                                         \
            failures++;                                                                              \
        }                                                                                            \
    } while (0)

#define MIB (1024 * 1024)
#define BLOCK (1 * MIB)
#define FILE_BYTES (3 * MIB + MIB / 2 + 1234) /* four blocks, the last partial, not chunk-aligned */

static const char *host;
static int port;
static int closedPort;
static char base[256];

static unsigned char pattern(long long offset) { return (unsigned char)((offset * 2654435761u) >> 13); }

/* base/name, in one of four rotating buffers so a call may take two paths. */
static char *path(const char *name) {
    static __thread char buffers[4][512];
    static __thread int next;
    char *buffer = buffers[next++ % 4];
    snprintf(buffer, 512, "%s/%s", base, name);
    return buffer;
}

/* Writes `bytes` of the pattern (from `from`) in uneven pieces; returns 0 on success. */
static int writePattern(hdfsFS fs, hdfsFile file, long long from, long long bytes) {
    static const int pieces[] = {1, 511, 4096, 65536, 100000, 7};
    unsigned char *buffer = malloc(100000);
    long long done = 0;
    int piece = 0;
    while (done < bytes) {
        int length = pieces[piece++ % 6];
        if (length > bytes - done) length = (int)(bytes - done);
        for (int i = 0; i < length; i++) buffer[i] = pattern(from + done + i);
        if (hdfsWrite(fs, file, buffer, length) != length) { free(buffer); return -1; }
        done += length;
    }
    free(buffer);
    return 0;
}

static int matchesPattern(const unsigned char *bytes, long long from, long long length) {
    for (long long i = 0; i < length; i++)
        if (bytes[i] != pattern(from + i)) return 0;
    return 1;
}

/* Reads the whole file with hdfsRead in pieces of `piece` bytes and checks it. */
static long long readAndCheck(hdfsFS fs, const char *name, int piece) {
    hdfsFile file = hdfsOpenFile(fs, name, O_RDONLY, 0, 0, 0);
    if (!file) return -1;
    unsigned char *buffer = malloc(piece);
    long long offset = 0;
    tSize got;
    while ((got = hdfsRead(fs, file, buffer, piece)) > 0) {
        if (!matchesPattern(buffer, offset, got)) { offset = -2; break; }
        offset += got;
    }
    if (got < 0) offset = -3;
    free(buffer);
    hdfsCloseFile(fs, file);
    return offset;
}

static void testConnect(void) {
    char url[128];
    hdfsFS fs = hdfsConnect(host, (tPort)port);
    CHECK(fs != NULL);
    CHECK(hdfsDisconnect(fs) == 0);

    fs = hdfsConnectAsUser(host, (tPort)port, "alice");
    CHECK(fs != NULL);
    if (fs) {
        char wd[256];
        CHECK(hdfsGetWorkingDirectory(fs, wd, sizeof wd) != NULL && strstr(wd, "/user/alice") != NULL);
        CHECK(hdfsDisconnect(fs) == 0);
    }
    fs = hdfsConnectNewInstance(host, (tPort)port);
    CHECK(fs != NULL && hdfsDisconnect(fs) == 0);
    fs = hdfsConnectAsUserNewInstance(host, (tPort)port, "bob");
    CHECK(fs != NULL && hdfsDisconnect(fs) == 0);

    /* hdfs://host:port with port 0, as pyarrow's URIs arrive; and hdfs://host with the port apart. */
    snprintf(url, sizeof url, "hdfs://%s:%d", host, port);
    fs = hdfsConnect(url, 0);
    CHECK(fs != NULL && hdfsDisconnect(fs) == 0);
    snprintf(url, sizeof url, "hdfs://%s", host);
    fs = hdfsConnect(url, (tPort)port);
    CHECK(fs != NULL && hdfsDisconnect(fs) == 0);

    /* "default": fs.defaultFS from $HADOOP_CONF_DIR/core-site.xml. */
    fs = hdfsConnect("default", 0);
    CHECK(fs != NULL && hdfsDisconnect(fs) == 0);

    /* An HA nameservice from hdfs-site.xml whose first namenode is down: the client fails over. */
    fs = hdfsConnect("testns", 0);
    CHECK(fs != NULL);
    if (fs) {
        CHECK(hdfsExists(fs, "/") == 0);
        CHECK(hdfsDisconnect(fs) == 0);
    }
    fs = hdfsConnect("hdfs://testns", 0);
    CHECK(fs != NULL && hdfsDisconnect(fs) == 0);

    /* The builder, every setter. */
    struct hdfsBuilder *builder = hdfsNewBuilder();
    CHECK(builder != NULL);
    hdfsBuilderSetNameNode(builder, host);
    hdfsBuilderSetNameNodePort(builder, (tPort)port);
    hdfsBuilderSetUserName(builder, "carol");
    hdfsBuilderSetKerbTicketCachePath(builder, "/tmp/krb5cc_unused");
    hdfsBuilderSetForceNewInstance(builder);
    /* The builder's keys expand ${name} as Hadoop's Configuration does. */
    CHECK(hdfsBuilderConfSetStr(builder, "test.block.size", "2m") == 0);
    CHECK(hdfsBuilderConfSetStr(builder, "dfs.blocksize", "${test.block.size}") == 0);
    fs = hdfsBuilderConnect(builder);
    CHECK(fs != NULL);
    if (fs) {
        CHECK(hdfsGetDefaultBlockSize(fs) == 2 * MIB); /* the builder's key wins */
        CHECK(hdfsDisconnect(fs) == 0);
    }
    builder = hdfsNewBuilder();
    hdfsBuilderSetNameNode(builder, host);
    hdfsFreeBuilder(builder); /* never connected */
    EXPECT_ERRNO(hdfsBuilderConfSetStr(NULL, "k", "v"), -1, EINVAL);

    /* Nothing listening: refused at once (no retries), NULL with ECONNREFUSED. */
    builder = hdfsNewBuilder();
    hdfsBuilderSetNameNode(builder, host);
    hdfsBuilderSetNameNodePort(builder, (tPort)closedPort);
    hdfsBuilderConfSetStr(builder, "ipc.client.connect.max.retries", "0");
    EXPECT_ERRNO(hdfsBuilderConnect(builder), NULL, ECONNREFUSED);
    EXPECT_ERRNO(hdfsConnect("file:///tmp", 0), NULL, EINVAL);
    EXPECT_ERRNO(hdfsBuilderConnect(NULL), NULL, EINVAL);
    EXPECT_ERRNO(hdfsDisconnect(NULL), -1, EINVAL);

    /* Configuration reads. */
    char *value = NULL;
    CHECK(hdfsConfGetStr("fs.defaultFS", &value) == 0 && value != NULL && strstr(value, "hdfs://") == value);
    hdfsConfStrFree(value);
    value = (char *)1;
    CHECK(hdfsConfGetStr("no.such.key", &value) == 0 && value == NULL);
    int32_t number = 7;
    CHECK(hdfsConfGetInt("dfs.replication", &number) == 0 && number == 3);
    number = 7;
    CHECK(hdfsConfGetInt("no.such.key", &number) == 0 && number == 7);
    EXPECT_ERRNO(hdfsConfGetInt("fs.defaultFS", &number), -1, EINVAL);
    EXPECT_ERRNO(hdfsConfGetStr(NULL, &value), -1, EINVAL);
}

static void testWriteAndRead(hdfsFS fs) {
    const char *name = path("data/file");
    hdfsFile file = hdfsOpenFile(fs, name, O_WRONLY, 0, 2, BLOCK);
    CHECK(file != NULL);
    if (!file) return;
    CHECK(hdfsFileIsOpenForWrite(file) == 1 && hdfsFileIsOpenForRead(file) == 0);
    CHECK(writePattern(fs, file, 0, MIB / 2 + 3) == 0);
    CHECK(hdfsFlush(fs, file) == 0);
    CHECK(hdfsHFlush(fs, file) == 0);     /* a short packet ending inside a chunk */
    CHECK(writePattern(fs, file, MIB / 2 + 3, MIB) == 0);
    CHECK(hdfsHSync(fs, file) == 0);
    CHECK(writePattern(fs, file, 3 * MIB / 2 + 3, FILE_BYTES - (3 * MIB / 2 + 3)) == 0);
    CHECK(hdfsTell(fs, file) == FILE_BYTES);
    unsigned char byte;
    EXPECT_ERRNO(hdfsRead(fs, file, &byte, 1), -1, EBADF);
    EXPECT_ERRNO(hdfsPread(fs, file, 0, &byte, 1), -1, EBADF);
    EXPECT_ERRNO(hdfsSeek(fs, file, 0), -1, EINVAL);
    EXPECT_ERRNO(hdfsAvailable(fs, file), -1, EBADF);
    EXPECT_ERRNO(hdfsUnbufferFile(file), -1, ENOTSUP);
    EXPECT_ERRNO(hdfsWrite(fs, file, NULL, 10), -1, EINVAL);
    CHECK(hdfsCloseFile(fs, file) == 0);

    hdfsFileInfo *info = hdfsGetPathInfo(fs, name);
    CHECK(info != NULL);
    if (info) {
        char expected[512];
        snprintf(expected, sizeof expected, "hdfs://%s:%d%s", host, port, name);
        CHECK(info->mKind == kObjectKindFile);
        CHECK(strcmp(info->mName, expected) == 0);
        CHECK(info->mSize == FILE_BYTES);
        CHECK(info->mReplication == 2);
        CHECK(info->mBlockSize == BLOCK);
        CHECK(info->mLastMod > 1700000000);
        CHECK(info->mOwner[0] != 0 && info->mGroup[0] != 0);
        CHECK(info->mPermissions == 0644);
        CHECK(hdfsFileIsEncrypted(info) == 0);
        hdfsFreeFileInfo(info, 1);
    }

    /* Sequential reads in several piece sizes. */
    CHECK(readAndCheck(fs, name, 4093) == FILE_BYTES);
    CHECK(readAndCheck(fs, name, 1 << 20) == FILE_BYTES);
    CHECK(readAndCheck(fs, name, 8 << 20) == FILE_BYTES);

    file = hdfsOpenFile(fs, name, O_RDONLY, 4096, 0, 0);
    CHECK(file != NULL);
    if (!file) return;
    CHECK(hdfsFileIsOpenForRead(file) == 1 && hdfsFileIsOpenForWrite(file) == 0);
    CHECK(hdfsAvailable(fs, file) == FILE_BYTES);
    unsigned char *buffer = malloc(2 * MIB);
    CHECK(hdfsRead(fs, file, buffer, 1000) == 1000 && matchesPattern(buffer, 0, 1000));
    CHECK(hdfsTell(fs, file) == 1000);
    CHECK(hdfsAvailable(fs, file) == FILE_BYTES - 1000);
    /* Across a block boundary. */
    CHECK(hdfsSeek(fs, file, BLOCK - 100) == 0 && hdfsTell(fs, file) == BLOCK - 100);
    CHECK(hdfsRead(fs, file, buffer, 300) == 300 && matchesPattern(buffer, BLOCK - 100, 300));
    CHECK(hdfsUnbufferFile(file) == 0);
    CHECK(hdfsRead(fs, file, buffer, 300) == 300 && matchesPattern(buffer, BLOCK + 200, 300));
    /* Positional reads leave the position alone; a read across three blocks. */
    CHECK(hdfsPread(fs, file, BLOCK / 2, buffer, 2 * MIB) == 2 * MIB && matchesPattern(buffer, BLOCK / 2, 2 * MIB));
    CHECK(hdfsPread(fs, file, FILE_BYTES - 10, buffer, 100) == 10 && matchesPattern(buffer, FILE_BYTES - 10, 10));
    CHECK(hdfsPread(fs, file, FILE_BYTES, buffer, 100) == 0);
    CHECK(hdfsTell(fs, file) == BLOCK + 500);
    CHECK(hdfsRead(fs, file, buffer, 0) == 0);
    EXPECT_ERRNO(hdfsPread(fs, file, -1, buffer, 10), -1, EINVAL);
    EXPECT_ERRNO(hdfsRead(fs, file, NULL, 10), -1, EINVAL);
    EXPECT_ERRNO(hdfsSeek(fs, file, FILE_BYTES + 1), -1, EINVAL);
    CHECK(hdfsSeek(fs, file, FILE_BYTES) == 0 && hdfsRead(fs, file, buffer, 10) == 0);
    EXPECT_ERRNO(hdfsWrite(fs, file, buffer, 10), -1, EBADF);
    EXPECT_ERRNO(hdfsHFlush(fs, file), -1, EBADF);
    EXPECT_ERRNO(hdfsFlush(fs, file), -1, EBADF); /* as Apache's: flush is for output streams */
    CHECK(hdfsCloseFile(fs, file) == 0);
    free(buffer);

    /* Append: the position starts at the old length. */
    file = hdfsOpenFile(fs, name, O_WRONLY | O_APPEND, 0, 0, 0);
    CHECK(file != NULL);
    if (file) {
        CHECK(hdfsTell(fs, file) == FILE_BYTES);
        CHECK(writePattern(fs, file, FILE_BYTES, 5000) == 0);
        CHECK(hdfsTell(fs, file) == FILE_BYTES + 5000);
        CHECK(hdfsCloseFile(fs, file) == 0);
        CHECK(readAndCheck(fs, name, 65536) == FILE_BYTES + 5000);
    }

    /* Replacing with O_WRONLY; refusing with O_EXCL; the open errors. */
    const char *small = path("data/small");
    file = hdfsOpenFile(fs, small, O_WRONLY, 0, 0, 0);
    CHECK(file != NULL && writePattern(fs, file, 0, 10) == 0 && hdfsCloseFile(fs, file) == 0);
    file = hdfsOpenFile(fs, small, O_WRONLY, 0, 0, 0);
    CHECK(file != NULL && writePattern(fs, file, 0, 20) == 0 && hdfsCloseFile(fs, file) == 0);
    CHECK(readAndCheck(fs, small, 100) == 20);
    EXPECT_ERRNO(hdfsOpenFile(fs, small, O_WRONLY | O_CREAT | O_EXCL, 0, 0, 0), NULL, EEXIST);
    EXPECT_ERRNO(hdfsOpenFile(fs, small, O_RDWR, 0, 0, 0), NULL, ENOTSUP);
    EXPECT_ERRNO(hdfsOpenFile(fs, path("data/missing"), O_RDONLY, 0, 0, 0), NULL, ENOENT);
    EXPECT_ERRNO(hdfsOpenFile(fs, path("data/missing"), O_WRONLY | O_APPEND, 0, 0, 0), NULL, ENOENT);
    EXPECT_ERRNO(hdfsOpenFile(fs, path("data/small/below"), O_WRONLY, 0, 0, 0), NULL, ENOTDIR);
    EXPECT_ERRNO(hdfsOpenFile(fs, small, O_WRONLY, 0, -1, 0), NULL, EINVAL);
    EXPECT_ERRNO(hdfsOpenFile(NULL, small, O_RDONLY, 0, 0, 0), NULL, EINVAL);
    EXPECT_ERRNO(hdfsCloseFile(fs, NULL), -1, EBADF);
    EXPECT_ERRNO(hdfsRead(fs, NULL, &byte, 1), -1, EBADF);
    EXPECT_ERRNO(hdfsTell(fs, NULL), -1, EBADF);
    EXPECT_ERRNO(hdfsFlush(fs, NULL), -1, EBADF);
    CHECK(hdfsFileIsOpenForRead(NULL) == 0 && hdfsFileIsOpenForWrite(NULL) == 0);
}

static int hasEntry(hdfsFileInfo *entries, int count, const char *suffix, tObjectKind kind) {
    size_t length = strlen(suffix);
    for (int i = 0; i < count; i++) {
        size_t nameLength = strlen(entries[i].mName);
        if (nameLength >= length && strcmp(entries[i].mName + nameLength - length, suffix) == 0 && entries[i].mKind == kind) return 1;
    }
    return 0;
}

static void testNamespace(hdfsFS fs) {
    CHECK(hdfsCreateDirectory(fs, path("tree/a/b")) == 0);
    CHECK(hdfsCreateDirectory(fs, path("tree/a/b")) == 0); /* already there: fine */
    CHECK(hdfsCreateDirectory(fs, path("tree/empty")) == 0);
    CHECK(hdfsExists(fs, path("tree/a/b")) == 0);
    EXPECT_ERRNO(hdfsExists(fs, path("tree/nothing")), -1, ENOENT);
    EXPECT_ERRNO(hdfsCreateDirectory(fs, path("data/small/sub")), -1, ENOTDIR);
    EXPECT_ERRNO(hdfsCreateDirectory(fs, path("data/small")), -1, EEXIST);

    hdfsFile file = hdfsOpenFile(fs, path("tree/a/f1"), O_WRONLY, 0, 1, 0);
    CHECK(file != NULL && writePattern(fs, file, 0, 3000) == 0 && hdfsCloseFile(fs, file) == 0);

    int count = -1;
    hdfsFileInfo *entries = hdfsListDirectory(fs, path("tree/a"), &count);
    CHECK(entries != NULL && count == 2);
    if (entries) {
        CHECK(hasEntry(entries, count, "/tree/a/b", kObjectKindDirectory));
        CHECK(hasEntry(entries, count, "/tree/a/f1", kObjectKindFile));
        hdfsFreeFileInfo(entries, count);
    }
    count = -1;
    errno = 99;
    CHECK(hdfsListDirectory(fs, path("tree/empty"), &count) == NULL && errno == 0 && count == 0);
    EXPECT_ERRNO(hdfsListDirectory(fs, path("tree/nothing"), &count), NULL, ENOENT);
    EXPECT_ERRNO(hdfsGetPathInfo(fs, path("tree/nothing")), NULL, ENOENT);
    CHECK(strstr(LAST_ERROR(), "FileNotFoundException") != NULL);
    char text[256];
    CHECK(hdfsGetLastError(text, sizeof text) == 0 && strstr(text, "FileNotFoundException") != NULL);
    CHECK(hdfsGetLastExceptionStackTrace() != NULL);

    /* Replication, permissions, owner, times. */
    CHECK(hdfsSetReplication(fs, path("tree/a/f1"), 3) == 0);
    hdfsFileInfo *info = hdfsGetPathInfo(fs, path("tree/a/f1"));
    CHECK(info != NULL && info->mReplication == 3);
    if (info) hdfsFreeFileInfo(info, 1);
    EXPECT_ERRNO(hdfsSetReplication(fs, path("tree/nothing"), 2), -1, ENOENT);
    EXPECT_ERRNO(hdfsSetReplication(fs, path("tree/a"), 2), -1, EISDIR);
    EXPECT_ERRNO(hdfsSetReplication(fs, path("tree/a/f1"), 0), -1, EINVAL);

    CHECK(hdfsChmod(fs, path("tree/a/f1"), 0640) == 0);
    CHECK(hdfsChown(fs, path("tree/a/f1"), "dave", "staff") == 0);
    CHECK(hdfsChown(fs, path("tree/a/f1"), NULL, NULL) == 0);
    CHECK(hdfsUtime(fs, path("tree/a/f1"), 1000000000, -1) == 0);
    info = hdfsGetPathInfo(fs, path("tree/a/f1"));
    CHECK(info != NULL);
    if (info) {
        CHECK(info->mPermissions == 0640);
        CHECK(strcmp(info->mOwner, "dave") == 0 && strcmp(info->mGroup, "staff") == 0);
        CHECK(info->mLastMod == 1000000000);
        CHECK(info->mLastAccess != 1000000000);
        hdfsFreeFileInfo(info, 1);
    }
    EXPECT_ERRNO(hdfsChmod(fs, path("tree/nothing"), 0600), -1, ENOENT);
    EXPECT_ERRNO(hdfsChown(fs, path("tree/nothing"), "x", NULL), -1, ENOENT);
    EXPECT_ERRNO(hdfsUtime(fs, path("tree/nothing"), 1, 1), -1, ENOENT);

    /* Permission denied: another user writing into a directory only its owner may write. */
    CHECK(hdfsCreateDirectory(fs, path("private")) == 0 && hdfsChmod(fs, path("private"), 0700) == 0);
    hdfsFS mallory = hdfsConnectAsUser(host, (tPort)port, "mallory");
    CHECK(mallory != NULL);
    if (mallory) {
        EXPECT_ERRNO(hdfsOpenFile(mallory, path("private/x"), O_WRONLY, 0, 0, 0), NULL, EACCES);
        EXPECT_ERRNO(hdfsCreateDirectory(mallory, path("private/d")), -1, EACCES);
        EXPECT_ERRNO(hdfsChmod(mallory, path("private"), 0777), -1, EACCES);
        CHECK(strstr(LAST_ERROR(), "AccessControlException") != NULL);
        CHECK(hdfsDisconnect(mallory) == 0);
    }

    /* Rename. */
    CHECK(hdfsRename(fs, path("tree/a/f1"), path("tree/a/f2")) == 0);
    CHECK(hdfsExists(fs, path("tree/a/f2")) == 0);
    EXPECT_ERRNO(hdfsExists(fs, path("tree/a/f1")), -1, ENOENT);
    EXPECT_ERRNO(hdfsRename(fs, path("tree/a/f1"), path("tree/a/f3")), -1, ENOENT);
    EXPECT_ERRNO(hdfsRename(fs, path("tree/a/f2"), path("data/small")), -1, EEXIST);
    EXPECT_ERRNO(hdfsRename(fs, path("tree/a/f2"), NULL), -1, EINVAL);

    /* Copy a file, a tree, and across two connections; move. */
    CHECK(hdfsCopy(fs, path("tree/a/f2"), fs, path("tree/copy")) == 0);
    CHECK(readAndCheck(fs, path("tree/copy"), 1000) == 3000);
    CHECK(hdfsCopy(fs, path("tree/a"), fs, path("tree/acopy")) == 0);
    CHECK(hdfsExists(fs, path("tree/acopy/b")) == 0);
    CHECK(readAndCheck(fs, path("tree/acopy/f2"), 1000) == 3000);
    hdfsFS other = hdfsConnectNewInstance(host, (tPort)port);
    CHECK(other != NULL);
    if (other) {
        CHECK(hdfsCopy(fs, path("tree/a/f2"), other, path("tree/empty")) == 0); /* into the directory */
        CHECK(readAndCheck(other, path("tree/empty/f2"), 1000) == 3000);
        CHECK(hdfsMove(fs, path("tree/copy"), other, path("tree/moved")) == 0);
        CHECK(hdfsDisconnect(other) == 0);
    }
    CHECK(readAndCheck(fs, path("tree/moved"), 1000) == 3000);
    EXPECT_ERRNO(hdfsExists(fs, path("tree/copy")), -1, ENOENT);
    EXPECT_ERRNO(hdfsCopy(fs, path("tree/nothing"), fs, path("tree/x")), -1, ENOENT);
    EXPECT_ERRNO(hdfsMove(fs, path("tree/nothing"), fs, path("tree/x")), -1, ENOENT);
    EXPECT_ERRNO(hdfsCopy(fs, path("tree/a"), NULL, path("tree/x")), -1, EINVAL);
    EXPECT_ERRNO(hdfsCopy(fs, path("tree/a/f2"), fs, path("tree/a/f2")), -1, EINVAL);    /* onto itself */
    EXPECT_ERRNO(hdfsCopy(fs, path("tree/a"), fs, path("tree/a/b")), -1, EINVAL);        /* into itself */
    CHECK(readAndCheck(fs, path("tree/a/f2"), 1000) == 3000);

    /* Truncate: at a block boundary it is done at once. */
    CHECK(hdfsTruncateFile(fs, path("data/file"), BLOCK) == 1);
    info = hdfsGetPathInfo(fs, path("data/file"));
    CHECK(info != NULL && info->mSize == BLOCK);
    if (info) hdfsFreeFileInfo(info, 1);
    CHECK(readAndCheck(fs, path("data/file"), 65536) == BLOCK);
    EXPECT_ERRNO(hdfsTruncateFile(fs, path("data/file"), -1), -1, EINVAL);
    EXPECT_ERRNO(hdfsTruncateFile(fs, path("tree/nothing"), 0), -1, ENOENT);

    /* Hosts of each block. */
    file = hdfsOpenFile(fs, path("data/hosts"), O_WRONLY, 0, 3, BLOCK);
    CHECK(file != NULL && writePattern(fs, file, 0, 2 * BLOCK + 10) == 0 && hdfsCloseFile(fs, file) == 0);
    char ***hosts = hdfsGetHosts(fs, path("data/hosts"), 0, 2 * BLOCK + 10);
    CHECK(hosts != NULL);
    if (hosts) {
        int blocks = 0;
        for (; hosts[blocks]; blocks++) {
            int replicas = 0;
            for (; hosts[blocks][replicas]; replicas++) CHECK(strcmp(hosts[blocks][replicas], "127.0.0.1") == 0);
            CHECK(replicas == 3);
        }
        CHECK(blocks == 3);
        hdfsFreeHosts(hosts);
    }
    hosts = hdfsGetHosts(fs, path("data/hosts"), BLOCK + 5, 10);
    CHECK(hosts != NULL && hosts[0] != NULL && hosts[1] == NULL);
    if (hosts) hdfsFreeHosts(hosts);
    EXPECT_ERRNO(hdfsGetHosts(fs, path("tree/nothing"), 0, 1), NULL, ENOENT);
    EXPECT_ERRNO(hdfsGetHosts(fs, path("data/hosts"), -1, 1), NULL, EINVAL);

    /* Working directory: relative paths follow it. */
    char wd[512];
    CHECK(hdfsGetWorkingDirectory(fs, wd, sizeof wd) == wd && strncmp(wd, "hdfs://", 7) == 0 && strstr(wd, "/user/") != NULL);
    EXPECT_ERRNO(hdfsGetWorkingDirectory(fs, wd, 5), NULL, ERANGE);
    CHECK(hdfsSetWorkingDirectory(fs, path("tree")) == 0);
    CHECK(hdfsGetWorkingDirectory(fs, wd, sizeof wd) != NULL && strstr(wd, path("tree")) != NULL);
    CHECK(hdfsExists(fs, "a/f2") == 0);
    CHECK(hdfsCreateDirectory(fs, "relative/dir") == 0 && hdfsExists(fs, path("tree/relative/dir")) == 0);
    EXPECT_ERRNO(hdfsSetWorkingDirectory(fs, "a:b"), -1, EINVAL);
    CHECK(hdfsSetWorkingDirectory(fs, "/") == 0);

    /* Delete. */
    EXPECT_ERRNO(hdfsDelete(fs, path("tree/a"), 0), -1, ENOTEMPTY);
    CHECK(hdfsDelete(fs, path("tree/a"), 1) == 0);
    CHECK(hdfsDelete(fs, path("tree/moved"), 0) == 0);
    EXPECT_ERRNO(hdfsDelete(fs, path("tree/a"), 1), -1, ENOENT);
    EXPECT_ERRNO(hdfsDelete(fs, NULL, 1), -1, EINVAL);
    EXPECT_ERRNO(hdfsExists(NULL, "/"), -1, EINVAL);
}

static void testCluster(hdfsFS fs) {
    CHECK(hdfsGetDefaultBlockSize(fs) == 128 * MIB);
    CHECK(hdfsGetDefaultBlockSizeAtPath(fs, path("data")) == 128 * MIB);
    EXPECT_ERRNO(hdfsGetDefaultBlockSizeAtPath(fs, "a:b"), -1, EINVAL);
    tOffset capacity = hdfsGetCapacity(fs);
    tOffset used = hdfsGetUsed(fs);
    CHECK(capacity > 0);
    CHECK(used > 0 && used <= capacity);
    EXPECT_ERRNO(hdfsGetCapacity(NULL), -1, EINVAL);
    EXPECT_ERRNO(hdfsGetUsed(NULL), -1, EINVAL);
    EXPECT_ERRNO(hdfsGetDefaultBlockSize(NULL), -1, EINVAL);
}

/* Threads: one connection shared by eight threads, each with its own files, and each error
 * seen only by the thread that made it. */
struct worker { hdfsFS fs; int index; int failed; };

static void *work(void *argument) {
    struct worker *worker = argument;
    char name[64], missing[320];
    snprintf(name, sizeof name, "threads/t%d", worker->index);
    snprintf(missing, sizeof missing, "%s/threads/none%d", base, worker->index);
    char full[512];
    snprintf(full, sizeof full, "%s/%s", base, name);
    for (int round = 0; round < 3; round++) {
        hdfsFile file = hdfsOpenFile(worker->fs, full, O_WRONLY, 0, 1, 0);
        if (!file || writePattern(worker->fs, file, 0, 70000 + worker->index) != 0 || hdfsCloseFile(worker->fs, file) != 0) worker->failed++;
        if (readAndCheck(worker->fs, full, 8192) != 70000 + worker->index) worker->failed++;
        errno = 0;
        if (hdfsGetPathInfo(worker->fs, missing) != NULL || errno != ENOENT) worker->failed++;
        if (!strstr(LAST_ERROR(), missing)) worker->failed++;
    }
    return NULL;
}

static void testThreads(hdfsFS shared) {
    CHECK(hdfsCreateDirectory(shared, path("threads")) == 0);
    pthread_t threads[8];
    struct worker workers[8];
    hdfsFS own[8] = {0};
    for (int i = 0; i < 8; i++) {
        /* Half share one connection, half have their own. */
        own[i] = i % 2 ? hdfsConnectNewInstance(host, (tPort)port) : NULL;
        workers[i] = (struct worker){own[i] ? own[i] : shared, i, 0};
        pthread_create(&threads[i], NULL, work, &workers[i]);
    }
    for (int i = 0; i < 8; i++) {
        pthread_join(threads[i], NULL);
        CHECK(workers[i].failed == 0);
        if (own[i]) CHECK(hdfsDisconnect(own[i]) == 0);
    }
}

/* Opens `name` through `fs` and returns how many bytes a reader may read now (-1 on error). */
static long long readableNow(hdfsFS fs, const char *name) {
    hdfsFile file = hdfsOpenFile(fs, name, O_RDONLY, 0, 0, 0);
    if (!file) return -1;
    long long available = hdfsAvailable(fs, file);
    hdfsCloseFile(fs, file);
    return available;
}

/* A file still being written, read through a second connection (another client) before the
 * writer closes it: what hdfsHFlush/hdfsHSync sent is readable, across a block boundary too;
 * what hdfsFlush leaves buffered is not. Apache's hdfsFlush is FSDataOutputStream.flush,
 * which only moves whole chunks into the packet being filled and sends nothing. */
static void testReadWhileWriting(hdfsFS fs) {
    const char *name = path("data/growing");
    hdfsFile writer = hdfsOpenFile(fs, name, O_WRONLY, 0, 3, BLOCK);
    hdfsFS other = hdfsConnectNewInstance(host, (tPort)port);
    CHECK(writer != NULL && other != NULL);
    if (!writer || !other) return;
    CHECK(writePattern(fs, writer, 0, 1000) == 0);
    CHECK(hdfsFlush(fs, writer) == 0);
    CHECK(readableNow(other, name) == 0);
    CHECK(hdfsHFlush(fs, writer) == 0);
    CHECK(readableNow(other, name) == 1000);
    CHECK(readAndCheck(other, name, 4096) == 1000);

    /* Past the first block, synced: the complete block and the flushed part of the next. */
    CHECK(writePattern(fs, writer, 1000, BLOCK + 70000) == 0);
    CHECK(hdfsHSync(fs, writer) == 0);
    long long flushed = 1000 + BLOCK + 70000;
    CHECK(readAndCheck(other, name, 65536) == flushed);
    hdfsFile reader = hdfsOpenFile(other, name, O_RDONLY, 0, 0, 0);
    CHECK(reader != NULL);
    if (reader) {
        unsigned char *buffer = malloc(200);
        CHECK(hdfsPread(other, reader, BLOCK - 100, buffer, 200) == 200 && matchesPattern(buffer, BLOCK - 100, 200));
        CHECK(hdfsPread(other, reader, flushed - 10, buffer, 200) == 10 && matchesPattern(buffer, flushed - 10, 10));
        /* The reader keeps the length it opened with while the writer goes on. */
        CHECK(writePattern(fs, writer, flushed, 5000) == 0 && hdfsHFlush(fs, writer) == 0);
        CHECK(hdfsAvailable(other, reader) == flushed);
        CHECK(hdfsCloseFile(other, reader) == 0);
        free(buffer);
    }
    CHECK(readableNow(other, name) == flushed + 5000);
    CHECK(hdfsCloseFile(fs, writer) == 0);
    CHECK(readAndCheck(other, name, 1 << 20) == flushed + 5000);
    CHECK(hdfsDisconnect(other) == 0);
}

/* pyarrow's order: the connection is disconnected before its files are closed. */
static void testCloseAfterDisconnect(void) {
    hdfsFS fs = hdfsConnect(host, (tPort)port);
    CHECK(fs != NULL);
    if (!fs) return;
    hdfsFile writing = hdfsOpenFile(fs, path("late"), O_WRONLY, 0, 0, 0);
    CHECK(writing != NULL && writePattern(fs, writing, 0, 1000) == 0);
    hdfsFile reading = hdfsOpenFile(fs, path("data/small"), O_RDONLY, 0, 0, 0);
    CHECK(reading != NULL);
    CHECK(hdfsDisconnect(fs) == 0);
    unsigned char buffer[20];
    if (reading) {
        CHECK(hdfsRead(NULL, reading, buffer, 20) == 20 && matchesPattern(buffer, 0, 20));
        CHECK(hdfsCloseFile(NULL, reading) == 0);
    }
    if (writing) CHECK(hdfsCloseFile(NULL, writing) == 0);
    fs = hdfsConnect(host, (tPort)port);
    CHECK(fs != NULL && readAndCheck(fs, path("late"), 100) == 1000);
    if (fs) hdfsDisconnect(fs);
}

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: %s <namenode host> <namenode port> <closed port>\n", argv[0]);
        return 2;
    }
    host = argv[1];
    port = atoi(argv[2]);
    closedPort = atoi(argv[3]);
    snprintf(base, sizeof base, "/libhdfs-test-%d", (int)getpid());

    testConnect();
    hdfsFS fs = hdfsConnect(host, (tPort)port);
    CHECK(fs != NULL);
    if (!fs) return 1;
    CHECK(hdfsCreateDirectory(fs, base) == 0);
    testWriteAndRead(fs);
    testReadWhileWriting(fs);
    testNamespace(fs);
    testCluster(fs);
    testThreads(fs);
    testCloseAfterDisconnect();
    CHECK(hdfsDelete(fs, base, 1) == 0);
    CHECK(hdfsDisconnect(fs) == 0);

    printf("%d checks, %d failed\n", checks, failures);
    return failures ? 1 : 0;
}
