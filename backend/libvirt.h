/*
 * libvirt.h: vnet and a running libvirtd, both ways — import libvirt's networks into vnet,
 * and hand vnet ports to libvirt domains (attach, detach).
 *
 * Talking to libvirtd needs libvirt's client library (configure finds libvirt-dev). In a
 * build without it every call that would connect returns -ENOTSUP with a message that says
 * how to get it; vn_import_notes() needs no libvirt.
 *
 * A URI of NULL means what virsh does: $LIBVIRT_DEFAULT_URI, then libvirt's default.
 *
 * Attachments are journaled under ROOT/run/vnet/NET/libvirt/MAC ("key=value" lines) before
 * anything is created, so that a failure rolls back and a crash leaves a record that
 * vn_libvirt_detach_net() (what `vnet destroy` runs first) cleans up.
 */
#ifndef VNET_LIBVIRT_H
#define VNET_LIBVIRT_H

#include <stdbool.h>
#include <stddef.h>

#include "plan.h"
#include "state.h"

/* Whether this build can talk to libvirtd. */
bool vn_libvirt_available(void);

/* ---- import ------------------------------------------------------------------ */

struct vn_import_item {
        char *name;
        char uuid[37];
        char bridge[16];
        char mode[16];
        bool libvirt_active; /* running in libvirt right now */
        bool autostart;      /* libvirt's autostart flag (copied when imported) */
        bool imported;       /* defined in vnet */
        bool updated;        /* replaced vnet's definition with the same name and UUID */
        char *refused;       /* why it was not imported (NULL when imported) */
        char **notes;        /* what vnet realizes differently from libvirt */
        size_t n_notes;
};
void vn_import_free(struct vn_import_item *v, size_t n);

/**
 * vn_libvirt_import: define vnet networks from libvirtd's persistent definitions (their
 * inactive XML), keeping name, UUID, bridge, MAC, addresses, DHCP hosts and the autostart
 * flag. names[0..n_names) picks networks (every one must exist in libvirt, else nothing is
 * imported and -ENOENT is returned); n_names = 0 imports every persistent network. A network
 * that vnet cannot realize, or whose definition clashes with vnet's (a different UUID under
 * the same name, an overlapping subnet), is refused with the reason and not defined; the
 * others are imported. Starts nothing. *out gets one item per network, sorted by name.
 */
int vn_libvirt_import(struct vn_ctx *ctx, const char *uri, char *const *names, size_t n_names,
                      struct vn_import_item **out, size_t *n, struct vn_error *err);

/**
 * vn_import_notes: what vnet realizes differently from libvirt for `net` as planned in
 * `plan` — one sentence each. Pure (no host access).
 */
int vn_import_notes(const struct vn_net *net, const struct vn_plan *plan, char ***notes, size_t *n);

/* ---- attach / detach ------------------------------------------------------------ */

struct vn_attach_opts {
        const char *uri;
        const char *domain;    /* name or UUID */
        const char *net;       /* a running vnet network */
        const char *mac;       /* NULL: a random 52:54:00:xx:xx:xx */
        const char *model;     /* NULL: virtio */
        const char *portgroup; /* must exist in the network; see vn_libvirt_attach */
        bool live, config;     /* neither: the domain's current state (live when running,
                                * else persistent), like virsh */
};

struct vn_attachment {
        char net[64];
        char domain[256]; /* the domain's name */
        char domain_uuid[37];
        char mac[18];
        char ifname[16];
        char model[32];
        char portgroup[64];
        bool live, config; /* where the interface was added */
        char state[16];    /* "pending", "attaching", "attached" */
        char uri[512];     /* "" = the default */
};

/**
 * vn_libvirt_attach: create a vnet port on a running network (a persistent tap with vnet
 * headers, recorded under the network, owner "libvirt:DOMAIN") and add it to the domain as
 * <interface type='ethernet'><target dev='vnetN' managed='no'/> with
 * virDomainAttachDeviceFlags. A portgroup carrying settings vnet does not apply to ports
 * (bandwidth, VLAN, virtualport) is refused. On failure nothing stays behind.
 */
int vn_libvirt_attach(struct vn_ctx *ctx, const struct vn_attach_opts *o, struct vn_attachment *out,
                      struct vn_error *err);

/**
 * vn_libvirt_detach: remove the interface with `mac` that vnet attached to `domain` — from
 * the running domain and from its persistent definition, wherever it is (its port is about to
 * go) — then its port and record. -ENOENT when vnet attached no such interface.
 */
int vn_libvirt_detach(struct vn_ctx *ctx, const char *uri, const char *domain, const char *mac,
                      struct vn_attachment *out, struct vn_error *err);

/**
 * vn_libvirt_detach_net: detach every port of network `net` that vnet handed to a libvirt
 * domain, through the URI each was attached with (what `vnet destroy` runs first; also
 * finishes attaches that crashed halfway). *n_done counts them.
 */
int vn_libvirt_detach_net(struct vn_ctx *ctx, const char *net, size_t *n_done,
                          struct vn_error *err);

/* The libvirt attachments of `net` (from its records), sorted by MAC. */
int vn_libvirt_attachments(struct vn_ctx *ctx, const char *net, struct vn_attachment **out,
                           size_t *n, struct vn_error *err);

/* ---- adopt ------------------------------------------------------------------------------ */

struct vn_adopt_result {
        char name[64];
        char bridge[16];
        unsigned n_leases; /* libvirt's leases carried over */
        unsigned n_ports;  /* guest taps re-attached to the bridge */
        double switch_ms;  /* libvirt's network stopped .. every tap back on vnet's bridge */
        double total_ms;
};

/**
 * vn_libvirt_adopt: take over libvirt's *running* network NAME without stopping its guests:
 * define it in vnet (as import), carry libvirt's DHCP leases into vnet's lease file, then
 * switch over — libvirt's network stops (its rules, dnsmasq and bridge go), vnet's starts on
 * the same bridge name, MAC and addresses, the guests' taps that were on the bridge are put
 * back on it — and redefine libvirt's network as <forward mode='bridge'> on that bridge (same
 * name and UUID, started, autostart as before) so domain definitions that say
 * <source network='NAME'/> keep starting. Journaled in ROOT/run/vnet-adopt/NAME/ (libvirt's
 * original definition first): a failure after the switch-over began gives the network back
 * to libvirt; after a crash, vn_libvirt_adopt_undo() does.
 */
int vn_libvirt_adopt(struct vn_ctx *ctx, const char *uri, const char *name,
                     struct vn_adopt_result *out, struct vn_error *err);

/**
 * vn_libvirt_adopt_undo: give an adopted network back to libvirt: libvirt's bridge-mode
 * stand-in stops, vnet's network is destroyed and undefined, libvirt's original definition is
 * restored and started, and the guests' taps are put back on its bridge. Works from any step
 * an adopt reached (its journal).
 */
int vn_libvirt_adopt_undo(struct vn_ctx *ctx, const char *uri, const char *name,
                          struct vn_adopt_result *out, struct vn_error *err);

#endif
