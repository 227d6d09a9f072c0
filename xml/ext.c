/*
 * ext.c: vnet's own extensions inside <metadata> — writing them back.
 *
 * parse.c fills net->ext from the <vnet:network> element and keeps the whole
 * <metadata> content verbatim in net->metadata_xml, which format.c writes
 * back as it is. So changing the forwards of a model (forward-add/-del)
 * means regenerating the <vnet:network> element inside metadata_xml: this
 * file does that on a DOM of the metadata content, so that other
 * applications' metadata and foreign children of <vnet:network> survive.
 */
#include "config.h"

#include "net.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#define VNET_NS "urn:vnet:network:1"

const char *vn_proto_name(enum vn_proto p)
{
        return p == VN_PROTO_UDP ? "udp" : p == VN_PROTO_SCTP ? "sctp" : "tcp";
}

int vn_proto_from_name(const char *s)
{
        if (vn_streq(s, "tcp"))
                return VN_PROTO_TCP;
        if (vn_streq(s, "udp"))
                return VN_PROTO_UDP;
        if (vn_streq(s, "sctp"))
                return VN_PROTO_SCTP;
        return -EINVAL;
}

void vn_port_range_format(unsigned start, unsigned end, char *buf, size_t len)
{
        if (start == end)
                snprintf(buf, len, "%u", start);
        else
                snprintf(buf, len, "%u-%u", start, end);
}

/* One <PREFIX:forward .../> with attributes in the documented order. */
static xmlNode *forward_node(xmlDoc *doc, xmlNs *ns, const struct vn_port_forward *f)
{
        xmlNode *n = xmlNewDocNode(doc, ns, BAD_CAST "forward", NULL);
        char buf[VN_ADDR_STRLEN + 8];

        if (!n)
                return NULL;
        xmlNewProp(n, BAD_CAST "proto", BAD_CAST vn_proto_name(f->proto));
        vn_port_range_format(f->port_start, f->port_end, buf, sizeof(buf));
        xmlNewProp(n, BAD_CAST "port", BAD_CAST buf);
        if (f->has_mac)
                xmlNewProp(n, BAD_CAST "mac", BAD_CAST vn_mac_format(f->mac, buf));
        else
                xmlNewProp(n, BAD_CAST "to", BAD_CAST vn_addr_format(&f->to, buf));
        if (f->has_toport) {
                vn_port_range_format(f->toport_start, f->toport_end, buf, sizeof(buf));
                xmlNewProp(n, BAD_CAST "toport", BAD_CAST buf);
        }
        if (vn_addr_is_set(&f->address))
                xmlNewProp(n, BAD_CAST "address", BAD_CAST vn_addr_format(&f->address, buf));
        return n;
}

static bool is_vnet_elem(const xmlNode *n)
{
        return n->type == XML_ELEMENT_NODE && n->ns && n->ns->href &&
               xmlStrEqual(n->ns->href, BAD_CAST VNET_NS);
}

/* Rebuild the children of the vnet element: foreign children kept, forwards replaced,
 * whitespace dropped so that the dump indents everything alike. */
static int rebuild_vnet(xmlDoc *doc, xmlNode *vn, const struct vn_port_forward *fwds, size_t n)
{
        xmlNode *ch = vn->children;

        while (ch) {
                xmlNode *next = ch->next;

                if (ch->type == XML_TEXT_NODE ||
                    (is_vnet_elem(ch) && ch->name && xmlStrEqual(ch->name, BAD_CAST "forward"))) {
                        xmlUnlinkNode(ch);
                        xmlFreeNode(ch);
                }
                ch = next;
        }
        for (size_t i = 0; i < n; i++) {
                xmlNode *f = forward_node(doc, vn->ns, &fwds[i]);

                if (!f || !xmlAddChild(vn, f)) {
                        xmlFreeNode(f);
                        return -ENOMEM;
                }
        }
        return 0;
}

static int dump_child(xmlDoc *doc, xmlNode *child, struct vn_buf *out)
{
        xmlBuffer *buf = xmlBufferCreate();
        int r = 0;

        if (!buf)
                return -ENOMEM;
        if (xmlNodeDump(buf, doc, child, 2, 1) < 0) {
                r = -ENOMEM;
        } else {
                vn_buf_add(out, "    ");
                vn_buf_addn(out, (const char *)xmlBufferContent(buf), (size_t)xmlBufferLength(buf));
                vn_buf_add(out, "\n");
        }
        xmlBufferFree(buf);
        return r;
}

/* Dump one element the way parse.c keeps metadata children: a standalone copy so that the
 * namespace declarations land on the element itself. */
static int dump_standalone(xmlNode *child, struct vn_buf *out)
{
        xmlDoc *doc = xmlNewDoc(BAD_CAST "1.0");
        xmlNode *copy;
        int r;

        if (!doc)
                return -ENOMEM;
        copy = xmlDocCopyNode(child, doc, 1);
        if (!copy) {
                xmlFreeDoc(doc);
                return -ENOMEM;
        }
        xmlDocSetRootElement(doc, copy);
        xmlReconciliateNs(doc, copy);
        r = dump_child(doc, copy, out);
        xmlFreeDoc(doc);
        return r;
}

int vn_net_ext_set_forwards(struct vn_net *net, const struct vn_port_forward *fwds, size_t n,
                            struct vn_error *err)
{
        _cleanup_buf_ struct vn_buf in = {0}, out = {0};
        struct vn_port_forward *copy = NULL;
        xmlDoc *doc = NULL;
        xmlNode *root, *vn = NULL;
        char *text;
        int r = 0;

        if (n) {
                copy = calloc(n, sizeof(*copy));
                if (!copy)
                        return vn_err(err, -ENOMEM, "out of memory");
                memcpy(copy, fwds, n * sizeof(*copy));
        }
        vn_buf_add(&in, "<metadata>\n");
        vn_buf_add(&in, net->metadata_xml ? net->metadata_xml : "");
        vn_buf_add(&in, "</metadata>\n");
        if (in.oom) {
                r = vn_err(err, -ENOMEM, "out of memory");
                goto out;
        }
        doc = xmlReadMemory(vn_buf_str(&in), (int)in.len, "metadata", NULL,
                            XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
        if (!doc || !(root = xmlDocGetRootElement(doc))) {
                r = vn_err(err, -EINVAL, "network '%s': its <metadata> cannot be re-read",
                           net->name ? net->name : "?");
                goto out;
        }
        for (xmlNode *ch = root->children; ch; ch = ch->next)
                if (is_vnet_elem(ch) && xmlStrEqual(ch->name, BAD_CAST "network")) {
                        vn = ch;
                        break;
                }
        if (!vn) {
                xmlNs *ns;

                vn = xmlNewChild(root, NULL, BAD_CAST "network", NULL);
                ns = vn ? xmlNewNs(vn, BAD_CAST VNET_NS, BAD_CAST "vnet") : NULL;
                if (!ns) {
                        r = vn_err(err, -ENOMEM, "out of memory");
                        goto out;
                }
                xmlSetNs(vn, ns);
        }
        if (rebuild_vnet(doc, vn, copy, n) < 0) {
                r = vn_err(err, -ENOMEM, "out of memory");
                goto out;
        }
        for (xmlNode *ch = root->children; ch; ch = ch->next) {
                if (ch->type != XML_ELEMENT_NODE)
                        continue;
                if ((r = dump_standalone(ch, &out)) < 0) {
                        vn_err(err, r, "out of memory");
                        goto out;
                }
        }
        text = vn_buf_steal(&out);
        if (!text) {
                r = vn_err(err, -ENOMEM, "out of memory");
                goto out;
        }
        free(net->metadata_xml);
        net->metadata_xml = text;
        free(net->ext.forwards);
        net->ext.forwards = VN_TAKE(copy);
        net->ext.n_forwards = n;
        net->ext.present = true;
out:
        free(copy);
        if (doc)
                xmlFreeDoc(doc);
        return r;
}
