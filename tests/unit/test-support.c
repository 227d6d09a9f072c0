/*
 * test-support.c: every element and attribute of libvirt's network XML has a status in vnet
 * (xml/support.c), the status table in vnet-xml(5) is that table, and every refused form
 * makes the support check fail with the element named.
 *
 * The walk follows libvirt's network.rng (with networkcommon.rng and basictypes.rng, in the
 * conformance directory) from <start> through every <ref>, collecting element paths
 * ("/network/ip/dhcp/host") and attribute paths ("/network/ip@localPtr"). Elements of any
 * name (metadata content) are one path, the metadata path plus "/" and "*". SKIPs the walk when the
 * schemas are absent. VNET_GOLDEN_UPDATE=1 rewrites the man page's table.
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
#include <sys/stat.h>

#include <cmocka.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include "net.h"
#include "support.h"

#ifndef VNET_CONFORMANCE_DIR
#define VNET_CONFORMANCE_DIR ""
#endif

static const char *const rng_files[] = {"network.rng", "networkcommon.rng", "basictypes.rng"};
static xmlDocPtr docs[3];

struct strs {
        char **v;
        size_t n;
};

static bool strs_has(const struct strs *s, const char *x)
{
        for (size_t i = 0; i < s->n; i++)
                if (strcmp(s->v[i], x) == 0)
                        return true;
        return false;
}

static void strs_add(struct strs *s, const char *x)
{
        s->v = realloc(s->v, (s->n + 1) * sizeof(*s->v));
        assert_non_null(s->v);
        s->v[s->n] = strdup(x);
        assert_non_null(s->v[s->n]);
        s->n++;
}

static void strs_free(struct strs *s)
{
        for (size_t i = 0; i < s->n; i++)
                free(s->v[i]);
        free(s->v);
        s->v = NULL;
        s->n = 0;
}

static bool is(xmlNodePtr n, const char *name)
{
        return n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0;
}

/* <element name="x"> or <element><name>x</name>; "*" for anyName */
static char *name_of(xmlNodePtr n)
{
        xmlChar *a = xmlGetProp(n, (const xmlChar *)"name");
        char *r;

        if (a) {
                r = strdup((const char *)a);
                xmlFree(a);
                return r;
        }
        for (xmlNodePtr c = n->children; c; c = c->next)
                if (is(c, "name")) {
                        xmlChar *t = xmlNodeGetContent(c);

                        r = strdup((const char *)t);
                        xmlFree(t);
                        return r;
                }
        return strdup("*");
}

static struct strs paths;
static struct strs stack; /* "DEFINE|PATH" being expanded: a recursive grammar ends here */

static void walk(xmlNodePtr node, const char *path);

static void expand_ref(const char *ref, const char *path)
{
        _cleanup_free_ char *key = vn_asprintf("%s|%s", ref, path);

        if (strs_has(&stack, key))
                return;
        strs_add(&stack, key);
        for (size_t d = 0; d < VN_ARRAY_SIZE(docs); d++)
                for (xmlNodePtr c = xmlDocGetRootElement(docs[d])->children; c; c = c->next) {
                        xmlChar *nm;

                        if (!is(c, "define"))
                                continue;
                        nm = xmlGetProp(c, (const xmlChar *)"name");
                        if (nm && strcmp((const char *)nm, ref) == 0)
                                walk(c, path);
                        xmlFree(nm);
                }
        free(stack.v[--stack.n]);
}

static void walk(xmlNodePtr node, const char *path)
{
        for (xmlNodePtr c = node->children; c; c = c->next) {
                if (c->type != XML_ELEMENT_NODE)
                        continue;
                if (is(c, "element")) {
                        _cleanup_free_ char *n = name_of(c);
                        _cleanup_free_ char *p = vn_asprintf("%s/%s", path, n);

                        if (!strs_has(&paths, p))
                                strs_add(&paths, p);
                        if (strcmp(n, "*") != 0)
                                walk(c, p);
                } else if (is(c, "attribute")) {
                        _cleanup_free_ char *n = name_of(c);
                        _cleanup_free_ char *p = vn_asprintf("%s@%s", path, n);

                        if (!strs_has(&paths, p))
                                strs_add(&paths, p);
                } else if (is(c, "ref")) {
                        xmlChar *r = xmlGetProp(c, (const xmlChar *)"name");

                        expand_ref((const char *)r, path);
                        xmlFree(r);
                } else if (!is(c, "data") && !is(c, "value") && !is(c, "param") && !is(c, "text") &&
                           !is(c, "empty") && !is(c, "name") && !is(c, "anyName") &&
                           !is(c, "nsName") && !is(c, "except")) {
                        walk(c, path); /* optional, choice, interleave, group, ... */
                }
        }
}

static char schema_dir[4096];

static void test_rng_walk(void **state)
{
        unsigned elements = 0, attributes = 0, missing = 0;
        xmlNodePtr start = NULL;
        struct stat st;

        (void)state;
        if (stat(schema_dir, &st) < 0) {
                print_message("rng walk: SKIP, no %s (set VNET_CONFORMANCE_DIR)\n", schema_dir);
                skip();
        }
        for (size_t i = 0; i < VN_ARRAY_SIZE(rng_files); i++) {
                _cleanup_free_ char *f = vn_asprintf("%s/%s", schema_dir, rng_files[i]);

                docs[i] = xmlReadFile(f, NULL, XML_PARSE_NONET | XML_PARSE_NOBLANKS);
                assert_non_null(docs[i]);
        }
        for (xmlNodePtr c = xmlDocGetRootElement(docs[0])->children; c; c = c->next)
                if (is(c, "start"))
                        start = c;
        assert_non_null(start);
        walk(start, "");
        for (size_t i = 0; i < paths.n; i++) {
                const char *leaf = strrchr(paths.v[i], '/');

                if (strchr(leaf, '@'))
                        attributes++;
                else
                        elements++;
                if (!vn_support_find(paths.v[i])) {
                        print_message("network.rng: %s has no row in xml/support.c\n", paths.v[i]);
                        missing++;
                }
        }
        for (size_t i = 0; i < vn_support_count; i++)
                if (!strs_has(&paths, vn_support_table[i].path))
                        print_message("note: %s is not in network.rng (a vnet extension of "
                                      "libvirt's syntax)\n",
                                      vn_support_table[i].path);
        print_message("network.rng: %u elements, %u attributes, %u without a status; "
                      "support table: %zu rows\n",
                      elements, attributes, missing, vn_support_count);
        assert_true(elements > 40 && attributes > 80);
        assert_int_equal(missing, 0);
        strs_free(&paths);
        for (size_t i = 0; i < VN_ARRAY_SIZE(docs); i++)
                xmlFreeDoc(docs[i]);
}

/* Every refusal can be decided: it has a predicate and names what it refuses. Paths are unique. */
static void test_table_sane(void **state)
{
        (void)state;
        for (size_t i = 0; i < vn_support_count; i++) {
                const struct vn_support *s = &vn_support_table[i];

                assert_true(s->path[0] == '/');
                if (s->realized)
                        assert_non_null(s->how);
                if (!s->realized || s->refused) {
                        assert_non_null(s->refused);
                        assert_non_null(s->why);
                        assert_non_null(s->used);
                }
                for (size_t j = 0; j < i; j++)
                        assert_string_not_equal(s->path, vn_support_table[j].path);
        }
}

/* one network per refused form; each must be parsed, then refused naming it */
static const struct {
        const char *refused;
        const char *xml;
} samples[] = {
    {"<bandwidth><outbound>", "<network><name>s</name><bridge name='vnbr-s'/>"
                              "<bandwidth><outbound average='100'/></bandwidth></network>"},
    {"<network trustGuestRxFilters='yes'>",
     "<network trustGuestRxFilters='yes'><name>s</name><forward mode='bridge'>"
     "<interface dev='eth9'/></forward></network>"},
    {"<bridge macTableManager='libvirt'>",
     "<network><name>s</name><forward mode='nat'/>"
     "<bridge name='vs0' macTableManager='libvirt'/><ip address='10.9.0.1' prefix='24'/>"
     "</network>"},
    {"<bridge zone>", "<network><name>s</name><forward mode='nat'/>"
                      "<bridge name='vs0' zone='trusted'/><ip address='10.9.0.1' prefix='24'/>"
                      "</network>"},
    {"<forward mode='hostdev'>",
     "<network><name>s</name><forward mode='hostdev'><address type='pci' domain='0' "
     "bus='3' slot='0' function='1'/></forward></network>"},
    {"<forward managed='yes'>", "<network><name>s</name><forward mode='passthrough' managed='yes'>"
                                "<interface dev='eth9'/></forward></network>"},
    {"<forward><address type='pci'>",
     "<network><name>s</name><forward mode='passthrough'><address type='pci' domain='0' "
     "bus='3' slot='0' function='1'/></forward></network>"},
    {"<pf>", "<network><name>s</name><forward mode='passthrough'><pf dev='eth9'/></forward>"
             "</network>"},
    {"<forward><driver>", "<network><name>s</name><forward mode='passthrough'>"
                          "<driver name='vfio'/><interface dev='eth9'/></forward></network>"},
    {"<virtualport>", "<network><name>s</name><forward mode='bridge'/><bridge name='ovsbr0'/>"
                      "<virtualport type='openvswitch'/></network>"},
    {"<portgroup trustGuestRxFilters='yes'>",
     "<network><name>s</name><forward mode='nat'/><bridge name='vs0'/>"
     "<portgroup name='p' trustGuestRxFilters='yes'/><ip address='10.9.0.1' prefix='24'/>"
     "</network>"},
    {"<portgroup><virtualport>",
     "<network><name>s</name><forward mode='bridge'/><bridge name='ovsbr0'/>"
     "<portgroup name='p'><virtualport type='openvswitch'/></portgroup></network>"},
    {"<portgroup><vlan>", "<network><name>s</name><forward mode='passthrough'>"
                          "<interface dev='eth9'/></forward><portgroup name='p'><vlan>"
                          "<tag id='42'/></vlan></portgroup></network>"},
    {"<domain register='yes'>", "<network><name>s</name><forward mode='nat'/><bridge name='vs0'/>"
                                "<domain name='s.test' localOnly='yes' register='yes'/>"
                                "<ip address='10.9.0.1' prefix='24'/></network>"},
    {"<vlan>", "<network><name>s</name><forward mode='passthrough'><interface dev='eth9'/>"
               "</forward><vlan><tag id='42'/></vlan></network>"},
};

static void test_refusals(void **state)
{
        static const char ok[] = "<network><name>s</name><forward mode='nat'/>"
                                 "<bridge name='vs0' macTableManager='kernel'/>"
                                 "<domain name='s.test' register='no'/>"
                                 "<ip address='10.9.0.1' prefix='24'/></network>";
        struct vn_error err = {0};
        struct vn_net *net = NULL;
        unsigned refused = 0;

        (void)state;
        for (size_t i = 0; i < vn_support_count; i++) {
                const struct vn_support *s = &vn_support_table[i];
                bool found = false;

                if (!s->refused)
                        continue;
                for (size_t j = 0; j < VN_ARRAY_SIZE(samples); j++)
                        found |= strcmp(samples[j].refused, s->refused) == 0;
                if (!found)
                        fail_msg("%s: no sample network for '%s' in test-support.c", s->path,
                                 s->refused);
        }
        for (size_t j = 0; j < VN_ARRAY_SIZE(samples); j++) {
                char *msgs[8];
                size_t n;

                memset(&err, 0, sizeof(err));
                if (vn_net_parse_buffer(samples[j].xml, strlen(samples[j].xml), "s.xml", &net,
                                        &err) < 0)
                        fail_msg("%s: sample does not parse: %s", samples[j].refused, err.msg);
                memset(&err, 0, sizeof(err));
                if (vn_net_check(net, &err) < 0)
                        print_message("(%s: also refused by check: %s)\n", samples[j].refused,
                                      err.msg);
                memset(&err, 0, sizeof(err));
                assert_int_equal(vn_net_check_support(net, &err), -EOPNOTSUPP);
                if (!strstr(err.msg, samples[j].refused) ||
                    !strstr(err.msg, ": not supported by vnet ("))
                        fail_msg("%s: refused as '%s'", samples[j].refused, err.msg);
                print_message("%s\n", err.msg);
                n = vn_net_unsupported(net, msgs, 8);
                assert_true(n >= 1);
                for (size_t k = 0; k < n && k < 8; k++)
                        free(msgs[k]);
                refused++;
                vn_net_free(net);
                net = NULL;
        }
        assert_int_equal(vn_net_parse_buffer(ok, sizeof(ok) - 1, "ok.xml", &net, &err), 0);
        assert_int_equal(vn_net_check_support(net, &err), 0);
        assert_int_equal(vn_net_unsupported(net, NULL, 0), 0);
        vn_net_free(net);
        print_message("refusals: %u refused forms, each refused with its element named\n", refused);
}

#define MAN_BEGIN ".\\\" BEGIN support table: generated from xml/support.c by test-support\n"
#define MAN_END   ".\\\" END support table\n"

/* vnet-xml(5) shows exactly the table */
static void test_man_table(void **state)
{
        const char *top = getenv("top_srcdir");
        _cleanup_free_ char *path = vn_asprintf("%s/man/vnet-xml.5", top ? top : VNET_ABS_SRCDIR);
        _cleanup_free_ char *man = NULL, *want = vn_support_format_man();
        size_t len;
        char *b, *e;

        (void)state;
        assert_int_equal(vn_read_file(path, 1 << 20, &man, &len), 0);
        b = strstr(man, MAN_BEGIN);
        e = b ? strstr(b, MAN_END) : NULL;
        if (!b || !e)
                fail_msg("%s: no support table markers", path);
        b += strlen(MAN_BEGIN);
        if ((size_t)(e - b) == strlen(want) && memcmp(b, want, strlen(want)) == 0)
                return;
        if (getenv("VNET_GOLDEN_UPDATE")) {
                FILE *f = fopen(path, "w");

                assert_non_null(f);
                fprintf(f, "%.*s%s%s", (int)(b - man), man, want, e);
                fclose(f);
                print_message("%s: support table rewritten\n", path);
                return;
        }
        fail_msg("%s: the support table differs from xml/support.c (VNET_GOLDEN_UPDATE=1 "
                 "rewrites it)",
                 path);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_table_sane),
            cmocka_unit_test(test_refusals),
            cmocka_unit_test(test_man_table),
            cmocka_unit_test(test_rng_walk),
        };
        const char *base = getenv("VNET_CONFORMANCE_DIR");

        if (!base || !*base)
                base = VNET_CONFORMANCE_DIR;
        snprintf(schema_dir, sizeof(schema_dir), "%s/libvirt-schemas", base);
        return cmocka_run_group_tests(tests, NULL, NULL);
}
