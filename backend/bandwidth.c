/*
 * bandwidth.c: <bandwidth> on the kernel. The planner (plan-tc.c) says what
 * to shape where; this creates it through drivers/tc.c, journaling each object
 * before it exists so that rollback, destroy and destroy-after-crash remove
 * exactly it. Journal kinds: "ifb NAME", "tc-root DEV", "tc-ingress DEV".
 */
#include "config.h"

#include "bandwidth.h"

#include "fault.h"
#include "tc.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static int step(struct vn_ctx *ctx, const char *name, const char *dev, struct vn_error *err)
{
        char s[64];
        int f;

        snprintf(s, sizeof(s), "%s:%s", name, dev);
        f = vn_fault_point(s);
        vn_ctx_log(ctx, "step %s", s);
        if (f < 0)
                return vn_err(err, f, "step %s: injected fault: %s", s, strerror(-f));
        return 0;
}

static int htb(struct vn_nl *nl, const struct vn_plan_shape *s, struct vn_error *err)
{
        struct vn_htb_spec top = {.rate = s->rate, .ceil = s->ceil};
        struct vn_htb_spec leaf = {.rate = s->rate, .ceil = s->ceil, .burst = s->burst};
        unsigned leaf_minor = s->hierarchical ? 2 : 1;
        int r;

        if ((r = vn_tc_htb_root_add(nl, s->dev, leaf_minor, err)) < 0)
                return r;
        if (s->hierarchical && (r = vn_tc_htb_class_add(nl, s->dev, 0, 1, &top, err)) < 0)
                return r;
        return vn_tc_htb_class_add(nl, s->dev, s->hierarchical ? 1 : 0, leaf_minor, &leaf, err);
}

int vn_shape_apply(struct vn_ctx *ctx, struct vn_nl *nl, const struct vn_plan_shape *s,
                   vn_shape_record_fn record, void *data, struct vn_error *err)
{
        int r;

        if (!s->from[0]) {
                if ((r = step(ctx, "tc-htb", s->dev, err)) < 0 ||
                    (r = record(data, "tc-root", s->dev)) < 0)
                        return r;
                return htb(nl, s, err);
        }
        /* the ifb first, shaped, then the redirect: no packet is ever sent to a bare ifb */
        if ((r = step(ctx, "tc-ifb", s->dev, err)) < 0 || (r = record(data, "ifb", s->dev)) < 0)
                return r;
        if ((r = vn_ifb_create(nl, s->dev, err)) < 0)
                return r;
        if ((r = vn_link_set_up(nl, s->dev, true, err)) < 0)
                return r;
        if ((r = step(ctx, "tc-htb", s->dev, err)) < 0 || (r = htb(nl, s, err)) < 0)
                return r;
        if ((r = step(ctx, "tc-redirect", s->from, err)) < 0 ||
            (r = record(data, "tc-ingress", s->from)) < 0)
                return r;
        return vn_tc_ingress_redirect_add(nl, s->from, s->dev, err);
}

int vn_ifb_remove(struct vn_nl *nl, const char *name, struct vn_error *err)
{
        struct vn_link_info li;
        int r = vn_link_get(nl, name, &li, err);

        if (r == -ENODEV)
                return 0;
        if (r < 0)
                return r;
        if (strcmp(li.kind, "ifb") != 0)
                return vn_err(err, -EEXIST, "link '%s' is not the ifb vnet created (kind %s)", name,
                              li.kind);
        r = vn_link_delete(nl, name, err);
        return r == -ENODEV ? 0 : r;
}

/* ---- the network's shapes, as an engine feature ---------------------------------------- */

struct journal_rec {
        struct vn_journal *j;
};

static int journal_record(void *data, const char *kind, const char *dev)
{
        struct journal_rec *jr = data;

        return vn_journal_add(jr->j, kind, dev, NULL);
}

static int bandwidth_apply(struct vn_ctx *ctx, struct vn_nl *nl, struct vn_journal *j,
                           const struct vn_plan *p, struct vn_error *err)
{
        struct journal_rec jr = {.j = j};
        int r;

        for (size_t i = 0; i < p->n_shapes; i++)
                if ((r = vn_shape_apply(ctx, nl, &p->shapes[i], journal_record, &jr, err)) < 0) {
                        vn_err_prefix(err, "network '%s': <bandwidth><%s>", p->name,
                                      p->shapes[i].what);
                        return r;
                }
        return 0;
}

static int with_nl(struct vn_nl **nl, struct vn_nl **own, struct vn_error *err)
{
        if (*nl)
                return 0;
        if (vn_nl_open(own, err) < 0)
                return -EIO;
        *nl = *own;
        return 0;
}

static int undo_ifb(struct vn_ctx *ctx, struct vn_nl *nl, const struct vn_journal_entry *e,
                    struct vn_error *err)
{
        _cleanup_nl_ struct vn_nl *own = NULL;
        int r;

        (void)ctx;
        if ((r = with_nl(&nl, &own, err)) < 0)
                return r;
        return vn_ifb_remove(nl, e->args[0], err);
}

/* A qdisc already gone (with its device, or never made) is success. */
static int undo_qdisc(struct vn_ctx *ctx, struct vn_nl *nl, const struct vn_journal_entry *e,
                      struct vn_error *err)
{
        _cleanup_nl_ struct vn_nl *own = NULL;
        struct vn_error e2 = {0};
        int r;

        (void)ctx;
        if ((r = with_nl(&nl, &own, err)) < 0)
                return r;
        r = strcmp(e->kind, "tc-root") == 0 ? vn_tc_root_del(nl, e->args[0], &e2)
                                            : vn_tc_ingress_del(nl, e->args[0], &e2);
        if (r == -ENODEV || r == -ENOENT || r == -EINVAL)
                return 0;
        return r < 0 ? vn_err(err, r, "%s", e2.msg) : 0;
}

static const struct vn_undo_kind bandwidth_undo[] = {
    {"ifb", 1, undo_ifb},
    {"tc-root", 1, undo_qdisc},
    {"tc-ingress", 1, undo_qdisc},
};

const struct vn_feature vn_bandwidth_feature = {
    .name = "bandwidth",
    .apply = bandwidth_apply,
    .undo = bandwidth_undo,
    .n_undo = VN_ARRAY_SIZE(bandwidth_undo),
};
