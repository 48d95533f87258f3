/*
 * The C half of `make bench-libhdfs`: a sequential write then read through libhdfs.so,
 * chunk by chunk, as a C program or pyarrow does it.
 *
 *   hdfs_bench <host> <port> <path> <size-mib> <chunk-kib>
 * prints: c <write MB/s> <read MB/s>
 */
#include "hdfs.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
    if (argc != 6) {
        fprintf(stderr, "usage: %s <host> <port> <path> <size-mib> <chunk-kib>\n", argv[0]);
        return 2;
    }
    const char *path = argv[3];
    long long size = atoll(argv[4]) << 20;
    int chunk = atoi(argv[5]) << 10;
    hdfsFS fs = hdfsConnect(argv[1], (tPort)atoi(argv[2]));
    if (!fs) { perror("hdfsConnect"); return 1; }
    unsigned char *buffer = malloc(chunk);
    for (int i = 0; i < chunk; i++) buffer[i] = (unsigned char)((i * 2654435761u) >> 13);

    double start = now();
    hdfsFile file = hdfsOpenFile(fs, path, O_WRONLY, 0, 0, 0);
    if (!file) { perror("hdfsOpenFile for writing"); return 1; }
    for (long long written = 0; written < size;) {
        tSize count = size - written < chunk ? (tSize)(size - written) : chunk;
        if (hdfsWrite(fs, file, buffer, count) != count) { perror("hdfsWrite"); return 1; }
        written += count;
    }
    if (hdfsCloseFile(fs, file) != 0) { perror("hdfsCloseFile"); return 1; }
    double writeSeconds = now() - start;

    start = now();
    file = hdfsOpenFile(fs, path, O_RDONLY, 0, 0, 0);
    if (!file) { perror("hdfsOpenFile for reading"); return 1; }
    long long read = 0;
    tSize got;
    while ((got = hdfsRead(fs, file, buffer, chunk)) > 0) read += got;
    if (got < 0) { perror("hdfsRead"); return 1; }
    hdfsCloseFile(fs, file);
    double readSeconds = now() - start;
    if (read != size) { fprintf(stderr, "read %lld bytes of %lld\n", read, size); return 1; }

    hdfsDisconnect(fs);
    free(buffer);
    printf("c %.1f %.1f\n", size / 1e6 / writeSeconds, size / 1e6 / readSeconds);
    return 0;
}
