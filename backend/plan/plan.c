/*
 * plan.c: model → plan. Pure: everything here is computed from the model
 * and the options, nothing is read from the host.
 */
#include "config.h"

#include "plan.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

/* What each forward mode needs (see STYLE.md: modes as data). */
static const struct vn_mode_info mode_table[] = {
    {VN_FWD_NONE, true, false, false, true, false, false, true},
    {VN_FWD_NAT, true, false, false, true, true, true, true},
    {VN_FWD_ROUTE, true, false, false, true, true, false, true},
    {VN_FWD_OPEN, true, false, false, true, true, false, false}, /* forwards, as libvirt */
    {VN_FWD_BRIDGE, false, true, false, false, false, false, false},
    {VN_FWD_PRIVATE, false, false, true, false, false, false, false},
    {VN_FWD_VEPA, false, false, true, false, false, false, false},
    {VN_FWD_PASSTHROUGH, false, false, true, false, false, false, false},
    {VN_FWD_HOSTDEV, false, false, false, false, false, false, false},
};

const struct vn_mode_info *vn_mode_info(enum vn_fwd_mode m)
{
        for (size_t i = 0; i < VN_ARRAY_SIZE(mode_table); i++)
                if (mode_table[i].mode == m)
                        return &mode_table[i];
        return &mode_table[0];
}

static const char *const fw_names[] = {
    [VN_FW_AUTO] = "auto",
    [VN_FW_NFT] = "nftables",
    [VN_FW_IPT] = "iptables",
    [VN_FW_NONE] = "none",
};

const char *vn_fw_backend_name(enum vn_fw_backend b)
{
        return (unsigned)b < VN_ARRAY_SIZE(fw_names) ? fw_names[b] : "?";
}

int vn_fw_backend_from_name(const char *s)
{
        for (size_t i = 0; i < VN_ARRAY_SIZE(fw_names); i++)
                if (vn_streq(s, fw_names[i]))
                        return (int)i;
        if (vn_streq(s, "nft"))
                return VN_FW_NFT;
        return -EINVAL;
}

void vn_plan_free(struct vn_plan *p)
{
        if (!p)
                return;
        free(p->name);
        vn_plan_overlay_free(p->overlay);
        vn_strv_free(p->check_devs, p->n_check_devs);
        free(p->addrs);
        free(p->routes);
        free(p->sysctls);
        free(p->fw_apply);
        free(p->fw_remove);
        free(p->fw6_apply);
        free(p->fw6_remove);
        free(p->csum_apply);
        free(p->csum_remove);
        vn_strv_free(p->compat_add, p->n_compat);
        vn_strv_free(p->compat_del, p->n_compat);
        for (size_t i = 0; i < p->n_portclasses; i++)
                free(p->portclasses[i].name);
        free(p->portclasses);
        free(p->dnsmasq_conf);
        free(p->dnsmasq_conf_path);
        free(p->dnsmasq_pid_path);
        free(p->dnsmasq_hosts);
        free(p->dnsmasq_addnhosts);
        free(p->dnsmasq_leases_path);
        free(p);
}

void vn_plan_default_mac(const struct vn_net *net, uint8_t mac[6])
{
        /* FNV-1a over the UUID: stable across restarts, distinct per network. */
        uint32_t h = 2166136261u;

        for (int i = 0; i < 16; i++) {
                h ^= net->uuid[i];
                h *= 16777619u;
        }
        mac[0] = 0x52;
        mac[1] = 0x54;
        mac[2] = 0x00;
        mac[3] = (uint8_t)(h >> 16);
        mac[4] = (uint8_t)(h >> 8);
        mac[5] = (uint8_t)h;
}

static int add_sysctl(struct vn_plan *p, const char *key, const char *value)
{
        struct vn_plan_sysctl *n = realloc(p->sysctls, (p->n_sysctls + 1) * sizeof(*n));

        if (!n)
                return -ENOMEM;
        p->sysctls = n;
        memset(&n[p->n_sysctls], 0, sizeof(*n));
        snprintf(n[p->n_sysctls].key, sizeof(n->key), "%s", key);
        snprintf(n[p->n_sysctls].value, sizeof(n->value), "%s", value);
        p->n_sysctls++;
        return 0;
}

static int add_check_dev(struct vn_plan *p, const char *dev)
{
        char **n;

        for (size_t i = 0; i < p->n_check_devs; i++)
                if (strcmp(p->check_devs[i], dev) == 0)
                        return 0;
        n = realloc(p->check_devs, (p->n_check_devs + 1) * sizeof(*n));
        if (!n)
                return -ENOMEM;
        p->check_devs = n;
        n[p->n_check_devs] = strdup(dev);
        if (!n[p->n_check_devs])
                return -ENOMEM;
        p->n_check_devs++;
        return 0;
}

static int plan_l3(const struct vn_net *net, struct vn_plan *p, struct vn_error *err)
{
        bool have_v4 = false, have_v6 = false;
        char key[96];

        p->addrs = calloc(net->n_ips ? net->n_ips : 1, sizeof(*p->addrs));
        p->routes = calloc(net->n_routes ? net->n_routes : 1, sizeof(*p->routes));
        if (!p->addrs || !p->routes)
                return vn_err(err, -ENOMEM, "out of memory");
        for (size_t i = 0; i < net->n_ips; i++) {
                const struct vn_ip *ip = &net->ips[i];

                p->addrs[p->n_addrs].addr = ip->address;
                p->addrs[p->n_addrs].prefix = vn_ip_prefix(ip);
                p->n_addrs++;
                if (ip->address.family == AF_INET)
                        have_v4 = true;
                else
                        have_v6 = true;
        }
        for (size_t i = 0; i < net->n_routes; i++) {
                const struct vn_route *r = &net->routes[i];

                p->routes[i].dst = r->address;
                p->routes[i].prefix = vn_route_prefix(r);
                p->routes[i].gw = r->gateway;
                p->routes[i].metric = r->has_metric ? r->metric : 0;
                p->n_routes++;
        }
        /* A bridge without IPv6 gets no link-local address either, as libvirt does,
         * unless the network asks for ipv6='yes'. */
        if (!have_v6 && net->ipv6 != VN_YES) {
                snprintf(key, sizeof(key), "net/ipv6/conf/%s/disable_ipv6", p->bridge);
                if (add_sysctl(p, key, "1") < 0)
                        return -ENOMEM;
        } else if (have_v6) {
                /* the bridge is a router for its guests: it must not autoconfigure itself */
                snprintf(key, sizeof(key), "net/ipv6/conf/%s/accept_ra", p->bridge);
                if (add_sysctl(p, key, "0") < 0)
                        return -ENOMEM;
                snprintf(key, sizeof(key), "net/ipv6/conf/%s/autoconf", p->bridge);
                if (add_sysctl(p, key, "0") < 0)
                        return -ENOMEM;
        }
        if (p->mi->forwarding && have_v4 && add_sysctl(p, "net/ipv4/ip_forward", "1") < 0)
                return -ENOMEM;
        if (p->mi->forwarding && have_v6 && add_sysctl(p, "net/ipv6/conf/all/forwarding", "1") < 0)
                return -ENOMEM;
        return 0;
}

/* Guest port classes: the network's settings and each portgroup's. Bridge networks only: a
 * macvtap port never passes a bridge, so isolation cannot be applied there. */
static int plan_portclasses(const struct vn_net *net, struct vn_plan *p, struct vn_error *err)
{
        bool any_default = false;

        if (p->macvtap) {
                if (net->port_isolated == VN_YES)
                        return vn_err(err, -EOPNOTSUPP,
                                      "network '%s': <port isolated='yes'>: not supported by vnet "
                                      "with forward mode='%s' (macvtap ports do not pass a "
                                      "bridge; mode='private' keeps guests apart)",
                                      net->name, vn_fwd_mode_name(p->mode));
                for (size_t i = 0; i < net->n_portgroups; i++)
                        if (net->portgroups[i].port_isolated == VN_YES)
                                return vn_err(err, -EOPNOTSUPP,
                                              "network '%s': <portgroup name='%s'> <port "
                                              "isolated='yes'>: not supported by vnet with forward "
                                              "mode='%s' (macvtap ports do not pass a bridge)",
                                              net->name, net->portgroups[i].name,
                                              vn_fwd_mode_name(p->mode));
                return 0;
        }
        if (!p->bridge[0])
                return 0;
        p->portclasses = calloc(net->n_portgroups + 1, sizeof(*p->portclasses));
        if (!p->portclasses)
                return vn_err(err, -ENOMEM, "out of memory");
        p->portclasses[0].isolated = net->port_isolated == VN_YES;
        p->n_portclasses = 1;
        for (size_t i = 0; i < net->n_portgroups; i++) {
                const struct vn_portgroup *pg = &net->portgroups[i];
                struct vn_plan_portclass *pc = &p->portclasses[i + 1];

                if (!(pc->name = strdup(pg->name)))
                        return vn_err(err, -ENOMEM, "out of memory");
                p->n_portclasses++;
                pc->is_default = pg->is_default == VN_YES;
                pc->bw = pg->bandwidth;
                any_default |= pc->is_default;
                /* a portgroup's own <port isolated> wins over the network's */
                pc->isolated =
                    pg->port_isolated ? pg->port_isolated == VN_YES : p->portclasses[0].isolated;
        }
        p->portclasses[0].is_default = !any_default;
        return 0;
}

int vn_plan_port_class(const struct vn_plan *p, const char *name,
                       const struct vn_plan_portclass **out, struct vn_error *err)
{
        for (size_t i = 0; i < p->n_portclasses; i++) {
                const struct vn_plan_portclass *pc = &p->portclasses[i];

                if (name ? pc->name && strcmp(pc->name, name) == 0 : pc->is_default) {
                        *out = pc;
                        return 0;
                }
        }
        if (!p->n_portclasses)
                return vn_err(err, -EINVAL,
                              "network '%s' (%s): portgroups apply to bridge ports only", p->name,
                              vn_fwd_mode_name(p->mode));
        return vn_err(err, -ENOENT, "network '%s' has no <portgroup name='%s'>", p->name, name);
}

int vn_plan_build(const struct vn_net *net, const struct vn_plan_opts *opts, struct vn_plan **out,
                  struct vn_error *err)
{
        _cleanup_plan_ struct vn_plan *p = NULL;
        struct vn_net view; /* the model as this host runs it (overlay: MTU, member role) */
        int r;

        p = calloc(1, sizeof(*p));
        if (!p || !(p->name = strdup(net->name)))
                return vn_err(err, -ENOMEM, "out of memory");
        p->mode = net->forward.present ? net->forward.mode : VN_FWD_NONE;
        p->mi = vn_mode_info(p->mode);
        p->fw = opts->fw;

        if (p->mode == VN_FWD_HOSTDEV)
                return vn_err(err, -EOPNOTSUPP,
                              "network '%s': forward mode 'hostdev' (SR-IOV PCI passthrough) "
                              "is not supported by vnet; the definition is kept but cannot be "
                              "started",
                              net->name);

        /* <forward mode='bridge'> is a host bridge with <bridge name>, else a macvtap pool */
        p->host_bridge = p->mi->uses_host_bridge && net->bridge.name;
        p->macvtap = p->mi->uses_macvtap || (p->mode == VN_FWD_BRIDGE && !net->bridge.name);
        if (p->mi->creates_bridge || p->host_bridge) {
                if (!net->bridge.name)
                        return vn_err(err, -EINVAL,
                                      "network '%s': no bridge name (define assigns one; use "
                                      "<bridge name='...'/>)",
                                      net->name);
                snprintf(p->bridge, sizeof(p->bridge), "%s", net->bridge.name);
        }
        if (p->host_bridge && add_check_dev(p, p->bridge) < 0)
                return -ENOMEM;
        if (p->macvtap) {
                for (size_t i = 0; i < net->forward.n_ifs; i++)
                        if (add_check_dev(p, net->forward.ifs[i].dev) < 0)
                                return -ENOMEM;
                for (size_t i = 0; i < net->forward.n_pfs; i++)
                        if (add_check_dev(p, net->forward.pfs[i]) < 0)
                                return -ENOMEM;
                if (p->n_check_devs == 0 && net->forward.dev &&
                    add_check_dev(p, net->forward.dev) < 0)
                        return -ENOMEM;
        }

        if ((r = plan_portclasses(net, p, err)) < 0)
                return r;
        if (net->bandwidth.present && !p->mi->creates_bridge)
                return vn_err(err, -EOPNOTSUPP,
                              "network '%s': <bandwidth>: not supported by vnet with forward "
                              "mode='%s' (it would shape a device vnet does not own; put it in "
                              "a <portgroup> to limit each guest port)",
                              net->name, vn_fwd_mode_name(p->mode));
        if (p->mi->creates_bridge && (r = vn_plan_shapes(&net->bandwidth, p->bridge, true,
                                                         p->shapes, &p->n_shapes, err)) < 0)
                return r;
        for (size_t i = 0; i < p->n_portclasses; i++) {
                struct vn_plan_shape tmp[2];
                size_t n;

                /* refuse what a port could not get, now rather than at port-add */
                if ((r = vn_plan_shapes(&p->portclasses[i].bw, "vnet0", false, tmp, &n, err)) < 0)
                        return r;
        }
        if ((r = vn_plan_overlay(net, opts, p, &view, err)) < 0)
                return r;
        net = &view;
        if (p->mi->creates_bridge) {
                p->create_bridge = true;
                if (net->has_mac)
                        memcpy(p->mac, net->mac, 6);
                else
                        vn_plan_default_mac(net, p->mac);
                p->mtu = net->mtu;
                /* Linux enforces a 2 s minimum forward delay while STP runs, so delay='0'
                 * (libvirt's default) and STP cannot both hold: new guest ports would wait
                 * 4 s before forwarding. A bridge vnet creates has no physical port (it
                 * routes, it never bridges to the outside) and cannot be part of a loop, so
                 * vnet honours the delay and runs STP only when a delay is asked for. */
                p->stp = net->bridge.stp != VN_NO && net->bridge.has_delay && net->bridge.delay > 0;
                p->stp_overridden = net->bridge.stp != VN_NO && !p->stp;
                p->delay_cs = (unsigned)(net->bridge.has_delay ? net->bridge.delay * 100 : 0);
                p->no_learning = net->bridge.mac_table_manager == VN_MTM_LIBVIRT;
                r = plan_l3(net, p, err);
                if (r < 0)
                        return r;
                if (p->fw == VN_FW_IPT && net->ext.n_forwards > 0)
                        return vn_err(err, -EOPNOTSUPP,
                                      "network '%s': port forwards (<vnet:forward>) need the "
                                      "nftables firewall backend; the iptables fallback does not "
                                      "render them",
                                      net->name);
                if (p->fw != VN_FW_NONE && p->mi->firewall) {
                        r = p->fw == VN_FW_IPT ? vn_plan_ipt(net, p, err)
                                               : vn_plan_nft(net, opts, p, err);
                        if (r < 0)
                                return r;
                }
                r = vn_plan_dhcp_checksum(net, p, err);
                if (r < 0)
                        return r;
                r = vn_plan_dnsmasq(net, p, opts, err);
                if (r < 0)
                        return r;
        }
        if ((r = vn_plan_overlay_finish(p, err)) < 0)
                return r;
        *out = VN_TAKE(p);
        return 0;
}

static void fmt_section(struct vn_buf *b, const char *title)
{
        vn_buf_addf(b, "\n# %s\n", title);
}

/* Only when something differs from a plain port: plans of networks without portgroups,
 * isolation or bandwidth stay as they were. */
static void fmt_portclasses(const struct vn_plan *p, struct vn_buf *b)
{
        if (p->n_shapes) {
                fmt_section(b, "bandwidth of the whole network (tc over netlink; KB = 1000 bytes "
                               "per second)");
                for (size_t i = 0; i < p->n_shapes; i++)
                        vn_plan_shape_format(&p->shapes[i], b);
        }
        if (p->n_portclasses <= 1 && !(p->n_portclasses && p->portclasses[0].isolated))
                return;
        fmt_section(b, "guest ports (each port vnet creates on the bridge, by portgroup)");
        for (size_t i = 0; i < p->n_portclasses; i++) {
                const struct vn_plan_portclass *pc = &p->portclasses[i];

                if (pc->name)
                        vn_buf_addf(b, "portgroup %s", pc->name);
                else
                        vn_buf_add(b, "no portgroup");
                vn_buf_addf(b, "%s: isolated %s\n", pc->is_default ? " (default)" : "",
                            pc->isolated ? "on" : "off");
                if (pc->bw.present) {
                        struct vn_plan_shape sh[2];
                        struct vn_error ignore = {0};
                        size_t n = 0;

                        /* PORT: each port's interface (vnetN) as port-add creates it */
                        if (vn_plan_shapes(&pc->bw, "PORT", false, sh, &n, &ignore) == 0)
                                for (size_t k = 0; k < n; k++)
                                        vn_plan_shape_format(&sh[k], b);
                }
        }
}

char *vn_plan_format(const struct vn_plan *p)
{
        struct vn_buf b = {0};
        char a[VN_ADDR_STRLEN], m[VN_MAC_STRLEN];

        vn_buf_addf(&b, "network %s\nmode %s\n", p->name, vn_fwd_mode_name(p->mode));
        if (p->n_check_devs) {
                fmt_section(&b, "host devices that must exist");
                for (size_t i = 0; i < p->n_check_devs; i++)
                        vn_buf_addf(&b, "require-link %s\n", p->check_devs[i]);
        }
        if (p->create_bridge) {
                fmt_section(&b, "links");
                vn_buf_addf(&b, "link add %s type bridge address %s stp %s forward_delay %u",
                            p->bridge, vn_mac_format(p->mac, m), p->stp ? "on" : "off",
                            p->delay_cs);
                if (p->mtu)
                        vn_buf_addf(&b, " mtu %u", p->mtu);
                if (p->no_learning)
                        vn_buf_add(&b, " learning off");
                vn_buf_add(&b, "\n");
                if (p->stp_overridden)
                        vn_buf_add(&b, "# stp off: delay 0 cannot hold with STP on (kernel minimum "
                                       "2 s); a vnet bridge has no physical port to loop through\n");
        }
        if (p->n_sysctls) {
                fmt_section(&b, "sysctls");
                for (size_t i = 0; i < p->n_sysctls; i++)
                        vn_buf_addf(&b, "sysctl %s = %s\n", p->sysctls[i].key, p->sysctls[i].value);
        }
        if (p->n_addrs) {
                fmt_section(&b, "addresses");
                for (size_t i = 0; i < p->n_addrs; i++)
                        vn_buf_addf(&b, "addr add %s/%u dev %s%s\n",
                                    vn_addr_format(&p->addrs[i].addr, a), p->addrs[i].prefix,
                                    p->bridge, p->addrs[i].addr.family == AF_INET6 ? " nodad" : "");
        }
        if (p->create_bridge)
                vn_buf_addf(&b, "link set %s up\n", p->bridge);
        if (p->n_routes) {
                fmt_section(&b, "routes");
                for (size_t i = 0; i < p->n_routes; i++) {
                        char g[VN_ADDR_STRLEN];

                        vn_buf_addf(&b, "route add %s/%u", vn_addr_format(&p->routes[i].dst, a),
                                    p->routes[i].prefix);
                        if (vn_addr_is_set(&p->routes[i].gw))
                                vn_buf_addf(&b, " via %s", vn_addr_format(&p->routes[i].gw, g));
                        vn_buf_addf(&b, " dev %s", p->bridge);
                        if (p->routes[i].metric)
                                vn_buf_addf(&b, " metric %u", p->routes[i].metric);
                        vn_buf_add(&b, "\n");
                }
        }
        vn_plan_overlay_format(p, &b);
        fmt_portclasses(p, &b);
        if (p->fw_apply) {
                vn_buf_addf(&b, "\n# firewall (%s, one transaction, %u rules)\n",
                            vn_fw_backend_name(p->fw), p->fw_rules);
                vn_buf_add(&b, p->fw_apply);
                if (p->fw6_apply) {
                        vn_buf_add(&b, "\n# firewall IPv6 (ip6tables-restore)\n");
                        vn_buf_add(&b, p->fw6_apply);
                }
                vn_buf_add(&b, "\n# firewall removal (one transaction)\n");
                vn_buf_add(&b, p->fw_remove);
                if (p->fw6_remove)
                        vn_buf_add(&b, p->fw6_remove);
        }
        if (p->csum_apply) {
                fmt_section(&b, "DHCP checksum fill (iptables-restore --noflush, vnet's own mangle "
                                "chain, whatever the firewall backend)");
                vn_buf_add(&b, p->csum_apply);
        }
        if (p->n_compat) {
                fmt_section(
                    &b,
                    "each only where the host's iptables chain (FORWARD: Docker, INPUT: ufw) has policy DROP: tagged accepts");
                for (size_t i = 0; i < p->n_compat; i++) {
                        vn_buf_add(&b, "iptables ");
                        for (const char *s = p->compat_add[i]; *s; s++)
                                vn_buf_addn(&b, *s == '\t' ? " " : s, 1);
                        vn_buf_add(&b, "\n");
                }
        }
        if (p->dnsmasq) {
                vn_buf_addf(&b, "\n# dnsmasq: %s\n", p->dnsmasq_conf_path);
                vn_buf_add(&b, p->dnsmasq_conf);
        }
        return vn_buf_steal(&b);
}

static void json_str(struct vn_buf *b, const char *s)
{
        vn_buf_add(b, "\"");
        for (; s && *s; s++) {
                unsigned char c = (unsigned char)*s;

                if (c == '"' || c == '\\')
                        vn_buf_addf(b, "\\%c", c);
                else if (c == '\n')
                        vn_buf_add(b, "\\n");
                else if (c == '\t')
                        vn_buf_add(b, "\\t");
                else if (c < 0x20)
                        vn_buf_addf(b, "\\u%04x", c);
                else
                        vn_buf_addn(b, s, 1);
        }
        vn_buf_add(b, "\"");
}

char *vn_plan_format_json(const struct vn_plan *p)
{
        struct vn_buf b = {0};
        char a[VN_ADDR_STRLEN], m[VN_MAC_STRLEN];

        vn_buf_add(&b, "{\"network\":");
        json_str(&b, p->name);
        vn_buf_add(&b, ",\"mode\":");
        json_str(&b, vn_fwd_mode_name(p->mode));
        vn_buf_add(&b, ",\"bridge\":");
        json_str(&b, p->bridge);
        vn_buf_addf(&b, ",\"create_bridge\":%s", p->create_bridge ? "true" : "false");
        vn_buf_add(&b, ",\"mac\":");
        json_str(&b, p->create_bridge ? vn_mac_format(p->mac, m) : "");
        vn_buf_addf(&b, ",\"mtu\":%u,\"stp\":%s,\"addresses\":[", p->mtu,
                    p->stp ? "true" : "false");
        for (size_t i = 0; i < p->n_addrs; i++) {
                char t[64];

                snprintf(t, sizeof(t), "%s/%u", vn_addr_format(&p->addrs[i].addr, a),
                         p->addrs[i].prefix);
                if (i)
                        vn_buf_add(&b, ",");
                json_str(&b, t);
        }
        vn_buf_add(&b, "],\"sysctls\":{");
        for (size_t i = 0; i < p->n_sysctls; i++) {
                if (i)
                        vn_buf_add(&b, ",");
                json_str(&b, p->sysctls[i].key);
                vn_buf_add(&b, ":");
                json_str(&b, p->sysctls[i].value);
        }
        vn_buf_addf(&b, "},\"firewall_backend\":\"%s\",\"firewall_rules\":%u,\"firewall\":",
                    vn_fw_backend_name(p->fw), p->fw_rules);
        json_str(&b, p->fw_apply ? p->fw_apply : "");
        vn_buf_add(&b, ",\"dnsmasq_conf\":");
        json_str(&b, p->dnsmasq ? p->dnsmasq_conf : "");
        vn_buf_add(&b, ",\"ports\":[");
        for (size_t i = 0; i < p->n_portclasses; i++) {
                const struct vn_plan_portclass *pc = &p->portclasses[i];

                vn_buf_add(&b, i ? ",{\"portgroup\":" : "{\"portgroup\":");
                if (pc->name)
                        json_str(&b, pc->name);
                else
                        vn_buf_add(&b, "null");
                vn_buf_addf(&b, ",\"default\":%s,\"isolated\":%s}",
                            pc->is_default ? "true" : "false", pc->isolated ? "true" : "false");
        }
        vn_buf_add(&b, "]}\n");
        return vn_buf_steal(&b);
}
