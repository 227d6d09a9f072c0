/*
 * test-libvirt-notes.c: what `vnet import` reports as realized differently from libvirt
 * (vn_import_notes), from a model and its plan.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "libvirt.h"
#include "net.h"
#include "plan.h"

/* the notes for one network XML, joined by "|" */
static char *notes_of(const char *xml)
{
        struct vn_plan_opts opts = {
            .run_dir = "/run/vnet/x", .fw = VN_FW_NFT, .dnsmasq_path = "/usr/sbin/dnsmasq"};
        struct vn_error err = {0};
        struct vn_net *net = NULL;
        struct vn_plan *p = NULL;
        struct vn_buf b = {0};
        char **v = NULL;
        size_t n = 0;

        if (vn_net_parse_buffer(xml, strlen(xml), "x.xml", &net, &err) < 0 ||
            vn_net_check(net, &err) < 0 || vn_plan_build(net, &opts, &p, &err) < 0)
                fail_msg("%s", err.msg);
        assert_int_equal(vn_import_notes(net, p, &v, &n), 0);
        for (size_t i = 0; i < n; i++)
                vn_buf_addf(&b, "%s|", v[i]);
        vn_strv_free(v, n);
        vn_plan_free(p);
        vn_net_free(net);
        return b.s ? vn_buf_steal(&b) : strdup("");
}

/* libvirt's default network as its inactive XML reads: STP on, delay 0, DHCP */
static void libvirt_default(void **state)
{
        char *s = notes_of("<network><name>default</name><uuid>f999b678-6a78-4564-8c3a-"
                           "9352842d09a0</uuid><forward mode='nat'/><bridge name='virbr0' "
                           "stp='on' delay='0'/><mac address='52:54:00:0e:a8:1f'/>"
                           "<ip address='192.168.122.1' netmask='255.255.255.0'><dhcp><range "
                           "start='192.168.122.2' end='192.168.122.254'/></dhcp></ip></network>");

        (void)state;
        assert_non_null(strstr(s, "STP off"));
        assert_non_null(strstr(s, "no-ping"));
        assert_null(strstr(s, "MAC derived"));
        free(s);
}

/* nothing to say: STP off, no DHCP, MAC given */
static void same_as_libvirt(void **state)
{
        char *s = notes_of("<network><name>r</name><forward mode='route'/><bridge name='vr0' "
                           "stp='off'/><mac address='52:54:00:00:00:01'/>"
                           "<ip address='10.9.0.1' prefix='24'/></network>");

        (void)state;
        assert_string_equal(s, "");
        free(s);
}

/* no <mac>: vnet derives it from the UUID where libvirt would pick one at random */
static void mac_derived(void **state)
{
        char *s = notes_of("<network><name>b</name><bridge name='vb0' stp='off'/>"
                           "<ip address='10.8.0.1' prefix='24'/></network>");

        (void)state;
        assert_string_equal(s, "bridge MAC derived from the UUID (libvirt picks a random one)|");
        free(s);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(libvirt_default),
            cmocka_unit_test(same_as_libvirt),
            cmocka_unit_test(mac_derived),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
