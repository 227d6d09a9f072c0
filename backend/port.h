/*
 * port.h: guest ports — taps, macvtaps and namespace veths — on a running
 * network, recorded under ROOT/run/vnet/NAME/ports/.
 *
 * A port is one guest NIC. Its record (ports/IFNAME, "key=value" lines) says
 * what it is and who holds it, so that `vnet port-list` can show it, `vnet
 * destroy` can remove it and a port whose owner died can be recognised and
 * dropped (reconcile). Records are written and removed under the network's
 * lock. ports/mac:MAC is a symlink to IFNAME: the MAC index that makes "one
 * port per MAC on a network" an atomic check.
 */
#ifndef VNET_PORT_H
#define VNET_PORT_H

#include <stdbool.h>
#include <sys/types.h>

#include "addr.h"
#include "link.h"
#include "engine.h"
#include "state.h"

#define VN_PORT_MAX_QUEUES 16

/* Owner text of a port handed to a libvirt domain (vnet attach): "libvirt:DOMAIN". Destroy
 * refuses to remove such ports: they are detached from their domain first (libvirt.h). */
#define VN_PORT_OWNER_LIBVIRT "libvirt:"

enum vn_port_type {
        VN_PORT_AUTO = 0, /* from the network: tap on a bridge, macvtap on a pool */
        VN_PORT_TAP,
        VN_PORT_MACVTAP,
        VN_PORT_NETNS, /* veth: one end on the bridge, the other in a namespace */
};
const char *vn_port_type_name(enum vn_port_type t);

struct vn_port_opts {
        enum vn_port_type type; /* AUTO: NETNS when netns is set, else from the network */
        const char *ifname;     /* TAP/MACVTAP: the link's name (default vnetN / macvtapN);
                                 * NETNS: the name inside the namespace (default eth0) */
        const char *mac;        /* guest MAC; NULL: random 52:54:00:xx:xx:xx */
        unsigned queues;        /* 0 = 1; one fd per queue */
        bool persist;           /* TAP: the link outlives its fds */
        bool vnet_hdr;          /* IFF_VNET_HDR when the kernel offers it */
        bool cloexec;           /* queue fds O_CLOEXEC (default inheritable, for exec) */
        bool keep_fds;          /* hand the queue fds out in vn_port.fds (else closed) */
        const char *netns;      /* NETNS: a name under /run/netns, or a path */
        pid_t owner_pid;        /* process that will hold the fds (0: none); its death
                                 * ends the port */
        const char *owner;      /* free text for port-list ("vnet qemu", "qmp:SOCK") */
        const char *portgroup;  /* the network's <portgroup> (NULL: its default one) */
        bool no_record;         /* only with net = NULL: a bare tap on opts->bridge */
        const char *bridge;     /* with net = NULL: the bridge to attach to */
};

struct vn_port {
        char ifname[16];
        enum vn_port_type type;
        char mac[VN_MAC_STRLEN];      /* the guest's MAC */
        char host_mac[VN_MAC_STRLEN]; /* the link's MAC as vnet set it */
        char link[16];                /* bridge (tap, netns) or lower device (macvtap) */
        char mode[16];                /* macvtap mode */
        unsigned queues;
        bool persist;
        pid_t owner_pid;
        unsigned long long owner_start; /* /proc/PID/stat starttime, against pid reuse */
        char owner[128];
        char netns[256];
        char peer[16];                 /* NETNS: the name inside the namespace */
        char saved_mac[VN_MAC_STRLEN]; /* passthrough: the lower device's MAC to restore */
        char portgroup[64];            /* "" when the port is in no portgroup */
        bool isolated;                 /* bridge port flag set (<port isolated='yes'>) */
        char ifb[16];                  /* the ifb shaping what the guest sends ("" none) */
        int fds[VN_PORT_MAX_QUEUES];   /* with keep_fds: the queue fds; else -1 */
        unsigned n_fds;
        bool pending; /* recorded before its link exists: an add not (yet) complete */
};

/**
 * vn_port_add: create a guest port on running network `net` and record it.
 *
 * TAP: /dev/net/tun with IFF_TAP|IFF_NO_PI (+ IFF_VNET_HDR, IFF_MULTI_QUEUE), host-side MAC
 * = guest MAC with first byte 0xFE (0xFA when the guest's starts with 0xFE), the bridge's MTU
 * set before it is enslaved, up. MACVTAP: a macvtap in the network's mode on the least used
 * pool device (passthrough: a free device, its MAC saved and restored), /dev/tapN opened once
 * per queue. NETNS: a veth pair, the peer created in the namespace with the guest MAC.
 * Bridge ports get their portgroup's settings (opts->portgroup, default: the portgroup with
 * default='yes'): the bridge port flag "isolated" for <port isolated='yes'>, and the
 * portgroup's <bandwidth> (htb on the port's egress for inbound; for outbound an ifb, named in
 * the record before it exists, fed from the port's ingress).
 * A MAC already used by another port of the network is refused (-EEXIST). With net = NULL
 * and opts->no_record, a tap on opts->bridge that no network owns (bridge helper).
 * On failure nothing stays behind and *out is untouched.
 */
int vn_port_add(struct vn_ctx *ctx, const char *net, const struct vn_port_opts *opts,
                struct vn_port *out, struct vn_error *err);

/* Remove port `ifname` of `net`: delete its link (a tap still held by a process goes when
 * that process closes it), restore a passthrough device's MAC, drop the record. */
int vn_port_del(struct vn_ctx *ctx, const char *net, const char *ifname, struct vn_error *err);

/* The ports of `net`, reconciled first: a record whose link is gone (a non-persistent tap
 * whose QEMU exited, a namespace that was deleted) is dropped; a port whose owner process
 * died is removed. Sorted by ifname. *dropped (optional) counts what reconcile removed. */
int vn_port_list(struct vn_ctx *ctx, const char *net, struct vn_port **out, size_t *n,
                 unsigned *dropped, struct vn_error *err);

/* Set the owner of a recorded port (after its fds went to a process vnet did not start). */
int vn_port_set_owner(struct vn_ctx *ctx, const char *net, const char *ifname, pid_t pid,
                      const char *owner, struct vn_error *err);

/* Close the fds in p (those not handed on). */
void vn_port_close_fds(struct vn_port *p);

/* Host-side MAC for a guest MAC: first byte 0xFE, or 0xFA when the guest's is 0xFE. */
void vn_port_host_mac(const uint8_t guest[6], uint8_t host[6]);

/* Ports' part of destroy, registered with the engine (network.c): remove every port recorded
 * for the network (with the network's lock held, before the network's own objects are
 * undone). Idempotent. Refuses (-EBUSY, naming them, removing nothing) while ports
 * handed to libvirt domains (vnet attach) remain. */
extern const struct vn_feature vn_ports_feature;

#endif
