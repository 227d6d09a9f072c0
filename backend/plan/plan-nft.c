/*
 * plan-nft.c: a network's firewall as nftables text — one transaction to
 * add it, one to remove exactly it. Pure.
 *
 * Shape (DESIGN.md "Firewall shape"): one table `inet vnet` owned by vnet.
 * Base chains dispatch by interface through verdict maps, so a forwarded
 * packet evaluates two map lookups plus its own network's few rules, however
 * many networks exist:
 *
 *   forward:     oifname vmap @fwd_in ; iifname vmap @fwd_out
 *   input:       iifname vmap @inp
 *   postrouting: ct status dnat oifname . ip saddr @hairpin4 masquerade (and 6) ;
 *                ip saddr vmap @nat4 ; ip6 saddr vmap @nat6 (interval maps)
 *   prerouting, output: port forwards through @pf4/@pf6/@pf_any (plan-forward.c)
 *
 * The "into the bridge" map is consulted first, as libvirt's FWI precedes
 * FWO: a packet from network A into network B is judged by B's rules.
 * Adding a network adds its chains and map elements; removing it deletes
 * exactly those. Every statement is idempotent (add before delete), so
 * removal also works after a crash left half of it.
 */
#include "config.h"

#include "plan.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#define T "inet " VN_NFT_TABLE

void vn_nft_base(struct vn_buf *b)
{
        /* Chains before maps: nft 1.0.6 cannot resolve a jump from an element of an interval
         * map created in the same batch before the chain. Everything is "add": idempotent. */
        vn_buf_add(b, "add table " T "\n");
        vn_buf_add(b, "add chain " T " forward { type filter hook forward priority filter; "
                      "policy accept; }\n");
        vn_buf_add(b, "add chain " T " input { type filter hook input priority filter; "
                      "policy accept; }\n");
        vn_buf_add(b, "add chain " T " postrouting { type nat hook postrouting priority srcnat; "
                      "policy accept; }\n");
}

static void nft_base_maps(struct vn_buf *b)
{
        vn_nft_fwd_base_decls(b);
        vn_buf_add(b, "add map " T " fwd_in { type ifname : verdict; }\n");
        vn_buf_add(b, "add map " T " fwd_out { type ifname : verdict; }\n");
        vn_buf_add(b, "add map " T " inp { type ifname : verdict; }\n");
        vn_buf_add(b, "add map " T " nat4 { type ipv4_addr : verdict; flags interval; }\n");
        vn_buf_add(b, "add map " T " nat6 { type ipv6_addr : verdict; flags interval; }\n");
}

static void nft_base_rules(struct vn_buf *b)
{
        /* Re-stating the base rules costs 5 rules per transaction whatever N is, and keeps
         * them right even if someone flushed a chain. */
        vn_buf_add(b, "flush chain " T " forward\n");
        vn_buf_add(b, "add rule " T " forward oifname vmap @fwd_in\n");
        vn_buf_add(b, "add rule " T " forward iifname vmap @fwd_out\n");
        vn_buf_add(b, "flush chain " T " input\n");
        vn_buf_add(b, "add rule " T " input iifname vmap @inp\n");
        vn_buf_add(b, "flush chain " T " postrouting\n");
        vn_buf_add(b, "add rule " T " postrouting ct status dnat meta nfproto ipv4 oifname . ip "
                      "saddr @hairpin4 masquerade\n");
        vn_buf_add(b, "add rule " T " postrouting ct status dnat meta nfproto ipv6 oifname . ip6 "
                      "saddr @hairpin6 masquerade\n");
        vn_buf_add(b, "add rule " T " postrouting meta nfproto ipv4 ip saddr vmap @nat4\n");
        vn_buf_add(b, "add rule " T " postrouting meta nfproto ipv6 ip6 saddr vmap @nat6\n");
        vn_nft_fwd_base_rules(b);
}

void vn_nft_base_all(struct vn_buf *b, bool with_rules)
{
        vn_nft_base(b);
        nft_base_maps(b);
        if (with_rules)
                nft_base_rules(b);
}

struct nft_ctx {
        const struct vn_net *net;
        struct vn_plan *p;
        char c_in[64], c_out[64], c_inp[64], c_nat[64];
        const char *dev; /* <forward dev> */
        bool nat6;
        bool any_nat;
        bool fwd_capable; /* nat/route: can carry port forwards */
        unsigned rules;
};

/* Is this ip block NATed (vs routed)? IPv6 on a NAT network is routed unless <nat ipv6='yes'>,
 * as in libvirt. */
static bool ip_is_nat(const struct nft_ctx *c, const struct vn_ip *ip)
{
        if (c->p->mode != VN_FWD_NAT)
                return false;
        return ip->address.family == AF_INET || c->nat6;
}

static void subnet_str(const struct vn_ip *ip, char *out, size_t len)
{
        struct vn_addr n;
        char a[VN_ADDR_STRLEN];
        unsigned pfx = vn_ip_prefix(ip);

        vn_addr_network(&ip->address, pfx, &n);
        snprintf(out, len, "%s/%u", vn_addr_format(&n, a), pfx);
}

static void rule(struct nft_ctx *c, struct vn_buf *b, const char *chain, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void rule(struct nft_ctx *c, struct vn_buf *b, const char *chain, const char *fmt, ...)
{
        va_list ap;

        vn_buf_addf(b, "add rule " T " %s ", chain);
        va_start(ap, fmt);
        vn_buf_vaddf(b, fmt, ap);
        va_end(ap);
        vn_buf_add(b, "\n");
        c->rules++;
}

static void nft_net_chains(struct nft_ctx *c, struct vn_buf *b)
{
        const struct vn_net *net = c->net;
        const char *br = c->p->bridge;
        char sn[80], dev_in[48] = "", dev_out[48] = "";

        if (c->dev) {
                snprintf(dev_in, sizeof(dev_in), "iifname \"%s\" ", c->dev);
                snprintf(dev_out, sizeof(dev_out), "oifname \"%s\" ", c->dev);
        }

        /* into the bridge */
        vn_buf_addf(b, "flush chain " T " %s\n", c->c_in);
        rule(c, b, c->c_in, "iifname \"%s\" accept", br);
        if (c->p->mode == VN_FWD_NAT || c->p->mode == VN_FWD_ROUTE) {
                for (size_t i = 0; i < net->n_ips; i++) {
                        const struct vn_ip *ip = &net->ips[i];
                        const char *fam = ip->address.family == AF_INET ? "ip" : "ip6";

                        subnet_str(ip, sn, sizeof(sn));
                        if (ip_is_nat(c, ip))
                                rule(c, b, c->c_in,
                                     "%s%s daddr %s ct state established,related accept", dev_in,
                                     fam, sn);
                        else
                                rule(c, b, c->c_in, "%s%s daddr %s accept", dev_in, fam, sn);
                }
        }
        /* port forwards (plan-forward.c): what the host DNATed into the network. Deliberately
         * any DNAT, vnet's forwards and the administrator's own rules alike: a DNAT rule is
         * already root's decision to expose the guest port (libvirt accepts only replies here,
         * which makes hand-made forwards need a hook). README "Differences from libvirt". */
        if (c->fwd_capable)
                rule(c, b, c->c_in, "ct status dnat accept");
        rule(c, b, c->c_in, "reject with icmpx type port-unreachable");

        /* out of the bridge */
        vn_buf_addf(b, "flush chain " T " %s\n", c->c_out);
        if (c->p->mode == VN_FWD_NAT || c->p->mode == VN_FWD_ROUTE) {
                for (size_t i = 0; i < net->n_ips; i++) {
                        const struct vn_ip *ip = &net->ips[i];

                        subnet_str(ip, sn, sizeof(sn));
                        rule(c, b, c->c_out, "%s%s saddr %s accept", dev_out,
                             ip->address.family == AF_INET ? "ip" : "ip6", sn);
                }
        }
        rule(c, b, c->c_out, "reject with icmpx type port-unreachable");

        /* to the host: DHCP and DNS (libvirt's nftables backend lacked these) */
        vn_buf_addf(b, "flush chain " T " %s\n", c->c_inp);
        rule(c, b, c->c_inp, "udp dport { 53, 67, 547 } accept");
        rule(c, b, c->c_inp, "tcp dport 53 accept");

        if (!c->any_nat)
                return;
        vn_buf_addf(b, "flush chain " T " %s\n", c->c_nat);
        for (size_t i = 0; i < net->n_ips; i++) {
                const struct vn_ip *ip = &net->ips[i];

                if (!ip_is_nat(c, ip))
                        continue;
                subnet_str(ip, sn, sizeof(sn));
                rule(c, b, c->c_nat, "%s daddr %s return",
                     ip->address.family == AF_INET ? "ip" : "ip6", sn);
        }
        rule(c, b, c->c_nat, "ip daddr 224.0.0.0/24 return");
        rule(c, b, c->c_nat, "ip daddr 255.255.255.255 return");
        if (c->nat6)
                /* link-scope multicast only, as libvirt: wider scopes may be routed out */
                rule(c, b, c->c_nat, "ip6 daddr ff02::/16 return");
        if (c->dev)
                rule(c, b, c->c_nat, "oifname != \"%s\" return", c->dev);
        {
                const struct vn_nat *nat = &net->forward.nat;
                unsigned ps = nat->port_start ? nat->port_start : 1024;
                unsigned pe = nat->port_end ? nat->port_end : 65535;

                if (vn_addr_is_set(&nat->addr_start)) {
                        char s1[VN_ADDR_STRLEN], s2[VN_ADDR_STRLEN];
                        const struct vn_addr *e =
                            vn_addr_is_set(&nat->addr_end) ? &nat->addr_end : &nat->addr_start;

                        vn_addr_format(&nat->addr_start, s1);
                        vn_addr_format(e, s2);
                        rule(c, b, c->c_nat,
                             "meta nfproto ipv4 meta l4proto { tcp, udp } snat ip to %s-%s:%u-%u",
                             s1, s2, ps, pe);
                        rule(c, b, c->c_nat, "meta nfproto ipv4 snat ip to %s-%s", s1, s2);
                        if (c->nat6) {
                                rule(c, b, c->c_nat,
                                     "meta nfproto ipv6 meta l4proto { tcp, udp } masquerade to "
                                     ":%u-%u",
                                     ps, pe);
                                rule(c, b, c->c_nat, "meta nfproto ipv6 masquerade");
                        }
                } else {
                        rule(c, b, c->c_nat, "meta l4proto { tcp, udp } masquerade to :%u-%u", ps,
                             pe);
                        rule(c, b, c->c_nat, "masquerade");
                }
        }
}

static void nft_elements(struct nft_ctx *c, struct vn_buf *b, bool add)
{
        const struct vn_net *net = c->net;
        const char *op = add ? "add" : "delete";
        char sn[80];

        if (add) {
                vn_buf_addf(b, "add element " T " fwd_in { \"%s\" : jump %s }\n", c->p->bridge,
                            c->c_in);
                vn_buf_addf(b, "add element " T " fwd_out { \"%s\" : jump %s }\n", c->p->bridge,
                            c->c_out);
                vn_buf_addf(b, "add element " T " inp { \"%s\" : jump %s }\n", c->p->bridge,
                            c->c_inp);
                if (c->fwd_capable)
                        vn_nft_hairpin(b, c->net, c->p->bridge, true);
        } else {
                vn_buf_addf(b, "delete element " T " fwd_in { \"%s\" }\n", c->p->bridge);
                vn_buf_addf(b, "delete element " T " fwd_out { \"%s\" }\n", c->p->bridge);
                vn_buf_addf(b, "delete element " T " inp { \"%s\" }\n", c->p->bridge);
                if (c->fwd_capable)
                        vn_nft_hairpin(b, c->net, c->p->bridge, false);
        }
        if (!c->any_nat)
                return;
        for (size_t i = 0; i < net->n_ips; i++) {
                const struct vn_ip *ip = &net->ips[i];
                const char *map = ip->address.family == AF_INET ? "nat4" : "nat6";

                if (!ip_is_nat(c, ip))
                        continue;
                subnet_str(ip, sn, sizeof(sn));
                if (add)
                        vn_buf_addf(b, "%s element " T " %s { %s : jump %s }\n", op, map, sn,
                                    c->c_nat);
                else
                        vn_buf_addf(b, "%s element " T " %s { %s }\n", op, map, sn);
        }
}

static void nft_chain_decls(struct nft_ctx *c, struct vn_buf *b)
{
        vn_buf_addf(b, "add chain " T " %s\n", c->c_in);
        vn_buf_addf(b, "add chain " T " %s\n", c->c_out);
        vn_buf_addf(b, "add chain " T " %s\n", c->c_inp);
        if (c->any_nat)
                vn_buf_addf(b, "add chain " T " %s\n", c->c_nat);
}

static int compat_push(struct vn_plan *p, const char *add, const char *del)
{
        char **a = realloc(p->compat_add, (p->n_compat + 1) * sizeof(*a));
        char **d;

        if (!a)
                return -ENOMEM;
        p->compat_add = a;
        d = realloc(p->compat_del, (p->n_compat + 1) * sizeof(*d));
        if (!d)
                return -ENOMEM;
        p->compat_del = d;
        a[p->n_compat] = strdup(add);
        d[p->n_compat] = strdup(del);
        if (!a[p->n_compat] || !d[p->n_compat]) {
                free(a[p->n_compat]);
                free(d[p->n_compat]);
                return -ENOMEM;
        }
        p->n_compat++;
        return 0;
}

/* The services dnsmasq offers the guests on the host (INPUT): DHCP when an IPv4 <ip> has
 * <dhcp>, DNS unless <dns enable='no'>, TFTP when an <ip> has <tftp>. Same conditions as
 * plan-dnsmasq.c (an <ip> at all: dnsmasq runs). */
static int plan_compat_input(struct nft_ctx *c, const char *tag)
{
        const struct vn_net *net = c->net;
        struct vn_plan *p = c->p;
        bool dhcp = false, tftp = false, v4 = false;
        bool dns = !(net->dns.present && net->dns.enable == VN_NO);
        static const struct {
                const char *proto, *port;
                int what; /* 0 dhcp, 1 dns, 2 tftp */
        } svc[] = {{"udp", "67", 0}, {"udp", "53", 1}, {"tcp", "53", 1}, {"udp", "69", 2}};
        char add[512], del[512];
        int r;

        for (size_t i = 0; i < net->n_ips; i++) {
                if (net->ips[i].address.family != AF_INET)
                        continue;
                v4 = true;
                if (net->ips[i].n_ranges || net->ips[i].n_hosts)
                        dhcp = true;
                if (net->ips[i].tftp_root)
                        tftp = true;
        }
        if (!v4)
                return 0;
        for (size_t i = 0; i < VN_ARRAY_SIZE(svc); i++) {
                bool want = svc[i].what == 0 ? dhcp : svc[i].what == 1 ? dns : tftp;

                if (!want)
                        continue;
                snprintf(add, sizeof(add),
                         "-I\tINPUT\t-i\t%s\t-p\t%s\t--dport\t%s\t-m\tcomment\t--comment\t%s\t-"
                         "j\tACCEPT",
                         p->bridge, svc[i].proto, svc[i].port, tag);
                snprintf(del, sizeof(del), "-D%s", add + 2);
                if ((r = compat_push(p, add, del)) < 0)
                        return r;
        }
        return 0;
}

/* On a host whose iptables FORWARD policy is DROP (Docker), our nft accepts do not override
 * that chain's verdict, so we add narrowly matching accepts there, tagged "vnet:NAME", and
 * delete exactly those on destroy; likewise in INPUT where its policy is DROP (ufw) for the
 * services dnsmasq offers on the bridge. Each line is applied only when its chain's policy is
 * DROP (the engine checks). IPv4 only: these are iptables (IPv4) policies. */
static int plan_compat(struct nft_ctx *c)
{
        const struct vn_net *net = c->net;
        struct vn_plan *p = c->p;
        char tag[128], sn[80], add[512], del[512];
        int r;

        if (!p->mi->firewall)
                return 0;
        snprintf(tag, sizeof(tag), "vnet:%s", net->name);
        if ((r = plan_compat_input(c, tag)) < 0)
                return r;
        /* guest <-> guest on the bridge: with br_netfilter (Docker loads it) bridged frames
         * traverse FORWARD too */
        snprintf(add, sizeof(add),
                 "-I\tFORWARD\t-i\t%s\t-o\t%s\t-m\tcomment\t--comment\t%s\t-j\tACCEPT", p->bridge,
                 p->bridge, tag);
        snprintf(del, sizeof(del),
                 "-D\tFORWARD\t-i\t%s\t-o\t%s\t-m\tcomment\t--comment\t%s\t-j\tACCEPT", p->bridge,
                 p->bridge, tag);
        if ((r = compat_push(p, add, del)) < 0)
                return r;
        if (p->mode != VN_FWD_NAT && p->mode != VN_FWD_ROUTE)
                return 0;
        for (size_t i = 0; i < net->n_ips; i++) {
                const struct vn_ip *ip = &net->ips[i];
                char dev_o[40] = "", dev_i[40] = "";

                if (ip->address.family != AF_INET)
                        continue;
                if (c->dev) {
                        snprintf(dev_o, sizeof(dev_o), "\t-o\t%s", c->dev);
                        snprintf(dev_i, sizeof(dev_i), "\t-i\t%s", c->dev);
                }
                subnet_str(ip, sn, sizeof(sn));
                /* out of the bridge */
                snprintf(add, sizeof(add),
                         "\t-I\tFORWARD\t-i\t%s%s\t-s\t%s\t-m\tcomment\t--comment\t%s\t-j\tACCEPT",
                         p->bridge, dev_o, sn, tag);
                snprintf(del, sizeof(del),
                         "\t-D\tFORWARD\t-i\t%s%s\t-s\t%s\t-m\tcomment\t--comment\t%s\t-j\tACCEPT",
                         p->bridge, dev_o, sn, tag);
                if ((r = compat_push(p, add + 1, del + 1)) < 0)
                        return r;
                /* into the bridge */
                if (ip_is_nat(c, ip)) {
                        snprintf(add, sizeof(add),
                                 "\t-I\tFORWARD\t-o\t%s%s\t-d\t%s\t-m\tconntrack\t--ctstate\t"
                                 "RELATED,ESTABLISHED,DNAT\t-m\tcomment\t--comment\t%s\t-j\tACCEPT",
                                 p->bridge, dev_i, sn, tag);
                        snprintf(del, sizeof(del),
                                 "\t-D\tFORWARD\t-o\t%s%s\t-d\t%s\t-m\tconntrack\t--ctstate\t"
                                 "RELATED,ESTABLISHED,DNAT\t-m\tcomment\t--comment\t%s\t-j\tACCEPT",
                                 p->bridge, dev_i, sn, tag);
                } else {
                        snprintf(add, sizeof(add),
                                 "\t-I\tFORWARD\t-o\t%s%s\t-d\t%s\t-m\tcomment\t--comment\t%s\t-"
                                 "j\tACCEPT",
                                 p->bridge, dev_i, sn, tag);
                        snprintf(del, sizeof(del),
                                 "\t-D\tFORWARD\t-o\t%s%s\t-d\t%s\t-m\tcomment\t--comment\t%s\t-"
                                 "j\tACCEPT",
                                 p->bridge, dev_i, sn, tag);
                }
                if ((r = compat_push(p, add + 1, del + 1)) < 0)
                        return r;
        }
        return 0;
}

int vn_plan_nft(const struct vn_net *net, const struct vn_plan_opts *opts, struct vn_plan *p,
                struct vn_error *err)
{
        struct vn_buf add = {0}, del = {0};
        struct nft_ctx c = {.net = net, .p = p};
        struct vn_fwd_item *fw = NULL;
        size_t n_fw = 0;
        int r;

        c.dev = net->forward.dev ? net->forward.dev
                                 : (net->forward.n_ifs ? net->forward.ifs[0].dev : NULL);
        if (p->mode != VN_FWD_NAT && p->mode != VN_FWD_ROUTE)
                c.dev = NULL;
        c.nat6 = net->forward.nat.ipv6 == VN_YES;
        c.fwd_capable = p->mode == VN_FWD_NAT || p->mode == VN_FWD_ROUTE;
        r = vn_plan_forwards(net, p->bridge, opts ? opts->macs : NULL, opts ? opts->n_macs : 0, &fw,
                             &n_fw, err);
        if (r < 0)
                return r;
        for (size_t i = 0; i < net->n_ips; i++)
                if (ip_is_nat(&c, &net->ips[i]))
                        c.any_nat = true;
        vn_nft_ident(p->bridge, "in", c.c_in, sizeof(c.c_in));
        vn_nft_ident(p->bridge, "out", c.c_out, sizeof(c.c_out));
        vn_nft_ident(p->bridge, "inp", c.c_inp, sizeof(c.c_inp));
        vn_nft_ident(p->bridge, "nat", c.c_nat, sizeof(c.c_nat));

        /* apply: base (idempotent), this network's chains, then the map elements */
        vn_nft_base(&add);
        nft_chain_decls(&c, &add);
        nft_base_maps(&add);
        nft_base_rules(&add);
        nft_net_chains(&c, &add);
        nft_elements(&c, &add, true);
        for (size_t i = 0; i < n_fw; i++) {
                if (fw[i].resolved) {
                        vn_buf_add(&add, fw[i].add);
                        c.rules += fw[i].rules;
                } else {
                        vn_buf_addf(&add, "# %s\n", fw[i].note);
                }
        }

        /* remove: declare (no-op when present) so that deletes cannot fail on absence */
        vn_nft_base(&del);
        nft_chain_decls(&c, &del);
        nft_base_maps(&del);
        for (size_t i = 0; i < n_fw; i++)
                if (fw[i].resolved)
                        vn_buf_add(&del, fw[i].del);
        nft_elements(&c, &del, true);  /* ensure the elements exist ... */
        nft_elements(&c, &del, false); /* ... so that deleting them cannot fail */
        vn_buf_addf(&del, "flush chain " T " %s\ndelete chain " T " %s\n", c.c_in, c.c_in);
        vn_buf_addf(&del, "flush chain " T " %s\ndelete chain " T " %s\n", c.c_out, c.c_out);
        vn_buf_addf(&del, "flush chain " T " %s\ndelete chain " T " %s\n", c.c_inp, c.c_inp);
        if (c.any_nat)
                vn_buf_addf(&del, "flush chain " T " %s\ndelete chain " T " %s\n", c.c_nat,
                            c.c_nat);

        vn_fwd_items_free(fw, n_fw);
        r = plan_compat(&c);
        if (r < 0) {
                vn_buf_free(&add);
                vn_buf_free(&del);
                return vn_err(err, r, "out of memory");
        }
        p->fw_rules = c.rules;
        p->fw_apply = vn_buf_steal(&add);
        p->fw_remove = vn_buf_steal(&del);
        if (!p->fw_apply || !p->fw_remove)
                return vn_err(err, -ENOMEM, "out of memory");
        return 0;
}
