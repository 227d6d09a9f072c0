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

/* ---- parsing a forward from strings --------------------------------------- */

static int parse_ports(const char *what, const char *s, unsigned *start, unsigned *end,
                       struct vn_error *err)
{
        unsigned long a, b;
        char *e;

        if (!s || !isdigit((unsigned char)*s))
                goto bad;
        errno = 0;
        a = strtoul(s, &e, 10);
        b = a;
        if (errno)
                goto bad;
        if (*e == '-') {
                if (!isdigit((unsigned char)e[1]))
                        goto bad;
                b = strtoul(e + 1, &e, 10);
                if (errno)
                        goto bad;
        }
        if (*e)
                goto bad;
        if (a < 1 || b > 65535 || a > b)
                return vn_err(err, -EINVAL, "%s '%s': out of range (1-65535, start <= end)", what,
                              s);
        *start = (unsigned)a;
        *end = (unsigned)b;
        return 0;
bad:
        return vn_err(err, -EINVAL, "%s '%s': expected a port N or a range N-M", what, s ? s : "");
}

int vn_forward_spec_parse(const struct vn_forward_spec *s, struct vn_port_forward *out,
                          struct vn_error *err)
{
        struct vn_port_forward f = {0};
        int r;

        if (s->proto) {
                r = vn_proto_from_name(s->proto);
                if (r < 0)
                        return vn_err(err, -EINVAL,
                                      "protocol '%s': unknown (allowed: tcp, udp, sctp)", s->proto);
                f.proto = (enum vn_proto)r;
        }
        if (!s->port)
                return vn_err(err, -EINVAL, "a port (N or N-M) is required");
        if ((r = parse_ports("port", s->port, &f.port_start, &f.port_end, err)) < 0)
                return r;
        if (s->toport) {
                if ((r = parse_ports("toport", s->toport, &f.toport_start, &f.toport_end, err)) < 0)
                        return r;
                f.has_toport = true;
                if (f.toport_start != f.toport_end &&
                    f.toport_end - f.toport_start != f.port_end - f.port_start)
                        return vn_err(err, -EINVAL,
                                      "toport range %s has a different length than port range %s",
                                      s->toport, s->port);
        } else {
                f.toport_start = f.port_start;
                f.toport_end = f.port_end;
        }
        if (!s->to == !s->mac)
                return vn_err(err, -EINVAL,
                              "exactly one of a guest address (to) or a guest MAC is required");
        if (s->to && vn_addr_parse(s->to, &f.to) < 0)
                return vn_err(err, -EINVAL, "guest address '%s': not an IPv4 or IPv6 address",
                              s->to);
        if (s->mac) {
                if (vn_mac_parse(s->mac, f.mac) < 0)
                        return vn_err(err, -EINVAL, "guest MAC '%s': invalid", s->mac);
                f.has_mac = true;
        }
        if (s->address && vn_addr_parse(s->address, &f.address) < 0)
                return vn_err(err, -EINVAL, "host address '%s': not an IPv4 or IPv6 address",
                              s->address);
        if (vn_addr_is_set(&f.address) && vn_addr_is_set(&f.to) && f.address.family != f.to.family)
                return vn_err(err, -EINVAL,
                              "host address and guest address are of different "
                              "families");
        *out = f;
        return 0;
}

/* ---- learnt addresses ------------------------------------------------------ */

static void macs_push(struct vn_mac_ip **out, size_t *n, const uint8_t mac[6],
                      const struct vn_addr *a, const char *source)
{
        struct vn_mac_ip *nv;

        /* the newest line of a lease file wins: drop an older entry for the same MAC/family */
        for (size_t i = 0; i < *n; i++)
                if (memcmp((*out)[i].mac, mac, 6) == 0 && (*out)[i].addr.family == a->family) {
                        (*out)[i].addr = *a;
                        return;
                }
        nv = realloc(*out, (*n + 1) * sizeof(*nv));
        if (!nv)
                return;
        *out = nv;
        memcpy(nv[*n].mac, mac, 6);
        nv[*n].addr = *a;
        nv[*n].source = source;
        (*n)++;
}

void vn_macs_from_leases(const char *text, struct vn_mac_ip **out, size_t *n)
{
        _cleanup_free_ char *copy = vn_strdup(text);
        char *save = NULL;

        if (!copy)
                return;
        for (char *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
                char f0[32], mac[64], ip[64];
                uint8_t m[6];
                struct vn_addr a;

                /* "EXPIRY MAC IP HOSTNAME CLIENTID"; DHCPv6 lines carry an IAID, not a MAC */
                if (sscanf(l, "%31s %63s %63s", f0, mac, ip) != 3 || strcmp(f0, "duid") == 0)
                        continue;
                if (vn_mac_parse(mac, m) < 0 || vn_addr_parse(ip, &a) < 0)
                        continue;
                macs_push(out, n, m, &a, "lease");
        }
}

/* Extract "KEY": "VALUE" from one JSON object text (libvirt writes these flat objects). */
static bool json_field(const char *obj, const char *end, const char *key, char *val, size_t len)
{
        char pat[64];
        const char *p, *q;

        snprintf(pat, sizeof(pat), "\"%s\"", key);
        p = strstr(obj, pat);
        if (!p || p >= end)
                return false;
        p += strlen(pat);
        while (p < end && (isspace((unsigned char)*p) || *p == ':'))
                p++;
        if (p >= end || *p != '"')
                return false;
        q = memchr(p + 1, '"', (size_t)(end - p - 1));
        if (!q || (size_t)(q - p - 1) >= len)
                return false;
        memcpy(val, p + 1, (size_t)(q - p - 1));
        val[q - p - 1] = '\0';
        return true;
}

void vn_macs_from_libvirt_status(const char *text, struct vn_mac_ip **out, size_t *n)
{
        const char *p = text;

        while (p && (p = strchr(p, '{'))) {
                const char *end = strchr(p, '}');
                char mac[64], ip[64];
                uint8_t m[6];
                struct vn_addr a;

                if (!end)
                        break;
                if (json_field(p, end, "mac-address", mac, sizeof(mac)) &&
                    json_field(p, end, "ip-address", ip, sizeof(ip)) && vn_mac_parse(mac, m) == 0 &&
                    vn_addr_parse(ip, &a) == 0)
                        macs_push(out, n, m, &a, "lease");
                p = end + 1;
        }
}

void vn_forward_macs(struct vn_ctx *ctx, const char *name, struct vn_mac_ip **out, size_t *n)
{
        _cleanup_free_ char *path = vn_path_run_file(ctx, name, "dnsmasq.leases");
        _cleanup_free_ char *data = NULL;

        *out = NULL;
        *n = 0;
        if (path && vn_read_file(path, 16u << 20, &data, NULL) == 0)
                vn_macs_from_leases(data, out, n);
}

/* ---- applied blocks and the diff -------------------------------------------- */

void vn_fwd_applied_free(struct vn_fwd_applied *a, size_t n)
{
        for (size_t i = 0; i < n; i++)
                free(a[i].del);
        free(a);
}

int vn_fwd_applied_parse(const char *text, struct vn_fwd_applied **out, size_t *n)
{
        struct vn_fwd_applied *v = NULL;
        size_t cnt = 0;
        const char *p = text;

        *out = NULL;
        *n = 0;
        while (p && *p) {
                const char *eol = strchr(p, '\n');
                size_t ml = strlen(VN_FWD_MARK);

                if (strncmp(p, VN_FWD_MARK, ml) == 0) {
                        const char *end = strstr(p, VN_FWD_MARK_END "\n");
                        struct vn_fwd_applied *nv;
                        unsigned sig = 0;
                        char chain[128];

                        if (!end)
                                break; /* truncated: ignore the rest */
                        end += strlen(VN_FWD_MARK_END "\n");
                        if (sscanf(p + ml, "%127s %x", chain, &sig) == 2) {
                                nv = realloc(v, (cnt + 1) * sizeof(*v));
                                if (!nv) {
                                        vn_fwd_applied_free(v, cnt);
                                        return -ENOMEM;
                                }
                                v = nv;
                                memset(&v[cnt], 0, sizeof(*v));
                                snprintf(v[cnt].chain, sizeof(v[cnt].chain), "%s", chain);
                                v[cnt].sig = sig;
                                v[cnt].del = strndup(p, (size_t)(end - p));
                                if (!v[cnt].del) {
                                        vn_fwd_applied_free(v, cnt);
                                        return -ENOMEM;
                                }
                                cnt++;
                        }
                        p = end;
                        continue;
                }
                p = eol ? eol + 1 : NULL;
        }
        *out = v;
        *n = cnt;
        return 0;
}

int vn_fwd_diff(const char *base, const struct vn_fwd_applied *applied, size_t n_applied,
                const struct vn_fwd_item *want, size_t n_want, char **out)
{
        struct vn_buf b = {0};
        bool any = false;

        *out = NULL;
        vn_buf_add(&b, base ? base : "");
        for (size_t i = 0; i < n_applied; i++) {
                bool keep = false;

                for (size_t j = 0; j < n_want; j++)
                        if (want[j].resolved && strcmp(want[j].chain, applied[i].chain) == 0)
                                keep = true;
                if (!keep) {
                        vn_buf_add(&b, applied[i].del);
                        any = true;
                }
        }
        for (size_t j = 0; j < n_want; j++) {
                bool same = false;

                if (!want[j].resolved)
                        continue;
                for (size_t i = 0; i < n_applied; i++)
                        if (strcmp(want[j].chain, applied[i].chain) == 0 &&
                            want[j].sig == applied[i].sig)
                                same = true;
                if (!same) {
                        vn_buf_add(&b, want[j].add);
                        any = true;
                }
        }
        if (!any) {
                vn_buf_free(&b);
                return 0;
        }
        *out = vn_buf_steal(&b);
        return *out ? 1 : -ENOMEM;
}

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
        vn_forward_macs(ctx, net->name, &macs, &n_macs);
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
                r = vn_nft_run(txn, false, err);
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
                vn_forward_macs(ctx, name, &macs, &n_macs);
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
