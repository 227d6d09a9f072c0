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

#include "hookdata.h"
#include "net.h"
#include "state.h"

struct vn_hook_opts {
        const char *libvirt_dnsmasq_dir; /* libvirt's lease status files; NULL: default */
};
/* Do what the operation needs. *notes (may be NULL) gets notes for the log (unresolved MAC
 * forwards). */
int vn_hook_run(struct vn_ctx *ctx, const struct vn_hook_args *a, struct vn_hook_data *d,
                const struct vn_hook_opts *o, char **notes, struct vn_error *err);

#endif
