/*
 * link.h: kernel drivers — links, addresses, routes, sysctls — over netlink
 * (libnl-route-3), and tap/macvtap file descriptors.
 *
 * These know nothing of XML or of each other. Every function returns 0 (or
 * a non-negative value as documented) or a negative errno, and fills err
 * with a message naming the object ("bridge 'virbr3': File exists").
 * All sockets and fds are O_CLOEXEC except tap/macvtap queue fds, which are
 * meant for QEMU (the caller decides; see vn_tap_open()).
 */
#ifndef VNET_LINK_H
#define VNET_LINK_H

#include <stdbool.h>
#include <stdint.h>

#include "addr.h"
#include "util.h"

struct vn_nl; /* one rtnetlink socket */

int vn_nl_open(struct vn_nl **out, struct vn_error *err);
void vn_nl_close(struct vn_nl *nl);
static inline void vn_nl_closep(struct vn_nl **p)
{
        if (*p)
                vn_nl_close(*p);
}
#define _cleanup_nl_ _cleanup_(vn_nl_closep)

/* ---- generic link operations (nl.c) ------------------------------------ */

struct vn_link_info {
        int ifindex;
        char name[16];
        char kind[32]; /* "bridge", "tun", "veth", "macvtap", "vxlan", "" */
        unsigned mtu;
        int master; /* ifindex of master, 0 = none */
        bool up;    /* IFF_UP */
        uint8_t mac[6];
};

/* ifindex (> 0) or -ENODEV. */
int vn_link_index(struct vn_nl *nl, const char *name);
int vn_link_get(struct vn_nl *nl, const char *name, struct vn_link_info *out, struct vn_error *err);
/* Delete a link by name. -ENODEV when it does not exist (not an error to callers doing undo). */
int vn_link_delete(struct vn_nl *nl, const char *name, struct vn_error *err);
/** vn_link_set_group: put link name in link group (IFLA_GROUP). Returns 0 or -errno. */
int vn_link_set_group(struct vn_nl *nl, const char *name, uint32_t group, struct vn_error *err);
/** vn_link_group_unused: a non-default link group no link is in, derived from seed.
 * Returns 0 (group in *out) or -errno. */
int vn_link_group_unused(struct vn_nl *nl, uint32_t seed, uint32_t *out, struct vn_error *err);
/** vn_link_delete_group: delete every link of group with one RTM_DELLINK (one kernel
 * unregister batch). Returns 0 or -errno. */
int vn_link_delete_group(struct vn_nl *nl, uint32_t group, struct vn_error *err);
int vn_link_set_up(struct vn_nl *nl, const char *name, bool up, struct vn_error *err);
int vn_link_set_mtu(struct vn_nl *nl, const char *name, unsigned mtu, struct vn_error *err);
int vn_link_set_mac(struct vn_nl *nl, const char *name, const uint8_t mac[6], struct vn_error *err);
/* master = NULL releases the link from its master. */
int vn_link_set_master(struct vn_nl *nl, const char *name, const char *master,
                       struct vn_error *err);
/* Move a link into the network namespace open as netns_fd, renaming it to new_name (or keeping
 * its name when NULL). */
int vn_link_set_netns(struct vn_nl *nl, const char *name, int netns_fd, const char *new_name,
                      struct vn_error *err);
/* Set the link's alias (IFLA_IFALIAS, at most 255 bytes; only CAP_NET_ADMIN may set it). */
int vn_link_set_alias(struct vn_nl *nl, const char *name, const char *alias, struct vn_error *err);
/* Every link whose alias starts with `prefix`: name, alias, master and kind (caller frees the
 * array). */
struct vn_link_alias {
        char name[16];
        char kind[32];
        char alias[256];
        int master;
        uint8_t mac[6];
};
int vn_link_list_by_alias(struct vn_nl *nl, const char *prefix, struct vn_link_alias **out,
                          size_t *n, struct vn_error *err);
/* Names of all links, for "first free virbrN"-style searches. Caller frees each and the array. */
int vn_link_list_names(struct vn_nl *nl, char ***names, size_t *n, struct vn_error *err);
/* First free name from a printf pattern with one %u ("virbr%u"), starting at 0. */
int vn_link_free_name(struct vn_nl *nl, const char *pattern, char out[16], struct vn_error *err);

/* ---- bridge (link-bridge.c) -------------------------------------------- */

struct vn_bridge_spec {
        const char *name;
        const uint8_t *mac; /* NULL: kernel default */
        unsigned mtu;       /* 0: default */
        bool stp;
        unsigned forward_delay_cs; /* centiseconds (libvirt's delay is seconds * 100) */
        bool no_mac_learning;      /* macTableManager='libvirt' */
};
/* Create with NLM_F_CREATE|NLM_F_EXCL: -EEXIST when the name is taken. Not brought up. */
int vn_bridge_create(struct vn_nl *nl, const struct vn_bridge_spec *spec, struct vn_error *err);
/* Per-port bridge flags for a link enslaved to a bridge. */
int vn_bridge_port_set_isolated(struct vn_nl *nl, const char *port, bool isolated,
                                struct vn_error *err);
int vn_bridge_port_set_learning(struct vn_nl *nl, const char *port, bool learning, bool flood,
                                struct vn_error *err);

/* ---- veth (link-veth.c) ------------------------------------------------ */

/* Create a veth pair `name` <-> `peer`. When peer_netns_fd >= 0 the peer is created directly in
 * that namespace. mac (optional) is the peer's MAC. */
int vn_veth_create(struct vn_nl *nl, const char *name, const char *peer, int peer_netns_fd,
                   const uint8_t *peer_mac, struct vn_error *err);
/* The same with our end's MAC (optional) set at creation. */
int vn_veth_create_mac(struct vn_nl *nl, const char *name, const uint8_t *mac, const char *peer,
                       int peer_netns_fd, const uint8_t *peer_mac, struct vn_error *err);

/* ---- vxlan (link-vxlan.c) --------------------------------------------- */

struct vn_vxlan_spec {
        const char *name;
        unsigned vni;
        struct vn_addr local; /* IPv4 VTEP address */
        unsigned port;        /* UDP destination port */
        bool learning;        /* data-plane MAC learning (off under EVPN) */
        unsigned mtu;         /* 0: kernel default */
};
/* Create with NLM_F_CREATE|NLM_F_EXCL, no multicast group. Not brought up, not enslaved. */
int vn_vxlan_create(struct vn_nl *nl, const struct vn_vxlan_spec *spec, struct vn_error *err);
/* All-zeros FDB entry dev → dst (NTF_SELF, permanent): head-end replication to one VTEP.
 * Add: -EEXIST when present. Delete: -ENOENT when absent. */
int vn_vxlan_fdb_add(struct vn_nl *nl, const char *dev, const struct vn_addr *dst,
                     struct vn_error *err);
int vn_vxlan_fdb_del(struct vn_nl *nl, const char *dev, const struct vn_addr *dst,
                     struct vn_error *err);
/* The first IPv4 address of dev (-EADDRNOTAVAIL when it has none). */
int vn_ifaddr_first_v4(struct vn_nl *nl, const char *dev, struct vn_addr *out,
                       struct vn_error *err);
/* The link holding IPv4 address addr (-EADDRNOTAVAIL when none). */
int vn_ifaddr_owner(struct vn_nl *nl, const struct vn_addr *addr, char ifname[16],
                    struct vn_error *err);

/* ---- tap (link-tap.c) -------------------------------------------------- */

enum {
        VN_TAP_VNET_HDR = 1 << 0, /* IFF_VNET_HDR when TUNGETFEATURES offers it */
        VN_TAP_PERSIST = 1 << 1,  /* TUNSETPERSIST: survives closing the fds */
        VN_TAP_CLOEXEC = 1 << 2,  /* open queue fds O_CLOEXEC (default: inheritable, for QEMU) */
};
/* Open /dev/net/tun `queues` times (IFF_MULTI_QUEUE when > 1) creating tap `name` — a name or a
 * pattern with %d ("vnet%d", the kernel picks the first free). Fills fds[0..queues-1] and
 * ifname_out (16 bytes). On failure nothing stays open or created. */
int vn_tap_open(const char *name, unsigned queues, unsigned flags, int *fds, char ifname_out[16],
                struct vn_error *err);
/* Remove a persistent tap (TUNSETPERSIST 0). */
int vn_tap_delete(const char *name, struct vn_error *err);
/* Does the running kernel support IFF_VNET_HDR / IFF_MULTI_QUEUE? */
int vn_tap_features(unsigned *iff_features);

/* ---- macvtap (link-macvtap.c) ------------------------------------------ */

enum vn_macvtap_mode {
        VN_MACVTAP_VEPA = 0,
        VN_MACVTAP_BRIDGE,
        VN_MACVTAP_PRIVATE,
        VN_MACVTAP_PASSTHRU,
};
/* Create macvtap `name` (or pattern "macvtap%d") on lower device `lower` in `mode` with `mac`;
 * ifname_out receives the name. */
int vn_macvtap_create(struct vn_nl *nl, const char *name, const char *lower,
                      enum vn_macvtap_mode mode, const uint8_t *mac, char ifname_out[16],
                      struct vn_error *err);
/* A macvlan on `lower` (for namespace guests of macvtap-mode networks), created directly in the
 * namespace open as netns_fd when >= 0. */
int vn_macvlan_create(struct vn_nl *nl, const char *name, const char *lower,
                      enum vn_macvtap_mode mode, int netns_fd, struct vn_error *err);
/* Open /dev/tap<ifindex> `queues` times (retrying up to ~1 s while the node appears).
 * flags: VN_TAP_VNET_HDR / VN_TAP_CLOEXEC as for taps. */
int vn_macvtap_open(struct vn_nl *nl, const char *name, unsigned queues, unsigned flags, int *fds,
                    struct vn_error *err);

/* ---- addresses (nl-addr.c) --------------------------------------------- */

/* Add addr/prefix to link `ifname` (IPv4 with broadcast; IPv6 with IFA_F_NODAD when nodad).
 * -EEXIST when present. */
int vn_ifaddr_add(struct vn_nl *nl, const char *ifname, const struct vn_addr *addr, unsigned prefix,
                  bool nodad, struct vn_error *err);
int vn_ifaddr_del(struct vn_nl *nl, const char *ifname, const struct vn_addr *addr, unsigned prefix,
                  struct vn_error *err);
/* Is any address of the given subnet (or overlapping it) configured on any link? Returns 1 and
 * the link name in owner when so, 0 when not. */
int vn_ifaddr_find_overlap(struct vn_nl *nl, const struct vn_addr *net, unsigned prefix,
                           char owner[16], struct vn_error *err);

/* ---- routes (route.c) -------------------------------------------------- */

/* Route dst/prefix via gateway (optional: unset gw = on-link) out of ifname, metric (0 = none).*/
int vn_route_add(struct vn_nl *nl, const char *ifname, const struct vn_addr *dst, unsigned prefix,
                 const struct vn_addr *gw, unsigned metric, struct vn_error *err);
int vn_route_del(struct vn_nl *nl, const char *ifname, const struct vn_addr *dst, unsigned prefix,
                 const struct vn_addr *gw, unsigned metric, struct vn_error *err);

/* ---- sysctls (sysctl.c) ------------------------------------------------ */

/* Read /proc/sys/<key> (key with '/' or '.' separators) into buf, trailing newline stripped. */
int vn_sysctl_read(const char *key, char *buf, size_t len);
int vn_sysctl_write(const char *key, const char *value, struct vn_error *err);

/* ---- shared by the netlink drivers (nl.c); not for front ends ---------- */

struct nl_sock;
struct nl_msg;

/* The libnl socket behind nl. */
struct nl_sock *vn_nl_sock(struct vn_nl *nl);
/* Send msg (not freed) and wait for the kernel's ACK. Returns 0 or the kernel's negative errno;
 * on failure fills err with "<what>: <strerror>[ (<extended ack message>)]", where what is
 * printf-formatted from fmt. */
int vn_nl_talk(struct vn_nl *nl, struct nl_msg *msg, struct vn_error *err, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* libnl's -NLE_* code → negative errno (best effort). */
int vn_nl_errno(int nle);
/* Format a pattern with one "%u" or "%d" and n: 0 or -EINVAL when the pattern is not one. */
int vn_link_name_format(const char *pattern, unsigned n, char out[16]);

#endif
