/*
 * link-tap.c: tun/tap devices for guest NICs — one /dev/net/tun open per
 * queue, vnet headers when the kernel offers them, optional persistence.
 *
 * Queue fds are inheritable by default because they are meant for QEMU; the
 * caller asks for VN_TAP_CLOEXEC when it only passes them over a socket.
 */
#include "config.h"

#include "link.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#include <net/if.h>
#include <linux/if_tun.h>

#define TUN_PATH "/dev/net/tun"

static int tun_open(bool cloexec)
{
        int fd = open(TUN_PATH, O_RDWR | O_NOCTTY | (cloexec ? O_CLOEXEC : 0));

        return fd < 0 ? -errno : fd;
}

int vn_tap_features(unsigned *iff_features)
{
        _cleanup_close_ int fd = -1;
        unsigned f = 0;

        fd = tun_open(true);
        if (fd < 0)
                return fd;
        if (ioctl(fd, TUNGETFEATURES, &f) < 0)
                return -errno;
        *iff_features = f;
        return 0;
}

static void close_all(int *fds, unsigned n)
{
        for (unsigned i = 0; i < n; i++)
                if (fds[i] >= 0)
                        close(fds[i]);
}

/**
 * vn_tap_open: create (or attach to) tap `name` with `queues` queues.
 *
 * On failure every queue fd is closed and, when this call made the device
 * persistent, persistence is dropped again so the device goes away.
 */
int vn_tap_open(const char *name, unsigned queues, unsigned flags, int *fds, char ifname_out[16],
                struct vn_error *err)
{
        int qfd[256];
        unsigned features = 0, opened = 0;
        struct ifreq ifr;
        bool existed, made_persistent = false;
        char ifname[IFNAMSIZ];
        short iff;
        int r;

        if (!name || !name[0] || strlen(name) >= IFNAMSIZ)
                return vn_err(err, -EINVAL, "tap '%s': invalid name", name ? name : "");
        if (queues < 1 || queues > VN_ARRAY_SIZE(qfd))
                return vn_err(err, -EINVAL, "tap '%s': invalid number of queues %u", name, queues);
        existed = !strchr(name, '%') && if_nametoindex(name) > 0;
        r = vn_tap_features(&features);
        if (r < 0)
                return vn_err(err, r, "tap '%s': %s: %s", name, TUN_PATH, strerror(-r));
        if (queues > 1 && !(features & IFF_MULTI_QUEUE))
                return vn_err(err, -EOPNOTSUPP, "tap '%s': kernel lacks multiqueue taps", name);

        iff = IFF_TAP | IFF_NO_PI;
        if ((flags & VN_TAP_VNET_HDR) && (features & IFF_VNET_HDR))
                iff |= IFF_VNET_HDR;
        if (queues > 1)
                iff |= IFF_MULTI_QUEUE;
        snprintf(ifname, sizeof(ifname), "%s", name);

        for (; opened < queues; opened++) {
                int fd = tun_open(flags & VN_TAP_CLOEXEC);

                if (fd < 0) {
                        r = vn_err(err, fd, "tap '%s': %s: %s", ifname, TUN_PATH, strerror(-fd));
                        goto fail;
                }
                qfd[opened] = fd;
                memset(&ifr, 0, sizeof(ifr));
                ifr.ifr_flags = iff;
                /* the first open may turn a "%d" pattern into the real name */
                memcpy(ifr.ifr_name, ifname, sizeof(ifr.ifr_name));
                if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
                        r = -errno;
                        vn_err(err, r, "tap '%s': %s", ifname, strerror(-r));
                        opened++;
                        goto fail;
                }
                if (opened == 0) {
                        memcpy(ifname, ifr.ifr_name, sizeof(ifname));
                        ifname[IFNAMSIZ - 1] = '\0';
                        existed = existed && strcmp(ifname, name) == 0;
                }
                if (opened == 0 && (flags & VN_TAP_PERSIST)) {
                        if (ioctl(fd, TUNSETPERSIST, 1) < 0) {
                                r = -errno;
                                vn_err(err, r, "tap '%s': persist: %s", ifname, strerror(-r));
                                opened++;
                                goto fail;
                        }
                        made_persistent = !existed;
                }
        }
        memcpy(fds, qfd, queues * sizeof(*fds));
        memcpy(ifname_out, ifname, IFNAMSIZ);
        return 0;

fail:
        if (made_persistent && opened > 0)
                (void)ioctl(qfd[0], TUNSETPERSIST, 0);
        close_all(qfd, opened);
        return r;
}

/**
 * vn_tap_delete: drop persistence of tap `name`, which removes it once no
 * queue fd remains open. -ENODEV when there is no such link.
 */
int vn_tap_delete(const char *name, struct vn_error *err)
{
        static const short tries[] = {IFF_TAP | IFF_NO_PI, IFF_TAP | IFF_NO_PI | IFF_MULTI_QUEUE};
        struct ifreq ifr;
        int r = -EINVAL;

        if (!name || !name[0] || strlen(name) >= IFNAMSIZ || strchr(name, '%'))
                return vn_err(err, -EINVAL, "tap '%s': invalid name", name ? name : "");
        /* TUNSETIFF would create a missing device: look first. */
        if (if_nametoindex(name) == 0)
                return vn_err(err, -ENODEV, "tap '%s': %s", name, strerror(ENODEV));
        for (size_t i = 0; i < VN_ARRAY_SIZE(tries) && r == -EINVAL; i++) {
                _cleanup_close_ int fd = tun_open(true);

                if (fd < 0)
                        return vn_err(err, fd, "tap '%s': %s: %s", name, TUN_PATH, strerror(-fd));
                memset(&ifr, 0, sizeof(ifr));
                ifr.ifr_flags = tries[i];
                memcpy(ifr.ifr_name, name, strlen(name));
                if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
                        r = -errno;
                        continue;
                }
                r = ioctl(fd, TUNSETPERSIST, 0) < 0 ? -errno : 0;
        }
        if (r < 0)
                return vn_err(err, r, "tap '%s': %s", name, strerror(-r));
        return 0;
}
