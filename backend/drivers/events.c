/*
 * events.c: netlink event sockets and pidfds for `vnet watch` (events.h).
 */
#include "config.h"

#include "events.h"

#include <errno.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

static int nl_socket(int proto, const unsigned *groups, size_t n, struct vn_error *err)
{
        struct sockaddr_nl sa = {.nl_family = AF_NETLINK};
        int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, proto);
        int r, sz = 1 << 20;

        if (fd < 0)
                return vn_err(err, -errno, "netlink socket: %s", strerror(errno));
        /* a burst (a whole ruleset replaced) must not be lost, but losing it is survivable:
         * the overrun itself is reported as a change */
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
        if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
                goto fail;
        for (size_t i = 0; i < n; i++)
                if (setsockopt(fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &groups[i],
                               sizeof(groups[i])) < 0)
                        goto fail;
        return fd;
fail:
        r = -errno;
        close(fd);
        return vn_err(err, r, "netlink subscription: %s", strerror(-r));
}

int vn_events_open(int *nft, int *rt, struct vn_error *err)
{
        static const unsigned nft_groups[] = {NFNLGRP_NFTABLES};
        static const unsigned rt_groups[] = {RTNLGRP_LINK, RTNLGRP_IPV4_IFADDR,
                                             RTNLGRP_IPV6_IFADDR};
        int a, b;

        a = nl_socket(NETLINK_NETFILTER, nft_groups, VN_ARRAY_SIZE(nft_groups), err);
        if (a < 0)
                return a;
        b = nl_socket(NETLINK_ROUTE, rt_groups, VN_ARRAY_SIZE(rt_groups), err);
        if (b < 0) {
                close(a);
                return b;
        }
        *nft = a;
        *rt = b;
        return 0;
}

int vn_events_drain(int fd)
{
        char buf[16384];
        int count = 0;

        for (;;) {
                ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);

                if (n > 0) {
                        for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)n);
                             h = NLMSG_NEXT(h, n))
                                count++;
                        continue;
                }
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0 && errno == ENOBUFS) {
                        count++;
                        continue;
                }
                return count;
        }
}

int vn_pidfd_open(pid_t pid)
{
#ifdef SYS_pidfd_open
        int fd = (int)syscall(SYS_pidfd_open, pid, 0);

        /* pidfds are close-on-exec from the start */
        return fd < 0 ? -errno : fd;
#else
        (void)pid;
        return -ENOSYS;
#endif
}
