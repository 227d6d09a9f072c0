/*
 * schema.c: optional RelaxNG validation against libvirt's own network.rng,
 * with libxml2's messages captured into struct vn_error (never printed).
 */
#include "config.h"

#include "net.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <libxml/parser.h>
#include <libxml/relaxng.h>
#include <libxml/xmlerror.h>

#ifndef VNET_CONFORMANCE_DIR
#define VNET_CONFORMANCE_DIR ""
#endif

struct schema_errs {
        bool set;
        bool dtd;
        char msg[VN_ERR_MSG_MAX];
};

static void on_error(void *data, xmlError *e)
{
        struct schema_errs *st = data;
        size_t n;

        if (!st || !e || st->set || e->level < XML_ERR_ERROR)
                return;
        st->set = true;
        if (e->file && e->line > 0)
                snprintf(st->msg, sizeof(st->msg), "%s:%d: %s", e->file, e->line,
                         e->message ? e->message : "error");
        else
                snprintf(st->msg, sizeof(st->msg), "%s", e->message ? e->message : "error");
        n = strlen(st->msg);
        while (n > 0 && (st->msg[n - 1] == '\n' || st->msg[n - 1] == ' '))
                st->msg[--n] = '\0';
}

/* document parser callbacks: data is the parser context */
static void on_doc_error(void *data, xmlError *e)
{
        xmlParserCtxt *ctxt = data;

        on_error(ctxt->_private, e);
}

static void on_doc_dtd(void *data, const xmlChar *name, const xmlChar *ext_id,
                       const xmlChar *sys_id)
{
        xmlParserCtxt *ctxt = data;
        struct schema_errs *st = ctxt->_private;

        (void)name;
        (void)ext_id;
        (void)sys_id;
        st->dtd = true;
        xmlStopParser(ctxt);
}

static bool file_exists(const char *dir, const char *name)
{
        char path[4096];
        struct stat st;

        if (snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path))
                return false;
        return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

int vn_schema_validate_file(const char *schema_dir, const char *path, struct vn_error *err)
{
        struct schema_errs st = {0};
        xmlRelaxNGParserCtxt *pctxt = NULL;
        xmlRelaxNG *schema = NULL;
        xmlRelaxNGValidCtxt *vctxt = NULL;
        xmlParserCtxt *ctxt = NULL;
        xmlDoc *doc = NULL;
        _cleanup_free_ char *rng = NULL;
        _cleanup_free_ char *data = NULL;
        size_t len = 0;
        int r;

        if (!schema_dir || !file_exists(schema_dir, "network.rng"))
                return vn_err(err, -ENOENT, "RelaxNG schema network.rng not found in %s",
                              schema_dir ? schema_dir : "(no schema directory)");
        rng = vn_asprintf("%s/network.rng", schema_dir);
        if (!rng)
                return vn_err(err, -ENOMEM, "out of memory");

        pctxt = xmlRelaxNGNewParserCtxt(rng);
        if (!pctxt) {
                r = vn_err(err, -ENOMEM, "out of memory");
                goto out;
        }
        xmlRelaxNGSetParserStructuredErrors(pctxt, on_error, &st);
        schema = xmlRelaxNGParse(pctxt);
        if (!schema) {
                r = vn_err(err, -EINVAL, "%s: cannot load schema: %s", rng,
                           st.set ? st.msg : "unknown error");
                goto out;
        }

        ctxt = xmlNewParserCtxt();
        if (!ctxt) {
                r = vn_err(err, -ENOMEM, "out of memory");
                goto out;
        }
        ctxt->_private = &st;
        ctxt->sax->serror = on_doc_error;
        ctxt->sax->internalSubset = on_doc_dtd;
        r = vn_read_file(path, VN_XML_MAX_SIZE, &data, &len);
        if (r < 0) {
                r = vn_err(err, r, "%s: cannot read: %s", path,
                           r == -EFBIG ? "larger than the 1 MiB limit" : strerror(-r));
                goto out;
        }
        doc = xmlCtxtReadMemory(ctxt, data, (int)len, path, NULL,
                                XML_PARSE_NONET | XML_PARSE_NOWARNING | XML_PARSE_NOERROR);
        if (st.dtd) {
                r = vn_err(err, -EINVAL, "%s: document type declarations are not allowed", path);
                goto out;
        }
        if (!doc || !ctxt->wellFormed) {
                r = vn_err(err, -EINVAL, "%s", st.set ? st.msg : "not well-formed XML");
                goto out;
        }
        if (doc->intSubset || doc->extSubset) {
                r = vn_err(err, -EINVAL, "%s: document type declarations are not allowed", path);
                goto out;
        }

        vctxt = xmlRelaxNGNewValidCtxt(schema);
        if (!vctxt) {
                r = vn_err(err, -ENOMEM, "out of memory");
                goto out;
        }
        xmlRelaxNGSetValidStructuredErrors(vctxt, on_error, &st);
        r = xmlRelaxNGValidateDoc(vctxt, doc);
        if (r != 0)
                r = vn_err(err, -EINVAL, "%s does not validate against %s: %s", path, rng,
                           st.set ? st.msg : "validation failed");
out:
        if (vctxt)
                xmlRelaxNGFreeValidCtxt(vctxt);
        xmlFreeDoc(doc);
        if (ctxt)
                xmlFreeParserCtxt(ctxt);
        if (schema)
                xmlRelaxNGFree(schema);
        if (pctxt)
                xmlRelaxNGFreeParserCtxt(pctxt);
        return r;
}

const char *vn_schema_find_dir(void)
{
        static char conf[4096];
        const char *env = getenv("VNET_SCHEMA_DIR");

        if (env && *env && file_exists(env, "network.rng"))
                return env;
        if (file_exists("/usr/share/libvirt/schemas", "network.rng"))
                return "/usr/share/libvirt/schemas";
        if (VNET_CONFORMANCE_DIR[0] &&
            snprintf(conf, sizeof(conf), "%s/libvirt-schemas", VNET_CONFORMANCE_DIR) <
                (int)sizeof(conf) &&
            file_exists(conf, "network.rng"))
                return conf;
        return NULL;
}
