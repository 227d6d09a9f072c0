/*
 * test-check.c: bad network definitions are refused — by the parser
 * (syntax, unsafe documents) or by vn_net_check()/vn_net_check_against()
 * (semantics) — each with a message that names the problem; good ones
 * pass both.
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

static const char base_xml[] = "<network>\n"
                               "  <name>n1</name>\n"
                               "  <forward mode='nat'/>\n"
                               "  <bridge name='virbr9'/>\n"
                               "  <ip address='192.168.1.1' netmask='255.255.255.0'>\n"
                               "    <dhcp>\n"
                               "      <range start='192.168.1.2' end='192.168.1.254'/>\n"
                               "      <host mac='52:54:00:00:00:01' name='a' ip='192.168.1.10'/>\n"
                               "    </dhcp>\n"
                               "  </ip>\n"
                               "  <!--EXTRA-->\n"
                               "</network>\n";

/* base_xml with the first `from` replaced by `to` */
static char *subst(const char *from, const char *to)
{
        const char *p = strstr(base_xml, from);
        char *s;

        assert_non_null(p);
        s = vn_asprintf("%.*s%s%s", (int)(p - base_xml), base_xml, to, p + strlen(from));
        assert_non_null(s);
        return s;
}

static char *extra(const char *to)
{
        return subst("<!--EXTRA-->", to);
}

static struct vn_net *parse_ok(const char *xml)
{
        struct vn_error err = {0};
        struct vn_net *net = NULL;
        int r = vn_net_parse_buffer(xml, strlen(xml), "net.xml", &net, &err);

        if (r < 0)
                print_message("unexpected parse error: %s\n", err.msg);
        assert_int_equal(r, 0);
        assert_non_null(net);
        return net;
}

static void expect_parse_error(const char *xml, const char *want)
{
        struct vn_error err = {0};
        struct vn_net *net = NULL;
        int r = vn_net_parse_buffer(xml, strlen(xml), "net.xml", &net, &err);

        if (r >= 0 || !strstr(err.msg, want))
                print_message("want parse error containing \"%s\"\n got r=%d \"%s\"\n", want, r,
                              err.msg);
        assert_true(r < 0);
        assert_null(net);
        assert_int_equal(err.code, r);
        assert_non_null(strstr(err.msg, want));
}

static void expect_check_error(const char *xml, const char *want)
{
        struct vn_error err = {0};
        struct vn_net *net = parse_ok(xml);
        int r = vn_net_check(net, &err);

        if (r >= 0 || !strstr(err.msg, want))
                print_message("want check error containing \"%s\"\n got r=%d \"%s\"\n", want, r,
                              err.msg);
        assert_int_equal(r, -EINVAL);
        assert_non_null(strstr(err.msg, want));
        vn_net_free(net);
}

static void expect_good(const char *xml)
{
        struct vn_error err = {0};
        struct vn_net *net = parse_ok(xml);
        int r = vn_net_check(net, &err);

        if (r < 0)
                print_message("unexpected check error: %s\n", err.msg);
        assert_int_equal(r, 0);
        vn_net_free(net);
}

#define PARSE_ERR(from, to, want)                                                                  \
        do {                                                                                       \
                _cleanup_free_ char *x_ = subst(from, to);                                         \
                expect_parse_error(x_, want);                                                      \
        } while (0)
#define CHECK_ERR(from, to, want)                                                                  \
        do {                                                                                       \
                _cleanup_free_ char *x_ = subst(from, to);                                         \
                expect_check_error(x_, want);                                                      \
        } while (0)

/* ------------------------------------------------------------ parser */

static void test_good(void **state)
{
        (void)state;
        expect_good(base_xml);
        {
                _cleanup_free_ char *x =
                    extra("<metadata><vnet:network xmlns:vnet='urn:vnet:network:1'>"
                          "<vnet:forward port='8080' to='192.168.1.10' toport='80'/>"
                          "<vnet:forward proto='udp' port='5000-5010' to='192.168.1.11' "
                          "toport='6000-6010' address='203.0.113.5'/>"
                          "<vnet:forward proto='tcp' port='2222' mac='52:54:00:00:00:01' "
                          "toport='22'/>"
                          "</vnet:network></metadata>");
                struct vn_net *net = parse_ok(x);
                struct vn_error err = {0};

                assert_int_equal(vn_net_check(net, &err), 0);
                assert_true(net->ext.present);
                assert_int_equal(net->ext.n_forwards, 3);
                assert_int_equal(net->ext.forwards[0].proto, VN_PROTO_TCP);
                assert_int_equal(net->ext.forwards[0].port_start, 8080);
                assert_int_equal(net->ext.forwards[0].toport_start, 80);
                assert_int_equal(net->ext.forwards[1].proto, VN_PROTO_UDP);
                assert_int_equal(net->ext.forwards[1].port_end, 5010);
                assert_int_equal(net->ext.forwards[1].toport_end, 6010);
                assert_int_equal(net->ext.forwards[1].address.family, AF_INET);
                assert_true(net->ext.forwards[2].has_mac);
                assert_int_equal(net->ext.forwards[2].line, 11);
                vn_net_free(net);
        }
}

static void test_bad_addresses(void **state)
{
        (void)state;
        PARSE_ERR("start='192.168.1.2'", "start='10.0.0.300'",
                  "net.xml:7: <range start='10.0.0.300'>: invalid IPv4 address '10.0.0.300'");
        PARSE_ERR("address='192.168.1.1'", "address='1.2.3'",
                  "net.xml:5: <ip address='1.2.3'>: invalid IPv4 address '1.2.3'");
        PARSE_ERR("netmask='255.255.255.0'", "netmask='255.0.255.0'",
                  "<ip netmask='255.0.255.0'>: invalid netmask");
        PARSE_ERR("ip='192.168.1.10'", "ip='192.168.1.x'", "invalid IPv4 address '192.168.1.x'");
        PARSE_ERR("mac='52:54:00:00:00:01'", "mac='52:54:00:00:01'", "invalid MAC address");
        PARSE_ERR("mac='52:54:00:00:00:01'", "mac='01:54:00:00:00:01'",
                  "multicast MAC address '01:54:00:00:00:01' not allowed");
        PARSE_ERR("address='192.168.1.1' netmask='255.255.255.0'",
                  "family='ipv6' address='192.168.1.1' prefix='64'",
                  "IPv4 address with family 'ipv6' (set family='ipv4')");
        PARSE_ERR("<!--EXTRA-->", "<route address='10.0.0.0' prefix='8' gateway='::1'/>",
                  "<route gateway='::1'>: invalid IPv4 address '::1'");
}

static void test_bad_forward(void **state)
{
        (void)state;
        PARSE_ERR("mode='nat'", "mode='nat2'",
                  "net.xml:3: <forward mode='nat2'>: unknown forward mode (allowed: nat, route, "
                  "open, bridge, private, vepa, passthrough, hostdev)");
        PARSE_ERR("<forward mode='nat'/>",
                  "<forward mode='passthrough'><interface dev='eth3'/><interface dev='eth3'/>"
                  "</forward>",
                  "interface 'eth3' can only be listed once in network n1");
        PARSE_ERR("<forward mode='nat'/>", "<forward mode='open' dev='eth0'/>",
                  "forward dev not allowed for network 'n1' with forward mode='open'");
        PARSE_ERR("<forward mode='nat'/>",
                  "<forward mode='route'><nat><port start='1' end='2'/></nat></forward>",
                  "<nat> is only allowed with <forward mode='nat'>");
        PARSE_ERR("<forward mode='nat'/>",
                  "<forward mode='nat'><nat><port start='2000' end='1000'/></nat></forward>",
                  "port range start 2000 is after end 1000");
        {
                static const char x[] = "<network><name>x</name><forward mode='route'/></network>";

                expect_parse_error(x, "route forwarding requested, but no IP address provided");
        }
}

static void test_bad_documents(void **state)
{
        static const char truncated[] = "<network>\n  <name>n1</name>\n  <bridge name='virbr9'";
        static const char xxe[] = "<?xml version='1.0'?>\n"
                                  "<!DOCTYPE network [\n"
                                  "  <!ENTITY x SYSTEM 'file:///etc/passwd'>\n"
                                  "]>\n"
                                  "<network><name>&x;</name></network>\n";
        static const char laughs[] =
            "<?xml version='1.0'?>\n"
            "<!DOCTYPE lolz [\n"
            " <!ENTITY lol 'lol'>\n"
            " <!ENTITY lol1 '&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;'>\n"
            " <!ENTITY lol2 '&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;'>\n"
            " <!ENTITY lol3 '&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;'>\n"
            "]>\n"
            "<network><name>&lol3;</name></network>\n";
        static const char undeclared[] = "<network><name>&x;</name></network>";
        static const char wrong_root[] = "<domain><name>x</name></domain>";
        static const char unknown[] = "<network><name>x</name><fowrard mode='nat'/></network>";
        char *big;
        size_t n = VN_XML_MAX_SIZE + 1;

        (void)state;
        expect_parse_error(truncated, "net.xml:3: ");
        expect_parse_error(xxe, "net.xml:2: <!DOCTYPE>: document type declarations (DTDs, "
                                "entity declarations) are not allowed");
        expect_parse_error(laughs, "document type declarations");
        expect_parse_error(undeclared, "Entity 'x' not defined");
        expect_parse_error(wrong_root, "root element must be <network>");
        expect_parse_error(unknown, "net.xml:1: <fowrard>: unknown element in <network> (allowed: "
                                    "name, uuid");
        expect_parse_error("", "net.xml");

        /* a document over 1 MiB is refused before libxml2 sees it */
        big = malloc(n + 1);
        assert_non_null(big);
        memset(big, ' ', n);
        memcpy(big, "<network>", 9);
        big[n] = '\0';
        {
                struct vn_error err = {0};
                struct vn_net *net = NULL;

                assert_int_equal(vn_net_parse_buffer(big, n, "big.xml", &net, &err), -EFBIG);
                assert_non_null(strstr(err.msg, "larger than the 1048576 byte (1 MiB) limit"));
        }
        free(big);
}

static void test_bad_names_parse(void **state)
{
        (void)state;
        PARSE_ERR("<name>n1</name>", "<name>a/b</name>",
                  "<name>: network name 'a/b' contains illegal character '/'");
        PARSE_ERR("<name>n1</name>", "<name></name>", "empty network name");
        PARSE_ERR("<name>n1</name>", "<name>n1</name><name>n2</name>",
                  "element given more than once");
        PARSE_ERR("name='a'", "name='-a'", "host name must start with a letter or digit");
        PARSE_ERR("<!--EXTRA-->", "<title>a\nb</title>", "network title can't contain newlines");
}

static void test_bad_dns_parse(void **state)
{
        (void)state;
        PARSE_ERR("<!--EXTRA-->", "<dns enable='no'><txt name='x' value='y'/></dns>",
                  "Extra data in disabled network 'n1'");
        PARSE_ERR("<!--EXTRA-->", "<dns><txt name='x' value='a&#10;b'/></dns>",
                  "invalid line break in DNS TXT record value");
        PARSE_ERR("<!--EXTRA-->", "<dns><txt name='x y' value='b'/></dns>",
                  "prohibited character in DNS TXT record name");
        PARSE_ERR("<!--EXTRA-->", "<dns><srv service='a b' protocol='tcp'/></dns>",
                  "invalid character in service attribute");
        PARSE_ERR("<!--EXTRA-->", "<dns><srv service='ldap' protocol='tcp' port='389'/></dns>",
                  "DNS SRV port attribute not permitted without target");
        PARSE_ERR("<!--EXTRA-->", "<dns><host ip='192.168.1.5'></host></dns>",
                  "missing hostname in network 'n1' DNS HOST record");
        PARSE_ERR("<!--EXTRA-->", "<dns enable='maybe'/>",
                  "<dns enable='maybe'>: invalid enable 'maybe' (allowed: yes, no)");
}

static void test_bad_vnet_ext(void **state)
{
        static const struct {
                const char *fwd;
                const char *want;
        } cases[] = {
            {"<vnet:forward port='0' to='192.168.1.10'/>", "port out of range (allowed: 1-65535)"},
            {"<vnet:forward port='70000' to='192.168.1.10'/>", "port out of range"},
            {"<vnet:forward port='90-80' to='192.168.1.10'/>",
             "port range start 90 is after end 80"},
            {"<vnet:forward port='80-90' toport='80-85' to='192.168.1.10'/>",
             "toport range 80-85 has a different length than port range 80-90"},
            {"<vnet:forward port='80' to='192.168.1.10' mac='52:54:00:00:00:01'/>",
             "exactly one of 'to' (guest IP) or 'mac' (guest MAC) is required"},
            {"<vnet:forward port='80'/>", "exactly one of 'to'"},
            {"<vnet:forward to='192.168.1.10'/>", "missing required attribute 'port'"},
            {"<vnet:forward proto='icmp' port='80' to='192.168.1.10'/>",
             "<vnet:forward proto='icmp'>: unknown protocol (allowed: tcp, udp, sctp)"},
            {"<vnet:forward port='8o' to='192.168.1.10'/>", "invalid port '8o'"},
            {"<vnet:forward port='80' to='192.168.1.300'/>",
             "invalid IPv4 address '192.168.1.300'"},
            {"<vnet:forward port='80' to='192.168.1.10' bogus='1'/>", "unknown attribute 'bogus'"},
            {"<vnet:antispoof/>", "<vnet:antispoof>: unknown element in the vnet namespace"},
        };

        (void)state;
        for (size_t i = 0; i < VN_ARRAY_SIZE(cases); i++) {
                _cleanup_free_ char *md =
                    vn_asprintf("<metadata><vnet:network xmlns:vnet='urn:vnet:network:1'>%s"
                                "</vnet:network></metadata>",
                                cases[i].fwd);
                _cleanup_free_ char *x = extra(md);

                expect_parse_error(x, cases[i].want);
        }
        PARSE_ERR("<!--EXTRA-->",
                  "<metadata><vnet:other xmlns:vnet='urn:vnet:network:1'/></metadata>",
                  "unknown element in the vnet namespace");
}

/* ------------------------------------------------------------ checks */

static void test_check_ranges(void **state)
{
        (void)state;
        CHECK_ERR("start='192.168.1.2' end='192.168.1.254'", "start='10.0.1.2' end='10.0.1.9'",
                  "net.xml:7: network 'n1': <ip address='192.168.1.1'>: DHCP range "
                  "10.0.1.2-10.0.1.9 is outside 192.168.1.0/24");
        CHECK_ERR("start='192.168.1.2' end='192.168.1.254'",
                  "start='192.168.1.200' end='192.168.1.100'",
                  "DHCP range 192.168.1.200-192.168.1.100: start is after end");
        CHECK_ERR("start='192.168.1.2' end='192.168.1.254'",
                  "start='192.168.1.2' end='192.168.2.9'", "is outside 192.168.1.0/24");
        CHECK_ERR("start='192.168.1.2' end='192.168.1.254'",
                  "start='192.168.1.0' end='192.168.1.254'", "includes the network or broadcast");
        CHECK_ERR("ip='192.168.1.10'", "ip='192.168.7.10'",
                  "static host address 192.168.7.10 is outside 192.168.1.0/24");
        CHECK_ERR("</dhcp>", "<host mac='52:54:00:00:00:01' ip='192.168.1.11'/></dhcp>",
                  "static host MAC address used twice");
        CHECK_ERR("</dhcp>", "<host mac='52:54:00:00:00:02' ip='192.168.1.10'/></dhcp>",
                  "static host address 192.168.1.10 used twice");
        CHECK_ERR("</dhcp>", "<host mac='52:54:00:00:00:02' name='A' ip='192.168.1.12'/></dhcp>",
                  "static host name 'A' used twice");
        CHECK_ERR("address='192.168.1.1'", "address='192.168.1.0'",
                  "is the network or broadcast address of 192.168.1.0/24");
        CHECK_ERR("<!--EXTRA-->",
                  "<ip address='192.168.2.1' prefix='24'><dhcp><range start='192.168.2.2' "
                  "end='192.168.2.3'/></dhcp></ip>",
                  "multiple IPv4 dhcp sections found");
        CHECK_ERR("<!--EXTRA-->", "<route address='10.0.0.0' prefix='8' gateway='172.16.0.1'/>",
                  "unreachable static route gateway '172.16.0.1'");
        CHECK_ERR("<!--EXTRA-->", "<route address='10.1.0.0' prefix='8' gateway='192.168.1.2'/>",
                  "not the network address of its prefix /8");
        CHECK_ERR("<!--EXTRA-->", "<ip address='10.9.0.1' prefix='20' localPtr='yes'/>",
                  "no PTR domain for an IPv4 network with prefix 20");
        CHECK_ERR("<!--EXTRA-->",
                  "<ip family='ipv6' address='fd00::1' prefix='62' localPtr='yes'/>",
                  "no PTR domain for an IPv6 network with prefix 62");
}

static void test_check_names(void **state)
{
        static const struct {
                const char *name;
                const char *want;
        } bad[] = {
            {"..", "network '..': invalid network name"},
            {".hidden", "invalid network name"},
            {"a b", "invalid network name"},
            {"a\tb", "invalid network name"},
            {"semi;colon", "invalid network name"},
            {"0123456789012345678901234567890123456789012345678901234567890123456789",
             "invalid network name (allowed: 1-64 characters"},
        };

        (void)state;
        for (size_t i = 0; i < VN_ARRAY_SIZE(bad); i++) {
                _cleanup_free_ char *to = vn_asprintf("<name>%s</name>", bad[i].name);

                CHECK_ERR("<name>n1</name>", to, bad[i].want);
        }
        CHECK_ERR("name='virbr9'", "name='virbr0123456789a'",
                  "<bridge name='virbr0123456789a'>: invalid interface name (allowed: 1-15 "
                  "characters");
        CHECK_ERR("name='virbr9'", "name='vir br'", "invalid interface name");
        CHECK_ERR("<forward mode='nat'/>", "<forward mode='nat' dev='eth0:1'/>",
                  "<forward dev='eth0:1'>: invalid interface name");

        assert_true(vn_net_name_valid("default"));
        assert_true(vn_net_name_valid("my-net_2.0"));
        assert_false(vn_net_name_valid(NULL));
        assert_false(vn_net_name_valid(""));
        assert_false(vn_net_name_valid("a/b"));
        assert_false(vn_net_name_valid(".."));
        assert_false(vn_net_name_valid("a\nb"));
        assert_true(vn_ifname_valid("virbr0"));
        assert_true(vn_ifname_valid("abcdefghijklmno"));
        assert_false(vn_ifname_valid("abcdefghijklmnop"));
        assert_false(vn_ifname_valid(""));
        assert_false(vn_ifname_valid("."));
        assert_false(vn_ifname_valid("a/b"));
        assert_false(vn_ifname_valid("virbr%d"));
}

/* The one interface-name rule (issue 13 §2): [A-Za-z0-9_.-], 1-15 bytes, no leading '.' or
 * '-'. Everything else is syntax to some program vnet writes the name into. */
static void test_ifname_rule(void **state)
{
        static const char *const good[] = {"virbr0", "br-lan",  "eth0.100",        "vnet_1", "A",
                                           "0",      "a.b-c_d", "abcdefghijklmno", "x-",     "x."};
        static const char *const bad[] = {
            "vb,eth0",        /* dnsmasq list separator */
            "vb*",            /* nft / dnsmasq wildcard */
            "+",              /* iptables wildcard: every interface */
            "vb+",     "-vb", /* an option to ip, iptables, dnsmasq */
            ".vb",     "..",
            ".",               /* hidden file, parent directory */
            "a/b",     "../x", /* path */
            "a:b",     "vb%d", /* alias, kernel template */
            "a b",     "a\tb",
            "a\nb",    "a\x7f",
            "a\"b",    "a'b",
            "a;b",     "a#b",
            "a\\b",    "a@b",
            "a=b",     "a!b",
            "a$b",     "a{b",
            "a}b",     "a\xc3\xa9",        /* non-ASCII */
            "",        "abcdefghijklmnop", /* 16 bytes */
        };

        (void)state;
        for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
                if (!vn_ifname_valid(good[i]))
                        print_message("refused: '%s'\n", good[i]);
                assert_true(vn_ifname_valid(good[i]));
        }
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                if (vn_ifname_valid(bad[i]))
                        print_message("accepted: '%s'\n", bad[i]);
                assert_false(vn_ifname_valid(bad[i]));
        }
        assert_false(vn_ifname_valid(NULL));
        /* every byte outside the set, alone and inside a name */
        for (int ch = 1; ch < 256; ch++) {
                char one[2] = {(char)ch, 0}, mid[4] = {'a', (char)ch, 'b', 0};
                bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                          (ch >= '0' && ch <= '9') || ch == '_' || ch == '.' || ch == '-';

                assert_int_equal(vn_ifname_valid(mid), ok);
                assert_int_equal(vn_ifname_valid(one), ok && ch != '.' && ch != '-');
        }
}

/* Every place a definition names an interface is held to the rule, with the element named. */
static void test_ifname_everywhere(void **state)
{
        (void)state;
        CHECK_ERR("name='virbr9'", "name='vb,eth0'",
                  "<bridge name='vb,eth0'>: invalid interface name (allowed: 1-15 characters");
        CHECK_ERR("name='virbr9'", "name='+'", "<bridge name='+'>: invalid interface name");
        CHECK_ERR("name='virbr9'", "name='vb*'", "<bridge name='vb*'>: invalid interface name");
        CHECK_ERR("name='virbr9'", "name='-vb'", "<bridge name='-vb'>: invalid interface name");
        CHECK_ERR("<forward mode='nat'/>", "<forward mode='nat' dev='eth+'/>",
                  "<forward dev='eth+'>: invalid interface name");
        expect_check_error("<network><name>v</name><forward mode='bridge'>"
                           "<interface dev='eth1'/><interface dev='eth,2'/></forward></network>",
                           "<interface dev='eth,2'>: invalid interface name");
        expect_check_error("<network><name>v</name><forward mode='passthrough'>"
                           "<pf dev='p*'/></forward></network>",
                           "<pf dev='p*'>: invalid interface name");
        /* the checks a libvirt network gets in the hook include the names */
        {
                _cleanup_free_ char *x = subst("name='virbr9'", "name='v&quot;;x'");
                struct vn_net *net = parse_ok(x);
                struct vn_error err = {0};

                assert_int_equal(vn_net_check_ext(net, &err), -EINVAL);
                assert_non_null(strstr(err.msg, "invalid interface name"));
                vn_net_free(net);
        }
}

/* Values written as one word into dnsmasq.conf (and the state root in paths). */
static void test_conf_values(void **state)
{
        (void)state;
        assert_true(vn_conf_value_ok("/srv/tftp"));
        assert_true(vn_conf_value_ok("pxelinux.0"));
        assert_false(vn_conf_value_ok(""));
        assert_false(vn_conf_value_ok(NULL));
        assert_false(vn_conf_value_ok("/srv/a b"));
        assert_false(vn_conf_value_ok("/srv/a,b"));
        assert_false(vn_conf_value_ok("/srv/a#b"));
        assert_false(vn_conf_value_ok("/srv/a\"b"));
        assert_false(vn_conf_value_ok("/srv/a\tb"));
        assert_false(vn_conf_value_ok("/srv/a\x7f"));
        CHECK_ERR("<dhcp>", "<tftp root='/srv/a b'/><dhcp>",
                  "<tftp root='/srv/a b'>: empty, or contains whitespace");
        CHECK_ERR("<dhcp>", "<tftp root='/srv#x'/><dhcp>", "<tftp root='/srv#x'>");
        CHECK_ERR("<range", "<bootp file='pxe,x'/><range", "<bootp file='pxe,x'>");
        CHECK_ERR("<range", "<bootp file='pxe&quot;x'/><range", "<bootp file='pxe\"x'>");
        CHECK_ERR("<range", "<bootp file='a b'/><range", "<bootp file='a b'>");
}

/* Free text that goes into QMP JSON and key=value records. */
static void test_escapes(void **state)
{
        struct vn_buf b = {0};
        char *s;

        (void)state;
        vn_buf_add_json_str(&b, "e1000\",\"romfile\":\"/etc/shadow\\\n");
        assert_string_equal(vn_buf_str(&b),
                            "\"e1000\\\",\\\"romfile\\\":\\\"/etc/shadow\\\\\\u000a\"");
        vn_buf_free(&b);
        vn_buf_add_escaped_line(&b, "qemu\nifname=eth0\r%41\\");
        assert_string_equal(vn_buf_str(&b), "qemu%0Aifname=eth0%0D%2541%5C");
        s = vn_buf_steal(&b);
        vn_unescape_line(s);
        assert_string_equal(s, "qemu\nifname=eth0\r%41\\");
        free(s);
}

static void test_check_injection(void **state)
{
        (void)state;
        CHECK_ERR("name='a'", "name='a;b'",
                  "<host name='a;b'>: invalid host name (allowed: letters, digits, '.', '-', '_')");
        CHECK_ERR("name='a'", "name='a&#10;dhcp-option=3'", "invalid host name");
        CHECK_ERR("<!--EXTRA-->",
                  "<dns><host ip='192.168.1.5'><hostname>x\naddress=/evil/1.2.3.4</hostname>"
                  "</host></dns>",
                  "invalid host name");
        CHECK_ERR("<!--EXTRA-->", "<domain name='example.com&#10;server=8.8.8.8'/>",
                  "invalid domain name");
        CHECK_ERR("<!--EXTRA-->",
                  "<dnsmasq:options xmlns:dnsmasq='http://libvirt.org/schemas/network/dnsmasq/"
                  "1.0'><dnsmasq:option value='foo=bar&#10;dhcp-script=/tmp/x'/></dnsmasq:options>",
                  "line breaks and control characters are not allowed");
        CHECK_ERR("<dhcp>", "<tftp root='/srv&#10;enable-ra'/><dhcp>",
                  "<tftp root='/srv\nenable-ra'>: empty, or contains whitespace");
        CHECK_ERR("<!--EXTRA-->", "<mtu size='10'/>",
                  "<mtu size='10'>: out of range (allowed: 68-65535)");
}

static void test_check_modes(void **state)
{
        static const char bridged[] = "<network>\n"
                                      "  <name>br</name>\n"
                                      "  <forward mode='bridge'/>\n"
                                      "  <bridge name='br0'/>\n"
                                      "  <ip address='192.168.1.1' prefix='24'/>\n"
                                      "</network>\n";
        static const char vepa_mac[] = "<network><name>v</name><forward mode='vepa'>"
                                       "<interface dev='eth1'/></forward>"
                                       "<mac address='52:54:00:00:00:09'/></network>";
        static const char vlan_nat[] = "<network><name>v</name><forward mode='nat'/>"
                                       "<ip address='10.0.0.1' prefix='24'/>"
                                       "<vlan><tag id='5'/></vlan></network>";

        (void)state;
        expect_check_error(bridged, "<ip>: not supported with forward mode='bridge'");
        expect_check_error(vepa_mac, "<mac>: not supported with forward mode='vepa'");
        expect_check_error(vlan_nat, "<vlan>: not supported for this network");
        CHECK_ERR("<!--EXTRA-->",
                  "<portgroup name='p' default='yes'/><portgroup name='q' default='yes'/>",
                  "more than one default <portgroup>");
        CHECK_ERR("<!--EXTRA-->", "<portgroup name='p'/><portgroup name='p'/>",
                  "<portgroup name='p'>: name used more than once");
}

static void test_check_port_forwards(void **state)
{
        static const struct {
                const char *fwds;
                const char *want;
        } cases[] = {
            {"<vnet:forward port='80' to='10.9.9.9'/>",
             "<vnet:forward to='10.9.9.9'>: port forward target is outside every subnet"},
            {"<vnet:forward port='80' to='192.168.1.10'/>\n"
             "<vnet:forward port='80' to='192.168.1.11'/>",
             "overlaps the forward on line 11 (tcp port 80-80)"},
            {"<vnet:forward port='8000-8100' to='192.168.1.10'/>\n"
             "<vnet:forward port='8050' to='192.168.1.11' address='203.0.113.1'/>",
             "<vnet:forward proto='tcp' port='8050-8050'>: overlaps the forward"},
        };

        (void)state;
        for (size_t i = 0; i < VN_ARRAY_SIZE(cases); i++) {
                _cleanup_free_ char *md =
                    vn_asprintf("<metadata><vnet:network xmlns:vnet='urn:vnet:network:1'>%s"
                                "</vnet:network></metadata>",
                                cases[i].fwds);
                _cleanup_free_ char *x = extra(md);

                expect_check_error(x, cases[i].want);
        }
        /* the rendered map elements of all forwards together are capped at 65536: 16 shifted
         * ranges of 4096 ports fit, a 17th does not */
        for (unsigned k = 16; k <= 17; k++) {
                struct vn_buf b = {0};
                _cleanup_free_ char *x = NULL;

                vn_buf_addf(&b, "<metadata><vnet:network xmlns:vnet='urn:vnet:network:1'>");
                for (unsigned i = 0; i < k; i++) { /* 8 tcp, 8 udp, then sctp: no overlap */
                        static const char *const proto[] = {"tcp", "udp", "sctp"};
                        unsigned j = i % 8;

                        vn_buf_addf(&b,
                                    "<vnet:forward proto='%s' port='%u-%u' toport='%u-%u' "
                                    "to='192.168.1.10'/>",
                                    proto[i / 8], 1 + j * 4096, (j + 1) * 4096, 2 + j * 4096,
                                    (j + 1) * 4096 + 1);
                }
                vn_buf_addf(&b, "</vnet:network></metadata>");
                x = extra(vn_buf_str(&b));
                if (k == 16) {
                        struct vn_net *net = parse_ok(x);
                        struct vn_error err = {0};

                        assert_int_equal(vn_net_check(net, &err), 0);
                        vn_net_free(net);
                } else {
                        expect_check_error(x, "more than 65536 firewall map elements");
                }
                vn_buf_free(&b);
        }
        /* same port, different protocol or host address: fine */
        {
                _cleanup_free_ char *x =
                    extra("<metadata><vnet:network xmlns:vnet='urn:vnet:network:1'>"
                          "<vnet:forward port='53' to='192.168.1.10'/>"
                          "<vnet:forward port='53' proto='udp' to='192.168.1.10'/>"
                          "<vnet:forward port='80' address='203.0.113.1' to='192.168.1.10'/>"
                          "<vnet:forward port='80' address='203.0.113.2' to='192.168.1.11'/>"
                          "</vnet:network></metadata>");

                expect_good(x);
        }
        /* port forwards need a routed/NATed network */
        {
                static const char x[] =
                    "<network><name>i</name><ip address='192.168.1.1' prefix='24'/>"
                    "<metadata><vnet:network xmlns:vnet='urn:vnet:network:1'>"
                    "<vnet:forward port='80' to='192.168.1.10'/></vnet:network></metadata>"
                    "</network>";

                expect_check_error(x, "port forwards need forward mode nat or route");
        }
}

static void test_check_against(void **state)
{
        static const char other1[] = "<network><name>other</name><forward mode='nat'/>"
                                     "<bridge name='virbr5'/>"
                                     "<ip address='192.168.0.1' prefix='16'/></network>";
        static const char other2[] = "<network><name>other2</name><forward mode='nat'/>"
                                     "<bridge name='virbr9'/>"
                                     "<ip address='10.10.0.1' prefix='24'/></network>";
        static const char other3[] = "<network><name>other3</name><forward mode='route'/>"
                                     "<ip address='10.20.0.1' prefix='24'/>"
                                     "<ip family='ipv6' address='2001:db8::1' prefix='64'/>"
                                     "</network>";
        static const char v6[] = "<network><name>six</name>"
                                 "<ip family='ipv6' address='2001:db8:0:0:1::1' prefix='48'/>"
                                 "</network>";
        struct vn_net *net = parse_ok(base_xml);
        struct vn_net *o1 = parse_ok(other1), *o2 = parse_ok(other2), *o3 = parse_ok(other3);
        struct vn_net *six = parse_ok(v6), *self = parse_ok(base_xml);
        struct vn_error err = {0};

        (void)state;
        {
                struct vn_net *list[] = {o1};

                assert_int_equal(vn_net_check_against(net, list, 1, &err), -EINVAL);
                assert_non_null(strstr(err.msg, "network 'n1': <ip>: subnet 192.168.1.0/24 "
                                                "overlaps subnet 192.168.0.0/16 of network "
                                                "'other'"));
        }
        {
                struct vn_net *list[] = {o3, o2};

                memset(&err, 0, sizeof(err));
                assert_int_equal(vn_net_check_against(net, list, 2, &err), -EINVAL);
                assert_non_null(strstr(err.msg, "<bridge name='virbr9'>: bridge name is already "
                                                "used by network 'other2'"));
        }
        {
                /* the network itself (same name) is skipped; distinct ones pass */
                struct vn_net *list[] = {self, o3};

                memset(&err, 0, sizeof(err));
                assert_int_equal(vn_net_check_against(net, list, 2, &err), 0);
        }
        {
                struct vn_net *list[] = {o3};

                memset(&err, 0, sizeof(err));
                assert_int_equal(vn_net_check_against(six, list, 1, &err), -EINVAL);
                assert_non_null(strstr(err.msg, "subnet 2001:db8::/48 overlaps subnet "
                                                "2001:db8::/64 of network 'other3'"));
        }
        vn_net_free(net);
        vn_net_free(o1);
        vn_net_free(o2);
        vn_net_free(o3);
        vn_net_free(six);
        vn_net_free(self);
}

/* vnet's namespace, declared on <network>, moves onto the metadata child
 * (as libvirt re-emits metadata) and the result is a fixed point. */
static void test_metadata_roundtrip(void **state)
{
        static const char in[] =
            "<network xmlns:vnet=\"urn:vnet:network:1\">\n"
            "  <name>m</name>\n"
            "  <uuid>81ff0d90-c91e-6742-64da-4a736edb9a9b</uuid>\n"
            "  <metadata>\n"
            "    <vnet:network>\n"
            "      <vnet:forward port=\"2222\" to=\"10.0.0.5\" toport=\"22\"/>\n"
            "    </vnet:network>\n"
            "    <plain>dropped, like libvirt does</plain>\n"
            "  </metadata>\n"
            "  <forward mode='nat'/>\n"
            "  <ip address='10.0.0.1' prefix='24'/>\n"
            "</network>\n";
        static const char want[] =
            "<network>\n"
            "  <name>m</name>\n"
            "  <uuid>81ff0d90-c91e-6742-64da-4a736edb9a9b</uuid>\n"
            "  <metadata>\n"
            "    <vnet:network xmlns:vnet=\"urn:vnet:network:1\">\n"
            "      <vnet:forward port=\"2222\" to=\"10.0.0.5\" toport=\"22\"/>\n"
            "    </vnet:network>\n"
            "  </metadata>\n"
            "  <forward mode='nat'/>\n"
            "  <bridge stp='on' delay='0'/>\n"
            "  <ip address='10.0.0.1' prefix='24'>\n"
            "  </ip>\n"
            "</network>\n";
        struct vn_net *net = parse_ok(in), *again;
        _cleanup_free_ char *out = vn_net_format(net, 0);
        _cleanup_free_ char *out2 = NULL;

        (void)state;
        assert_string_equal(out, want);
        assert_int_equal(net->ext.n_forwards, 1);
        again = parse_ok(out);
        out2 = vn_net_format(again, 0);
        assert_string_equal(out, out2);
        assert_int_equal(again->ext.forwards[0].toport_start, 22);
        vn_net_free(net);
        vn_net_free(again);
}

/* errors are captured, never printed: stderr stays empty */
static void test_no_stderr(void **state)
{
        char path[] = "/tmp/vnet-test-stderr-XXXXXX";
        int fd = mkstemp(path), saved;
        struct vn_error err = {0};
        struct vn_net *net = NULL;
        static const char bad[] = "<network><name>x</name></network";
        off_t size;

        (void)state;
        assert_true(fd >= 0);
        fflush(stderr);
        saved = dup(2);
        dup2(fd, 2);
        assert_true(vn_net_parse_buffer(bad, strlen(bad), "x.xml", &net, &err) < 0);
        fflush(stderr);
        dup2(saved, 2);
        close(saved);
        size = lseek(fd, 0, SEEK_END);
        close(fd);
        unlink(path);
        assert_int_equal(size, 0);
        assert_non_null(strstr(err.msg, "x.xml:1: "));
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_good),
            cmocka_unit_test(test_bad_addresses),
            cmocka_unit_test(test_bad_forward),
            cmocka_unit_test(test_bad_documents),
            cmocka_unit_test(test_bad_names_parse),
            cmocka_unit_test(test_bad_dns_parse),
            cmocka_unit_test(test_bad_vnet_ext),
            cmocka_unit_test(test_check_ranges),
            cmocka_unit_test(test_check_names),
            cmocka_unit_test(test_check_injection),
            cmocka_unit_test(test_check_modes),
            cmocka_unit_test(test_ifname_rule),
            cmocka_unit_test(test_ifname_everywhere),
            cmocka_unit_test(test_conf_values),
            cmocka_unit_test(test_escapes),
            cmocka_unit_test(test_check_port_forwards),
            cmocka_unit_test(test_check_against),
            cmocka_unit_test(test_metadata_roundtrip),
            cmocka_unit_test(test_no_stderr),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
