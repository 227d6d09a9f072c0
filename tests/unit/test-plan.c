/*
 * test-plan.c: the planner (model → links, addresses, nft transaction,
 * dnsmasq config). Golden files in tests/golden/ pin the complete output
 * for every example; targeted tests check the semantics per mode.
 * VNET_GOLDEN_UPDATE=1 rewrites the golden files (review the diff!).
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <errno.h>

#include "net.h"
#include "plan.h"

static char *srcdir(void)
{
        const char *s = getenv("top_srcdir");

        return strdup(s ? s : VNET_ABS_SRCDIR);
}

static struct vn_plan *plan_file(const char *rel, enum vn_fw_backend fw)
{
        _cleanup_free_ char *dir = srcdir();
        _cleanup_free_ char *path = vn_asprintf("%s/%s", dir, rel);
        _cleanup_free_ char *run = NULL;
        struct vn_net *net = NULL;
        struct vn_plan *p = NULL;
        struct vn_error err = {0};
        struct vn_plan_opts opts = {0};

        if (vn_net_parse_file(path, &net, &err) < 0)
                fail_msg("%s: %s", path, err.msg);
        if (vn_net_check(net, &err) < 0)
                fail_msg("%s: %s", path, err.msg);
        /* examples without <uuid> get a random one: pin it so the derived MAC is stable */
        if (net->uuid_generated)
                memset(net->uuid, 0x11, sizeof(net->uuid));
        run = vn_asprintf("/run/vnet/%s", net->name);
        opts.run_dir = run;
        opts.fw = fw;
        opts.dnsmasq_path = "/usr/sbin/dnsmasq";
        if (vn_plan_build(net, &opts, &p, &err) < 0)
                fail_msg("%s: plan: %s", path, err.msg);
        vn_net_free(net);
        return p;
}

static void golden(const char *example, enum vn_fw_backend fw, const char *suffix)
{
        _cleanup_free_ char *dir = srcdir();
        _cleanup_free_ char *ex = vn_asprintf("examples/%s.xml", example);
        _cleanup_free_ char *gpath = vn_asprintf("%s/tests/golden/%s%s.plan", dir, example, suffix);
        _cleanup_free_ char *expected = NULL, *got = NULL;
        struct vn_plan *p = plan_file(ex, fw);

        got = vn_plan_format(p);
        vn_plan_free(p);
        assert_non_null(got);
        if (getenv("VNET_GOLDEN_UPDATE")) {
                assert_int_equal(vn_write_file_atomic(gpath, got, strlen(got), 0644), 0);
                return;
        }
        if (vn_read_file(gpath, 1 << 20, &expected, NULL) < 0)
                fail_msg("missing golden file %s (run with VNET_GOLDEN_UPDATE=1 and review)",
                         gpath);
        if (strcmp(expected, got) != 0) {
                fprintf(stderr, "--- %s\n+++ generated\n%s\n", gpath, got);
                fail_msg("plan for %s differs from %s", example, gpath);
        }
}

#define GOLDEN(name)                                                                               \
        static void golden_##name(void **state)                                                    \
        {                                                                                          \
                (void)state;                                                                       \
                golden(#name, VN_FW_NFT, "");                                                      \
        }
GOLDEN(nat)
GOLDEN(route)
GOLDEN(isolated)
GOLDEN(open)

static void golden_dual_stack(void **state)
{
        (void)state;
        golden("dual-stack", VN_FW_NFT, "");
}

static void golden_host_bridge(void **state)
{
        (void)state;
        golden("host-bridge", VN_FW_NFT, "");
}

static void golden_macvtap(void **state)
{
        (void)state;
        golden("macvtap-bridge", VN_FW_NFT, "");
}

static void golden_nat_with_forwards(void **state)
{
        (void)state;
        golden("nat-with-forwards", VN_FW_NFT, "");
}

/* one network across hosts: the gateway (static VXLAN) and a member (EVPN, with FRR's block) */
static void golden_overlay_vxlan(void **state)
{
        (void)state;
        golden("overlay-vxlan", VN_FW_NFT, "");
}

static void golden_overlay_evpn(void **state)
{
        (void)state;
        golden("overlay-evpn", VN_FW_NFT, "");
}

static void golden_nat_ipt(void **state)
{
        (void)state;
        golden("nat", VN_FW_IPT, ".iptables");
}

static void nat_semantics(void **state)
{
        struct vn_plan *p = plan_file("examples/nat.xml", VN_FW_NFT);

        (void)state;
        assert_true(p->create_bridge);
        assert_string_equal(p->bridge, "virbr0");
        /* masquerade with libvirt's port range and exclusions */
        assert_non_null(strstr(p->fw_apply, "masquerade to :1024-65535"));
        assert_non_null(strstr(p->fw_apply, "ip daddr 224.0.0.0/24 return"));
        assert_non_null(strstr(p->fw_apply, "ip daddr 255.255.255.255 return"));
        /* replies only into the bridge; everything else rejected */
        assert_non_null(
                strstr(p->fw_apply, "ip daddr 192.168.122.0/24 ct state established,related accept"));
        assert_non_null(strstr(p->fw_apply, "ip saddr 192.168.122.0/24 accept"));
        assert_non_null(strstr(p->fw_apply, "reject"));
        /* DHCP and DNS to the host accepted */
        assert_non_null(strstr(p->fw_apply, "udp dport { 53, 67, 547 } accept"));
        /* dispatch by interface through verdict maps */
        assert_non_null(strstr(p->fw_apply, "add element inet vnet fwd_in { \"virbr0\" : jump"));
        /* removal deletes exactly this network's objects */
        assert_non_null(strstr(p->fw_remove, "delete chain inet vnet vn_virbr0_in"));
        assert_null(strstr(p->fw_remove, "delete table"));
        /* forwarding on */
        bool fwd = false;
        for (size_t i = 0; i < p->n_sysctls; i++)
                if (strcmp(p->sysctls[i].key, "net/ipv4/ip_forward") == 0)
                        fwd = strcmp(p->sysctls[i].value, "1") == 0;
        assert_true(fwd);
        /* dnsmasq: bound to the bridge, range, static host, authoritative */
        assert_true(p->dnsmasq);
        assert_non_null(strstr(p->dnsmasq_conf, "interface=virbr0\n"));
        assert_non_null(
                strstr(p->dnsmasq_conf, "dhcp-range=192.168.122.2,192.168.122.254,255.255.255.0\n"));
        assert_non_null(strstr(p->dnsmasq_conf, "dhcp-authoritative\n"));
        assert_non_null(strstr(p->dnsmasq_conf, "dhcp-lease-max=253\n"));
        assert_non_null(strstr(p->dnsmasq_hosts, "52:54:00:00:00:10,192.168.122.10,web\n"));
        assert_non_null(strstr(p->dnsmasq_addnhosts, "192.168.122.10 web\n"));
        /* Docker-style FORWARD DROP coexistence rules are tagged */
        assert_true(p->n_compat >= 2);
        assert_non_null(strstr(p->compat_add[0], "vnet:default"));
        vn_plan_free(p);
}

static void route_semantics(void **state)
{
        struct vn_plan *p = plan_file("examples/route.xml", VN_FW_NFT);

        (void)state;
        /* no masquerade of its own (the shared hairpin rule of port forwards is no NAT) */
        assert_null(strstr(p->fw_apply, "element inet vnet nat4"));
        assert_non_null(strstr(p->fw_apply, "ip daddr 10.20.0.0/24 accept"));
        assert_non_null(strstr(p->fw_apply, "ip saddr 10.20.0.0/24 accept"));
        vn_plan_free(p);
}

static void isolated_semantics(void **state)
{
        struct vn_plan *p = plan_file("examples/isolated.xml", VN_FW_NFT);

        (void)state;
        /* no masquerade of its own (the shared hairpin rule of port forwards is no NAT) */
        assert_null(strstr(p->fw_apply, "element inet vnet nat4"));
        assert_null(strstr(p->fw_apply, "saddr 10.30.0.0/24 accept"));
        assert_null(strstr(p->fw_apply, "daddr 10.30.0.0/24"));
        assert_non_null(strstr(p->fw_apply, "iifname \"vnbr-iso\" accept"));
        for (size_t i = 0; i < p->n_sysctls; i++)
                assert_string_not_equal(p->sysctls[i].key, "net/ipv4/ip_forward");
        /* an INPUT-DROP host: DHCP and DNS (udp, tcp) from the bridge only; a FORWARD-DROP
         * host: only guest <-> guest on the bridge */
        assert_int_equal(p->n_compat, 4);
        assert_string_equal(p->compat_add[0], "-I\tINPUT\t-i\tvnbr-iso\t-p\tudp\t--dport\t67\t-m\t"
                                              "comment\t--comment\tvnet:isolated\t-j\tACCEPT");
        assert_string_equal(p->compat_del[0], "-D\tINPUT\t-i\tvnbr-iso\t-p\tudp\t--dport\t67\t-m\t"
                                              "comment\t--comment\tvnet:isolated\t-j\tACCEPT");
        assert_non_null(strstr(p->compat_add[1], "-p\tudp\t--dport\t53\t"));
        assert_non_null(strstr(p->compat_add[2], "-p\ttcp\t--dport\t53\t"));
        assert_non_null(strstr(p->compat_add[3], "-i\tvnbr-iso\t-o\tvnbr-iso"));
        vn_plan_free(p);
}

/* Plan a document given inline; NULL (and the error in err) when planning refuses it. */
static struct vn_plan *plan_text(const char *xml, struct vn_error *err)
{
        struct vn_plan_opts opts = {
            .run_dir = "/run/vnet/t", .fw = VN_FW_NFT, .dnsmasq_path = "/usr/sbin/dnsmasq"};
        struct vn_net *net = NULL;
        struct vn_plan *p = NULL;

        if (vn_net_parse_buffer(xml, strlen(xml), "t.xml", &net, err) < 0)
                fail_msg("parse: %s", err->msg);
        if (vn_net_check(net, err) < 0)
                fail_msg("check: %s", err->msg);
        if (vn_plan_build(net, &opts, &p, err) < 0)
                p = NULL;
        vn_net_free(net);
        return p;
}

/* <port isolated> of the network, overridden by a portgroup's; the default portgroup decides
 * for ports without --portgroup. The plan outlives the model it was made from. */
static void port_classes(void **state)
{
        static const char xml[] =
            "<network><name>t</name><bridge name='vnbr-t'/><port isolated='yes'/>"
            "<ip address='10.9.0.1' prefix='24'/>"
            "<portgroup name='a'><port isolated='no'/></portgroup>"
            "<portgroup name='b' default='yes'/></network>";
        static const char mv[] =
            "<network><name>m</name><forward mode='vepa'><interface dev='eth9'/></forward>"
            "<port isolated='yes'/></network>";
        const struct vn_plan_portclass *pc = NULL;
        struct vn_error err = {0};
        struct vn_plan *p = plan_text(xml, &err);
        _cleanup_free_ char *text = NULL;

        (void)state;
        assert_non_null(p);
        assert_int_equal(p->n_portclasses, 3);
        assert_true(p->portclasses[0].isolated);
        assert_false(p->portclasses[0].is_default); /* portgroup b is the default */
        assert_false(p->portclasses[1].isolated);   /* a: its own <port isolated='no'> */
        assert_true(p->portclasses[2].isolated);    /* b: inherits the network's */
        assert_true(p->portclasses[2].is_default);
        assert_int_equal(vn_plan_port_class(p, NULL, &pc, &err), 0);
        assert_ptr_equal(pc, &p->portclasses[2]);
        assert_int_equal(vn_plan_port_class(p, "a", &pc, &err), 0);
        assert_ptr_equal(pc, &p->portclasses[1]);
        assert_int_equal(vn_plan_port_class(p, "zz", &pc, &err), -ENOENT);
        assert_non_null(strstr(err.msg, "no <portgroup name='zz'>"));
        text = vn_plan_format(p);
        assert_non_null(strstr(text, "\nno portgroup: isolated on\nportgroup a: isolated off\n"
                                     "portgroup b (default): isolated on\n"));
        vn_plan_free(p);

        /* a macvtap network cannot isolate its ports: start refuses it, naming the element */
        memset(&err, 0, sizeof(err));
        assert_null(plan_text(mv, &err));
        assert_non_null(strstr(err.msg, "<port isolated='yes'>: not supported by vnet"));
}

/* libvirt's firewall details: IPv6 NAT leaves link-scope multicast (ff02::/16, not all of
 * ff00::/8) alone in both backends; the iptables backend opens TFTP for <tftp>; the DHCP
 * checksum fill is planned for IPv4 DHCP only, in a tagged chain of vnet's own. */
static void firewall_libvirt_details(void **state)
{
        static const char xml[] =
            "<network><name>d6</name><forward mode='nat'><nat ipv6='yes'/></forward>"
            "<bridge name='vnbr-d6'/>"
            "<ip address='10.8.0.1' prefix='24'><tftp root='/srv/tftp'/>"
            "<dhcp><range start='10.8.0.10' end='10.8.0.20'/></dhcp></ip>"
            "<ip family='ipv6' address='fd08::1' prefix='64'/></network>";
        static const char nodhcp[] =
            "<network><name>n4</name><forward mode='nat'/><bridge name='vnbr-n4'/>"
            "<ip address='10.7.0.1' prefix='24'/></network>";
        struct vn_plan_opts opts = {
            .run_dir = "/run/vnet/t", .fw = VN_FW_IPT, .dnsmasq_path = "/usr/sbin/dnsmasq"};
        struct vn_error err = {0};
        struct vn_net *net = NULL;
        struct vn_plan *p;

        (void)state;
        p = plan_text(xml, &err);
        assert_non_null(p);
        assert_non_null(strstr(p->fw_apply, "ip6 daddr ff02::/16 return"));
        assert_null(strstr(p->fw_apply, "ff00::/8"));
        assert_non_null(strstr(p->csum_apply, "-A VNET_CSUM_vnbr-d6 -p udp --dport 68 -j CHECKSUM "
                                              "--checksum-fill\n"));
        assert_non_null(strstr(p->csum_apply, "-I POSTROUTING -o vnbr-d6 -m comment --comment "
                                              "vnet:d6 -j VNET_CSUM_vnbr-d6\n"));
        assert_non_null(strstr(p->csum_remove, "mangle\t-D\tPOSTROUTING\t-o\tvnbr-d6\t"));
        assert_non_null(strstr(p->csum_remove, "mangle\t-X\tVNET_CSUM_vnbr-d6\n"));
        vn_plan_free(p);

        assert_int_equal(vn_net_parse_buffer(xml, strlen(xml), "t.xml", &net, &err), 0);
        assert_int_equal(vn_net_check(net, &err), 0);
        assert_int_equal(vn_plan_build(net, &opts, &p, &err), 0);
        vn_net_free(net);
        assert_non_null(strstr(p->fw_apply, "-A VNET_INP_vnbr-d6 -p udp --dport 69 -j ACCEPT\n"));
        assert_non_null(strstr(p->fw6_apply, "-A VNET_NAT_vnbr-d6 -d ff02::/16 -j RETURN\n"));
        assert_null(strstr(p->fw6_apply, "--dport 69"));
        vn_plan_free(p);

        p = plan_text(nodhcp, &err);
        assert_non_null(p);
        assert_null(p->csum_apply);
        vn_plan_free(p);
}

/* <bandwidth> as libvirt means it: KB/s of 1000 bytes, bursts of 1024; inbound on the
 * device's egress (hierarchical on the bridge), outbound on an ifb fed from its ingress. */
static void bandwidth_shapes(void **state)
{
        static const char xml[] =
            "<network><name>b</name><forward mode='nat'/><bridge name='vnbr-b'/>"
            "<bandwidth><inbound average='1000' peak='2000' burst='1024'/></bandwidth>"
            "<ip address='10.6.0.1' prefix='24'/>"
            "<portgroup name='g'><bandwidth><outbound average='300'/></bandwidth></portgroup>"
            "</network>";
        static const char huge[] = "<network><name>h</name><bridge name='vnbr-h'/>"
                                   "<bandwidth><inbound average='5000000'/></bandwidth></network>";
        static const char netout[] = "<network><name>o</name><bridge name='vnbr-o'/>"
                                     "<bandwidth><outbound average='100'/></bandwidth></network>";
        static const char hostbr[] =
            "<network><name>hb</name><forward mode='bridge'/><bridge name='br9'/>"
            "<bandwidth><inbound average='100'/></bandwidth></network>";
        struct vn_error err = {0};
        struct vn_plan_shape sh[2];
        struct vn_plan *p = plan_text(xml, &err);
        char ifb[16];
        size_t n = 9;

        (void)state;
        assert_non_null(p);
        assert_int_equal(p->n_shapes, 1);
        assert_string_equal(p->shapes[0].dev, "vnbr-b");
        assert_true(p->shapes[0].hierarchical);
        assert_int_equal(p->shapes[0].rate, 1000000);
        assert_int_equal(p->shapes[0].ceil, 2000000);
        assert_int_equal(p->shapes[0].burst, 1024 * 1024);
        /* a portgroup's limits are per port, never hierarchical */
        assert_int_equal(vn_plan_shapes(&p->portclasses[1].bw, "vnet7", false, sh, &n, &err), 0);
        assert_int_equal(n, 1);
        assert_string_equal(sh[0].dev, "ifb-vnet7");
        assert_string_equal(sh[0].from, "vnet7");
        assert_false(sh[0].hierarchical);
        assert_int_equal(sh[0].rate, 300000);
        vn_plan_free(p);
        /* long names still fit, and stay distinct */
        vn_plan_ifb_name("abcdefghijklmno", ifb);
        assert_int_equal(strlen(ifb), 12);
        assert_memory_equal(ifb, "ifb-", 4);

        memset(&err, 0, sizeof(err));
        assert_null(plan_text(huge, &err));
        assert_non_null(strstr(err.msg, "more than vnet's htb classes hold"));
        memset(&err, 0, sizeof(err));
        assert_null(plan_text(netout, &err));
        assert_non_null(
            strstr(err.msg, "<bandwidth><outbound> on the whole network: not supported"));
        memset(&err, 0, sizeof(err));
        assert_null(plan_text(hostbr, &err));
        assert_non_null(strstr(err.msg, "<bandwidth>: not supported by vnet with forward mode"));
}

static void open_has_no_rules(void **state)
{
        struct vn_plan *p = plan_file("examples/open.xml", VN_FW_NFT);

        (void)state;
        assert_null(p->fw_apply);
        assert_int_equal(p->fw_rules, 0);
        assert_true(p->dnsmasq);
        vn_plan_free(p);
}

static void host_bridge_creates_nothing(void **state)
{
        struct vn_plan *p = plan_file("examples/host-bridge.xml", VN_FW_NFT);

        (void)state;
        assert_false(p->create_bridge);
        assert_null(p->fw_apply);
        assert_false(p->dnsmasq);
        assert_int_equal(p->n_check_devs, 1);
        assert_string_equal(p->check_devs[0], "br0");
        vn_plan_free(p);
}

/* The per-network rule count is a constant of the mode: adding networks adds no rules to
 * the others or to the base chains. */
static void rule_count_independent_of_subnet(void **state)
{
        struct vn_plan *a = plan_file("examples/nat.xml", VN_FW_NFT);
        struct vn_plan *b = plan_file("examples/dual-stack.xml", VN_FW_NFT);

        (void)state;
        assert_true(a->fw_rules > 0 && a->fw_rules < 20);
        assert_true(b->fw_rules > 0 && b->fw_rules < 24);
        vn_plan_free(a);
        vn_plan_free(b);
}

/* Strings from the XML reach dnsmasq's line-based config: quotes are escaped, and a value
 * with a line break never reaches it (check.c rejects it; the planner refuses it too). */
static void dnsmasq_strings_escaped(void **state)
{
        static const char xml[] =
                "<network><name>q</name><bridge name='vq0'/>"
                "<dns><txt name='t' value='he said \"hi\", then \\ left'/></dns>"
                "<ip address='10.1.2.1' prefix='24'/></network>";
        struct vn_net *net = NULL;
        struct vn_plan *p = NULL;
        struct vn_error err = {0};
        struct vn_plan_opts opts = {.run_dir = "/run/vnet/q", .fw = VN_FW_NFT};

        (void)state;
        assert_int_equal(vn_net_parse_buffer(xml, sizeof(xml) - 1, "q.xml", &net, &err), 0);
        assert_int_equal(vn_plan_build(net, &opts, &p, &err), 0);
        assert_non_null(strstr(p->dnsmasq_conf, "txt-record=t,\"he said \\\"hi\\\", then \\\\ left\"\n"));
        vn_plan_free(p);
        p = NULL;
        /* bypass check.c: the planner itself refuses a line break */
        free(net->dns.txts[0].value);
        net->dns.txts[0].value = strdup("x\ndhcp-script=/tmp/evil");
        assert_int_equal(vn_plan_build(net, &opts, &p, &err), -EINVAL);
        assert_non_null(strstr(err.msg, "line break"));
        assert_null(p);
        vn_net_free(net);
}

/* What libvirt's dnsmasq suite does not cover: a forwarder's port, PTR zones that are not /24
 * or /64, the MTU option on an IPv6-only DHCP network (no DHCPv4 authority). */
static void dnsmasq_libvirt_details(void **state)
{
        static const char xml[] =
                "<network><name>d</name><forward mode='nat'/><bridge name='vd0'/>"
                "<mtu size='1400'/>"
                "<dns><forwarder addr='192.0.2.53' port='5353'/>"
                "<forwarder domain='corp.test' addr='2001:db8::53' port='53'/></dns>"
                "<ip address='10.16.0.1' prefix='16' localPtr='yes'/>"
                "<ip family='ipv6' address='fd12:3456:7890::1' prefix='48' localPtr='yes'>"
                "<dhcp><range start='fd12:3456:7890::10' end='fd12:3456:7890::20'/></dhcp>"
                "</ip></network>";
        struct vn_net *net = NULL;
        struct vn_plan *p = NULL;
        struct vn_error err = {0};
        struct vn_plan_opts opts = {.run_dir = "/run/vnet/d", .fw = VN_FW_NFT};

        (void)state;
        assert_int_equal(vn_net_parse_buffer(xml, sizeof(xml) - 1, "d.xml", &net, &err), 0);
        assert_int_equal(vn_net_check(net, &err), 0);
        assert_int_equal(vn_plan_build(net, &opts, &p, &err), 0);
        assert_non_null(strstr(p->dnsmasq_conf, "\nserver=192.0.2.53#5353\n"));
        assert_non_null(strstr(p->dnsmasq_conf, "\nserver=/corp.test/2001:db8::53#53\n"));
        assert_non_null(strstr(p->dnsmasq_conf, "\nno-resolv\n"));
        assert_non_null(strstr(p->dnsmasq_conf, "\nlocal=/16.10.in-addr.arpa/\n"));
        assert_non_null(strstr(p->dnsmasq_conf, "\nlocal=/0.9.8.7.6.5.4.3.2.1.d.f.ip6.arpa/\n"));
        assert_non_null(strstr(p->dnsmasq_conf, "\ndhcp-option=option:mtu,1400\n"));
        assert_null(strstr(p->dnsmasq_conf, "dhcp-authoritative"));
        assert_null(strstr(p->dnsmasq_conf, "dhcp-option=3\n")); /* not isolated */
        vn_plan_free(p);
        vn_net_free(net);
}

static void ident_escapes(void **state)
{
        char out[64];

        (void)state;
        vn_nft_ident("vnbr-iso", "in", out, sizeof(out));
        assert_string_equal(out, "vn_vnbr_2diso_in");
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(golden_nat),
            cmocka_unit_test(golden_route),
            cmocka_unit_test(golden_isolated),
            cmocka_unit_test(golden_open),
            cmocka_unit_test(golden_dual_stack),
            cmocka_unit_test(golden_host_bridge),
            cmocka_unit_test(golden_macvtap),
            cmocka_unit_test(golden_nat_ipt),
            cmocka_unit_test(golden_nat_with_forwards),
            cmocka_unit_test(golden_overlay_vxlan),
            cmocka_unit_test(golden_overlay_evpn),
            cmocka_unit_test(nat_semantics),
            cmocka_unit_test(route_semantics),
            cmocka_unit_test(isolated_semantics),
            cmocka_unit_test(open_has_no_rules),
            cmocka_unit_test(port_classes),
            cmocka_unit_test(firewall_libvirt_details),
            cmocka_unit_test(bandwidth_shapes),
            cmocka_unit_test(host_bridge_creates_nothing),
            cmocka_unit_test(rule_count_independent_of_subnet),
            cmocka_unit_test(ident_escapes),
            cmocka_unit_test(dnsmasq_strings_escaped),
            cmocka_unit_test(dnsmasq_libvirt_details),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
