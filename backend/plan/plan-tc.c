/*
 * plan-tc.c: <bandwidth> as traffic control, with libvirt's semantics. Pure.
 *
 * Rates are kilobytes per second (1000 bytes, as tc's "kbps" that libvirt
 * passes), bursts kilobytes (1024 bytes, tc's "kb"). "inbound" is what goes
 * into the network (a bridge's egress: the host sending to its guests) or
 * into a guest (its port's egress); "outbound" the opposite direction, which
 * the device receives. libvirt polices received traffic (act_police); vnet
 * shapes it instead, on an ifb the device's ingress is redirected to, so the
 * same htb does both directions and kernels without act_police work.
 *
 * A network-wide outbound is refused (see vn_plan_shapes); a portgroup's works.
 * A network's inbound is hierarchical as libvirt's: class 1:1 holds the
 * network's limit, 1:2 under it is where unclassified traffic goes (the
 * class a floor on a port would take its share from). libvirt adds an sfq
 * under each leaf class; vnet leaves htb's default pfifo there (kernels such
 * as this project's CI have no sch_sfq).
 */
#include "config.h"

#include "plan.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

void vn_plan_ifb_name(const char *dev, char out[16])
{
        uint32_t h = 2166136261u;

        if (strlen(dev) <= 11) {
                snprintf(out, 16, "ifb-%s", dev);
                return;
        }
        for (const char *s = dev; *s; s++) {
                h ^= (uint8_t)*s;
                h *= 16777619u;
        }
        snprintf(out, 16, "ifb-%08x", h);
}

static int shape_of(const struct vn_bw_rate *r, const char *what, struct vn_plan_shape *s,
                    struct vn_error *err)
{
        const unsigned long long max_kbps = UINT32_MAX / 1000;

        if (r->average > max_kbps || (r->has_peak && r->peak > max_kbps))
                return vn_err(err, -ERANGE,
                              "<bandwidth><%s>: %llu KB/s is more than vnet's htb classes hold "
                              "(at most %llu KB/s)",
                              what, r->has_peak && r->peak > r->average ? r->peak : r->average,
                              max_kbps);
        memset(s, 0, sizeof(*s));
        s->what = what;
        s->rate = r->average * 1000;
        s->ceil = r->has_peak && r->peak > r->average ? r->peak * 1000 : s->rate;
        s->burst = r->has_burst ? (uint32_t)(r->burst * 1024) : 0;
        return 0;
}

int vn_plan_shapes(const struct vn_bandwidth *bw, const char *dev, bool network,
                   struct vn_plan_shape out[2], size_t *n, struct vn_error *err)
{
        int r;

        *n = 0;
        if (!bw->present)
                return 0;
        if (bw->inbound.present && bw->inbound.has_average) {
                if ((r = shape_of(&bw->inbound, "inbound", &out[*n], err)) < 0)
                        return r;
                snprintf(out[*n].dev, sizeof(out[*n].dev), "%s", dev);
                out[*n].hierarchical = network;
                (*n)++;
        }
        if (bw->outbound.present && bw->outbound.has_average) {
                /* Measured: with the redirect on a bridge's own ingress (traffic the bridge
                 * passes up to the host) TCP stalls after the handshake on the kernels vnet is
                 * tested on (6.x), with or without the htb; on a port it shapes as it should. */
                if (network)
                        return vn_err(err, -EOPNOTSUPP,
                                      "<bandwidth><outbound> on the whole network: not supported "
                                      "by vnet (shaping what the bridge receives through an ifb "
                                      "stalls TCP; put the limit in a <portgroup> to shape each "
                                      "port)");
                if ((r = shape_of(&bw->outbound, "outbound", &out[*n], err)) < 0)
                        return r;
                vn_plan_ifb_name(dev, out[*n].dev);
                snprintf(out[*n].from, sizeof(out[*n].from), "%s", dev);
                (*n)++;
        }
        return 0;
}

void vn_plan_shape_format(const struct vn_plan_shape *s, struct vn_buf *b)
{
        unsigned leaf = s->hierarchical ? 2 : 1;

        vn_buf_addf(b, "# %s: %llu KB/s", s->what, (unsigned long long)(s->rate / 1000));
        if (s->ceil != s->rate)
                vn_buf_addf(b, ", peak %llu KB/s", (unsigned long long)(s->ceil / 1000));
        if (s->burst)
                vn_buf_addf(b, ", burst %u KB", s->burst / 1024);
        vn_buf_addf(b, " (%s)\n",
                    s->from[0] ? "shaped on an ifb fed from the ingress" : "shaped on the egress");
        if (s->from[0]) {
                vn_buf_addf(b, "link add %s type ifb\nlink set %s up\n", s->dev, s->dev);
                vn_buf_addf(b, "qdisc add dev %s ingress\n", s->from);
                vn_buf_addf(b,
                            "filter add dev %s parent ffff: protocol all prio 1 u32 match u32 0 0 "
                            "action mirred egress redirect dev %s\n",
                            s->from, s->dev);
        }
        vn_buf_addf(b, "qdisc add dev %s root handle 1: htb default %u\n", s->dev, leaf);
        if (s->hierarchical)
                vn_buf_addf(
                    b, "class add dev %s parent 1: classid 1:1 htb rate %lluBps ceil %lluBps\n",
                    s->dev, (unsigned long long)s->rate, (unsigned long long)s->ceil);
        vn_buf_addf(b, "class add dev %s parent 1:%s classid 1:%u htb rate %lluBps ceil %lluBps",
                    s->dev, s->hierarchical ? "1" : "", leaf, (unsigned long long)s->rate,
                    (unsigned long long)s->ceil);
        if (s->burst)
                vn_buf_addf(b, " burst %ub", s->burst);
        vn_buf_add(b, "\n");
}
