/*
 * defs.c: persistent definitions — define, undefine, autostart, list —
 * with virsh net-define's rules for names and UUIDs.
 */
#include "config.h"

#include "vnet.h"

#include "link.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

static bool bridge_name_used(struct vn_nl *nl, const char *br, struct vn_net *const *others,
                             size_t n_others, const char *self)
{
        for (size_t i = 0; i < n_others; i++)
                if (!vn_streq(others[i]->name, self) && vn_streq(others[i]->bridge.name, br))
                        return true;
        return nl && vn_link_index(nl, br) > 0;
}

int vn_fill_defaults(struct vn_ctx *ctx, struct vn_net *net, struct vn_net *const *others,
                     size_t n_others, struct vn_error *err)
{
        enum vn_fwd_mode mode = net->forward.present ? net->forward.mode : VN_FWD_NONE;
        const struct vn_mode_info *mi = vn_mode_info(mode);

        if (!mi->creates_bridge)
                return 0;
        if (!net->has_mac) {
                vn_plan_default_mac(net, net->mac);
                net->has_mac = true;
        }
        if (!net->bridge.name) {
                _cleanup_nl_ struct vn_nl *nl = NULL;
                struct vn_error ignore = {0};
                char name[16];

                /* Without netlink (unprivileged `vnet plan`), defined networks still count. */
                if (vn_nl_open(&nl, &ignore) < 0)
                        nl = NULL;
                for (unsigned i = 0; i < 1024; i++) {
                        snprintf(name, sizeof(name), "virbr%u", i);
                        if (!bridge_name_used(nl, name, others, n_others, net->name)) {
                                net->bridge.name = strdup(name);
                                net->bridge.present = true;
                                if (!net->bridge.name)
                                        return vn_err(err, -ENOMEM, "out of memory");
                                return 0;
                        }
                }
                return vn_err(err, -ENOSPC, "network '%s': no free bridge name virbr0..virbr1023",
                              net->name);
        }
        (void)ctx;
        return 0;
}

int vn_define_net(struct vn_ctx *ctx, struct vn_net *net, bool *updated, struct vn_error *err)
{
        struct vn_net **defs = NULL, **others = NULL;
        struct vn_error loaderr = {0};
        _cleanup_free_ char *path = NULL, *xml = NULL;
        size_t n = 0, n_others = 0;
        const struct vn_net *same = NULL;
        char u1[37], u2[37];
        int r, dfd, lock = -1, defs_lock = -1;

        r = vn_net_check(net, err);
        if (r < 0)
                return r;
        lock = vn_lock(ctx, net->name, err);
        if (lock < 0)
                return lock;
        /* the checks against the other definitions (bridge name, uuid, subnets) hold only if
         * no other define lands between loading them and writing this one */
        defs_lock = vn_lock(ctx, ".definitions", err);
        if (defs_lock < 0) {
                vn_unlock(lock);
                return defs_lock;
        }
        r = vn_defs_load(ctx, &defs, &n, &loaderr);
        if (r < 0) {
                vn_err(err, r, "%s", loaderr.msg);
                goto out;
        }
        others = calloc(n ? n : 1, sizeof(*others));
        if (!others) {
                r = vn_err(err, -ENOMEM, "out of memory");
                goto out;
        }
        for (size_t i = 0; i < n; i++) {
                bool same_name = vn_streq(defs[i]->name, net->name);
                bool same_uuid = memcmp(defs[i]->uuid, net->uuid, 16) == 0;

                if (same_name && net->uuid_generated) {
                        /* no <uuid> given: keep the existing network's, as libvirt does */
                        memcpy(net->uuid, defs[i]->uuid, 16);
                        same_uuid = true;
                }
                if (same_name && !same_uuid) {
                        vn_uuid_format(defs[i]->uuid, u1);
                        r = vn_err(err, -EEXIST,
                                   "network '%s' is already defined with uuid %s; remove the "
                                   "<uuid> element or use that uuid to update it",
                                   net->name, u1);
                        goto out;
                }
                if (!same_name && same_uuid) {
                        vn_uuid_format(net->uuid, u2);
                        r = vn_err(err, -EEXIST,
                                   "uuid %s is already used by network '%s'; a network cannot "
                                   "be renamed by define (undefine it first)",
                                   u2, defs[i]->name);
                        goto out;
                }
                if (same_name)
                        same = defs[i];
                else
                        others[n_others++] = defs[i];
        }
        net->uuid_generated = false;
        /* an update keeps the bridge and MAC define assigned before */
        if (same && !net->bridge.name && same->bridge.name &&
            vn_mode_info(net->forward.present ? net->forward.mode : VN_FWD_NONE)->creates_bridge) {
                net->bridge.name = strdup(same->bridge.name);
                net->bridge.present = true;
                if (!net->has_mac && same->has_mac) {
                        memcpy(net->mac, same->mac, 6);
                        net->has_mac = true;
                }
        }
        r = vn_fill_defaults(ctx, net, others, n_others, err);
        if (r < 0)
                goto out;
        r = vn_net_check_against(net, others, n_others, err);
        if (r < 0)
                goto out;
        xml = vn_net_format(net, VN_FORMAT_INACTIVE);
        path = vn_path_def(ctx, net->name);
        if (!xml || !path) {
                r = vn_err(err, -ENOMEM, "out of memory");
                goto out;
        }
        /* what is written must read back: the canonical form can be larger than the input */
        if (strlen(xml) > VN_XML_MAX_SIZE) {
                r = vn_err(err, -EFBIG,
                           "network '%s': its definition would be %zu bytes in canonical form, "
                           "more than the %u bytes vnet reads back",
                           net->name, strlen(xml), VN_XML_MAX_SIZE);
                goto out;
        }
        dfd = vn_dir_open(ctx->def_dir, true, 0755, err);
        if (dfd < 0) {
                r = vn_err(err, dfd, "cannot create '%s': %s", ctx->def_dir, strerror(-dfd));
                goto out;
        }
        close(dfd);
        r = vn_write_file_atomic(path, xml, strlen(xml), 0644);
        if (r < 0) {
                vn_err(err, r, "cannot write '%s': %s", path, strerror(-r));
                goto out;
        }
        if (updated)
                *updated = same != NULL;
out:
        free(others);
        vn_defs_free(defs, n);
        vn_unlock(defs_lock);
        vn_unlock(lock);
        return r;
}

int vn_define(struct vn_ctx *ctx, const char *path, struct vn_net **out, bool *updated,
              struct vn_error *err)
{
        _cleanup_net_ struct vn_net *net = NULL;
        int r;

        r = vn_net_parse_file(path, &net, err);
        if (r < 0)
                return r;
        r = vn_define_net(ctx, net, updated, err);
        if (r < 0)
                return r;
        if (out)
                *out = VN_TAKE(net);
        return 0;
}

int vn_undefine(struct vn_ctx *ctx, const char *name, struct vn_error *err)
{
        _cleanup_free_ char *path = NULL, *ap = NULL;
        int lock, r = 0;

        if (!vn_net_name_valid(name))
                return vn_err(err, -EINVAL, "'%s' is not a valid network name", name);
        path = vn_path_def(ctx, name);
        ap = vn_path_autostart(ctx, name);
        if (!path || !ap)
                return vn_err(err, -ENOMEM, "out of memory");
        lock = vn_lock(ctx, name, err);
        if (lock < 0)
                return lock;
        if (unlink(path) < 0) {
                r = -errno;
                if (r == -ENOENT)
                        vn_err(err, r, "network '%s' is not defined", name);
                else
                        vn_err(err, r, "cannot remove '%s': %s", path, strerror(-r));
        } else {
                unlink(ap);
        }
        vn_unlock(lock);
        return r;
}

int vn_autostart_set(struct vn_ctx *ctx, const char *name, bool on, struct vn_error *err)
{
        _cleanup_free_ char *path = NULL, *ap = NULL;
        int r;

        if (!vn_net_name_valid(name))
                return vn_err(err, -EINVAL, "'%s' is not a valid network name", name);
        path = vn_path_def(ctx, name);
        ap = vn_path_autostart(ctx, name);
        if (!path || !ap)
                return vn_err(err, -ENOMEM, "out of memory");
        if (access(path, F_OK) < 0)
                return vn_err(err, -ENOENT,
                              "network '%s' is not defined (only persistent networks can "
                              "autostart)",
                              name);
        if (!on) {
                if (unlink(ap) < 0 && errno != ENOENT)
                        return vn_err(err, -errno, "cannot remove '%s': %s", ap, strerror(errno));
                return 0;
        }
        r = vn_dir_open(ctx->auto_dir, true, 0755, err);
        if (r < 0)
                return vn_err(err, r, "cannot create '%s': %s", ctx->auto_dir, strerror(-r));
        close(r);
        if (symlink(path, ap) < 0 && errno != EEXIST)
                return vn_err(err, -errno, "cannot create '%s': %s", ap, strerror(errno));
        return 0;
}

bool vn_autostart_get(struct vn_ctx *ctx, const char *name)
{
        _cleanup_free_ char *ap = vn_path_autostart(ctx, name);

        return ap && access(ap, F_OK) == 0;
}

void vn_list_free(struct vn_net_status *l, size_t n)
{
        if (!l)
                return;
        for (size_t i = 0; i < n; i++)
                free(l[i].name);
        free(l);
}

static int status_cmp(const void *a, const void *b)
{
        return strcmp(((const struct vn_net_status *)a)->name,
                      ((const struct vn_net_status *)b)->name);
}

static int status_fill(struct vn_net_status *s, const struct vn_net *net)
{
        s->name = strdup(net->name);
        if (!s->name)
                return -ENOMEM;
        vn_uuid_format(net->uuid, s->uuid);
        snprintf(s->bridge, sizeof(s->bridge), "%s", net->bridge.name ? net->bridge.name : "");
        s->mode = net->forward.present ? net->forward.mode : VN_FWD_NONE;
        return 0;
}

int vn_list(struct vn_ctx *ctx, struct vn_net_status **out, size_t *n_out, struct vn_error *err)
{
        struct vn_net **defs = NULL;
        char **running = NULL;
        size_t n_defs = 0, n_run = 0, n = 0;
        struct vn_net_status *l = NULL;
        int r;

        r = vn_defs_load(ctx, &defs, &n_defs, err);
        if (r < 0)
                return r;
        r = vn_running_names(ctx, &running, &n_run);
        if (r < 0) {
                vn_defs_free(defs, n_defs);
                return vn_err(err, r, "cannot read '%s': %s", ctx->run_dir, strerror(-r));
        }
        l = calloc(n_defs + n_run + 1, sizeof(*l));
        if (!l) {
                r = -ENOMEM;
                goto out;
        }
        for (size_t i = 0; i < n_defs; i++) {
                if ((r = status_fill(&l[n], defs[i])) < 0)
                        goto out;
                l[n].persistent = true;
                l[n].autostart = vn_autostart_get(ctx, defs[i]->name);
                l[n].state = vn_state_get(ctx, defs[i]->name);
                n++;
        }
        for (size_t i = 0; i < n_run; i++) {
                bool known = false;
                _cleanup_free_ char *live = NULL;
                struct vn_net *net = NULL;
                struct vn_error ignore = {0};

                for (size_t k = 0; k < n_defs; k++)
                        if (strcmp(defs[k]->name, running[i]) == 0)
                                known = true;
                if (known)
                        continue;
                /* transient (vnet create) */
                live = vn_path_run_file(ctx, running[i], "net.xml");
                if (!live) {
                        r = -ENOMEM;
                        goto out;
                }
                if (vn_net_parse_file(live, &net, &ignore) == 0) {
                        r = status_fill(&l[n], net);
                        vn_net_free(net);
                        if (r < 0)
                                goto out;
                } else {
                        l[n].name = strdup(running[i]);
                        if (!l[n].name) {
                                r = -ENOMEM;
                                goto out;
                        }
                }
                l[n].state = vn_state_get(ctx, running[i]);
                if (l[n].state == VN_STATE_INACTIVE) {
                        free(l[n].name);
                        l[n].name = NULL;
                        continue;
                }
                n++;
        }
        qsort(l, n, sizeof(*l), status_cmp);
        *out = VN_TAKE(l);
        *n_out = n;
        r = 0;
out:
        if (r < 0) {
                vn_list_free(l, n);
                vn_err(err, r, "out of memory");
        }
        vn_strv_free(running, n_run);
        vn_defs_free(defs, n_defs);
        return r;
}

int vn_get_net(struct vn_ctx *ctx, const char *name, bool inactive, struct vn_net **out,
               struct vn_error *err)
{
        if (!vn_net_name_valid(name))
                return vn_err(err, -EINVAL, "'%s' is not a valid network name", name);
        if (!inactive && vn_state_get(ctx, name) != VN_STATE_INACTIVE) {
                _cleanup_free_ char *live = vn_path_run_file(ctx, name, "net.xml");

                if (!live)
                        return -ENOMEM;
                if (access(live, F_OK) == 0)
                        return vn_net_parse_file(live, out, err);
        }
        return vn_def_load(ctx, name, out, err);
}
