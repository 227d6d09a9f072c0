/*
 * facts.c: host facts the pure planner cannot invent — the firewall backend
 * this host uses, the addresses guests leased (for forwards naming a guest by
 * MAC), an overlay's local VTEP address and underlay MTU — and vn_plan_for(),
 * which gathers them and plans a model the way start would on this host.
 */
#include "config.h"

#include "engine.h"

#include "dnsmasq.h"
#include "fw.h"
#include "link.h"
#include "support.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>

static enum vn_fw_backend resolve_fw(struct vn_ctx *ctx)
{
        const char *env;

        if (ctx->fw_backend != VN_FW_AUTO)
                return ctx->fw_backend;
        env = getenv("VNET_FIREWALL_BACKEND");
        if (env && vn_fw_backend_from_name(env) > 0)
                return (enum vn_fw_backend)vn_fw_backend_from_name(env);
        return vn_nft_available() ? VN_FW_NFT : VN_FW_IPT;
}

void vn_leased_macs(struct vn_ctx *ctx, const char *name, struct vn_mac_ip **out, size_t *n)
{
        _cleanup_free_ char *path = vn_path_run_file(ctx, name, "dnsmasq.leases");
        _cleanup_free_ char *data = NULL;

        *out = NULL;
        *n = 0;
        if (path && vn_read_file(path, 16u << 20, &data, NULL) == 0)
                vn_macs_from_leases(data, out, n);
}

/* An overlay's host state: this host's VTEP address when the definition names an underlay
 * device (local-dev), and the MTU of the device carrying the VTEP address. Fills
 * opts->overlay_local (pointing at *local) and opts->overlay_underlay_mtu when it can; leaves
 * them unset otherwise (the planner or apply then say what is missing). */
static void overlay_facts(const struct vn_net *net, struct vn_plan_opts *opts,
                          struct vn_addr *local)
{
        const struct vn_overlay *o = &net->ext.overlay;
        _cleanup_nl_ struct vn_nl *nl = NULL;
        struct vn_error ignore = {0};
        struct vn_link_info li;
        char dev[16];

        if (o->type == VN_OVERLAY_NONE || vn_nl_open(&nl, &ignore) < 0)
                return;
        if (o->local_dev) {
                if (vn_ifaddr_first_v4(nl, o->local_dev, local, &ignore) < 0)
                        return;
                opts->overlay_local = local;
                snprintf(dev, sizeof(dev), "%s", o->local_dev);
        } else if (vn_ifaddr_owner(nl, &o->local, dev, &ignore) < 0) {
                return;
        }
        if (vn_link_get(nl, dev, &li, &ignore) == 0 && li.mtu)
                opts->overlay_underlay_mtu = li.mtu;
}

int vn_leases_read(struct vn_ctx *ctx, const char *name, struct vn_lease_info **out, size_t *n,
                   struct vn_error *err)
{
        _cleanup_free_ char *path = vn_path_run_file(ctx, name, "dnsmasq.leases");
        _cleanup_free_ char *data = NULL;
        int r;

        *out = NULL;
        *n = 0;
        if (!path)
                return vn_err(err, -ENOMEM, "out of memory");
        r = vn_read_file(path, 16u << 20, &data, NULL);
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return vn_err(err, r, "cannot read '%s': %s", path, strerror(-r));
        r = vn_leases_parse(data, out, n);
        return r < 0 ? vn_err(err, r, "out of memory") : 0;
}

/* The name of user's primary group ("" when unknown). */
static void dnsmasq_group(const char *user, char *out, size_t len)
{
        struct passwd pw, *pwp = NULL;
        struct group gr, *grp = NULL;
        char buf[4096];

        out[0] = '\0';
        if (getpwnam_r(user, &pw, buf, sizeof(buf), &pwp) != 0 || !pwp)
                return;
        if (getgrgid_r(pw.pw_gid, &gr, buf, sizeof(buf), &grp) != 0 || !grp)
                return;
        snprintf(out, len, "%s", grp->gr_name);
}

int vn_plan_for(struct vn_ctx *ctx, const struct vn_net *net, struct vn_plan **out,
                struct vn_error *err)
{
        _cleanup_free_ char *run = vn_path_run(ctx, net->name);
        _cleanup_free_ struct vn_mac_ip *macs = NULL;
        struct vn_plan_opts opts = {0};
        struct vn_addr ovl_local; /* overlay local-dev resolved: host state for the planner */
        int r;
        char group[64] = "";

        if (!run)
                return vn_err(err, -ENOMEM, "out of memory");
        /* parsed is not done: what vnet does not realize fails here, before anything exists */
        if ((r = vn_net_check_support(net, err)) < 0)
                return r;
        opts.run_dir = run;
        /* forwards naming a guest by MAC: its current DHCP lease */
        vn_leased_macs(ctx, net->name, &macs, &opts.n_macs);
        opts.macs = macs;
        opts.fw = resolve_fw(ctx);
        opts.dnsmasq_path = vn_dnsmasq_path();
        /* dnsmasq drops to its dedicated user, and to that user's group (not to dnsmasq's
         * built-in default group, "dip" on Debian) */
        opts.dnsmasq_user = vn_dnsmasq_user();
        dnsmasq_group(opts.dnsmasq_user, group, sizeof(group));
        opts.dnsmasq_group = group[0] ? group : NULL;
        overlay_facts(net, &opts, &ovl_local);
        return vn_plan_build(net, &opts, out, err);
}
