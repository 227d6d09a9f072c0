/*
 * test-forward.c: port forwards and the libvirt hook, without root — hook
 * arguments and hookData (in libvirt's documented format) parsing, the
 * rewrite of <vnet:network> inside <metadata>, forwards given as strings,
 * lease files, and the add/remove diff that keeps other forwards untouched.
 */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hookdata.h"
#include "net.h"
#include "plan.h"

/* What libvirt 9 passes for "started begin" (virNetworkDefFormat of the live network). */
#define NET_XML(META)                                                                              \
        "<network connections='1'>\n"                                                              \
        "  <name>lvnat</name>\n"                                                                   \
        "  <uuid>0b2a8e4c-5e6f-4a1b-9c3d-2e4f6a8b0c1d</uuid>\n" META "  <forward mode='nat'>\n"    \
        "    <nat>\n"                                                                              \
        "      <port start='1024' end='65535'/>\n"                                                 \
        "    </nat>\n"                                                                             \
        "  </forward>\n"                                                                           \
        "  <bridge name='virbr7' stp='on' delay='0'/>\n"                                           \
        "  <mac address='52:54:00:12:34:56'/>\n"                                                   \
        "  <ip address='192.168.177.1' netmask='255.255.255.0'>\n"                                 \
        "    <dhcp>\n"                                                                             \
        "      <range start='192.168.177.2' end='192.168.177.254'/>\n"                             \
        "      <host mac='52:54:00:77:00:10' ip='192.168.177.10'/>\n"                              \
        "    </dhcp>\n"                                                                            \
        "  </ip>\n"                                                                                \
        "</network>\n"

#define META_FWD                                                                                   \
        "  <metadata>\n"                                                                           \
        "    <other:thing xmlns:other=\"urn:example:other\">keep me</other:thing>\n"               \
        "    <vnet:network xmlns:vnet=\"urn:vnet:network:1\">\n"                                   \
        "      <vnet:forward proto=\"tcp\" port=\"2222\" to=\"192.168.177.10\" toport=\"22\"/>\n"  \
        "      <vnet:forward proto=\"tcp\" port=\"8080\" mac=\"52:54:00:77:00:10\" "               \
        "toport=\"80\"/>\n"                                                                        \
        "    </vnet:network>\n"                                                                    \
        "  </metadata>\n"

#define PORT_XML                                                                                   \
        "<networkport>\n"                                                                          \
        "  <uuid>5d8a3b2e-1f4c-4e6a-8b9d-0c2e4f6a8b0c</uuid>\n"                                    \
        "  <owner>\n"                                                                              \
        "    <name>guest1</name>\n"                                                                \
        "    <uuid>7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d</uuid>\n"                                  \
        "  </owner>\n"                                                                             \
        "  <mac address='52:54:00:77:00:42'/>\n"                                                   \
        "  <plug type='network' bridge='virbr7' macTableManager='kernel'/>\n"                      \
        "</networkport>\n"

static void args_ok(void **state)
{
        char *argv[] = {"network", "lvnat", "started", "begin", "-", NULL};
        char *argv2[] = {"network", "lvnat", "stopped", "end", "-", NULL};
        char *argv3[] = {"network", "lvnat", "port-created", "begin", "-", NULL};
        char *argv4[] = {"network", "lvnat", "plugged", "begin", "-", NULL};
        char *argv5[] = {"network", "lvnat", "start", "begin", "-", NULL};
        struct vn_hook_args a;
        struct vn_error err = {0};

        (void)state;
        assert_int_equal(vn_hook_parse_args(5, argv, &a, &err), 0);
        assert_string_equal(a.network, "lvnat");
        assert_int_equal(a.op, VN_HOOK_STARTED);
        assert_int_equal(vn_hook_parse_args(5, argv2, &a, &err), 0);
        assert_int_equal(a.op, VN_HOOK_STOPPED);
        assert_int_equal(vn_hook_parse_args(5, argv3, &a, &err), 0);
        assert_int_equal(a.op, VN_HOOK_PORT_CREATED);
        assert_int_equal(vn_hook_parse_args(5, argv4, &a, &err), 0);
        assert_int_equal(a.op, VN_HOOK_OTHER);
        assert_int_equal(vn_hook_parse_args(5, argv5, &a, &err), 0);
        assert_int_equal(a.op, VN_HOOK_START);
}

static void args_bad(void **state)
{
        char *argv[] = {"network", "lvnat", "started", NULL};
        char *argv2[] = {"network", "../x", "started", "begin", "-", NULL};
        struct vn_hook_args a;
        struct vn_error err = {0};

        (void)state;
        assert_int_equal(vn_hook_parse_args(3, argv, &a, &err), -EINVAL);
        assert_non_null(strstr(err.msg, "NETWORK OPERATION SUBOP"));
        memset(&err, 0, sizeof(err));
        assert_int_equal(vn_hook_parse_args(5, argv2, &a, &err), -EINVAL);
        assert_non_null(strstr(err.msg, "not a valid network name"));
}

static void stdin_network(void **state)
{
        const char *in = "<hookData>\n" NET_XML(META_FWD) "</hookData>\n";
        struct vn_hook_data d;
        struct vn_error err = {0};

        (void)state;
        assert_int_equal(vn_hook_parse_stdin(in, strlen(in), "lvnat", &d, &err), 0);
        assert_non_null(d.net);
        assert_false(d.has_port);
        assert_int_equal(d.net->ext.n_forwards, 2);
        assert_string_equal(d.net->bridge.name, "virbr7");
        assert_int_equal(d.net->ext.forwards[0].toport_start, 22);
        assert_true(d.net->ext.forwards[1].has_mac);
        vn_hook_data_clear(&d);
}

static void stdin_port(void **state)
{
        const char *in = "<hookData>\n" NET_XML(META_FWD) PORT_XML "</hookData>\n";
        struct vn_hook_data d;
        struct vn_error err = {0};
        char m[VN_MAC_STRLEN];

        (void)state;
        assert_int_equal(vn_hook_parse_stdin(in, strlen(in), "lvnat", &d, &err), 0);
        assert_true(d.has_port);
        assert_string_equal(d.port.uuid, "5d8a3b2e-1f4c-4e6a-8b9d-0c2e4f6a8b0c");
        assert_string_equal(d.port.owner, "guest1");
        assert_true(d.port.has_mac);
        assert_string_equal(vn_mac_format(d.port.mac, m), "52:54:00:77:00:42");
        vn_hook_data_clear(&d);
}

static void stdin_not_ours(void **state)
{
        /* libvirt's default network: no vnet namespace, nothing to model */
        const char *in = "<hookData>\n" NET_XML("") "</hookData>\n";
        struct vn_hook_data d;
        struct vn_error err = {0};

        (void)state;
        assert_int_equal(vn_hook_parse_stdin(in, strlen(in), "lvnat", &d, &err), 0);
        assert_null(d.net);
}

static void stdin_bad(void **state)
{
        static const struct {
                const char *in, *msg;
        } cases[] = {
            {"", "no hookData"},
            {"<hookData><network>", "not well-formed"},
            {"<domain/>", "expected <hookData>"},
            {"<hookData><foo/></hookData>", "has no <network>"},
            {"<hookData>" NET_XML("  <metadata><vnet:network xmlns:vnet='urn:vnet:network:1'>"
                                  "<vnet:forward port='22' to='10.9.9.9'/></vnet:network>"
                                  "</metadata>\n") "</hookData>",
             "outside every subnet"},
            {"<hookData>" NET_XML("  <metadata><vnet:network xmlns:vnet='urn:vnet:network:1'>"
                                  "<vnet:forward port='99999' to='192.168.177.9'/>"
                                  "</vnet:network></metadata>\n") "</hookData>",
             "port out of range"},
            {"<hookData>" NET_XML(META_FWD) "<networkport><uuid>u1</uuid><mac "
                                            "address='zz'/></networkport></hookData>",
             "bad <mac"},
        };
        struct vn_hook_data d;

        (void)state;
        for (size_t i = 0; i < VN_ARRAY_SIZE(cases); i++) {
                struct vn_error err = {0};

                assert_true(
                    vn_hook_parse_stdin(cases[i].in, strlen(cases[i].in), "lvnat", &d, &err) < 0);
                if (!strstr(err.msg, cases[i].msg))
                        fail_msg("case %zu: '%s' lacks '%s'", i, err.msg, cases[i].msg);
        }
        {
                const char *in = "<hookData>\n" NET_XML(META_FWD) "</hookData>\n";
                struct vn_error err = {0};

                assert_true(vn_hook_parse_stdin(in, strlen(in), "other", &d, &err) < 0);
                assert_non_null(strstr(err.msg, "names network 'lvnat'"));
        }
}

static struct vn_net *parse(const char *xml)
{
        struct vn_net *net = NULL;
        struct vn_error err = {0};

        if (vn_net_parse_buffer(xml, strlen(xml), "t.xml", &net, &err) < 0)
                fail_msg("%s", err.msg);
        return net;
}

static void metadata_rewrite(void **state)
{
        struct vn_net *net = parse(NET_XML(META_FWD));
        struct vn_port_forward v[3];
        struct vn_error err = {0};
        struct vn_net *again;
        char *xml;

        (void)state;
        memcpy(v, net->ext.forwards, 2 * sizeof(v[0]));
        memset(&v[2], 0, sizeof(v[2]));
        v[2].proto = VN_PROTO_UDP;
        v[2].port_start = 5000;
        v[2].port_end = 5010;
        v[2].toport_start = 5000;
        v[2].toport_end = 5010;
        vn_addr_parse("192.168.177.11", &v[2].to);
        assert_int_equal(vn_net_ext_set_forwards(net, v, 3, &err), 0);
        assert_non_null(strstr(net->metadata_xml, "keep me"));
        xml = vn_net_format(net, VN_FORMAT_INACTIVE);
        assert_non_null(strstr(xml, "port=\"5000-5010\""));
        again = parse(xml);
        assert_int_equal(again->ext.n_forwards, 3);
        assert_int_equal(again->ext.forwards[2].proto, VN_PROTO_UDP);
        assert_non_null(strstr(again->metadata_xml, "urn:example:other"));
        /* removing all leaves an empty vnet element, and the other metadata */
        assert_int_equal(vn_net_ext_set_forwards(again, NULL, 0, &err), 0);
        assert_null(strstr(again->metadata_xml, "vnet:forward"));
        assert_non_null(strstr(again->metadata_xml, "keep me"));
        free(xml);
        vn_net_free(again);
        vn_net_free(net);
}

static void metadata_created(void **state)
{
        struct vn_net *net = parse(NET_XML(""));
        struct vn_port_forward f = {0};
        struct vn_error err = {0};
        struct vn_net *again;
        char *xml;

        (void)state;
        f.port_start = f.port_end = 2222;
        f.toport_start = f.toport_end = 22;
        f.has_toport = true;
        vn_addr_parse("192.168.177.10", &f.to);
        assert_int_equal(vn_net_ext_set_forwards(net, &f, 1, &err), 0);
        xml = vn_net_format(net, VN_FORMAT_INACTIVE);
        again = parse(xml);
        assert_int_equal(again->ext.n_forwards, 1);
        assert_int_equal(again->ext.forwards[0].toport_start, 22);
        assert_int_equal(vn_net_check(again, &err), 0);
        free(xml);
        vn_net_free(again);
        vn_net_free(net);
}

static void spec_parse(void **state)
{
        struct vn_port_forward f;
        struct vn_error err = {0};
        static const struct {
                struct vn_forward_spec s;
                const char *msg;
        } bad[] = {
            {{.port = "22"}, "exactly one of"},
            {{.port = "22", .to = "1.2.3.4", .mac = "52:54:00:00:00:01"}, "exactly one of"},
            {{.to = "1.2.3.4"}, "a port"},
            {{.port = "0", .to = "1.2.3.4"}, "out of range"},
            {{.port = "20-10", .to = "1.2.3.4"}, "out of range"},
            {{.port = "x", .to = "1.2.3.4"}, "expected a port"},
            {{.port = "10-20", .toport = "1-5", .to = "1.2.3.4"}, "different length"},
            {{.proto = "icmp", .port = "1", .to = "1.2.3.4"}, "unknown"},
            {{.port = "1", .to = "1.2.3.4", .address = "fd00::1"}, "different families"},
            {{.port = "1", .mac = "xx"}, "MAC"},
        };

        (void)state;
        assert_int_equal(vn_forward_spec_parse(&(struct vn_forward_spec){.proto = "udp",
                                                                         .port = "5000-5010",
                                                                         .to = "10.0.0.5",
                                                                         .toport = "6000-6010"},
                                               &f, &err),
                         0);
        assert_int_equal(f.proto, VN_PROTO_UDP);
        assert_int_equal(f.port_end, 5010);
        assert_int_equal(f.toport_start, 6000);
        assert_true(f.has_toport);
        for (size_t i = 0; i < VN_ARRAY_SIZE(bad); i++) {
                memset(&err, 0, sizeof(err));
                assert_true(vn_forward_spec_parse(&bad[i].s, &f, &err) < 0);
                if (!strstr(err.msg, bad[i].msg))
                        fail_msg("case %zu: '%s' lacks '%s'", i, err.msg, bad[i].msg);
        }
}

static void leases(void **state)
{
        struct vn_mac_ip *m = NULL;
        size_t n = 0;
        char a[VN_ADDR_STRLEN];

        (void)state;
        vn_macs_from_leases("1700000000 52:54:00:77:00:42 192.168.177.42 g1 *\n"
                            "duid 00:01:00:01\n"
                            "1700000001 1234 fd00::42 g1 00:01:02\n"
                            "1700000002 52:54:00:77:00:42 192.168.177.43 g1 *\n",
                            &m, &n);
        assert_int_equal(n, 1);
        assert_string_equal(vn_addr_format(&m[0].addr, a), "192.168.177.43");
        vn_macs_from_libvirt_status("[\n  {\n    \"ip-address\": \"192.168.177.50\",\n"
                                    "    \"mac-address\": \"52:54:00:77:00:50\",\n"
                                    "    \"hostname\": \"vm\",\n    \"expiry-time\": 1\n  }\n]\n",
                                    &m, &n);
        assert_int_equal(n, 2);
        assert_string_equal(vn_addr_format(&m[1].addr, a), "192.168.177.50");
        free(m);
}

/* The diff adds only what is new or changed and removes only what is gone. */
static void diff_touches_only_changes(void **state)
{
        struct vn_net *net = parse(NET_XML(META_FWD));
        struct vn_fwd_item *it = NULL, *it2 = NULL;
        struct vn_fwd_applied *ap = NULL;
        struct vn_port_forward v[2];
        struct vn_error err = {0};
        struct vn_buf rm = {0};
        size_t n = 0, n2 = 0, na = 0;
        char *txn = NULL, *text;

        (void)state;
        assert_int_equal(vn_plan_forwards(net, "virbr7", NULL, 0, &it, &n, &err), 0);
        assert_int_equal(n, 2);
        assert_true(it[1].resolved); /* the MAC has a static <host> */
        assert_string_equal(it[1].source, "host");
        for (size_t i = 0; i < n; i++)
                vn_buf_add(&rm, it[i].del);
        text = vn_buf_steal(&rm);
        assert_int_equal(vn_fwd_applied_parse(text, &ap, &na), 0);
        assert_int_equal(na, 2);
        assert_int_equal(vn_fwd_diff("BASE\n", ap, na, it, n, &txn), 0);
        assert_null(txn); /* nothing changed: no transaction */

        /* add one: only its block */
        v[0] = net->ext.forwards[0];
        v[1] = net->ext.forwards[1];
        v[1].port_start = v[1].port_end = 8081;
        assert_int_equal(vn_net_ext_set_forwards(net, v, 2, &err), 0);
        assert_int_equal(vn_plan_forwards(net, "virbr7", NULL, 0, &it2, &n2, &err), 0);
        assert_int_equal(vn_fwd_diff("BASE\n", ap, na, it2, n2, &txn), 1);
        assert_non_null(strstr(txn, "delete chain inet vnet vn_virbr7_f_tcp_8080"));
        assert_non_null(strstr(txn, "add chain inet vnet vn_virbr7_f_tcp_8081"));
        assert_null(strstr(txn, "vn_virbr7_f_tcp_2222")); /* the other forward untouched */
        free(txn);
        free(text);
        vn_fwd_applied_free(ap, na);
        vn_fwd_items_free(it, n);
        vn_fwd_items_free(it2, n2);
        vn_net_free(net);
}

static void unresolved_mac_is_noted(void **state)
{
        struct vn_net *net = parse(NET_XML(META_FWD));
        struct vn_port_forward f = net->ext.forwards[1];
        struct vn_fwd_item *it = NULL;
        struct vn_error err = {0};
        struct vn_mac_ip lease = {.mac = {0x52, 0x54, 0, 0x77, 0, 0x99}, .source = "lease"};
        size_t n = 0;

        (void)state;
        f.mac[5] = 0x99; /* no <host> for this one */
        assert_int_equal(vn_net_ext_set_forwards(net, &f, 1, &err), 0);
        assert_int_equal(vn_plan_forwards(net, "virbr7", NULL, 0, &it, &n, &err), 0);
        assert_false(it[0].resolved);
        assert_non_null(strstr(it[0].note, "no address known yet"));
        vn_fwd_items_free(it, n);
        vn_addr_parse("192.168.177.99", &lease.addr);
        assert_int_equal(vn_plan_forwards(net, "virbr7", &lease, 1, &it, &n, &err), 0);
        assert_true(it[0].resolved);
        assert_string_equal(it[0].source, "lease");
        assert_non_null(strstr(it[0].add, "dnat ip to 192.168.177.99:80"));
        vn_fwd_items_free(it, n);
        vn_net_free(net);
}

static void forwards_only_nat_or_route(void **state)
{
        const char *xml = "<network><name>iso</name><metadata><vnet:network "
                          "xmlns:vnet='urn:vnet:network:1'><vnet:forward port='22' "
                          "to='10.1.1.5'/></vnet:network></metadata><bridge name='vb1'/>"
                          "<ip address='10.1.1.1' prefix='24'/></network>";
        struct vn_net *net = parse(xml);
        struct vn_error err = {0};

        (void)state;
        assert_true(vn_net_check(net, &err) < 0);
        assert_non_null(strstr(err.msg, "need forward mode nat or route"));
        vn_net_free(net);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(args_ok),
            cmocka_unit_test(args_bad),
            cmocka_unit_test(stdin_network),
            cmocka_unit_test(stdin_port),
            cmocka_unit_test(stdin_not_ours),
            cmocka_unit_test(stdin_bad),
            cmocka_unit_test(metadata_rewrite),
            cmocka_unit_test(metadata_created),
            cmocka_unit_test(spec_parse),
            cmocka_unit_test(leases),
            cmocka_unit_test(diff_touches_only_changes),
            cmocka_unit_test(unresolved_mac_is_noted),
            cmocka_unit_test(forwards_only_nat_or_route),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
