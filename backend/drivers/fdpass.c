/*
 * fdpass.c: SCM_RIGHTS over unix sockets, and the peer's credentials.
 */
#include "config.h"

#include "fdpass.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int vn_fd_send(int sock, const void *data, size_t len, const int *fds, size_t nfds)
{
        union {
                char buf[CMSG_SPACE(sizeof(int) * VN_FDPASS_MAX)];
                struct cmsghdr align;
        } ctl;
        struct iovec iov = {.iov_base = (void *)data, .iov_len = len};
        struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
        const char *p = data;
        size_t off = 0;

        if (len == 0 || nfds > VN_FDPASS_MAX)
                return -EINVAL;
        if (nfds > 0) {
                struct cmsghdr *c;

                memset(&ctl, 0, sizeof(ctl));
                msg.msg_control = ctl.buf;
                msg.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
                c = CMSG_FIRSTHDR(&msg);
                c->cmsg_level = SOL_SOCKET;
                c->cmsg_type = SCM_RIGHTS;
                c->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
                memcpy(CMSG_DATA(c), fds, sizeof(int) * nfds);
        }
        while (off < len) {
                ssize_t n;

                iov.iov_base = (void *)(p + off);
                iov.iov_len = len - off;
                n = sendmsg(sock, &msg, MSG_NOSIGNAL);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                off += (size_t)n;
                msg.msg_control = NULL; /* the fds went with the first part */
                msg.msg_controllen = 0;
        }
        return 0;
}

ssize_t vn_fd_recv(int sock, void *data, size_t len, int *fds, size_t max_fds, size_t *nfds)
{
        union {
                char buf[CMSG_SPACE(sizeof(int) * VN_FDPASS_MAX)];
                struct cmsghdr align;
        } ctl;
        struct iovec iov = {.iov_base = data, .iov_len = len};
        struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
        ssize_t n;

        *nfds = 0;
        if (max_fds > VN_FDPASS_MAX)
                max_fds = VN_FDPASS_MAX;
        msg.msg_control = ctl.buf;
        msg.msg_controllen = sizeof(ctl.buf);
        do
                n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
        while (n < 0 && errno == EINTR);
        if (n < 0)
                return -errno;
        for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
                size_t k;

                if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
                        continue;
                k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
                for (size_t i = 0; i < k; i++) {
                        int fd;

                        memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
                        if (*nfds < max_fds)
                                fds[(*nfds)++] = fd;
                        else
                                close(fd); /* more than asked for: do not leak them */
                }
        }
        return n;
}

pid_t vn_fd_peer_pid(int sock)
{
        struct ucred cred;
        socklen_t len = sizeof(cred);

        if (getsockopt(sock, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
                return -errno;
        return cred.pid > 0 ? cred.pid : -ESRCH;
}
