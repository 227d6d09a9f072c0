/*
 * hook.h: libvirt's network hook — realize vnet's extensions (port forwards)
 * of libvirt-managed networks in vnet's own nftables table.
 *
 * libvirt runs /etc/libvirt/hooks/network (or network.d/<any>) as
 *   HOOK NETWORK OPERATION SUBOP -
 * with <hookData><network>...</network>[<networkport>...</networkport>]</hookData>
 * on stdin. State per network lives in ROOT/run/vnet-libvirt/NAME/:
 *   fw-remove  the exact removal of what the hook added (nft text, marked blocks)
 *   compat     iptables FORWARD accepts added next to libvirt's iptables rules
 *   ports      libvirt ports seen: UUID MAC OWNER, one per line
 */
#ifndef VNET_HOOK_H
#define VNET_HOOK_H

#include <stdbool.h>

#include "net.h"
#include "state.h"

enum vn_hook_op {
        VN_HOOK_OTHER = 0, /* anything vnet does not need: exit 0 */
        VN_HOOK_START,     /* start begin: validate only, before libvirt builds anything */
        VN_HOOK_STARTED,   /* started begin: apply */
        VN_HOOK_UPDATED,   /* updated begin: re-apply */
        VN_HOOK_PORT_CREATED,
        VN_HOOK_PORT_DELETED,
        VN_HOOK_STOPPED, /* stopped end: remove */
};

struct vn_hook_args {
        const char *network;
        enum vn_hook_op op;
};
/* argv as libvirt passes it (argv[0] is the hook itself): NETWORK OPERATION SUBOP EXTRA. */
int vn_hook_parse_args(int argc, char *const *argv, struct vn_hook_args *out, struct vn_error *err);

struct vn_hook_port {
        char uuid[40];
        bool has_mac;
        uint8_t mac[6];
        char owner[128]; /* the domain's name, "" when absent */
};

struct vn_hook_data {
        struct vn_net *net; /* NULL when the network carries no vnet extension */
        bool has_port;
        struct vn_hook_port port;
};
/* Parse hookData. The <network> is only modelled when it uses vnet's namespace; a network
 * without it costs no more than finding that out. */
int vn_hook_parse_stdin(const char *buf, size_t len, const char *network, struct vn_hook_data *out,
                        struct vn_error *err);
void vn_hook_data_clear(struct vn_hook_data *d);

struct vn_hook_opts {
        const char *libvirt_dnsmasq_dir; /* libvirt's lease status files; NULL: default */
};
/* Do what the operation needs. *notes (may be NULL) gets notes for the log (unresolved MAC
 * forwards). */
int vn_hook_run(struct vn_ctx *ctx, const struct vn_hook_args *a, struct vn_hook_data *d,
                const struct vn_hook_opts *o, char **notes, struct vn_error *err);

#endif
