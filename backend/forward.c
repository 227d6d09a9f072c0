/*
 * forward.c: port forwards on networks — parse a forward given on the
 * command line, add/remove one on a defined or running network (libvirt's
 * net-update for vnet's extension), list them, and "sync" a running
 * network's forward rules with its live definition.
 *
 * Sync is the one way rules change after start: the planner renders every
 * forward as a marked block (plan-forward.c); the network's removal file
 * (ROOT/run/vnet/NAME/fw-remove, which destroy replays) holds the blocks of
 * the forwards that are applied. The difference between the two is one nft
 * transaction that adds new or changed forwards and removes stale ones,
 * touching no other forward's chain; then the removal file is rewritten from
 * the fresh plan, so destroy stays exact.
 */
#include "config.h"

#include "forward.h"

#include "fw.h"
#include "vnet.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

/* ---- learnt addresses ------------------------------------------------------ */

/* ---- running networks ---------------------------------------------------------- */

static char *notes_of(const struct vn_fwd_item *it, size_t n)
{
        struct vn_buf b = {0};

        for (size_t i = 0; i < n; i++)
                if (!it[i].resolved && it[i].note)
                        vn_buf_addf(&b, "%s\n", it[i].note);
        return vn_buf_steal(&b);
}

/* With the network's lock held: bring the rules of the running network in line with net. */
static int sync_locked(struct vn_ctx *ctx, const struct vn_net *net, char **notes,
                       struct vn_error *err)
{
        _cleanup_plan_ struct vn_plan *p = NULL;
        _cleanup_free_ char *rm_path = vn_path_run_file(ctx, net->name, "fw-remove");
        _cleanup_free_ char *old = NULL, *txn = NULL;
        _cleanup_free_ struct vn_mac_ip *macs = NULL;
        _cleanup_buf_ struct vn_buf base = {0};
        struct vn_fwd_applied *applied = NULL;
        struct vn_fwd_item *items = NULL;
        size_t n_applied = 0, n_items = 0, n_macs = 0;
        int r;

        if (!rm_path)
                return vn_err(err, -ENOMEM, "out of memory");
        r = vn_plan_for(ctx, net, &p, err);
        if (r < 0)
                return r;
        if (!p->fw_apply || p->fw != VN_FW_NFT) {
                if (net->ext.n_forwards)
                        return vn_err(err, -EOPNOTSUPP,
                                      "network '%s': port forwards need vnet's nftables firewall "
                                      "(firewall backend is %s)",
                                      net->name, vn_fw_backend_name(p->fw));
                return 0;
        }
        r = vn_read_file(rm_path, 4u << 20, &old, NULL);
        if (r < 0 && r != -ENOENT)
                return vn_err(err, r, "cannot read '%s': %s", rm_path, strerror(-r));
        vn_leased_macs(ctx, net->name, &macs, &n_macs);
        r = vn_plan_forwards(net, p->bridge, macs, n_macs, &items, &n_items, err);
        if (r < 0)
                return r;
        r = vn_fwd_applied_parse(old ? old : "", &applied, &n_applied);
        if (r < 0)
                goto out;
        vn_nft_base_all(&base, false);
        r = vn_fwd_diff(vn_buf_str(&base), applied, n_applied, items, n_items, &txn);
        if (r < 0)
                goto out;
        if (txn) {
                vn_ctx_log(ctx, "forwards: one transaction for network '%s'", net->name);
                r = vn_fw_submit(ctx, txn, err);
                if (r < 0) {
                        vn_err_prefix(err, "network '%s': port forwards", net->name);
                        goto out;
                }
        }
        if (!old || strcmp(old, p->fw_remove) != 0) {
                r = vn_write_file_atomic(rm_path, p->fw_remove, strlen(p->fw_remove), 0600);
                if (r < 0) {
                        vn_err(err, r, "cannot write '%s': %s", rm_path, strerror(-r));
                        goto out;
                }
        }
        if (notes)
                *notes = notes_of(items, n_items);
        r = 0;
out:
        vn_fwd_items_free(items, n_items);
        vn_fwd_applied_free(applied, n_applied);
        return r;
}

int vn_forward_sync(struct vn_ctx *ctx, const char *name, char **notes, struct vn_error *err)
{
        _cleanup_net_ struct vn_net *net = NULL;
        int lock, r;

        if (notes)
                *notes = NULL;
        if (!vn_net_name_valid(name))
                return vn_err(err, -EINVAL, "'%s' is not a valid network name", name);
        lock = vn_lock(ctx, name, err);
        if (lock < 0)
                return lock;
        if (vn_state_get(ctx, name) != VN_STATE_ACTIVE)
                r = vn_err(err, -ENOENT, "network '%s' is not active", name);
        else
                r = vn_get_net(ctx, name, false, &net, err);
        if (r == 0)
                r = sync_locked(ctx, net, notes, err);
        vn_unlock(lock);
        return r;
}

/* ---- add / del ------------------------------------------------------------------- */

static bool same_claim(const struct vn_port_forward *a, const struct vn_port_forward *b)
{
        return a->proto == b->proto && a->port_start == b->port_start &&
               a->port_end == b->port_end &&
               (vn_addr_is_set(&a->address) ? vn_addr_equal(&a->address, &b->address)
                                            : !vn_addr_is_set(&b->address));
}

/* Index of the forward f names in net, or -ENOENT with a message listing what there is. */
static int find_forward(const struct vn_net *net, const struct vn_port_forward *f,
                        struct vn_error *err)
{
        int found = -1, loose = -1, n_loose = 0;
        char ports[16];

        for (size_t i = 0; i < net->ext.n_forwards; i++) {
                const struct vn_port_forward *o = &net->ext.forwards[i];

                if (same_claim(f, o))
                        found = (int)i;
                if (o->proto == f->proto && o->port_start == f->port_start &&
                    o->port_end == f->port_end) {
                        loose = (int)i;
                        n_loose++;
                }
        }
        if (found >= 0)
                return found;
        if (!vn_addr_is_set(&f->address) && n_loose == 1)
                return loose;
        vn_port_range_format(f->port_start, f->port_end, ports, sizeof(ports));
        if (n_loose > 1)
                return vn_err(err, -EINVAL,
                              "network '%s': several forwards of %s port %s (one per host "
                              "address): say which with --address",
                              net->name, vn_proto_name(f->proto), ports);
        return vn_err(err, -ENOENT, "network '%s' has no forward of %s port %s%s%s", net->name,
                      vn_proto_name(f->proto), ports, vn_addr_is_set(&f->address) ? " on " : "",
                      vn_addr_is_set(&f->address)
                          ? vn_addr_format(&f->address, (char[VN_ADDR_STRLEN]){0})
                          : "");
}

/* The forwards of net with f added (add) or removed (!add), as a new array in *out. */
static int edited_forwards(const struct vn_net *net, const struct vn_port_forward *f, bool add,
                           struct vn_port_forward **out, size_t *n, struct vn_error *err)
{
        size_t cnt = net->ext.n_forwards;
        struct vn_port_forward *v = calloc(cnt + 1, sizeof(*v));
        int idx = -1;

        if (!v)
                return vn_err(err, -ENOMEM, "out of memory");
        if (!add) {
                idx = find_forward(net, f, err);
                if (idx < 0) {
                        free(v);
                        return idx;
                }
        }
        *n = 0;
        for (size_t i = 0; i < cnt; i++)
                if ((int)i != idx)
                        v[(*n)++] = net->ext.forwards[i];
        if (add) {
                v[*n] = *f;
                v[*n].line = 0;
                (*n)++;
        }
        *out = v;
        return 0;
}

static int edit_model(struct vn_net *net, const struct vn_port_forward *f, bool add,
                      struct vn_error *err)
{
        _cleanup_free_ struct vn_port_forward *v = NULL;
        size_t n = 0;
        int r;

        r = edited_forwards(net, f, add, &v, &n, err);
        if (r < 0)
                return r;
        r = vn_net_ext_set_forwards(net, v, n, err);
        if (r < 0)
                return r;
        return vn_net_check(net, err);
}

static int check_others(struct vn_ctx *ctx, const struct vn_net *net, struct vn_error *err)
{
        struct vn_net **defs = NULL, **others;
        size_t n = 0, k = 0;
        int r;

        r = vn_defs_load(ctx, &defs, &n, &(struct vn_error){0});
        if (r < 0)
                return 0; /* nothing readable to clash with */
        others = calloc(n ? n : 1, sizeof(*others));
        if (!others) {
                vn_defs_free(defs, n);
                return vn_err(err, -ENOMEM, "out of memory");
        }
        for (size_t i = 0; i < n; i++)
                if (!vn_streq(defs[i]->name, net->name))
                        others[k++] = defs[i];
        r = vn_net_check_against(net, others, k, err);
        free(others);
        vn_defs_free(defs, n);
        return r;
}

static int write_model(const char *path, const struct vn_net *net, unsigned flags,
                       struct vn_error *err)
{
        _cleanup_free_ char *xml = vn_net_format(net, flags);
        int r;

        if (!xml)
                return vn_err(err, -ENOMEM, "out of memory");
        r = vn_write_file_atomic(path, xml, strlen(xml), 0644);
        if (r < 0)
                return vn_err(err, r, "cannot write '%s': %s", path, strerror(-r));
        return 0;
}

static int forward_edit(struct vn_ctx *ctx, const char *name, const struct vn_port_forward *f,
                        bool add, struct vn_error *err)
{
        _cleanup_net_ struct vn_net *def = NULL, *live = NULL;
        _cleanup_free_ char *def_path = NULL, *live_path = NULL;
        bool active;
        int lock, r = 0;

        if (!vn_net_name_valid(name))
                return vn_err(err, -EINVAL, "'%s' is not a valid network name", name);
        def_path = vn_path_def(ctx, name);
        live_path = vn_path_run_file(ctx, name, "net.xml");
        if (!def_path || !live_path)
                return vn_err(err, -ENOMEM, "out of memory");
        lock = vn_lock(ctx, name, err);
        if (lock < 0)
                return lock;
        active = vn_state_get(ctx, name) == VN_STATE_ACTIVE;
        if (access(def_path, F_OK) == 0) {
                r = vn_def_load(ctx, name, &def, err);
                if (r < 0)
                        goto out;
                if ((r = edit_model(def, f, add, err)) < 0)
                        goto out;
                if (add && (r = check_others(ctx, def, err)) < 0)
                        goto out;
        }
        if (active) {
                r = vn_net_parse_file(live_path, &live, err);
                if (r < 0)
                        goto out;
                if ((r = edit_model(live, f, add, err)) < 0)
                        goto out;
                if (add && !def && (r = check_others(ctx, live, err)) < 0)
                        goto out;
                /* rules first: when nft refuses, no definition has changed */
                if ((r = sync_locked(ctx, live, NULL, err)) < 0)
                        goto out;
                if ((r = write_model(live_path, live, 0, err)) < 0)
                        goto out;
        }
        if (!def && !live) {
                r = vn_err(err, -ENOENT, "network '%s' is not defined", name);
                goto out;
        }
        if (def)
                r = write_model(def_path, def, VN_FORMAT_INACTIVE, err);
out:
        vn_unlock(lock);
        return r;
}

int vn_forward_add(struct vn_ctx *ctx, const char *name, const struct vn_port_forward *f,
                   struct vn_error *err)
{
        return forward_edit(ctx, name, f, true, err);
}

int vn_forward_del(struct vn_ctx *ctx, const char *name, const struct vn_port_forward *f,
                   struct vn_error *err)
{
        return forward_edit(ctx, name, f, false, err);
}

int vn_forward_list(struct vn_ctx *ctx, const char *name, struct vn_forward_status **out, size_t *n,
                    struct vn_error *err)
{
        _cleanup_net_ struct vn_net *net = NULL;
        _cleanup_free_ struct vn_mac_ip *macs = NULL;
        _cleanup_free_ char *rm_path = NULL, *rm = NULL;
        struct vn_fwd_applied *applied = NULL;
        struct vn_fwd_item *items = NULL;
        struct vn_forward_status *v;
        size_t n_applied = 0, n_items = 0, n_macs = 0;
        char bridge[16] = "";
        bool active;
        int r;

        *out = NULL;
        *n = 0;
        r = vn_get_net(ctx, name, false, &net, err);
        if (r < 0)
                return r;
        active = vn_state_get(ctx, name) == VN_STATE_ACTIVE;
        if (net->bridge.name)
                snprintf(bridge, sizeof(bridge), "%s", net->bridge.name);
        if (active) {
                vn_leased_macs(ctx, name, &macs, &n_macs);
                rm_path = vn_path_run_file(ctx, name, "fw-remove");
                if (rm_path && vn_read_file(rm_path, 4u << 20, &rm, NULL) == 0)
                        vn_fwd_applied_parse(rm, &applied, &n_applied);
        }
        r = vn_plan_forwards(net, bridge, macs, n_macs, &items, &n_items, err);
        if (r < 0)
                goto out;
        v = calloc(n_items ? n_items : 1, sizeof(*v));
        if (!v) {
                r = vn_err(err, -ENOMEM, "out of memory");
                goto out;
        }
        for (size_t i = 0; i < n_items; i++) {
                v[i].f = *items[i].f;
                if (items[i].resolved) {
                        v[i].target = items[i].target;
                        snprintf(v[i].source, sizeof(v[i].source), "%s", items[i].source);
                }
                for (size_t j = 0; j < n_applied; j++)
                        if (strcmp(applied[j].chain, items[i].chain) == 0 &&
                            applied[j].sig == items[i].sig && items[i].resolved)
                                v[i].applied = true;
        }
        *out = v;
        *n = n_items;
        r = 0;
out:
        vn_fwd_items_free(items, n_items);
        vn_fwd_applied_free(applied, n_applied);
        return r;
}
