/*
 * firewall.c: the one way into vnet's shared nft table.
 *
 * The table (`inet vnet`) is shared by every network of a root, by the
 * libvirt hook's forwards and by overlay peers. A transaction that adds to it
 * and the removal of the emptied table must never interleave (a network's
 * "add" would land in a table being deleted, or recreate half of it), so both
 * are serialised by one root-wide lock, ROOT/run/vnet/locks/.firewall.lock
 * (network names cannot start with '.'). Everything that submits nft text —
 * start, reconcile, destroy's removal, forward-sync, the hook, overlay peers —
 * goes through vn_fw_submit(); the table is removed only by vn_fw_table_gc().
 */
#include "config.h"

#include "engine.h"

#include "fw.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

int vn_fw_submit(struct vn_ctx *ctx, const char *batch, struct vn_error *err)
{
        int lock = vn_lock(ctx, ".firewall", err);
        int r;

        if (lock < 0)
                return lock;
        r = vn_nft_run(batch, false, err);
        vn_unlock(lock);
        return r;
}

void vn_fw_table_gc(struct vn_ctx *ctx)
{
        _cleanup_free_ char *out = NULL;
        struct vn_error ignore = {0};
        char **names = NULL;
        size_t n = 0;
        int lock;

        if (vn_running_names(ctx, &names, &n) < 0)
                return;
        vn_strv_free(names, n);
        if (n > 0)
                return;
        lock = vn_lock(ctx, ".firewall", &ignore);
        if (lock < 0)
                return;
        if (vn_nft_query("list table inet " VN_NFT_TABLE, &out, &ignore) == 0 && out &&
            !strstr(out, "elements =") && !strstr(out, "chain vn_"))
                vn_nft_run("delete table inet " VN_NFT_TABLE "\n", false, &ignore);
        vn_unlock(lock);
}

bool vn_fw_network_present(const struct vn_plan *p)
{
        _cleanup_free_ char *out = NULL, *cmd = NULL;
        struct vn_error ignore = {0};
        char chain[64], needle[160];

        vn_nft_ident(p->bridge, "in", chain, sizeof(chain));
        cmd = vn_asprintf("list chain inet " VN_NFT_TABLE " %s", chain);
        if (!cmd || vn_nft_query(cmd, &out, &ignore) < 0 || !out || !strstr(out, "reject"))
                return false;
        free(out);
        out = NULL;
        if (vn_nft_query("list map inet " VN_NFT_TABLE " fwd_in", &out, &ignore) < 0 || !out)
                return false;
        snprintf(needle, sizeof(needle), "\"%s\" : jump %s", p->bridge, chain);
        return strstr(out, needle) != NULL;
}
