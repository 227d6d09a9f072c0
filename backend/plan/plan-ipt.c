/*
 * plan-ipt.c: the iptables fallback, for hosts where nftables is unusable.
 * Same semantics as plan-nft.c, in iptables-restore syntax, in vnet's own
 * chains (VNET_FWI_<br>, VNET_FWO_<br>, VNET_INP_<br>, VNET_NAT_<br>) jumped to
 * from the built-in chains by rules tagged "vnet:NAME".
 *
 * The fallback is the classic linear shape (one jump per network in each
 * built-in chain); the nftables backend is the one that scales.
 * fw_remove holds one command per line ("TABLE<TAB>-D<TAB>..."), run one
 * by one so that removal is idempotent.
 */
#include "config.h"

#include "plan.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

static void chain_name(const char *kind, const char *br, char *out, size_t len)
{
        /* iptables chain names are at most 28 characters: VNET_FWI_ (9) + 15 */
        snprintf(out, len, "VNET_%s_%s", kind, br);
}

static void subnet(const struct vn_ip *ip, char *out, size_t len)
{
        struct vn_addr n;
        char a[VN_ADDR_STRLEN];
        unsigned pfx = vn_ip_prefix(ip);

        vn_addr_network(&ip->address, pfx, &n);
        snprintf(out, len, "%s/%u", vn_addr_format(&n, a), pfx);
}

static void rm_line(struct vn_buf *rm, const char *table, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void rm_line(struct vn_buf *rm, const char *table, const char *fmt, ...)
{
        va_list ap;
        _cleanup_buf_ struct vn_buf t = {0};

        va_start(ap, fmt);
        vn_buf_vaddf(&t, fmt, ap);
        va_end(ap);
        vn_buf_add(rm, table);
        for (const char *s = vn_buf_str(&t); *s; s++)
                vn_buf_addn(rm, *s == ' ' ? "\t" : s, 1);
        vn_buf_add(rm, "\n");
}

/* One family's rules. Returns the number of rules written. */
static unsigned render(const struct vn_net *net, const struct vn_plan *p, int af,
                       struct vn_buf *add, struct vn_buf *rm)
{
        const char *br = p->bridge;
        const char *dev = net->forward.dev ? net->forward.dev
                                           : (net->forward.n_ifs ? net->forward.ifs[0].dev : NULL);
        bool routed_mode = p->mode == VN_FWD_NAT || p->mode == VN_FWD_ROUTE;
        bool nat6 = net->forward.nat.ipv6 == VN_YES;
        char fwi[32], fwo[32], inp[32], nat[32], sn[80], tag[96], din[40] = "", dout[40] = "";
        bool any = false, any_nat = false;
        unsigned rules = 0;

        for (size_t i = 0; i < net->n_ips; i++) {
                if (net->ips[i].address.family != af)
                        continue;
                any = true;
                if (p->mode == VN_FWD_NAT && (af == AF_INET || nat6))
                        any_nat = true;
        }
        if (!any && af == AF_INET6)
                return 0;
        chain_name("FWI", br, fwi, sizeof(fwi));
        chain_name("FWO", br, fwo, sizeof(fwo));
        chain_name("INP", br, inp, sizeof(inp));
        chain_name("NAT", br, nat, sizeof(nat));
        snprintf(tag, sizeof(tag), "-m comment --comment vnet:%s", net->name);
        if (dev && routed_mode) {
                snprintf(din, sizeof(din), " -i %s", dev);
                snprintf(dout, sizeof(dout), " -o %s", dev);
        }

        vn_buf_add(add, "*filter\n");
        vn_buf_addf(add, ":%s - [0:0]\n:%s - [0:0]\n:%s - [0:0]\n", fwi, fwo, inp);
        vn_buf_addf(add, "-A %s -i %s -j ACCEPT\n", fwi, br);
        rules++;
        for (size_t i = 0; routed_mode && i < net->n_ips; i++) {
                const struct vn_ip *ip = &net->ips[i];
                bool is_nat = p->mode == VN_FWD_NAT && (af == AF_INET || nat6);

                if (ip->address.family != af)
                        continue;
                subnet(ip, sn, sizeof(sn));
                if (is_nat)
                        vn_buf_addf(add,
                                    "-A %s%s -d %s -m conntrack --ctstate ESTABLISHED,RELATED -j "
                                    "ACCEPT\n",
                                    fwi, din, sn);
                else
                        vn_buf_addf(add, "-A %s%s -d %s -j ACCEPT\n", fwi, din, sn);
                vn_buf_addf(add, "-A %s%s -s %s -j ACCEPT\n", fwo, dout, sn);
                rules += 2;
        }
        vn_buf_addf(add, "-A %s -j REJECT\n-A %s -j REJECT\n", fwi, fwo);
        vn_buf_addf(add, "-A %s -p udp -m multiport --dports 53,67,547 -j ACCEPT\n", inp);
        vn_buf_addf(add, "-A %s -p tcp --dport 53 -j ACCEPT\n", inp);
        rules += 4; /* the two REJECTs and these two */
        for (size_t i = 0; i < net->n_ips; i++)
                if (net->ips[i].tftp_root && net->ips[i].address.family == af) {
                        /* dnsmasq's TFTP server, as libvirt opens it */
                        vn_buf_addf(add, "-A %s -p udp --dport 69 -j ACCEPT\n", inp);
                        rules++;
                        break;
                }
        /* -I: the into-the-bridge jump ends up first, as libvirt's FWI precedes FWO */
        vn_buf_addf(add, "-I FORWARD -i %s %s -j %s\n", br, tag, fwo);
        vn_buf_addf(add, "-I FORWARD -o %s %s -j %s\n", br, tag, fwi);
        vn_buf_addf(add, "-I INPUT -i %s %s -j %s\n", br, tag, inp);
        vn_buf_add(add, "COMMIT\n");
        rules += 3;

        rm_line(rm, "filter", " -D FORWARD -o %s %s -j %s", br, tag, fwi);
        rm_line(rm, "filter", " -D FORWARD -i %s %s -j %s", br, tag, fwo);
        rm_line(rm, "filter", " -D INPUT -i %s %s -j %s", br, tag, inp);
        rm_line(rm, "filter", " -F %s", fwi);
        rm_line(rm, "filter", " -X %s", fwi);
        rm_line(rm, "filter", " -F %s", fwo);
        rm_line(rm, "filter", " -X %s", fwo);
        rm_line(rm, "filter", " -F %s", inp);
        rm_line(rm, "filter", " -X %s", inp);

        if (!any_nat)
                return rules;
        vn_buf_addf(add, "*nat\n:%s - [0:0]\n", nat);
        for (size_t i = 0; i < net->n_ips; i++) {
                if (net->ips[i].address.family != af)
                        continue;
                subnet(&net->ips[i], sn, sizeof(sn));
                vn_buf_addf(add, "-A %s -d %s -j RETURN\n", nat, sn);
                vn_buf_addf(add, "-I POSTROUTING -s %s %s -j %s\n", sn, tag, nat);
                rm_line(rm, "nat", " -D POSTROUTING -s %s %s -j %s", sn, tag, nat);
                rules += 2;
        }
        if (af == AF_INET)
                vn_buf_addf(add,
                            "-A %s -d 224.0.0.0/24 -j RETURN\n-A %s -d 255.255.255.255/32 "
                            "-j RETURN\n",
                            nat, nat);
        else /* link-scope multicast (libvirt: ff02::/16) is never masqueraded */
                vn_buf_addf(add, "-A %s -d ff02::/16 -j RETURN\n", nat);
        if (dev)
                vn_buf_addf(add, "-A %s ! -o %s -j RETURN\n", nat, dev);
        {
                const struct vn_nat *n = &net->forward.nat;
                unsigned ps = n->port_start ? n->port_start : 1024;
                unsigned pe = n->port_end ? n->port_end : 65535;

                if (af == AF_INET && vn_addr_is_set(&n->addr_start)) {
                        char s1[VN_ADDR_STRLEN], s2[VN_ADDR_STRLEN];

                        vn_addr_format(&n->addr_start, s1);
                        vn_addr_format(vn_addr_is_set(&n->addr_end) ? &n->addr_end : &n->addr_start,
                                       s2);
                        vn_buf_addf(add, "-A %s -p tcp -j SNAT --to-source %s-%s:%u-%u\n", nat, s1,
                                    s2, ps, pe);
                        vn_buf_addf(add, "-A %s -p udp -j SNAT --to-source %s-%s:%u-%u\n", nat, s1,
                                    s2, ps, pe);
                        vn_buf_addf(add, "-A %s -j SNAT --to-source %s-%s\n", nat, s1, s2);
                } else {
                        vn_buf_addf(add, "-A %s -p tcp -j MASQUERADE --to-ports %u-%u\n", nat, ps,
                                    pe);
                        vn_buf_addf(add, "-A %s -p udp -j MASQUERADE --to-ports %u-%u\n", nat, ps,
                                    pe);
                        vn_buf_addf(add, "-A %s -j MASQUERADE\n", nat);
                }
                rules += 7;
        }
        vn_buf_add(add, "COMMIT\n");
        rm_line(rm, "nat", " -F %s", nat);
        rm_line(rm, "nat", " -X %s", nat);
        return rules;
}

/*
 * DHCP checksum fill, as libvirt does it: old DHCP clients drop offers whose UDP checksum the
 * host left to offload (virtio), so replies to port 68 leaving the bridge get their checksum
 * filled in. Neither nftables nor (on hosts without act_csum) tc can, so this is the
 * iptables CHECKSUM target in mangle POSTROUTING — whatever vnet's firewall backend; none in
 * mode open, which has no firewall at all, as in libvirt — in a
 * chain of vnet's own, jumped to by one rule tagged "vnet:NAME"; iptables-nft keeps it in its
 * own "ip mangle" table, never in vnet's. Removal deletes exactly the jump and the chain.
 */
int vn_plan_dhcp_checksum(const struct vn_net *net, struct vn_plan *p, struct vn_error *err)
{
        _cleanup_buf_ struct vn_buf add = {0}, rm = {0};
        char chain[32], tag[96];
        bool dhcp4 = false;

        for (size_t i = 0; i < net->n_ips; i++)
                if (net->ips[i].address.family == AF_INET && net->ips[i].has_dhcp)
                        dhcp4 = true;
        if (!dhcp4 || !p->create_bridge || !p->mi->firewall || p->fw == VN_FW_NONE)
                return 0;
        chain_name("CSUM", p->bridge, chain, sizeof(chain));
        snprintf(tag, sizeof(tag), "-m comment --comment vnet:%s", net->name);
        vn_buf_addf(&add, "*mangle\n:%s - [0:0]\n", chain);
        vn_buf_addf(&add, "-A %s -p udp --dport 68 -j CHECKSUM --checksum-fill\n", chain);
        vn_buf_addf(&add, "-I POSTROUTING -o %s %s -j %s\nCOMMIT\n", p->bridge, tag, chain);
        rm_line(&rm, "mangle", " -D POSTROUTING -o %s %s -j %s", p->bridge, tag, chain);
        rm_line(&rm, "mangle", " -F %s", chain);
        rm_line(&rm, "mangle", " -X %s", chain);
        p->csum_apply = vn_buf_steal(&add);
        p->csum_remove = vn_buf_steal(&rm);
        if (!p->csum_apply || !p->csum_remove)
                return vn_err(err, -ENOMEM, "out of memory");
        return 0;
}

int vn_plan_ipt(const struct vn_net *net, struct vn_plan *p, struct vn_error *err)
{
        struct vn_buf a4 = {0}, r4 = {0}, a6 = {0}, r6 = {0};

        if (strlen(p->bridge) > 15)
                return vn_err(err, -EINVAL, "bridge name too long for iptables chains");
        p->fw_rules = render(net, p, AF_INET, &a4, &r4);
        p->fw_rules += render(net, p, AF_INET6, &a6, &r6);
        p->fw_apply = vn_buf_steal(&a4);
        p->fw_remove = vn_buf_steal(&r4);
        if (a6.len) {
                p->fw6_apply = vn_buf_steal(&a6);
                p->fw6_remove = vn_buf_steal(&r6);
        }
        vn_buf_free(&a6);
        vn_buf_free(&r6);
        if (!p->fw_apply || !p->fw_remove)
                return vn_err(err, -ENOMEM, "out of memory");
        return 0;
}
