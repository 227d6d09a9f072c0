/*
 * plan-overlay.c: one network across many hosts — the <vnet:overlay> part of a plan. Pure.
 *
 * Owns: the vxlan link's attributes, the MTU arithmetic (underlay − 50), which host runs the
 * gateway, the static flood list, the underlay firewall and, for evpn, the BGP configuration
 * this host's FRR needs.
 *
 * Gateway model (centralised): the same definition runs on every host, and
 * gateway='ADDR' names the VTEP address of the one host that holds the network's <ip>
 * addresses, routes, NAT and dnsmasq. Every other host is a member: it runs the bridge, the
 * vxlan link and the firewall with no address on the bridge, so its guests reach the
 * gateway — and the one DHCP server — over the overlay.
 *
 * Underlay firewall: a base chain `overlay` (input hook, before vnet's `input`) dispatches on
 * UDP destination port and VNI through one verdict map, so the per-packet cost stays one
 * lookup however many overlays exist; each network's chain accepts its VNI only from the set
 * of its VTEPs and drops the rest.
 */
#include "config.h"

#include "plan.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#define T            "inet " VN_NFT_TABLE
#define UNDERLAY_MTU 1500

void vn_plan_overlay_free(struct vn_plan_overlay *o)
{
        if (!o)
                return;
        free(o->fdb);
        free(o->vteps);
        free(o->bgp_peers);
        free(o);
}

static int addr_push(struct vn_addr **arr, size_t *n, const struct vn_addr *a)
{
        struct vn_addr *na;

        for (size_t i = 0; i < *n; i++)
                if (vn_addr_equal(&(*arr)[i], a))
                        return 0;
        na = realloc(*arr, (*n + 1) * sizeof(*na));
        if (!na)
                return -ENOMEM;
        na[*n] = *a;
        *arr = na;
        (*n)++;
        return 0;
}

/* A member's bridge MAC: 52:54:00 and a hash of the network's UUID and this host's VTEP, so it
 * is stable across restarts and distinct per host. */
static void member_mac(const struct vn_net *net, const struct vn_addr *local, uint8_t mac[6])
{
        uint32_t h = 2166136261u;

        for (int i = 0; i < 16; i++)
                h = (h ^ net->uuid[i]) * 16777619u;
        for (int i = 0; i < 4; i++)
                h = (h ^ local->u.bytes[i]) * 16777619u;
        h = (h ^ 0x6f) * 16777619u; /* differ from vn_plan_default_mac's hash of the UUID */
        mac[0] = 0x52;
        mac[1] = 0x54;
        mac[2] = 0x00;
        mac[3] = (uint8_t)(h >> 16);
        mac[4] = (uint8_t)(h >> 8);
        mac[5] = (uint8_t)h;
}

int vn_plan_overlay(const struct vn_net *net, const struct vn_plan_opts *opts, struct vn_plan *p,
                    struct vn_net *view, struct vn_error *err)
{
        const struct vn_overlay *ov = &net->ext.overlay;
        struct vn_plan_overlay *o;
        char a[VN_ADDR_STRLEN];

        *view = *net;
        if (ov->type == VN_OVERLAY_NONE)
                return 0;
        if (!p->mi->creates_bridge)
                return vn_err(err, -EINVAL, "network '%s': an overlay needs a bridge vnet creates",
                              net->name);
        if (p->fw == VN_FW_IPT)
                return vn_err(err, -EOPNOTSUPP,
                              "network '%s': the overlay's underlay firewall needs the nftables "
                              "backend (iptables selected)",
                              net->name);
        o = calloc(1, sizeof(*o));
        if (!o)
                return vn_err(err, -ENOMEM, "out of memory");
        p->overlay = o;
        o->type = ov->type;
        o->vni = ov->vni;
        o->port = ov->port ? ov->port : VN_VXLAN_PORT;
        snprintf(o->link, sizeof(o->link), "vxlan%u", ov->vni);
        if (ov->local_dev) {
                snprintf(o->local_dev, sizeof(o->local_dev), "%s", ov->local_dev);
                if (opts->overlay_local)
                        o->local = *opts->overlay_local;
        } else {
                o->local = ov->local;
        }
        o->underlay_measured = opts->overlay_underlay_mtu != 0;
        o->underlay_mtu = o->underlay_measured ? opts->overlay_underlay_mtu : UNDERLAY_MTU;
        o->mtu = ov->mtu ? ov->mtu : net->mtu;
        if (!o->mtu)
                o->mtu = o->underlay_mtu > VN_VXLAN_OVERHEAD + 68
                             ? o->underlay_mtu - VN_VXLAN_OVERHEAD
                             : 68;
        if (o->mtu + VN_VXLAN_OVERHEAD > o->underlay_mtu)
                return vn_err(err, -EMSGSIZE,
                              "network '%s': overlay MTU %u needs an underlay MTU of at least %u "
                              "(%u + %u bytes of VXLAN encapsulation), the underlay has %u: "
                              "full-size frames would be lost",
                              net->name, o->mtu, o->mtu + VN_VXLAN_OVERHEAD, o->mtu,
                              VN_VXLAN_OVERHEAD, o->underlay_mtu);
        o->gw = ov->gateway;
        if (net->n_ips) {
                if (!vn_addr_is_set(&o->local))
                        return vn_err(err, -EADDRNOTAVAIL,
                                      "network '%s': overlay local-dev '%s' has no IPv4 address, "
                                      "so this host cannot tell whether it is the gateway (%s)",
                                      net->name, o->local_dev, vn_addr_format(&ov->gateway, a));
                o->gateway = vn_addr_equal(&o->local, &ov->gateway);
        }
        /* static: the kernel learns remote MACs from traffic, unknown unicast and broadcast go
         * to every peer; evpn: BGP installs both, the data plane must not learn */
        o->learning = o->type == VN_OVERLAY_VXLAN;
        for (size_t i = 0; i < ov->n_peers; i++) {
                if (vn_addr_is_set(&o->local) && vn_addr_equal(&ov->peers[i], &o->local))
                        continue; /* the same list on every host: skip ourselves */
                if ((o->type == VN_OVERLAY_VXLAN && addr_push(&o->fdb, &o->n_fdb, &ov->peers[i])) ||
                    addr_push(&o->vteps, &o->n_vteps, &ov->peers[i]))
                        return vn_err(err, -ENOMEM, "out of memory");
        }
        if (o->type == VN_OVERLAY_EVPN) {
                o->asn = ov->asn;
                for (size_t i = 0; i < ov->n_bgp_peers; i++) {
                        if (vn_addr_is_set(&o->local) &&
                            vn_addr_equal(&ov->bgp_peers[i], &o->local))
                                continue;
                        if (addr_push(&o->bgp_peers, &o->n_bgp_peers, &ov->bgp_peers[i]) ||
                            addr_push(&o->vteps, &o->n_vteps, &ov->bgp_peers[i]))
                                return vn_err(err, -ENOMEM, "out of memory");
                }
        }
        vn_nft_ident(p->bridge, "vtep", o->fw_set, sizeof(o->fw_set));
        vn_nft_ident(p->bridge, "ovl", o->fw_chain, sizeof(o->fw_chain));

        view->mtu = o->mtu;
        if (!o->gateway) {
                /* a member only bridges: the gateway host routes, NATs and serves DHCP */
                view->n_ips = 0;
                view->n_routes = 0;
                /* and its bridge must not answer for the gateway's MAC: frames to the gateway
                 * would end on the local bridge instead of crossing the overlay */
                member_mac(net, &o->local, view->mac);
                view->has_mac = true;
        }
        return 0;
}

static void nft_overlay(const struct vn_plan_overlay *o, struct vn_buf *b, bool add)
{
        char a[VN_ADDR_STRLEN];

        vn_buf_add(b, "add table " T "\n");
        vn_buf_add(b, "add chain " T " overlay { type filter hook input priority filter - 1; "
                      "policy accept; }\n");
        vn_buf_add(b, "add map " T " ovl { typeof udp dport . @th,96,24 : verdict; }\n");
        vn_buf_addf(b, "add set " T " %s { type ipv4_addr; }\n", o->fw_set);
        vn_buf_addf(b, "add chain " T " %s\n", o->fw_chain);
        vn_buf_addf(b, "add element " T " ovl { %u . %u : jump %s }\n", o->port, o->vni,
                    o->fw_chain);
        if (add) {
                vn_buf_add(b, "flush chain " T " overlay\n");
                vn_buf_add(b, "add rule " T " overlay udp dport . @th,96,24 vmap @ovl\n");
                vn_buf_addf(b, "flush chain " T " %s\n", o->fw_chain);
                vn_buf_addf(b, "add rule " T " %s ip saddr @%s accept\n", o->fw_chain, o->fw_set);
                vn_buf_addf(b, "add rule " T " %s counter drop\n", o->fw_chain);
                if (o->n_vteps) {
                        vn_buf_addf(b, "add element " T " %s { ", o->fw_set);
                        for (size_t i = 0; i < o->n_vteps; i++)
                                vn_buf_addf(b, "%s%s", i ? ", " : "",
                                            vn_addr_format(&o->vteps[i], a));
                        vn_buf_add(b, " }\n");
                }
                return;
        }
        vn_buf_addf(b, "delete element " T " ovl { %u . %u }\n", o->port, o->vni);
        vn_buf_addf(b, "flush chain " T " %s\ndelete chain " T " %s\n", o->fw_chain, o->fw_chain);
        vn_buf_addf(b, "delete set " T " %s\n", o->fw_set);
}

static int str_append(char **s, const char *tail)
{
        char *n = vn_asprintf("%s%s", *s ? *s : "", tail);

        if (!n)
                return -ENOMEM;
        free(*s);
        *s = n;
        return 0;
}

int vn_plan_overlay_finish(struct vn_plan *p, struct vn_error *err)
{
        const struct vn_plan_overlay *o = p->overlay;
        _cleanup_buf_ struct vn_buf add = {0};
        _cleanup_buf_ struct vn_buf del = {0};

        if (!o)
                return 0;
        if (p->fw == VN_FW_NFT) {
                nft_overlay(o, &add, true);
                nft_overlay(o, &del, false);
                if (!vn_buf_str(&add) || !vn_buf_str(&del) ||
                    str_append(&p->fw_apply, vn_buf_str(&add)) < 0 ||
                    str_append(&p->fw_remove, vn_buf_str(&del)) < 0)
                        return vn_err(err, -ENOMEM, "out of memory");
                p->fw_rules += 3;
        }
        return 0;
}

char *vn_plan_overlay_nft_vtep(const struct vn_plan_overlay *o, const struct vn_addr *vtep,
                               bool add)
{
        char a[VN_ADDR_STRLEN];

        vn_addr_format(vtep, a);
        if (add) /* create: fails when present, which tells a duplicate peer */
                return vn_asprintf("create element " T " %s { %s }\n", o->fw_set, a);
        /* idempotent: add, then delete */
        return vn_asprintf("add element " T " %s { %s }\ndelete element " T " %s { %s }\n",
                           o->fw_set, a, o->fw_set, a);
}

char *vn_plan_overlay_frr(const struct vn_plan_overlay *o)
{
        struct vn_buf b = {0};
        char a[VN_ADDR_STRLEN];

        if (o->type != VN_OVERLAY_EVPN)
                return NULL;
        vn_buf_addf(&b, "router bgp %u\n", o->asn);
        if (vn_addr_is_set(&o->local))
                vn_buf_addf(&b, " bgp router-id %s\n", vn_addr_format(&o->local, a));
        vn_buf_add(&b, " no bgp default ipv4-unicast\n");
        for (size_t i = 0; i < o->n_bgp_peers; i++) {
                vn_addr_format(&o->bgp_peers[i], a);
                vn_buf_addf(&b, " neighbor %s remote-as %u\n", a, o->asn);
                /* a rack: notice a dead host in seconds, retry a missing one soon */
                vn_buf_addf(&b, " neighbor %s timers 3 9\n", a);
                vn_buf_addf(&b, " neighbor %s timers connect 5\n", a);
        }
        vn_buf_add(&b, " address-family l2vpn evpn\n");
        for (size_t i = 0; i < o->n_bgp_peers; i++)
                vn_buf_addf(&b, "  neighbor %s activate\n", vn_addr_format(&o->bgp_peers[i], a));
        vn_buf_add(&b, "  advertise-all-vni\n");
        vn_buf_add(&b, " exit-address-family\n");
        return vn_buf_steal(&b);
}

void vn_plan_overlay_format(const struct vn_plan *p, struct vn_buf *b)
{
        const struct vn_plan_overlay *o = p->overlay;
        char a[VN_ADDR_STRLEN], g[VN_ADDR_STRLEN];
        _cleanup_free_ char *frr = NULL;

        if (!o)
                return;
        vn_buf_addf(b, "\n# overlay: %s, vni %u, udp port %u (%s)\n", vn_overlay_type_name(o->type),
                    o->vni, o->port,
                    o->type == VN_OVERLAY_VXLAN ? "static head-end replication, data-plane learning"
                                                : "BGP EVPN control plane, no data-plane learning");
        vn_buf_addf(b,
                    "# mtu: underlay %u (%s) - %u (outer Ethernet 14 + IPv4 20 + UDP 8 + VXLAN 8) "
                    "= %u; the overlay uses %u: bridge, %s and every port\n",
                    o->underlay_mtu, o->underlay_measured ? "measured" : "assumed",
                    VN_VXLAN_OVERHEAD, o->underlay_mtu - VN_VXLAN_OVERHEAD, o->mtu, o->link);
        if (vn_addr_is_set(&o->local))
                vn_addr_format(&o->local, a);
        else
                snprintf(a, sizeof(a), "(first IPv4 address of %s)", o->local_dev);
        if (vn_addr_is_set(&o->gw))
                vn_buf_addf(b, "# role: %s (local %s%s%s, gateway %s)\n",
                            o->gateway ? "gateway: addresses, NAT and DHCP on this host"
                                       : "member: bridging only, the gateway host routes and "
                                         "serves DHCP",
                            a, o->local_dev[0] ? " from " : "", o->local_dev,
                            vn_addr_format(&o->gw, g));
        else
                vn_buf_addf(b, "# role: layer 2 only (no <ip>; local %s)\n", a);
        vn_buf_addf(b, "link add %s type vxlan id %u local %s dstport %u %slearning mtu %u\n",
                    o->link, o->vni, a, o->port, o->learning ? "" : "no", o->mtu);
        vn_buf_addf(b, "link set %s master %s learning %s\n", o->link, p->bridge,
                    o->learning ? "on" : "off");
        vn_buf_addf(b, "link set %s up\n", o->link);
        for (size_t i = 0; i < o->n_fdb; i++)
                vn_buf_addf(b, "fdb append 00:00:00:00:00:00 dev %s dst %s self permanent\n",
                            o->link, vn_addr_format(&o->fdb[i], a));
        vn_buf_addf(b, "# underlay firewall: udp dport %u vni %u accepted from", o->port, o->vni);
        for (size_t i = 0; i < o->n_vteps; i++)
                vn_buf_addf(b, " %s", vn_addr_format(&o->vteps[i], a));
        vn_buf_addf(b, "%s, dropped from others (chain %s)\n", o->n_vteps ? "" : " nobody yet",
                    o->fw_chain);
        if (o->type == VN_OVERLAY_EVPN && (frr = vn_plan_overlay_frr(o))) {
                vn_buf_add(b, "\n# FRR (zebra + bgpd), vtysh configuration\n");
                vn_buf_add(b, frr);
        }
}
