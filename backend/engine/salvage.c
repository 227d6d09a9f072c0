/*
 * salvage.c: destroy when the journal cannot be trusted — missing while the network's state
 * says it started, empty, cut inside a line, holding a NUL or control byte, larger than the
 * read limit. What the journal still says exactly is undone as usual (by apply.c, before
 * this); the rest is derived from the network's definition (the live copy
 * ROOT/run/vnet/NAME/net.xml that start wrote, else the persistent one): the bridge by its name and
 * the MAC vnet gives it, the network's firewall by the plan's removal transaction and its tagged
 * compat accepts, dnsmasq found by its configuration file. Then it checks: success only when none
 * of that is left, so `destroy` never reports a network gone while its bridge, rules or dnsmasq
 * still run.
 *
 * An overlay network's vxlan link and FRR configuration are undone only from journal
 * entries that survived: the plan does not name them in a form the undo kinds take.
 */
#include "config.h"

#include "dnsmasq.h"
#include "engine.h"
#include "fw.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

static struct vn_net *salvage_def(struct vn_ctx *ctx, const char *name)
{
        _cleanup_free_ char *live = vn_path_run_file(ctx, name, "net.xml");
        struct vn_error ignore = {0};
        struct vn_net *net = NULL;

        if (live && vn_net_parse_file(live, &net, &ignore) == 0 && vn_net_check(net, &ignore) == 0)
                return net;
        if (net)
                vn_net_free(net);
        net = NULL;
        if (vn_def_load(ctx, name, &net, &ignore) == 0 && vn_net_check(net, &ignore) == 0)
                return net;
        if (net)
                vn_net_free(net);
        return NULL;
}

bool vn_salvage_possible(struct vn_ctx *ctx, const char *name)
{
        struct vn_net *net = salvage_def(ctx, name);

        if (!net)
                return false;
        vn_net_free(net);
        return true;
}

/* Run one undo kind on an entry made from words (the same undo a journal entry gets). */
static int undo_words(struct vn_ctx *ctx, struct vn_nl *nl, vn_undo_lookup lookup, const char *kind,
                      char **args, size_t n, struct vn_error *err)
{
        const struct vn_undo_kind *k = lookup(kind);
        struct vn_journal_entry e = {.kind = (char *)kind, .args = args, .n_args = n};

        if (!k || n < k->min_args)
                return vn_err(err, -EINVAL, "no undo for '%s'", kind);
        return k->undo(ctx, nl, &e, err);
}

/* The bridge vnet made: by name, and only with the kind and MAC vnet gives it. */
static bool bridge_ours(struct vn_nl *nl, const struct vn_plan *p)
{
        struct vn_link_info li;
        struct vn_error ignore = {0};

        if (!p->create_bridge || !p->bridge[0])
                return false;
        if (vn_link_get(nl, p->bridge, &li, &ignore) < 0)
                return false;
        return strcmp(li.kind, "bridge") == 0 && memcmp(li.mac, p->mac, 6) == 0;
}

static int remove_firewall(struct vn_ctx *ctx, struct vn_nl *nl, vn_undo_lookup lookup,
                           const struct vn_plan *p, const char *dir, struct vn_error *err)
{
        int first = 0, r;

        if (p->fw_remove && p->fw_remove[0]) {
                _cleanup_free_ char *path = vn_asprintf("%s/fw-remove.salvage", dir);
                char *args[2] = {path, "4"};

                if (!path)
                        return -ENOMEM;
                r = vn_write_file_atomic(path, p->fw_remove, strlen(p->fw_remove), 0600);
                if (r == 0)
                        r = undo_words(ctx, nl, lookup, p->fw == VN_FW_IPT ? "ipt" : "nft", args, 2,
                                       err);
                unlink(path);
                if (r < 0 && first == 0)
                        first = r;
        }
        if (p->fw == VN_FW_IPT && p->fw6_remove && p->fw6_remove[0]) {
                _cleanup_free_ char *path = vn_asprintf("%s/fw6-remove.salvage", dir);
                char *args[2] = {path, "6"};

                if (!path)
                        return -ENOMEM;
                r = vn_write_file_atomic(path, p->fw6_remove, strlen(p->fw6_remove), 0600);
                if (r == 0)
                        r = undo_words(ctx, nl, lookup, "ipt", args, 2, err);
                unlink(path);
                if (r < 0 && first == 0)
                        first = r;
        }
        if (p->csum_remove && p->csum_remove[0]) { /* the DHCP checksum fill (iptables mangle) */
                _cleanup_free_ char *path = vn_asprintf("%s/csum-remove.salvage", dir);
                char *args[2] = {path, "4"};

                if (!path)
                        return -ENOMEM;
                r = vn_write_file_atomic(path, p->csum_remove, strlen(p->csum_remove), 0600);
                if (r == 0)
                        r = undo_words(ctx, nl, lookup, "ipt", args, 2, err);
                unlink(path);
                if (r < 0 && first == 0)
                        first = r;
        }
        for (size_t i = 0; i < p->n_compat; i++) {
                _cleanup_free_ char *line = strdup(p->compat_add[i]);
                char *args[32], *save = NULL;
                size_t n = 0;

                if (!line)
                        return -ENOMEM;
                for (char *t = strtok_r(line, "\t", &save); t && n < VN_ARRAY_SIZE(args);
                     t = strtok_r(NULL, "\t", &save))
                        args[n++] = t;
                /* deleting a rule that is not there fails harmlessly, as in a journal's undo */
                if (n)
                        undo_words(ctx, nl, lookup, "compat", args, n, &(struct vn_error){0});
        }
        return first;
}

/* What of the network is still there, as "bridge X, nft chains, dnsmasq pid N" (empty: none). */
static void what_remains(struct vn_nl *nl, const struct vn_plan *p, const char *name,
                         struct vn_buf *b)
{
        struct vn_error ignore = {0};

        if (bridge_ours(nl, p))
                vn_buf_addf(b, "%sbridge %s", b->len ? ", " : "", p->bridge);
        if (p->fw == VN_FW_NFT && p->fw_apply) {
                _cleanup_free_ char *out = NULL;
                char ident[64], quoted[40];

                vn_nft_ident(p->bridge, "", ident, sizeof(ident));
                snprintf(quoted, sizeof(quoted), "\"%s\"", p->bridge);
                if (vn_nft_query("list table inet " VN_NFT_TABLE, &out, &ignore) == 0 && out &&
                    (strstr(out, ident) || strstr(out, quoted)))
                        vn_buf_addf(b, "%snft chains or map elements of %s in table inet %s",
                                    b->len ? ", " : "", p->bridge, VN_NFT_TABLE);
        }
        if (p->fw == VN_FW_IPT && p->fw_apply) {
                const char *argv4[] = {"-S", NULL}, *argv4n[] = {"-t", "nat", "-S", NULL};
                char chain[40];

                snprintf(chain, sizeof(chain), "_%s ", p->bridge);
                for (int k = 0; k < 2; k++) {
                        _cleanup_free_ char *out = NULL;

                        if (vn_ipt_exec(false, k ? argv4n : argv4, &out) == 0 && out &&
                            strstr(out, chain)) {
                                vn_buf_addf(b, "%siptables chains of %s", b->len ? ", " : "",
                                            p->bridge);
                                break;
                        }
                }
        }
        if (p->n_compat) {
                const char *argv[] = {"-S", NULL};
                _cleanup_free_ char *out = NULL, *tag = vn_asprintf("vnet:%s", name);

                if (tag && vn_ipt_exec(false, argv, &out) == 0 && out) {
                        for (const char *s = out; (s = strstr(s, tag)); s += strlen(tag))
                                if (strchr(" \n\"", s[strlen(tag)])) {
                                        vn_buf_addf(b, "%siptables rules tagged %s",
                                                    b->len ? ", " : "", tag);
                                        break;
                                }
                }
        }
        if (p->dnsmasq && p->dnsmasq_conf_path) {
                pid_t pid = vn_dnsmasq_find(p->dnsmasq_conf_path);

                if (pid > 0)
                        vn_buf_addf(b, "%sdnsmasq pid %ld", b->len ? ", " : "", (long)pid);
        }
}

int vn_salvage(struct vn_ctx *ctx, struct vn_nl *nl, const char *name, const char *why,
               unsigned flags, vn_undo_lookup lookup, struct vn_error *err)
{
        _cleanup_free_ char *dir = vn_path_run(ctx, name);
        _cleanup_net_ struct vn_net *net = NULL;
        _cleanup_plan_ struct vn_plan *p = NULL;
        _cleanup_buf_ struct vn_buf left = {0};
        struct vn_error e2 = {0};
        int first = 0, r;

        if (!dir)
                return vn_err(err, -ENOMEM, "out of memory");
        net = salvage_def(ctx, name);
        if (!net) {
                if (flags & VN_DESTROY_FORCE)
                        return 0; /* asked for: what the journal said is undone, the rest forgotten
                                   */
                return vn_err(err, -EBADMSG,
                              "network '%s': its journal is unusable (%s) and no definition is "
                              "left to derive the cleanup from",
                              name, why);
        }
        r = vn_plan_for(ctx, net, &p, err);
        if (r < 0) {
                vn_err_prefix(err, "network '%s': journal unusable (%s), planning the cleanup",
                              name, why);
                return r;
        }
        if (p->dnsmasq && p->dnsmasq_conf_path) {
                /* found by its configuration file, not by the pid file dnsmasq's user owns */
                pid_t pid = vn_dnsmasq_find(p->dnsmasq_conf_path);
                struct vn_dnsmasq_id id;

                if (pid > 0 && vn_dnsmasq_identify(pid, p->dnsmasq_conf_path, &id) &&
                    (r = vn_dnsmasq_stop(&id, p->dnsmasq_conf_path, &e2)) < 0 && first == 0)
                        first = vn_err(err, r, "%s", e2.msg);
        }
        r = remove_firewall(ctx, nl, lookup, p, dir, &e2);
        if (r < 0 && first == 0)
                first = vn_err(err, r, "%s", e2.msg);
        if (bridge_ours(nl, p)) {
                r = vn_link_delete(nl, p->bridge, &e2);
                if (r < 0 && r != -ENODEV && first == 0)
                        first = vn_err(err, r, "%s", e2.msg);
        }
        what_remains(nl, p, name, &left);
        if (left.len)
                return vn_err(err, -EBUSY,
                              "network '%s': journal unusable (%s); cleaned up from the "
                              "definition, but still present: %s",
                              name, why, vn_buf_str(&left));
        return first;
}
