/*
 * plan-forward.c: port forwards (<vnet:forward>) as nftables text. Pure.
 *
 * Dispatch stays flat however many networks and forwards exist. Two NAT base
 * chains in table `inet vnet` look a packet to one of the host's addresses up
 * in three interval verdict maps, keyed by what a forward claims:
 *
 *   prerouting (nat, dstnat) and output (nat, -100; loopback excluded):
 *     fib daddr type local  ip  daddr . meta l4proto . th dport  vmap @pf4
 *     fib daddr type local  ip6 daddr . meta l4proto . th dport  vmap @pf6
 *     fib daddr type local  meta l4proto . th dport               vmap @pf_any
 *
 * pf4/pf6 hold the forwards limited to one host address, pf_any the others
 * (xml/check.c guarantees the keys never overlap, also across networks).
 * Each element jumps to the forward's OWN chain, vn_<bridge>_f_<proto>_<port>
 * [_a<address in hex>], which skips the network's own gateway addresses and
 * DNATs. So adding or removing one forward is one transaction that touches
 * only its chain and its map element: the rules (and conntrack entries) of
 * every other forward are left alone.
 *
 * Around it: the network's `_in` chain accepts `ct status dnat` before its
 * reject (plan-nft.c), and postrouting masquerades DNATed flows from a
 * network's subnet back into its bridge (`ct status dnat oifname . ip saddr
 * @hairpin4`, one set element per subnet), so a guest reaching a forward
 * through the host's address gets the replies back through the host. (Not
 * keyed by the input interface: with br_netfilter, a DNATed packet that
 * goes back out of the bridge it came from is bridged, and postrouting then
 * sees no input interface.)
 *
 * A forward's text is a block between "# vnet-forward CHAIN SIG" and
 * "# vnet-forward-end" lines (nft comments). The removal file of a running
 * network carries the blocks of exactly the forwards that are applied, which
 * is how forward-add/-del and the libvirt hook know what to change.
 *
 * nftables (1.0.6) has no shifted port-range NAT, so a toport range that
 * differs from its port range becomes one map entry per port (bounded by
 * xml/check.c).
 */
#include "config.h"

#include "plan.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#define T "inet " VN_NFT_TABLE

void vn_nft_fwd_base_decls(struct vn_buf *b)
{
        vn_buf_add(b, "add chain " T " prerouting { type nat hook prerouting priority dstnat; "
                      "policy accept; }\n");
        vn_buf_add(b, "add chain " T " output { type nat hook output priority -100; "
                      "policy accept; }\n");
        vn_buf_add(b, "add map " T " pf4 { type ipv4_addr . inet_proto . inet_service : verdict; "
                      "flags interval; }\n");
        vn_buf_add(b, "add map " T " pf6 { type ipv6_addr . inet_proto . inet_service : verdict; "
                      "flags interval; }\n");
        vn_buf_add(b, "add map " T " pf_any { type inet_proto . inet_service : verdict; "
                      "flags interval; }\n");
        vn_buf_add(b, "add set " T " hairpin4 { type ifname . ipv4_addr; flags interval; }\n");
        vn_buf_add(b, "add set " T " hairpin6 { type ifname . ipv6_addr; flags interval; }\n");
}

static void dispatch_rules(struct vn_buf *b, const char *chain)
{
        vn_buf_addf(b,
                    "add rule " T " %s fib daddr type local meta nfproto ipv4 ip daddr . meta "
                    "l4proto . th dport vmap @pf4\n",
                    chain);
        vn_buf_addf(b,
                    "add rule " T " %s fib daddr type local meta nfproto ipv6 ip6 daddr . meta "
                    "l4proto . th dport vmap @pf6\n",
                    chain);
        vn_buf_addf(b,
                    "add rule " T " %s fib daddr type local meta l4proto . th dport vmap @pf_any\n",
                    chain);
}

void vn_nft_fwd_base_rules(struct vn_buf *b)
{
        vn_buf_add(b, "flush chain " T " prerouting\n");
        dispatch_rules(b, "prerouting");
        vn_buf_add(b, "flush chain " T " output\n");
        /* DNAT of 127.0.0.1/::1 would need route_localnet: loopback is never forwarded */
        vn_buf_add(b, "add rule " T " output ip daddr 127.0.0.0/8 return\n");
        vn_buf_add(b, "add rule " T " output ip6 daddr ::1 return\n");
        dispatch_rules(b, "output");
}

void vn_nft_hairpin(struct vn_buf *b, const struct vn_net *net, const char *bridge, bool add)
{
        for (size_t i = 0; i < net->n_ips; i++) {
                const struct vn_ip *ip = &net->ips[i];
                const char *set = ip->address.family == AF_INET ? "hairpin4" : "hairpin6";
                unsigned pfx = vn_ip_prefix(ip);
                char a[VN_ADDR_STRLEN];
                struct vn_addr n;

                vn_addr_network(&ip->address, pfx, &n);
                vn_addr_format(&n, a);
                /* removal is idempotent: make sure it exists, then delete it */
                vn_buf_addf(b, "add element " T " %s { \"%s\" . %s/%u }\n", set, bridge, a, pfx);
                if (!add)
                        vn_buf_addf(b, "delete element " T " %s { \"%s\" . %s/%u }\n", set, bridge,
                                    a, pfx);
        }
}

void vn_fwd_items_free(struct vn_fwd_item *items, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                free(items[i].add);
                free(items[i].del);
                free(items[i].note);
        }
        free(items);
}

/* Static <host> entries first (known before the guest ever leased), then what the host
 * learnt at run time, in the order given. */
static bool resolve(const struct vn_net *net, const struct vn_port_forward *f,
                    const struct vn_mac_ip *macs, size_t n_macs, struct vn_addr *out,
                    const char **source)
{
        if (!f->has_mac) {
                *out = f->to;
                *source = "to";
                return true;
        }
        for (size_t i = 0; i < net->n_ips; i++)
                for (size_t j = 0; j < net->ips[i].n_hosts; j++) {
                        const struct vn_dhcp_host *h = &net->ips[i].hosts[j];

                        if (h->has_mac && memcmp(h->mac, f->mac, 6) == 0 &&
                            vn_addr_is_set(&h->ip) &&
                            (!vn_addr_is_set(&f->address) || f->address.family == h->ip.family)) {
                                *out = h->ip;
                                *source = "host";
                                return true;
                        }
                }
        for (size_t i = 0; i < n_macs; i++)
                if (memcmp(macs[i].mac, f->mac, 6) == 0 && vn_addr_is_set(&macs[i].addr) &&
                    (!vn_addr_is_set(&f->address) || f->address.family == macs[i].addr.family)) {
                        *out = macs[i].addr;
                        *source = macs[i].source ? macs[i].source : "lease";
                        return true;
                }
        return false;
}

static void chain_name(const char *bridge, const struct vn_port_forward *f, char *out, size_t len)
{
        char suffix[96];
        int n;

        n = snprintf(suffix, sizeof(suffix), "f_%s_%u", vn_proto_name(f->proto), f->port_start);
        if (f->port_end != f->port_start)
                n += snprintf(suffix + n, sizeof(suffix) - (size_t)n, "_%u", f->port_end);
        if (vn_addr_is_set(&f->address)) {
                size_t bytes = f->address.family == AF_INET ? 4 : 16;

                n += snprintf(suffix + n, sizeof(suffix) - (size_t)n, "_a");
                for (size_t i = 0; i < bytes; i++)
                        n += snprintf(suffix + n, sizeof(suffix) - (size_t)n, "%02x",
                                      f->address.u.bytes[i]);
        }
        vn_nft_ident(bridge, suffix, out, len);
}

/* The map and key that lead to the forward's chain. */
static void map_key(const struct vn_port_forward *f, const char **map, char *key, size_t len)
{
        char a[VN_ADDR_STRLEN], ports[16];

        vn_port_range_format(f->port_start, f->port_end, ports, sizeof(ports));
        if (!vn_addr_is_set(&f->address)) {
                *map = "pf_any";
                snprintf(key, len, "%s . %s", vn_proto_name(f->proto), ports);
                return;
        }
        *map = f->address.family == AF_INET ? "pf4" : "pf6";
        snprintf(key, len, "%s . %s . %s", vn_addr_format(&f->address, a), vn_proto_name(f->proto),
                 ports);
}

static uint32_t fnv1a(const char *s)
{
        uint32_t h = 2166136261u;

        for (; *s; s++) {
                h ^= (unsigned char)*s;
                h *= 16777619u;
        }
        return h;
}

static int render_one(const struct vn_net *net, const char *bridge, struct vn_fwd_item *it)
{
        const struct vn_port_forward *f = it->f;
        const char *fam = it->target.family == AF_INET ? "ip" : "ip6";
        const char *nfp = it->target.family == AF_INET ? "ipv4" : "ipv6";
        char a[VN_ADDR_STRLEN], tgt[VN_ADDR_STRLEN + 2], key[128], ports[16];
        struct vn_buf body = {0}, add = {0}, del = {0};
        const char *map;

        vn_addr_format(&it->target, a);
        if (it->target.family == AF_INET6)
                snprintf(tgt, sizeof(tgt), "[%s]", a);
        else
                snprintf(tgt, sizeof(tgt), "%s", a);
        map_key(f, &map, key, sizeof(key));
        vn_port_range_format(f->port_start, f->port_end, ports, sizeof(ports));

        vn_buf_addf(&body, "add chain " T " %s\n", it->chain);
        vn_buf_addf(&body, "flush chain " T " %s\n", it->chain);
        if (!vn_addr_is_set(&f->address)) {
                /* "the host's addresses" are those outside the network: a guest asking its own
                 * gateway for the port gets the host, not the forward */
                struct vn_buf own = {0};

                for (size_t i = 0; i < net->n_ips; i++)
                        if (net->ips[i].address.family == it->target.family)
                                vn_buf_addf(&own, "%s%s", own.len ? ", " : "",
                                            vn_addr_format(&net->ips[i].address, a));
                if (own.len) {
                        vn_buf_addf(&body, "add rule " T " %s %s daddr { %s } return\n", it->chain,
                                    fam, vn_buf_str(&own));
                        it->rules++;
                }
                vn_buf_free(&own);
        }
        vn_buf_addf(&body, "add rule " T " %s meta nfproto %s meta l4proto %s dnat %s to %s",
                    it->chain, nfp, vn_proto_name(f->proto), fam, tgt);
        if (f->toport_start == f->toport_end) {
                vn_buf_addf(&body, ":%u", f->toport_start);
        } else if (f->toport_start != f->port_start) {
                vn_buf_add(&body, " : th dport map { ");
                for (unsigned p = f->port_start; p <= f->port_end; p++)
                        vn_buf_addf(&body, "%s%u : %u", p == f->port_start ? "" : ", ", p,
                                    f->toport_start + (p - f->port_start));
                vn_buf_add(&body, " }");
        } /* else the same range: ports are kept */
        vn_buf_add(&body, "\n");
        it->rules++;
        vn_buf_addf(&body, "add element " T " %s { %s : jump %s }\n", map, key, it->chain);
        if (body.oom) {
                vn_buf_free(&body);
                return -ENOMEM;
        }
        it->sig = fnv1a(vn_buf_str(&body));

        vn_buf_addf(&add, VN_FWD_MARK "%s %08x %s %s -> %s (%s)\n", it->chain, it->sig,
                    vn_proto_name(f->proto), ports, tgt, it->source);
        vn_buf_add(&add, vn_buf_str(&body));
        vn_buf_add(&add, VN_FWD_MARK_END "\n");
        vn_buf_free(&body);

        vn_buf_addf(&del, VN_FWD_MARK "%s %08x %s %s -> %s (%s)\n", it->chain, it->sig,
                    vn_proto_name(f->proto), ports, tgt, it->source);
        vn_buf_addf(&del, "add chain " T " %s\n", it->chain);
        vn_buf_addf(&del, "add element " T " %s { %s : jump %s }\n", map, key, it->chain);
        vn_buf_addf(&del, "delete element " T " %s { %s }\n", map, key);
        vn_buf_addf(&del, "flush chain " T " %s\n", it->chain);
        vn_buf_addf(&del, "delete chain " T " %s\n", it->chain);
        vn_buf_add(&del, VN_FWD_MARK_END "\n");
        it->add = vn_buf_steal(&add);
        it->del = vn_buf_steal(&del);
        if (!it->add || !it->del)
                return -ENOMEM;
        return 0;
}

int vn_plan_forwards(const struct vn_net *net, const char *bridge, const struct vn_mac_ip *macs,
                     size_t n_macs, struct vn_fwd_item **out, size_t *n, struct vn_error *err)
{
        struct vn_fwd_item *items;
        size_t cnt = net->ext.n_forwards;

        *out = NULL;
        *n = 0;
        if (!cnt)
                return 0;
        items = calloc(cnt, sizeof(*items));
        if (!items)
                return vn_err(err, -ENOMEM, "out of memory");
        for (size_t i = 0; i < cnt; i++) {
                struct vn_fwd_item *it = &items[i];
                const struct vn_port_forward *f = &net->ext.forwards[i];
                char m[VN_MAC_STRLEN], ports[16];

                it->f = f;
                chain_name(bridge, f, it->chain, sizeof(it->chain));
                it->resolved = resolve(net, f, macs, n_macs, &it->target, &it->source);
                if (!it->resolved) {
                        vn_port_range_format(f->port_start, f->port_end, ports, sizeof(ports));
                        it->note = vn_asprintf(
                            "forward %s %s to mac %s: no address known yet (no static <host>, "
                            "DHCP lease or libvirt port with one); skipped until it is",
                            vn_proto_name(f->proto), ports, vn_mac_format(f->mac, m));
                        if (!it->note)
                                goto oom;
                        continue;
                }
                if (render_one(net, bridge, it) < 0)
                        goto oom;
        }
        *out = items;
        *n = cnt;
        return 0;
oom:
        vn_fwd_items_free(items, cnt);
        return vn_err(err, -ENOMEM, "out of memory");
}

void vn_fwd_applied_free(struct vn_fwd_applied *a, size_t n)
{
        for (size_t i = 0; i < n; i++)
                free(a[i].del);
        free(a);
}

int vn_fwd_applied_parse(const char *text, struct vn_fwd_applied **out, size_t *n)
{
        struct vn_fwd_applied *v = NULL;
        size_t cnt = 0;
        const char *p = text;

        *out = NULL;
        *n = 0;
        while (p && *p) {
                const char *eol = strchr(p, '\n');
                size_t ml = strlen(VN_FWD_MARK);

                if (strncmp(p, VN_FWD_MARK, ml) == 0) {
                        const char *end = strstr(p, VN_FWD_MARK_END "\n");
                        struct vn_fwd_applied *nv;
                        unsigned sig = 0;
                        char chain[128];

                        if (!end)
                                break; /* truncated: ignore the rest */
                        end += strlen(VN_FWD_MARK_END "\n");
                        if (sscanf(p + ml, "%127s %x", chain, &sig) == 2) {
                                nv = realloc(v, (cnt + 1) * sizeof(*v));
                                if (!nv) {
                                        vn_fwd_applied_free(v, cnt);
                                        return -ENOMEM;
                                }
                                v = nv;
                                memset(&v[cnt], 0, sizeof(*v));
                                snprintf(v[cnt].chain, sizeof(v[cnt].chain), "%s", chain);
                                v[cnt].sig = sig;
                                v[cnt].del = strndup(p, (size_t)(end - p));
                                if (!v[cnt].del) {
                                        vn_fwd_applied_free(v, cnt);
                                        return -ENOMEM;
                                }
                                cnt++;
                        }
                        p = end;
                        continue;
                }
                p = eol ? eol + 1 : NULL;
        }
        *out = v;
        *n = cnt;
        return 0;
}

int vn_fwd_diff(const char *base, const struct vn_fwd_applied *applied, size_t n_applied,
                const struct vn_fwd_item *want, size_t n_want, char **out)
{
        struct vn_buf b = {0};
        bool any = false;

        *out = NULL;
        vn_buf_add(&b, base ? base : "");
        for (size_t i = 0; i < n_applied; i++) {
                bool keep = false;

                for (size_t j = 0; j < n_want; j++)
                        if (want[j].resolved && strcmp(want[j].chain, applied[i].chain) == 0)
                                keep = true;
                if (!keep) {
                        vn_buf_add(&b, applied[i].del);
                        any = true;
                }
        }
        for (size_t j = 0; j < n_want; j++) {
                bool same = false;

                if (!want[j].resolved)
                        continue;
                for (size_t i = 0; i < n_applied; i++)
                        if (strcmp(want[j].chain, applied[i].chain) == 0 &&
                            want[j].sig == applied[i].sig)
                                same = true;
                if (!same) {
                        vn_buf_add(&b, want[j].add);
                        any = true;
                }
        }
        if (!any) {
                vn_buf_free(&b);
                return 0;
        }
        *out = vn_buf_steal(&b);
        return *out ? 1 : -ENOMEM;
}
