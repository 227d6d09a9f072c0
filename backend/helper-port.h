/*
 * helper-port.h: the ports vnet-bridge-helper makes.
 *
 * The helper runs setuid root or with cap_net_admin, for QEMU run by any user.
 * It must not plan a network (planning probes libnftables, whose iptables layer
 * exits in a setuid process) nor hold vnet's locks (its caller can SIGSTOP it).
 * So it finds the network of a bridge from the one-line record `start` writes,
 * ROOT/run/vnet/NAME/bridge, and records its tap in the kernel instead of in
 * ROOT/run/vnet: as the tap's alias (IFLA_IFALIAS, which only CAP_NET_ADMIN may
 * set), "vnet-helper-port net=NAME br=BRIDGE uid=UID pid=PID". `vnet port-list`
 * shows these ports, `destroy` and `port-del` remove them, and a tap goes by
 * itself when the QEMU holding it exits. Nothing here plans, locks or writes a
 * file, and this file links against libnl only.
 */
#ifndef VNET_HELPER_PORT_H
#define VNET_HELPER_PORT_H

#include <stdbool.h>
#include <sys/types.h>

#include "link.h"
#include "util.h"

#define VN_HELPER_ALIAS "vnet-helper-port "

/* the longest network name vnet accepts (vn_net_name_valid) */
#define VN_HELPER_NAME_MAX 64

/**
 * vn_helper_net_of_bridge: the network under run_dir (ROOT/run/vnet) whose bridge record names
 * `bridge`, into name (VN_HELPER_NAME_MAX + 1 bytes). -ENOENT when none does. With strict
 * (a privileged caller), a record not owned by root or writable by others is ignored, and no
 * symlink is followed.
 */
int vn_helper_net_of_bridge(const char *run_dir, const char *bridge, bool strict, char *name);

/* The bridge record of network `net` under run_dir, into bridge (16 bytes); -ENOENT when the
 * network has none (macvtap modes, or a start older than the record). */
int vn_helper_bridge_of_net(const char *run_dir, const char *net, char bridge[16]);

struct vn_helper_port_opts {
        const char *bridge; /* attach to this link, which must be of kind "bridge" */
        const char *net;    /* the network owning it (NULL: none; the tap is not recorded) */
        bool vnet_hdr;      /* IFF_VNET_HDR when the kernel offers it */
        uid_t uid;          /* the user on whose behalf (recorded) */
        pid_t owner_pid;    /* the process that receives the fd (recorded; 0: unknown) */
};

/**
 * vn_helper_port_open: a non-persistent tap (vnetN) with a host-side MAC FE:54:00:xx:xx:xx,
 * the bridge's MTU, recorded in its alias when opts->net is set, enslaved to opts->bridge and
 * up. The bridge must be a link of kind "bridge" (a bond, a VRF or a team is refused). Its
 * one queue fd (O_CLOEXEC) goes to *fd and its name to ifname. On failure nothing stays
 * behind.
 */
int vn_helper_port_open(struct vn_nl *nl, const struct vn_helper_port_opts *opts, int *fd,
                        char ifname[16], struct vn_error *err);

/* One helper port as found in the kernel. */
struct vn_helper_port {
        char ifname[16];
        char bridge[16];
        uint8_t host_mac[6];
        uid_t uid;
        pid_t pid;
        bool attached; /* still enslaved to its bridge */
};

/* Parse an alias written by vn_helper_port_open: 0, or -EINVAL when it is not one. */
int vn_helper_alias_parse(const char *alias, char net[VN_HELPER_NAME_MAX + 1], char bridge[16],
                          uid_t *uid, pid_t *pid);

/* The helper ports of network `net` (taps whose alias names net and bridge). Caller frees. */
int vn_helper_ports(struct vn_nl *nl, const char *net, const char *bridge,
                    struct vn_helper_port **out, size_t *n, struct vn_error *err);

/* Delete the helper ports of `net` (all when ifname is NULL, else that one: -ENOENT when it is
 * not one of them). */
int vn_helper_ports_delete(struct vn_nl *nl, const char *net, const char *bridge,
                           const char *ifname, struct vn_error *err);

#endif
