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

static bool has_dhcp(const struct vn_net *net)
{
        for (size_t i = 0; i < net->n_ips; i++)
                if (net->ips[i].has_dhcp)
                        return true;
        return false;
}

/* One row per difference: when it applies, and what to say. Elements vnet does not realize at
 * all are not here: the plan refuses them (xml/support.c), so import refuses the network. */
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

static const struct note_rule note_rules[] = {
    {n_stp, "STP off: libvirt's stp='on' with delay 0 cannot hold on Linux (the kernel's 2 s "
            "minimum delay while STP runs would hold every new port 4 s); vnet's bridge has no "
            "physical port and cannot loop"},
    {n_dhcp, "dnsmasq offers addresses without ping-checking them first (no-ping) and runs as "
             "nobody; static <host> names resolve before the guest's first lease"},
    {n_mac, "bridge MAC derived from the UUID (libvirt picks a random one)"},
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
