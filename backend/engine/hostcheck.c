/*
 * hostcheck.c: host facts about other firewalls. From a network's plan, the
 * packets it needs the host to pass (DHCP and DNS to dnsmasq on the bridge,
 * forwarded traffic both ways for nat/route); hostfw.c says which other
 * table's base chain drops each; this file turns that into one warning line
 * per blocked path for `start` and `info`.
 */
#include "config.h"

#include "hostcheck.h"
#include "hostfw.h"
#include "state.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

struct path {
        struct vn_hostfw_pkt pkt;
        const char *consequence;
};

/* a guest's address: the first DHCP range's start, else the address after the gateway */
static struct in_addr guest_addr(const struct vn_ip *ip)
{
        struct in_addr a = ip->address.u.v4;

        if (ip->n_ranges && ip->ranges[0].start.family == AF_INET)
                return ip->ranges[0].start.u.v4;
        a.s_addr = htonl(ntohl(a.s_addr) + 1);
        return a;
}

static size_t net_paths(const struct vn_net *net, const struct vn_plan *p, struct path *out,
                        size_t max)
{
        const struct vn_ip *ip = NULL;
        const char *dev = net->forward.dev;
        bool dns = !(net->dns.present && net->dns.enable == VN_NO);
        size_t n = 0;
        struct in_addr outside;

        for (size_t i = 0; i < net->n_ips && !ip; i++)
                if (net->ips[i].address.family == AF_INET)
                        ip = &net->ips[i];
        if (!ip || !p->bridge[0] || !p->create_bridge)
                return 0;
        inet_pton(AF_INET, "198.51.100.1", &outside); /* TEST-NET-2: "somewhere outside" */
        if (p->dnsmasq && (ip->n_ranges || ip->n_hosts) && n < max) {
                struct vn_hostfw_pkt k = {.what = "DHCP",
                                          .hook = VN_HOOK_INPUT,
                                          .iif = p->bridge,
                                          .l4 = IPPROTO_UDP,
                                          .sport = 68,
                                          .dport = 67,
                                          .broadcast = true};

                k.daddr.s_addr = htonl(0xffffffffu);
                out[n++] = (struct path){k, "guests will get no address"};
        }
        if (p->dnsmasq && dns && n < max) {
                struct vn_hostfw_pkt k = {.what = "DNS",
                                          .hook = VN_HOOK_INPUT,
                                          .iif = p->bridge,
                                          .l4 = IPPROTO_UDP,
                                          .sport = 40000,
                                          .dport = 53,
                                          .saddr = guest_addr(ip),
                                          .daddr = ip->address.u.v4};

                out[n++] = (struct path){k, "guests cannot resolve names through the gateway"};
        }
        if ((p->mode == VN_FWD_NAT || p->mode == VN_FWD_ROUTE) && n + 2 <= max) {
                struct vn_hostfw_pkt k = {.what = "forwarded traffic",
                                          .hook = VN_HOOK_FORWARD,
                                          .iif = p->bridge,
                                          .oif = dev,
                                          .l4 = IPPROTO_TCP,
                                          .sport = 40000,
                                          .dport = 443,
                                          .saddr = guest_addr(ip),
                                          .daddr = outside};

                out[n++] = (struct path){k, "guests cannot reach the outside"};
                k.what = "replies to";
                k.iif = dev;
                k.oif = p->bridge;
                k.saddr = outside;
                k.daddr = guest_addr(ip);
                k.sport = 443;
                k.dport = 40000;
                k.established = true;
                out[n++] = (struct path){k, "replies from the outside do not reach the guests"};
        }
        return n;
}

int vn_hostfw_warnings(const struct vn_net *net, const struct vn_plan *p, char ***out,
                       size_t *n_out)
{
        struct path paths[4];
        struct vn_hostfw_pkt pkts[4];
        struct vn_hostfw_drop drops[4];
        struct vn_error ignore = {0};
        size_t n = net_paths(net, p, paths, VN_ARRAY_SIZE(paths)), cnt = 0;
        char **w;

        *out = NULL;
        *n_out = 0;
        if (n == 0)
                return 0;
        for (size_t i = 0; i < n; i++)
                pkts[i] = paths[i].pkt;
        if (vn_hostfw_check(VN_NFT_TABLE, pkts, n, drops, &ignore) < 0)
                return 0; /* no nftables here: nothing to tell */
        w = calloc(n, sizeof(*w));
        if (!w)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                const struct vn_hostfw_drop *d = &drops[i];
                const char *verb = strcmp(d->verdict, "reject") == 0 ? "reject" : "drop";
                _cleanup_free_ char *where = NULL;
                char what[64];

                if (!d->table[0])
                        continue;
                if (d->by_policy)
                        where = vn_asprintf("table %s %s chain %s (policy drop)", d->family,
                                            d->table, d->chain);
                else
                        where =
                            vn_asprintf("table %s %s chain %s rule handle %llu%s%s%s", d->family,
                                        d->table, d->chain, (unsigned long long)d->handle,
                                        d->rule[0] ? " (" : "", d->rule, d->rule[0] ? ")" : "");
                if (paths[i].pkt.hook == VN_HOOK_FORWARD && paths[i].pkt.established)
                        snprintf(what, sizeof(what), "replies to %s", p->bridge);
                else if (paths[i].pkt.hook == VN_HOOK_FORWARD)
                        snprintf(what, sizeof(what), "traffic forwarded from %s", p->bridge);
                else
                        snprintf(what, sizeof(what), "%s from %s", paths[i].pkt.what, p->bridge);
                w[cnt] = where ? vn_asprintf("%s will %s %s: %s", where, verb, what,
                                             paths[i].consequence)
                               : NULL;
                if (!w[cnt]) {
                        vn_strv_free(w, cnt);
                        return -ENOMEM;
                }
                cnt++;
        }
        if (cnt == 0) {
                free(w);
                return 0;
        }
        *out = w;
        *n_out = cnt;
        return 0;
}
