#define _GNU_SOURCE
#include "cdomainsocket.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

enum { FDS_MAX = 4 };

int rfs_send_fds(int socket, const int *fds, int count, unsigned char byte) {
    if (count < 0 || count > FDS_MAX) { errno = EINVAL; return -1; }
    union {
        struct cmsghdr header;
        char space[CMSG_SPACE(sizeof(int) * FDS_MAX)];
    } control;
    memset(&control, 0, sizeof(control));
    struct iovec vector = { .iov_base = &byte, .iov_len = 1 };
    struct msghdr message = { 0 };
    message.msg_iov = &vector;
    message.msg_iovlen = 1;
    if (count > 0) {
        message.msg_control = control.space;
        message.msg_controllen = CMSG_SPACE(sizeof(int) * count);
        struct cmsghdr *header = CMSG_FIRSTHDR(&message);
        header->cmsg_level = SOL_SOCKET;
        header->cmsg_type = SCM_RIGHTS;
        header->cmsg_len = CMSG_LEN(sizeof(int) * count);
        memcpy(CMSG_DATA(header), fds, sizeof(int) * count);
    }
    for (;;) {
        ssize_t sent = sendmsg(socket, &message, MSG_NOSIGNAL);
        if (sent == 1) return 1;
        if (sent < 0 && errno == EINTR) continue;
        if (sent >= 0) errno = EIO;
        return -1;
    }
}

int rfs_recv_fds(int socket, int *fds, int max, unsigned char *byte, int *received_byte) {
    if (max < 0 || max > FDS_MAX) { errno = EINVAL; return -1; }
    union {
        struct cmsghdr header;
        char space[CMSG_SPACE(sizeof(int) * FDS_MAX)];
    } control;
    memset(&control, 0, sizeof(control));
    struct iovec vector = { .iov_base = byte, .iov_len = 1 };
    struct msghdr message = { 0 };
    message.msg_iov = &vector;
    message.msg_iovlen = 1;
    message.msg_control = control.space;
    message.msg_controllen = sizeof(control.space);
    ssize_t received;
    do {
        received = recvmsg(socket, &message, MSG_CMSG_CLOEXEC);
    } while (received < 0 && errno == EINTR);
    if (received < 0) return -1;
    *received_byte = received == 1;
    int count = 0;
    int overflow = (message.msg_flags & MSG_CTRUNC) != 0;
    for (struct cmsghdr *header = CMSG_FIRSTHDR(&message); header != NULL; header = CMSG_NXTHDR(&message, header)) {
        if (header->cmsg_level != SOL_SOCKET || header->cmsg_type != SCM_RIGHTS) continue;
        int carried = (int)((header->cmsg_len - CMSG_LEN(0)) / sizeof(int));
        int *incoming = (int *)CMSG_DATA(header);
        for (int i = 0; i < carried; i++) {
            if (count < max) {
                fds[count++] = incoming[i];
            } else {
                close(incoming[i]);
                overflow = 1;
            }
        }
    }
    if (overflow) {
        for (int i = 0; i < count; i++) close(fds[i]);
        errno = EBADMSG;
        return -1;
    }
    return count;
}

static int fill_address(const char *path, struct sockaddr_un *address) {
    memset(address, 0, sizeof(*address));
    address->sun_family = AF_UNIX;
    size_t length = strlen(path);
    if (length == 0 || length >= sizeof(address->sun_path)) { errno = ENAMETOOLONG; return -1; }
    memcpy(address->sun_path, path, length);
    return 0;
}

int rfs_listen_unix(const char *path, int backlog) {
    struct sockaddr_un address;
    if (fill_address(path, &address) != 0) return -1;
    int descriptor = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (descriptor < 0) return -1;
    // A socket file left by a datanode that died is in the way; anything else is not ours.
    struct stat existing;
    if (lstat(path, &existing) == 0) {
        if (!S_ISSOCK(existing.st_mode)) { close(descriptor); errno = EEXIST; return -1; }
        unlink(path);
    }
    if (bind(descriptor, (struct sockaddr *)&address, sizeof(address)) != 0
        || chmod(path, 0666) != 0 || listen(descriptor, backlog) != 0) {
        int saved = errno;
        close(descriptor);
        errno = saved;
        return -1;
    }
    return descriptor;
}

int rfs_connect_unix(const char *path) {
    struct sockaddr_un address;
    if (fill_address(path, &address) != 0) return -1;
    int descriptor = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (descriptor < 0) return -1;
    int result;
    do {
        result = connect(descriptor, (struct sockaddr *)&address, sizeof(address));
    } while (result != 0 && errno == EINTR);
    if (result != 0) {
        int saved = errno;
        close(descriptor);
        errno = saved;
        return -1;
    }
    return descriptor;
}

int rfs_accept_unix(int listener, int timeout_ms) {
    struct pollfd waiting = { .fd = listener, .events = POLLIN };
    int ready = poll(&waiting, 1, timeout_ms);
    if (ready < 0) return -1;
    if (ready == 0) { errno = EAGAIN; return -1; }
    int descriptor = accept4(listener, NULL, NULL, SOCK_CLOEXEC);
    if (descriptor < 0 && (errno == EINTR || errno == ECONNABORTED)) errno = EAGAIN;
    return descriptor;
}
