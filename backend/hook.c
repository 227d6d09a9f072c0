/*
 * hook.c: the library side of vnet-libvirt-hook (see hook.h).
 *
 * libvirt owns the network (bridge, dnsmasq, its own firewall rules); the
 * hook adds only what vnet's extensions need, in vnet's table `inet vnet`:
 * the forwards' chains and map elements and the network's hairpin element
 * (plan-forward.c renders them, exactly as for vnet's own networks). It
 * never touches libvirt's tables or chains. libvirt 9.x rejects NEW
 * connections into a NAT network in its iptables FORWARD rules
 * (LIBVIRT_FWI), which an nftables accept elsewhere cannot overrule; so when
 * those rules are present, one tagged accept for DNATed flows into the
 * bridge goes at the top of iptables' FORWARD chain, and is deleted again on
 * "stopped".
 *
 * Every apply is the same diff as `vnet forward-sync` (forward.c): the
 * removal file lists the blocks in place, so a replayed port-created or an
 * "updated" with nothing new costs no transaction at all.
 */
#include "config.h"

#include "hook.h"

#include "engine.h"
#include "forward.h"
#include "fw.h"
#include "plan.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#define LIBVIRT_DNSMASQ_DIR "/var/lib/libvirt/dnsmasq"

/* ---- state ------------------------------------------------------------------- */

struct hstate {
        char *dir, *rm, *compat, *ports;
};

static void hstate_free(struct hstate *s)
{
        free(s->dir);
        free(s->rm);
        free(s->compat);
        free(s->ports);
}

static int hstate_init(struct vn_ctx *ctx, const char *name, struct hstate *s)
{
        s->dir = vn_asprintf("%s/run/vnet-libvirt/%s", ctx->root, name);
        s->rm = vn_asprintf("%s/fw-remove", s->dir ? s->dir : "");
        s->compat = vn_asprintf("%s/compat", s->dir ? s->dir : "");
        s->ports = vn_asprintf("%s/ports", s->dir ? s->dir : "");
        return s->dir && s->rm && s->compat && s->ports ? 0 : -ENOMEM;
}

static char *read_or_null(const char *path)
{
        char *d = NULL;

        if (vn_read_file(path, 4u << 20, &d, NULL) < 0)
                return NULL;
        return d;
}

/* Record (created) or forget (deleted) a port; replays leave the file as it is. */
static int ports_update(struct hstate *s, const struct vn_hook_port *p, bool created,
                        struct vn_error *err)
{
        _cleanup_free_ char *old = read_or_null(s->ports);
        struct vn_buf b = {0};
        char m[VN_MAC_STRLEN] = "-";
        char *save = NULL, *text;
        int r;

        if (old)
                for (char *l = strtok_r(old, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
                        size_t ul = strlen(p->uuid);

                        if (strncmp(l, p->uuid, ul) == 0 && l[ul] == ' ')
                                continue;
                        vn_buf_addf(&b, "%s\n", l);
                }
        if (created) {
                if (p->has_mac)
                        vn_mac_format(p->mac, m);
                vn_buf_addf(&b, "%s %s %s\n", p->uuid, m, p->owner[0] ? p->owner : "-");
        }
        text = vn_buf_steal(&b);
        if (!text)
                return vn_err(err, -ENOMEM, "out of memory");
        r = vn_write_file_atomic(s->ports, text, strlen(text), 0644);
        free(text);
        if (r < 0)
                return vn_err(err, r, "cannot write '%s': %s", s->ports, strerror(-r));
        return 0;
}

/* ---- libvirt's iptables FORWARD rules ------------------------------------------------ */

static bool libvirt_ipt_chains(bool v6)
{
        const char *argv[] = {"-S", "LIBVIRT_FWI", NULL};

        return vn_ipt_exec(v6, argv, NULL) == 0;
}

/* argv for the tagged accept of DNATed flows into the bridge; op is -I, -C or -D */
static void compat_argv(const char **argv, const char *op, const char *bridge, const char *tag)
{
        size_t n = 0;

        argv[n++] = op;
        argv[n++] = "FORWARD";
        argv[n++] = "-o";
        argv[n++] = bridge;
        argv[n++] = "-m";
        argv[n++] = "conntrack";
        argv[n++] = "--ctstate";
        argv[n++] = "DNAT";
        argv[n++] = "-m";
        argv[n++] = "comment";
        argv[n++] = "--comment";
        argv[n++] = tag;
        argv[n++] = "-j";
        argv[n++] = "ACCEPT";
        argv[n] = NULL;
}

static int compat_add(struct hstate *s, const char *name, const char *bridge, bool v6,
                      struct vn_error *err)
{
        const char *argv[16];
        _cleanup_free_ char *tag = vn_asprintf("vnet-libvirt:%s", name);
        _cleanup_free_ char *line = NULL, *old = NULL;
        int st, r;

        if (!tag)
                return vn_err(err, -ENOMEM, "out of memory");
        if (!libvirt_ipt_chains(v6))
                return 0;
        compat_argv(argv, "-C", bridge, tag);
        if (vn_ipt_exec(v6, argv, NULL) == 0)
                return 0; /* already there (replay) */
        line = vn_asprintf("%s %s %s\n", v6 ? "6" : "4", bridge, tag);
        old = read_or_null(s->compat);
        if (!line)
                return vn_err(err, -ENOMEM, "out of memory");
        if (!old || !strstr(old, line)) {
                _cleanup_free_ char *nw = vn_asprintf("%s%s", old ? old : "", line);

                if (!nw)
                        return vn_err(err, -ENOMEM, "out of memory");
                /* recorded before it exists, as a journal: stopped deletes what may exist */
                r = vn_write_file_atomic(s->compat, nw, strlen(nw), 0644);
                if (r < 0)
                        return vn_err(err, r, "cannot write '%s': %s", s->compat, strerror(-r));
        }
        compat_argv(argv, "-I", bridge, tag);
        st = vn_ipt_exec(v6, argv, NULL);
        if (st != 0)
                return vn_err(err, st < 0 ? st : -EIO,
                              "%s -I FORWARD -o %s -m conntrack --ctstate DNAT ... -j ACCEPT: "
                              "failed (exit %d)",
                              v6 ? "ip6tables" : "iptables", bridge, st);
        return 0;
}

static void compat_remove_all(struct hstate *s)
{
        _cleanup_free_ char *old = read_or_null(s->compat);
        char *save = NULL;

        if (!old)
                return;
        for (char *l = strtok_r(old, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
                char fam[4], bridge[32], tag[200];
                const char *argv[16];

                if (sscanf(l, "%3s %31s %199s", fam, bridge, tag) != 3 ||
                    !vn_ifname_valid(bridge) || strncmp(tag, "vnet-libvirt:", 13) != 0)
                        continue; /* not a line this hook wrote */
                compat_argv(argv, "-D", bridge, tag);
                /* a copy inserted twice by a crash between journal and check: delete all */
                for (int i = 0; i < 8 && vn_ipt_exec(fam[0] == '6', argv, NULL) == 0; i++)
                        ;
        }
        unlink(s->compat);
}

/* ---- apply / remove ------------------------------------------------------------------ */

static void macs_of(const struct vn_hook_opts *o, const char *bridge, struct vn_mac_ip **macs,
                    size_t *n)
{
        const char *dir = o && o->libvirt_dnsmasq_dir ? o->libvirt_dnsmasq_dir
                                                      : getenv("VNET_LIBVIRT_DNSMASQ_DIR");
        _cleanup_free_ char *path = NULL, *data = NULL;

        *macs = NULL;
        *n = 0;
        path = vn_asprintf("%s/%s.status", dir ? dir : LIBVIRT_DNSMASQ_DIR, bridge);
        if (path && vn_read_file(path, 16u << 20, &data, NULL) == 0)
                vn_macs_from_libvirt_status(data, macs, n);
}

static int hook_apply(struct vn_ctx *ctx, struct hstate *s, const struct vn_net *net,
                      const struct vn_hook_opts *o, char **notes, struct vn_error *err)
{
        const char *br = net->bridge.name;
        _cleanup_free_ char *old = read_or_null(s->rm), *txn = NULL, *rm_text = NULL;
        _cleanup_free_ struct vn_mac_ip *macs = NULL;
        _cleanup_buf_ struct vn_buf base = {0}, rm = {0};
        struct vn_fwd_applied *applied = NULL;
        struct vn_fwd_item *items = NULL;
        size_t n_applied = 0, n_items = 0, n_macs = 0;
        bool v6 = false;
        int r;

        macs_of(o, br, &macs, &n_macs);
        r = vn_plan_forwards(net, br, macs, n_macs, &items, &n_items, err);
        if (r < 0)
                return r;
        r = vn_fwd_applied_parse(old ? old : "", &applied, &n_applied);
        if (r < 0)
                goto out;
        /* the first apply may create the table: it re-states the base rules (the same text
         * every vnet network states); later ones only declare */
        vn_nft_base_all(&base, old == NULL);
        if (!old)
                vn_nft_hairpin(&base, net, br, true);
        r = vn_fwd_diff(vn_buf_str(&base), applied, n_applied, items, n_items, &txn);
        if (r < 0)
                goto out;
        if (!txn && !old) /* no forward resolvable yet: still set up the hairpin */
                txn = strdup(vn_buf_str(&base));

        /* the removal of what will be in place, written before the transaction */
        vn_nft_base_all(&rm, false);
        for (size_t i = 0; i < n_items; i++)
                if (items[i].resolved) {
                        vn_buf_add(&rm, items[i].del);
                        v6 |= items[i].target.family == AF_INET6;
                }
        vn_nft_hairpin(&rm, net, br, false);
        rm_text = vn_buf_steal(&rm);
        if (!rm_text) {
                r = vn_err(err, -ENOMEM, "out of memory");
                goto out;
        }
        if ((r = vn_mkdir_p(s->dir, 0755)) < 0) {
                vn_err(err, r, "cannot create '%s': %s", s->dir, strerror(-r));
                goto out;
        }
        if (!old || strcmp(old, rm_text) != 0) {
                /* until the transaction is through, removing both old and new is exact */
                _cleanup_free_ char *both = vn_asprintf("%s%s", rm_text, old ? old : "");

                r = both ? vn_write_file_atomic(s->rm, both, strlen(both), 0600) : -ENOMEM;
                if (r < 0) {
                        vn_err(err, r, "cannot write '%s': %s", s->rm, strerror(-r));
                        goto out;
                }
        }
        if (txn) {
                vn_ctx_log(ctx, "hook: one transaction for network '%s'", net->name);
                r = vn_fw_submit(ctx, txn, err);
                if (r < 0) {
                        vn_err_prefix(err, "network '%s': vnet port forwards", net->name);
                        goto out;
                }
        }
        r = vn_write_file_atomic(s->rm, rm_text, strlen(rm_text), 0600);
        if (r < 0) {
                vn_err(err, r, "cannot write '%s': %s", s->rm, strerror(-r));
                goto out;
        }
        if (n_items) {
                if ((r = compat_add(s, net->name, br, false, err)) < 0)
                        goto out;
                if (v6 && (r = compat_add(s, net->name, br, true, err)) < 0)
                        goto out;
        }
        if (notes) {
                struct vn_buf nb = {0};

                for (size_t i = 0; i < n_items; i++)
                        if (!items[i].resolved)
                                vn_buf_addf(&nb, "%s\n", items[i].note);
                *notes = vn_buf_steal(&nb);
        }
        r = 0;
out:
        vn_fwd_items_free(items, n_items);
        vn_fwd_applied_free(applied, n_applied);
        return r;
}

static int rm_dir(const char *dir)
{
        _cleanup_free_ char *a = vn_asprintf("%s/fw-remove", dir),
                            *b = vn_asprintf("%s/ports", dir), *c = vn_asprintf("%s/compat", dir);

        if (a)
                unlink(a);
        if (b)
                unlink(b);
        if (c)
                unlink(c);
        if (rmdir(dir) < 0 && errno != ENOENT)
                return -errno;
        return 0;
}

static int hook_remove(struct vn_ctx *ctx, struct hstate *s, const char *name,
                       struct vn_error *err)
{
        _cleanup_free_ char *old = read_or_null(s->rm);
        int r;

        compat_remove_all(s);
        if (old) {
                r = vn_fw_submit(ctx, old, err);
                if (r < 0) {
                        vn_err_prefix(err, "network '%s': removing vnet port forwards", name);
                        return r; /* keep the state: a retry knows what is left */
                }
        }
        if (old)
                vn_fw_table_gc(ctx); /* the table goes when nothing of anyone's is left */
        r = rm_dir(s->dir);
        if (r < 0)
                return vn_err(err, r, "cannot remove '%s': %s", s->dir, strerror(-r));
        return 0;
}

int vn_hook_run(struct vn_ctx *ctx, const struct vn_hook_args *a, struct vn_hook_data *d,
                const struct vn_hook_opts *o, char **notes, struct vn_error *err)
{
        struct hstate s = {0};
        _cleanup_free_ char *lockname = NULL;
        struct stat st;
        bool have_state;
        int lock, r;

        if (notes)
                *notes = NULL;
        if (a->op == VN_HOOK_OTHER || a->op == VN_HOOK_START)
                return 0; /* start begin: parsing and checking (done) is all */
        if (hstate_init(ctx, a->network, &s) < 0)
                return vn_err(err, -ENOMEM, "out of memory");
        have_state = stat(s.dir, &st) == 0;
        if (!d->net && !have_state) {
                hstate_free(&s);
                return 0; /* not a network with vnet extensions, and nothing left to undo */
        }
        lockname = vn_asprintf("libvirt.%s", a->network);
        if (!lockname) {
                hstate_free(&s);
                return vn_err(err, -ENOMEM, "out of memory");
        }
        lock = vn_lock(ctx, lockname, err);
        if (lock < 0) {
                hstate_free(&s);
                return lock;
        }
        switch (a->op) {
        case VN_HOOK_STOPPED:
                r = hook_remove(ctx, &s, a->network, err);
                break;
        case VN_HOOK_PORT_CREATED:
        case VN_HOOK_PORT_DELETED:
                r = 0;
                if (d->has_port) {
                        if ((r = vn_mkdir_p(s.dir, 0755)) < 0)
                                vn_err(err, r, "cannot create '%s': %s", s.dir, strerror(-r));
                        else
                                r = ports_update(&s, &d->port, a->op == VN_HOOK_PORT_CREATED, err);
                }
                if (r == 0 && d->net)
                        r = hook_apply(ctx, &s, d->net, o, notes, err);
                break;
        default:
                /* started, updated; a network that no longer carries extensions is cleaned */
                r = d->net ? hook_apply(ctx, &s, d->net, o, notes, err)
                           : hook_remove(ctx, &s, a->network, err);
                break;
        }
        vn_unlock(lock);
        hstate_free(&s);
        return r;
}
