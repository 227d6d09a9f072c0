/*
 * libvirt-notes.c: what vnet realizes differently from libvirt for a network, as `vnet import`
 * reports it. Pure (model and plan in, sentences out); no libvirt needed.
 */
#include "config.h"

#include "libvirt.h"

#include <errno.h>
#include <string.h>

void vn_import_free(struct vn_import_item *v, size_t n)
{
        for (size_t i = 0; v && i < n; i++) {
                free(v[i].name);
                free(v[i].refused);
                vn_strv_free(v[i].notes, v[i].n_notes);
        }
        free(v);
}

/* ---- what vnet realizes differently (pure) ------------------------------------- */

static bool bw_present(const struct vn_bandwidth *b)
{
        return b->present && (b->inbound.present || b->outbound.present);
}

static bool has_dhcp(const struct vn_net *net)
{
        for (size_t i = 0; i < net->n_ips; i++)
                if (net->ips[i].has_dhcp)
                        return true;
        return false;
}

static bool pg_settings(const struct vn_net *net)
{
        for (size_t i = 0; i < net->n_portgroups; i++) {
                const struct vn_portgroup *g = &net->portgroups[i];

                if (bw_present(&g->bandwidth) || g->vlan.present || g->virtualport.present)
                        return true;
        }
        return false;
}

/* One row per difference: when it applies, and what to say. A feature that starts realizing
 * an element removes its row. */
struct note_rule {
        bool (*applies)(const struct vn_net *net, const struct vn_plan *plan);
        const char *text;
};

static bool n_stp(const struct vn_net *n, const struct vn_plan *p)
{
        return p->stp_overridden;
}
static bool n_dhcp(const struct vn_net *n, const struct vn_plan *p)
{
        return p->dnsmasq && has_dhcp(n);
}
static bool n_mac(const struct vn_net *n, const struct vn_plan *p)
{
        return p->create_bridge && !n->has_mac;
}
static bool n_bw(const struct vn_net *n, const struct vn_plan *p)
{
        return bw_present(&n->bandwidth);
}
static bool n_vlan(const struct vn_net *n, const struct vn_plan *p)
{
        return n->vlan.present;
}
static bool n_vport(const struct vn_net *n, const struct vn_plan *p)
{
        return n->virtualport.present;
}
static bool n_pg(const struct vn_net *n, const struct vn_plan *p)
{
        return pg_settings(n);
}
static bool n_isol(const struct vn_net *n, const struct vn_plan *p)
{
        return n->port_isolated == VN_YES;
}
static bool n_zone(const struct vn_net *n, const struct vn_plan *p)
{
        return n->bridge.zone != NULL;
}
static bool n_trust(const struct vn_net *n, const struct vn_plan *p)
{
        return n->trust_guest_rx_filters == VN_YES;
}

static const struct note_rule note_rules[] = {
    {n_stp, "STP off: libvirt's stp='on' with delay 0 cannot hold on Linux (the kernel's 2 s "
            "minimum delay while STP runs would hold every new port 4 s); vnet's bridge has no "
            "physical port and cannot loop"},
    {n_dhcp, "dnsmasq offers addresses without ping-checking them first (no-ping) and runs as "
             "nobody; static <host> names resolve before the guest's first lease"},
    {n_mac, "bridge MAC derived from the UUID (libvirt picks a random one)"},
    {n_bw, "<bandwidth> is kept but not applied: vnet shapes no traffic"},
    {n_vlan, "<vlan> is kept but not applied: vnet tags no traffic"},
    {n_vport, "<virtualport> is kept but not applied"},
    {n_pg, "portgroup <bandwidth>/<vlan>/<virtualport> are kept but not applied; vnet attach "
           "refuses such portgroups"},
    {n_isol, "<port isolated='yes'> is kept but not applied: ports can reach each other"},
    {n_zone, "<bridge zone> is kept but the bridge is not put in a firewalld zone"},
    {n_trust, "trustGuestRxFilters is kept but has no effect on vnet's taps"},
};

int vn_import_notes(const struct vn_net *net, const struct vn_plan *plan, char ***notes, size_t *n)
{
        char **v = calloc(VN_ARRAY_SIZE(note_rules), sizeof(*v));
        size_t k = 0;

        if (!v)
                return -ENOMEM;
        for (size_t i = 0; i < VN_ARRAY_SIZE(note_rules); i++) {
                if (!note_rules[i].applies(net, plan))
                        continue;
                if (!(v[k] = strdup(note_rules[i].text))) {
                        vn_strv_free(v, k);
                        return -ENOMEM;
                }
                k++;
        }
        *notes = v;
        *n = k;
        return 0;
}
