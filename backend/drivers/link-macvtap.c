/*
 * link-macvtap.c: macvtap links on a lower device and their /dev/tapN
 * queue fds.
 *
 * The character device appears through devtmpfs or udev. Without either
 * (containers, minimal hosts) sysfs still names its major:minor, and we then
 * make a node of our own in a private directory, open it and remove it
 * again: nothing is left in /dev that could outlive the link and later point
 * at another device.
 */
#include "config.h"

#include "link.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>

#include <net/if.h>
#include <linux/if_link.h>
#include <linux/if_tun.h>
#include <netlink/msg.h>
#include <netlink/route/link.h>
#include <netlink/route/link/macvlan.h>
#include <netlink/route/link/macvtap.h>

#include "nl-auto.h"


static const uint32_t mode_map[] = {
    [VN_MACVTAP_VEPA] = MACVLAN_MODE_VEPA,
    [VN_MACVTAP_BRIDGE] = MACVLAN_MODE_BRIDGE,
    [VN_MACVTAP_PRIVATE] = MACVLAN_MODE_PRIVATE,
    [VN_MACVTAP_PASSTHRU] = MACVLAN_MODE_PASSTHRU,
};

static int macvtap_try(struct vn_nl *nl, const char *name, int lower_idx, uint32_t mode,
                       const uint8_t *mac, struct vn_error *err)
{
        _cleanup_(linkp) struct rtnl_link *l = NULL;
        _cleanup_(msgp) struct nl_msg *msg = NULL;
        _cleanup_(addrp) struct nl_addr *a = NULL;
        int r;

        l = rtnl_link_macvtap_alloc();
        if (!l)
                return vn_err(err, -ENOMEM, "macvtap '%s': %s", name, strerror(ENOMEM));
        rtnl_link_set_name(l, name);
        rtnl_link_set_link(l, lower_idx);
        r = rtnl_link_macvtap_set_mode(l, mode);
        if (r < 0)
                return vn_err(err, vn_nl_errno(r), "macvtap '%s': %s", name, nl_geterror(r));
        if (mac) {
                a = nl_addr_build(AF_LLC, mac, 6);
                if (!a)
                        return vn_err(err, -ENOMEM, "macvtap '%s': %s", name, strerror(ENOMEM));
                rtnl_link_set_addr(l, a);
        }
        r = rtnl_link_build_add_request(l, NLM_F_CREATE | NLM_F_EXCL, &msg);
        if (r < 0)
                return vn_err(err, vn_nl_errno(r), "macvtap '%s': %s", name, nl_geterror(r));
        return vn_nl_talk(nl, msg, err, "macvtap '%s'", name);
}

/**
 * vn_macvtap_create: create a macvtap on `lower`. A "%d" pattern takes the
 * first free name, moving on when another creator wins the race (EEXIST).
 */
int vn_macvtap_create(struct vn_nl *nl, const char *name, const char *lower,
                      enum vn_macvtap_mode mode, const uint8_t *mac, char ifname_out[16],
                      struct vn_error *err)
{
        char cand[16];
        int lower_idx, r;

        if (!name || !name[0] || strlen(name) > 15)
                return vn_err(err, -EINVAL, "macvtap '%s': invalid name", name ? name : "");
        if ((unsigned)mode >= VN_ARRAY_SIZE(mode_map))
                return vn_err(err, -EINVAL, "macvtap '%s': invalid mode %d", name, (int)mode);
        lower_idx = vn_link_index(nl, lower);
        if (lower_idx < 0)
                return vn_err(err, lower_idx, "macvtap '%s': lower device '%s': %s", name,
                              lower ? lower : "", strerror(-lower_idx));
        if (!strchr(name, '%')) {
                r = macvtap_try(nl, name, lower_idx, mode_map[mode], mac, err);
                if (r == 0)
                        memcpy(ifname_out, name, strlen(name) + 1);
                return r;
        }
        for (int attempt = 0; attempt < 16; attempt++) {
                struct vn_error e = {0};

                r = vn_link_free_name(nl, name, cand, err);
                if (r < 0)
                        return r;
                r = macvtap_try(nl, cand, lower_idx, mode_map[mode], mac, &e);
                if (r == 0) {
                        memcpy(ifname_out, cand, sizeof(cand));
                        return 0;
                }
                if (r != -EEXIST)
                        return vn_err(err, r, "%s", e.msg);
        }
        return vn_err(err, -EEXIST, "macvtap '%s': no free name", name);
}

static void sleep_ms(unsigned ms)
{
        struct timespec ts = {.tv_sec = 0, .tv_nsec = (long)ms * 1000000L};

        nanosleep(&ts, NULL);
}

/* major:minor of the macvtap char device from sysfs, or -errno. */
static int sysfs_devnum(const char *name, int ifindex, dev_t *out)
{
        char path[128];
        _cleanup_free_ char *s = NULL;
        unsigned maj, min;
        int r;

        snprintf(path, sizeof(path), "/sys/class/net/%s/macvtap/tap%d/dev", name, ifindex);
        r = vn_read_file(path, 4096, &s, NULL);
        if (r < 0)
                return r;
        if (sscanf(s, "%u:%u", &maj, &min) != 2)
                return -EINVAL;
        *out = makedev(maj, min);
        return 0;
}

/* Open a private node for devnum, then remove node and directory. */
static int open_private_node(dev_t devnum, int oflags)
{
        static const char *const bases[] = {"/run", "/tmp"};
        char dir[64], node[80];
        int fd = -ENOENT;

        for (size_t i = 0; i < VN_ARRAY_SIZE(bases); i++) {
                snprintf(dir, sizeof(dir), "%s/vnet-tapdev.XXXXXX", bases[i]);
                if (!mkdtemp(dir)) {
                        fd = -errno;
                        continue;
                }
                snprintf(node, sizeof(node), "%s/tap", dir);
                if (mknod(node, S_IFCHR | 0600, devnum) < 0) {
                        fd = -errno;
                } else {
                        fd = open(node, oflags);
                        if (fd < 0)
                                fd = -errno;
                        unlink(node);
                }
                rmdir(dir);
                if (fd >= 0 || fd == -ENXIO || fd == -ENODEV)
                        break;
        }
        return fd;
}

/* One queue fd for the macvtap: /dev/tapN, waiting up to ~1 s for it to appear. */
static int open_queue(const char *name, int ifindex, int oflags)
{
        char path[32];
        uint64_t start = vn_now_ns();
        dev_t devnum = 0;
        bool have_devnum = false;

        snprintf(path, sizeof(path), "/dev/tap%d", ifindex);
        for (;;) {
                uint64_t waited_ms = (vn_now_ns() - start) / 1000000;
                int fd, e;

                if (!have_devnum)
                        have_devnum = sysfs_devnum(name, ifindex, &devnum) == 0;
                fd = open(path, oflags);
                if (fd >= 0) {
                        struct stat st;

                        /* a node left behind by an earlier device with the same index? */
                        if (!have_devnum || (fstat(fd, &st) == 0 && st.st_rdev == devnum))
                                return fd;
                        close(fd);
                        return open_private_node(devnum, oflags);
                }
                e = errno;
                if (e != ENOENT && e != ENXIO && e != ENODEV)
                        return -e;
                /* sysfs knows the device but /dev has no node (no devtmpfs, or udev not done
                 * yet): a private node for the same major:minor is as good, and immediate */
                if (have_devnum)
                        return open_private_node(devnum, oflags);
                if (waited_ms >= 1000)
                        return -e;
                sleep_ms(2);
        }
}

int vn_macvtap_open(struct vn_nl *nl, const char *name, unsigned queues, unsigned flags, int *fds,
                    struct vn_error *err)
{
        int qfd[256];
        unsigned opened = 0, features = 0;
        int ifindex, r, oflags = O_RDWR | O_NOCTTY;
        struct ifreq ifr;

        if (queues < 1 || queues > VN_ARRAY_SIZE(qfd))
                return vn_err(err, -EINVAL, "macvtap '%s': invalid number of queues %u",
                              name ? name : "", queues);
        ifindex = vn_link_index(nl, name);
        if (ifindex < 0)
                return vn_err(err, ifindex, "macvtap '%s': %s", name ? name : "",
                              strerror(-ifindex));
        if (flags & VN_TAP_CLOEXEC)
                oflags |= O_CLOEXEC;

        for (; opened < queues; opened++) {
                int fd = open_queue(name, ifindex, oflags);

                if (fd < 0) {
                        r = vn_err(err, fd, "macvtap '%s': /dev/tap%d: %s", name, ifindex,
                                   strerror(-fd));
                        goto fail;
                }
                qfd[opened] = fd;
                if (opened == 0 && ioctl(fd, TUNGETFEATURES, &features) < 0)
                        features = 0;
                /* macvtap queues start with IFF_VNET_HDR on: always state what we want */
                memset(&ifr, 0, sizeof(ifr));
                ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
                if ((flags & VN_TAP_VNET_HDR) && (features & IFF_VNET_HDR))
                        ifr.ifr_flags |= IFF_VNET_HDR;
                if (queues > 1 && (features & IFF_MULTI_QUEUE))
                        ifr.ifr_flags |= IFF_MULTI_QUEUE;
                if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
                        r = -errno;
                        vn_err(err, r, "macvtap '%s': set flags: %s", name, strerror(-r));
                        opened++;
                        goto fail;
                }
        }
        memcpy(fds, qfd, queues * sizeof(*fds));
        return 0;

fail:
        for (unsigned i = 0; i < opened; i++)
                close(qfd[i]);
        return r;
}

/**
 * vn_macvlan_create: a macvlan link on `lower` — what a namespace guest gets on a macvtap-mode
 * network (a macvtap delivers its frames to /dev/tapN, not to a network stack). With
 * netns_fd >= 0 the link is created directly in that namespace.
 */
int vn_macvlan_create(struct vn_nl *nl, const char *name, const char *lower,
                      enum vn_macvtap_mode mode, int netns_fd, struct vn_error *err)
{
        _cleanup_(linkp) struct rtnl_link *l = NULL;
        _cleanup_(msgp) struct nl_msg *msg = NULL;
        int lower_idx, r;

        if ((unsigned)mode >= VN_ARRAY_SIZE(mode_map))
                return vn_err(err, -EINVAL, "macvlan '%s': invalid mode %d", name, (int)mode);
        lower_idx = vn_link_index(nl, lower);
        if (lower_idx < 0)
                return vn_err(err, lower_idx, "macvlan '%s': lower device '%s': %s", name, lower,
                              strerror(-lower_idx));
        l = rtnl_link_macvlan_alloc();
        if (!l)
                return vn_err(err, -ENOMEM, "macvlan '%s': %s", name, strerror(ENOMEM));
        rtnl_link_set_name(l, name);
        rtnl_link_set_link(l, lower_idx);
        r = rtnl_link_macvlan_set_mode(l, mode_map[mode]);
        if (r < 0)
                return vn_err(err, vn_nl_errno(r), "macvlan '%s': %s", name, nl_geterror(r));
        if (netns_fd >= 0)
                rtnl_link_set_ns_fd(l, netns_fd);
        r = rtnl_link_build_add_request(l, NLM_F_CREATE | NLM_F_EXCL, &msg);
        if (r < 0)
                return vn_err(err, vn_nl_errno(r), "macvlan '%s': %s", name, nl_geterror(r));
        return vn_nl_talk(nl, msg, err, "macvlan '%s'", name);
}
