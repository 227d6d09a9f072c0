/*
 * hookdata.c: what libvirt's network hook is given — its arguments (NETWORK
 * OPERATION SUBOP EXTRA) and the <hookData> on its stdin — parsed into plain
 * values for backend/hook.c. Pure: no state, no kernel.
 */
#include "config.h"

#include "hookdata.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#define VNET_NS "urn:vnet:network:1"

static const struct {
        const char *op, *subop;
        enum vn_hook_op code;
} ops[] = {
    {"start", "begin", VN_HOOK_START},
    {"started", "begin", VN_HOOK_STARTED},
    {"updated", "begin", VN_HOOK_UPDATED},
    {"port-created", "begin", VN_HOOK_PORT_CREATED},
    {"port-deleted", "begin", VN_HOOK_PORT_DELETED},
    {"stopped", "end", VN_HOOK_STOPPED},
};

int vn_hook_parse_args(int argc, char *const *argv, struct vn_hook_args *out, struct vn_error *err)
{
        if (argc < 4)
                return vn_err(err, -EINVAL,
                              "expected the arguments libvirt passes: NETWORK OPERATION SUBOP "
                              "[EXTRA] (got %d)",
                              argc > 0 ? argc - 1 : 0);
        if (!vn_net_name_valid(argv[1]))
                return vn_err(err, -EINVAL, "'%s' is not a valid network name", argv[1]);
        out->network = argv[1];
        out->op = VN_HOOK_OTHER;
        for (size_t i = 0; i < VN_ARRAY_SIZE(ops); i++)
                if (strcmp(argv[2], ops[i].op) == 0 && strcmp(argv[3], ops[i].subop) == 0)
                        out->op = ops[i].code;
        return 0;
}

void vn_hook_data_clear(struct vn_hook_data *d)
{
        if (d->net)
                vn_net_free(d->net);
        memset(d, 0, sizeof(*d));
}

static xmlNode *child(xmlNode *n, const char *name)
{
        for (xmlNode *c = n ? n->children : NULL; c; c = c->next)
                if (c->type == XML_ELEMENT_NODE && !c->ns && xmlStrEqual(c->name, BAD_CAST name))
                        return c;
        return NULL;
}

static void text_of(xmlNode *n, char *out, size_t len)
{
        xmlChar *t = n ? xmlNodeGetContent(n) : NULL;

        snprintf(out, len, "%s", t ? (const char *)t : "");
        xmlFree(t);
}

static int parse_port(xmlNode *np, struct vn_hook_port *port, struct vn_error *err)
{
        xmlNode *mac = child(np, "mac");

        text_of(child(np, "uuid"), port->uuid, sizeof(port->uuid));
        text_of(child(child(np, "owner"), "name"), port->owner, sizeof(port->owner));
        if (mac) {
                xmlChar *a = xmlGetProp(mac, BAD_CAST "address");
                int r = a ? vn_mac_parse((const char *)a, port->mac) : -EINVAL;

                if (r < 0) {
                        vn_err(err, -EINVAL, "hookData <networkport>: bad <mac address='%s'>",
                               a ? (const char *)a : "");
                        xmlFree(a);
                        return -EINVAL;
                }
                xmlFree(a);
                port->has_mac = true;
        }
        if (!port->uuid[0] || strspn(port->uuid, "0123456789abcdefABCDEF-") != strlen(port->uuid))
                return vn_err(err, -EINVAL, "hookData <networkport>: missing or bad <uuid>");
        /* one word of a line in the hook's ports file */
        for (char *c = port->owner; *c; c++)
                if ((unsigned char)*c <= ' ' || *c == 0x7f)
                        *c = '_';
        return 0;
}

int vn_hook_parse_stdin(const char *buf, size_t len, const char *network, struct vn_hook_data *out,
                        struct vn_error *err)
{
        xmlDoc *doc = NULL;
        xmlNode *root, *nn, *np;
        xmlBuffer *xb = NULL;
        int r = 0;

        memset(out, 0, sizeof(*out));
        if (len == 0)
                return vn_err(err, -EINVAL,
                              "no hookData on stdin (libvirt passes the network "
                              "XML there)");
        if (len > VN_XML_MAX_SIZE)
                return vn_err(err, -EFBIG, "hookData on stdin is larger than %u bytes",
                              VN_XML_MAX_SIZE);
        doc = xmlReadMemory(buf, (int)len, "hookData", NULL,
                            XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
        if (!doc) {
                const xmlError *e = xmlGetLastError();

                return vn_err(err, -EINVAL, "stdin: not well-formed XML%s%s (line %d)",
                              e && e->message ? ": " : "", e && e->message ? e->message : "",
                              e ? e->line : 0);
        }
        root = xmlDocGetRootElement(doc);
        if (!root || !xmlStrEqual(root->name, BAD_CAST "hookData")) {
                r = vn_err(err, -EINVAL, "stdin: expected <hookData>, got <%s>",
                           root ? (const char *)root->name : "");
                goto out;
        }
        nn = child(root, "network");
        if (!nn) {
                r = vn_err(err, -EINVAL, "stdin: <hookData> has no <network>");
                goto out;
        }
        np = child(root, "networkport");
        if (np) {
                if ((r = parse_port(np, &out->port, err)) < 0)
                        goto out;
                out->has_port = true;
        }
        xb = xmlBufferCreate();
        if (!xb || xmlNodeDump(xb, doc, nn, 0, 0) < 0) {
                r = vn_err(err, -ENOMEM, "out of memory");
                goto out;
        }
        /* the namespace is declared on an element below <metadata>; a network without it
         * is none of vnet's business */
        if (!strstr((const char *)xmlBufferContent(xb), VNET_NS))
                goto out;
        {
                /* the element must stand alone: namespaces declared on <hookData> go along */
                xmlDoc *d2 = xmlNewDoc(BAD_CAST "1.0");
                xmlNode *copy = d2 ? xmlDocCopyNode(nn, d2, 1) : NULL;
                xmlChar *mem = NULL;
                int mlen = 0;
                _cleanup_free_ char *src = vn_asprintf("hookData of network '%s'", network);

                if (!copy || !src) {
                        xmlFreeDoc(d2);
                        r = vn_err(err, -ENOMEM, "out of memory");
                        goto out;
                }
                xmlDocSetRootElement(d2, copy);
                xmlReconciliateNs(d2, copy);
                xmlDocDumpMemory(d2, &mem, &mlen);
                xmlFreeDoc(d2);
                if (!mem) {
                        r = vn_err(err, -ENOMEM, "out of memory");
                        goto out;
                }
                r = vn_net_parse_buffer((const char *)mem, (size_t)mlen, src, &out->net, err);
                xmlFree(mem);
                if (r < 0)
                        goto out;
        }
        if (!vn_streq(out->net->name, network)) {
                r = vn_err(err, -EINVAL, "hookData names network '%s', the arguments '%s'",
                           out->net->name, network);
                goto out;
        }
        if (out->net->ext.n_forwards && !out->net->bridge.name) {
                r = vn_err(err, -EINVAL, "network '%s': no <bridge name> in the hookData", network);
                goto out;
        }
        r = vn_net_check_ext(out->net, err);
out:
        if (xb)
                xmlBufferFree(xb);
        xmlFreeDoc(doc);
        if (r < 0)
                vn_hook_data_clear(out);
        return r;
}
