/*
 * forward.h: port forwards (<vnet:forward>) on networks — the library side of
 * `vnet forward-add/-del/-list/-sync` and of the libvirt hook (hook.h).
 *
 * The rules themselves are rendered by plan-forward.c; this layer resolves
 * forwards that name a guest by MAC, and changes the forwards of a running
 * network in one nftables transaction that touches only the forwards that
 * changed (see "sync" below), keeping the network's removal file exact.
 */
#ifndef VNET_FORWARD_H
#define VNET_FORWARD_H

#include <stdbool.h>

#include "plan.h"
#include "state.h"

/* A forward as a front end gives it: strings, parsed and checked by the library. NULL = not
 * given. port is "N" or "N-M"; toport defaults to port. */
struct vn_forward_spec {
        const char *proto; /* tcp (default), udp, sctp */
        const char *port;
        const char *to;
        const char *mac;
        const char *toport;
        const char *address;
};
int vn_forward_spec_parse(const struct vn_forward_spec *s, struct vn_port_forward *out,
                          struct vn_error *err);

/* Add a forward to network `name` (like libvirt's net-update add): checked against the
 * network and every other defined network, written to the persistent definition (when there
 * is one) and, when the network runs, to its live definition and into its rules. */
int vn_forward_add(struct vn_ctx *ctx, const char *name, const struct vn_port_forward *f,
                   struct vn_error *err);
/* Remove the forward with f's proto, port range and address (unset: the one without an
 * address, or the only one on that proto/port). */
int vn_forward_del(struct vn_ctx *ctx, const char *name, const struct vn_port_forward *f,
                   struct vn_error *err);

struct vn_forward_status {
        struct vn_port_forward f;
        bool applied;          /* its rules are in place */
        struct vn_addr target; /* resolved guest address (unset: not known) */
        char source[8];        /* "to", "host", "lease", "port", "" */
};
/* The forwards of a network with their state (live definition when it runs). */
int vn_forward_list(struct vn_ctx *ctx, const char *name, struct vn_forward_status **out, size_t *n,
                    struct vn_error *err);

/* Re-resolve MAC forwards and bring the running network's rules in line with its live
 * definition: one transaction with exactly the forwards that changed. *notes (may be NULL)
 * receives one line per forward that is still unresolved. */
int vn_forward_sync(struct vn_ctx *ctx, const char *name, char **notes, struct vn_error *err);

/* Addresses learnt at run time for network `name`: vnet's dnsmasq leases (ROOT/run/vnet/NAME/
 * dnsmasq.leases). Never fails: what cannot be read is simply not known. */
void vn_forward_macs(struct vn_ctx *ctx, const char *name, struct vn_mac_ip **out, size_t *n);

/* ---- shared with the libvirt hook ---------------------------------------- */

/* Parse dnsmasq's lease file text, appending to (*out, *n). */
void vn_macs_from_leases(const char *text, struct vn_mac_ip **out, size_t *n);
/* Parse libvirt's dnsmasq status file (JSON array of {"ip-address", "mac-address"}). */
void vn_macs_from_libvirt_status(const char *text, struct vn_mac_ip **out, size_t *n);

/* The applied forward blocks found in a removal file: chain name and signature. */
struct vn_fwd_applied {
        char chain[128];
        uint32_t sig;
        char *del; /* the block's removal text */
};
int vn_fwd_applied_parse(const char *remove_text, struct vn_fwd_applied **out, size_t *n);
void vn_fwd_applied_free(struct vn_fwd_applied *a, size_t n);
/* The transaction that turns `applied` into `want`: removal of applied blocks no longer
 * wanted, (re-)adds of wanted blocks that are new or changed. NULL text = nothing to do.
 * base is prepended (declarations) when there is something to do. */
int vn_fwd_diff(const char *base, const struct vn_fwd_applied *applied, size_t n_applied,
                const struct vn_fwd_item *want, size_t n_want, char **out);

#endif
