/*
 * test-overlay.c: <vnet:overlay> — what the parser and the checks refuse
 * (each with a message naming the problem), and what the planner makes of a
 * good definition on the gateway host and on a member host.
 */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "net.h"
#include "plan.h"

/* a network whose <vnet:overlay> is OVERLAY */
static char *doc(const char *overlay, bool with_ip)
{
        char *s = vn_asprintf(
            "<network>\n"
            "  <name>rack</name>\n"
            "  <uuid>6a2c1f38-7a4e-4d2b-9a55-0c1b7d3e9f10</uuid>\n"
            "  <metadata>\n"
            "    <vnet:network xmlns:vnet='urn:vnet:network:1'>\n"
            "      %s\n"
            "    </vnet:network>\n"
            "  </metadata>\n"
            "%s"
            "  <bridge name='vnrack0'/>\n"
            "%s"
            "</network>\n",
            overlay, with_ip ? "  <forward mode='nat'/>\n" : "",
            with_ip ? "  <ip address='10.77.0.1' netmask='255.255.255.0'>\n"
                      "    <dhcp><range start='10.77.0.100' end='10.77.0.199'/></dhcp>\n"
                      "  </ip>\n"
                    : "");

        assert_non_null(s);
        return s;
}

/* parse + check: 0, or the first error with its message in msg */
static int load(const char *overlay, bool with_ip, struct vn_net **out, char *msg, size_t len)
{
        _cleanup_free_ char *xml = doc(overlay, with_ip);
        struct vn_error err = {0};
        struct vn_net *net = NULL;
        int r = vn_net_parse_buffer(xml, strlen(xml), "net.xml", &net, &err);

        if (r == 0)
                r = vn_net_check(net, &err);
        snprintf(msg, len, "%s", err.msg);
        if (r == 0 && out)
                *out = net;
        else
                vn_net_free(net);
        return r;
}

static void refused(const char *overlay, bool with_ip, const char *needle)
{
        char msg[VN_ERR_MSG_MAX];
        int r = load(overlay, with_ip, NULL, msg, sizeof(msg));

        if (r == 0 || !strstr(msg, needle))
                fail_msg("expected refusal with '%s' for %s, got %d '%s'", needle, overlay, r, msg);
}

static void bad_definitions(void **state)
{
        (void)state;
        refused("<vnet:overlay vni='1' local='1.2.3.4'/>", false,
                "missing required attribute 'type'");
        refused("<vnet:overlay type='geneve' vni='1' local='1.2.3.4'/>", false,
                "unknown overlay type");
        refused("<vnet:overlay type='vxlan' local='1.2.3.4'/>", false, "'vni'");
        refused("<vnet:overlay type='vxlan' vni='0' local='1.2.3.4'/>", false, "out of range");
        refused("<vnet:overlay type='vxlan' vni='16777216' local='1.2.3.4'/>", false,
                "out of range");
        refused("<vnet:overlay type='vxlan' vni='1'/>", false, "exactly one of 'local'");
        refused("<vnet:overlay type='vxlan' vni='1' local='1.2.3.4' local-dev='eth1'/>", false,
                "exactly one of 'local'");
        refused("<vnet:overlay type='vxlan' vni='1' local='1.2.3.300'/>", false,
                "invalid IPv4 address");
        refused("<vnet:overlay type='vxlan' vni='1' local='1.2.3.4' port='0'/>", false,
                "out of range");
        refused("<vnet:overlay type='vxlan' vni='1' local='1.2.3.4' vnl='2'/>", false,
                "unknown attribute 'vnl'");
        refused("<vnet:overlay type='vxlan' vni='1' local='1.2.3.4'>"
                "<vnet:peer address='1.2.3.5'/><vnet:peer address='1.2.3.5'/></vnet:overlay>",
                false, "listed twice");
        refused("<vnet:overlay type='vxlan' vni='1' local='1.2.3.4'>"
                "<vnet:peer address='fe80::1'/></vnet:overlay>",
                false, "invalid IPv4 address");
        refused("<vnet:overlay type='vxlan' vni='1' local='1.2.3.4'>"
                "<vnet:bogus/></vnet:overlay>",
                false, "unknown element");
        refused("<vnet:overlay type='vxlan' vni='1' local='1.2.3.4'/>"
                "<vnet:overlay type='vxlan' vni='2' local='1.2.3.4'/>",
                false, "only one <vnet:overlay>");
        refused("<vnet:overlay type='vxlan' vni='1' local='1.2.3.4'/>", true, "gateway=");
        refused("<vnet:overlay type='vxlan' vni='1' local='1.2.3.4' asn='65000'/>", false,
                "belong to type='evpn'");
        refused("<vnet:overlay type='evpn' vni='1' local='1.2.3.4'/>", false, "needs asn=");
        refused("<vnet:overlay type='evpn' vni='1' local='1.2.3.4' asn='65000'/>", false,
                "bgp-peer");
        refused("<vnet:overlay type='vxlan' vni='1' local-dev='a/b'/>", false,
                "not a valid interface name");
}

static struct vn_plan *plan(const char *overlay, const struct vn_addr *local, unsigned ul_mtu,
                            char *msg, size_t len, int *rc)
{
        struct vn_plan_opts opts = {
            .run_dir = "/run/vnet/rack", .fw = VN_FW_NFT, .dnsmasq_path = "/usr/sbin/dnsmasq"};
        struct vn_net *net = NULL;
        struct vn_plan *p = NULL;
        struct vn_error err = {0};

        assert_int_equal(load(overlay, true, &net, msg, len), 0);
        opts.overlay_local = local;
        opts.overlay_underlay_mtu = ul_mtu;
        *rc = vn_plan_build(net, &opts, &p, &err);
        snprintf(msg, len, "%s", err.msg);
        vn_net_free(net);
        return p;
}

static void roles_and_mtu(void **state)
{
        static const char ov[] = "<vnet:overlay type='vxlan' vni='100' local-dev='eth1' "
                                 "gateway='172.31.255.1'>"
                                 "<vnet:peer address='172.31.255.1'/>"
                                 "<vnet:peer address='172.31.255.2'/>"
                                 "<vnet:peer address='172.31.255.3'/></vnet:overlay>";
        struct vn_addr l1, l2;
        char msg[VN_ERR_MSG_MAX];
        struct vn_plan *p;
        int rc;

        (void)state;
        assert_int_equal(vn_addr_parse("172.31.255.1", &l1), 0);
        assert_int_equal(vn_addr_parse("172.31.255.2", &l2), 0);

        /* the gateway: address, dnsmasq (with the MTU option), the two others as peers */
        p = plan(ov, &l1, 9000, msg, sizeof(msg), &rc);
        assert_int_equal(rc, 0);
        assert_true(p->overlay->gateway);
        assert_int_equal(p->n_addrs, 1);
        assert_true(p->dnsmasq);
        assert_int_equal(p->overlay->mtu, 8950);
        assert_int_equal(p->mtu, 8950);
        assert_non_null(strstr(p->dnsmasq_conf, "dhcp-option=option:mtu,8950"));
        assert_int_equal(p->overlay->n_fdb, 2);
        assert_string_equal(p->overlay->link, "vxlan100");
        assert_non_null(strstr(p->fw_apply, "add element inet vnet ovl { 4789 . 100 : jump "));
        assert_non_null(strstr(p->fw_remove, "delete element inet vnet ovl { 4789 . 100 }"));
        vn_plan_free(p);

        /* a member: no address, no dnsmasq, no NAT, its own bridge MAC */
        p = plan(ov, &l2, 0, msg, sizeof(msg), &rc);
        assert_int_equal(rc, 0);
        assert_false(p->overlay->gateway);
        assert_int_equal(p->n_addrs, 0);
        assert_false(p->dnsmasq);
        assert_null(strstr(p->fw_apply, "element inet vnet nat4"));
        assert_int_equal(p->mtu, 1450);
        assert_false(p->mac[3] == 0x2a && p->mac[4] == 0x10 && p->mac[5] == 0x01);
        {
                char *txt = vn_plan_format(p);

                assert_non_null(strstr(txt, "underlay 1500 (assumed) - 50"));
                assert_non_null(strstr(txt, "role: member"));
                assert_non_null(strstr(txt, "fdb append 00:00:00:00:00:00 dev vxlan100 dst "
                                            "172.31.255.1 self permanent"));
                free(txt);
        }
        vn_plan_free(p);

        /* local-dev not resolved: cannot tell the role */
        p = plan(ov, NULL, 0, msg, sizeof(msg), &rc);
        assert_int_equal(rc, -EADDRNOTAVAIL);
        assert_non_null(strstr(msg, "local-dev 'eth1'"));
        vn_plan_free(p);

        /* an overlay MTU the underlay cannot carry is refused, never a silent black hole */
        p = plan("<vnet:overlay type='vxlan' vni='100' local='172.31.255.1' mtu='1500' "
                 "gateway='172.31.255.1'/>",
                 NULL, 1500, msg, sizeof(msg), &rc);
        assert_int_equal(rc, -EMSGSIZE);
        assert_non_null(strstr(msg, "underlay MTU of at least 1550"));
        vn_plan_free(p);
}

static void evpn_frr_block(void **state)
{
        char msg[VN_ERR_MSG_MAX];
        struct vn_plan *p;
        char *frr;
        int rc;

        (void)state;
        p = plan("<vnet:overlay type='evpn' vni='7' local='10.0.0.2' asn='65001' "
                 "gateway='10.0.0.1'><vnet:bgp-peer address='10.0.0.1'/>"
                 "<vnet:bgp-peer address='10.0.0.2'/></vnet:overlay>",
                 NULL, 0, msg, sizeof(msg), &rc);
        assert_int_equal(rc, 0);
        assert_false(p->overlay->learning);
        assert_int_equal(p->overlay->n_fdb, 0);       /* BGP builds the flood list */
        assert_int_equal(p->overlay->n_bgp_peers, 1); /* ourselves skipped */
        frr = vn_plan_overlay_frr(p->overlay);
        assert_non_null(frr);
        assert_non_null(strstr(frr, "router bgp 65001\n"));
        assert_non_null(strstr(frr, " neighbor 10.0.0.1 remote-as 65001\n"));
        assert_null(strstr(frr, "neighbor 10.0.0.2"));
        assert_non_null(strstr(frr, "  advertise-all-vni\n"));
        free(frr);
        vn_plan_free(p);
}

static void round_trip_keeps_metadata(void **state)
{
        struct vn_net *net = NULL;
        char msg[VN_ERR_MSG_MAX];
        char *x;

        (void)state;
        assert_int_equal(load("<vnet:overlay type='vxlan' vni='5' local='1.2.3.4'/>", false, &net,
                              msg, sizeof(msg)),
                         0);
        x = vn_net_format(net, 0);
        assert_non_null(x);
        assert_non_null(strstr(x, "<vnet:overlay type=\"vxlan\" vni=\"5\" local=\"1.2.3.4\"/>"));
        free(x);
        vn_net_free(net);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(bad_definitions),
            cmocka_unit_test(roles_and_mtu),
            cmocka_unit_test(evpn_frr_block),
            cmocka_unit_test(round_trip_keeps_metadata),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
