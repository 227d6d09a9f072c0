/*
 * libvirt.c: vnet and a running libvirtd through libvirt's client library — import of
 * libvirt's network definitions, and vnet ports handed to libvirt domains as unmanaged taps
 * (attach, detach). See libvirt.h for the journal of an attachment.
 */
#include "config.h"

#include "libvirt.h"

#include "fault.h"
#include "link.h"
#include "port.h"
#include "vnet.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#if WITH_LIBVIRT
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#endif

#if !WITH_LIBVIRT

/* A build without libvirt's client library keeps the commands; they say how to get it. */
#define NO_LIBVIRT                                                                                 \
        "this vnet was built without libvirt's client library: install it (apt-get install "       \
        "libvirt-dev), then ./configure (it is found automatically) and make"

bool vn_libvirt_available(void)
{
        return false;
}

int vn_libvirt_import(struct vn_ctx *ctx, const char *uri, char *const *names, size_t n_names,
                      struct vn_import_item **out, size_t *n, struct vn_error *err)
{
        return vn_err(err, -ENOTSUP, NO_LIBVIRT);
}

int vn_libvirt_attach(struct vn_ctx *ctx, const struct vn_attach_opts *o, struct vn_attachment *out,
                      struct vn_error *err)
{
        return vn_err(err, -ENOTSUP, NO_LIBVIRT);
}

int vn_libvirt_detach(struct vn_ctx *ctx, const char *uri, const char *domain, const char *mac,
                      struct vn_attachment *out, struct vn_error *err)
{
        return vn_err(err, -ENOTSUP, NO_LIBVIRT);
}

int vn_libvirt_adopt(struct vn_ctx *ctx, const char *uri, const char *name,
                     struct vn_adopt_result *out, struct vn_error *err)
{
        return vn_err(err, -ENOTSUP, NO_LIBVIRT);
}

int vn_libvirt_adopt_undo(struct vn_ctx *ctx, const char *uri, const char *name,
                          struct vn_adopt_result *out, struct vn_error *err)
{
        return vn_err(err, -ENOTSUP, NO_LIBVIRT);
}

int vn_libvirt_detach_net(struct vn_ctx *ctx, const char *net, size_t *n_done, struct vn_error *err)
{
        /* without the library no attachment can exist, unless another build made it */
        struct vn_attachment *v = NULL;
        size_t n = 0;
        int r = vn_libvirt_attachments(ctx, net, &v, &n, err);

        free(v);
        if (r < 0)
                return r;
        *n_done = 0;
        if (n)
                return vn_err(err, -ENOTSUP,
                              "network '%s' has %zu port(s) attached to libvirt "
                              "domains; " NO_LIBVIRT,
                              net, n);
        return 0;
}

#endif

/* ---- attachment records: ROOT/run/vnet/NET/libvirt/MAC ---------------------------------- */

static char *rec_dir(struct vn_ctx *ctx, const char *net)
{
        return vn_path_run_file(ctx, net, "libvirt");
}

static void copy_str(char *dst, size_t n, const char *src)
{
        snprintf(dst, n, "%s", src ? src : "");
}

static void rec_parse(char *text, struct vn_attachment *a)
{
        char *save = NULL;

        memset(a, 0, sizeof(*a));
        for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
                char *v = strchr(l, '=');

                if (!v)
                        continue;
                *v++ = '\0';
                if (strcmp(l, "net") == 0)
                        copy_str(a->net, sizeof(a->net), v);
                else if (strcmp(l, "domain") == 0)
                        copy_str(a->domain, sizeof(a->domain), v);
                else if (strcmp(l, "domain_uuid") == 0)
                        copy_str(a->domain_uuid, sizeof(a->domain_uuid), v);
                else if (strcmp(l, "mac") == 0)
                        copy_str(a->mac, sizeof(a->mac), v);
                else if (strcmp(l, "ifname") == 0)
                        copy_str(a->ifname, sizeof(a->ifname), v);
                else if (strcmp(l, "model") == 0)
                        copy_str(a->model, sizeof(a->model), v);
                else if (strcmp(l, "portgroup") == 0)
                        copy_str(a->portgroup, sizeof(a->portgroup), v);
                else if (strcmp(l, "live") == 0)
                        a->live = strcmp(v, "1") == 0;
                else if (strcmp(l, "config") == 0)
                        a->config = strcmp(v, "1") == 0;
                else if (strcmp(l, "state") == 0)
                        copy_str(a->state, sizeof(a->state), v);
                else if (strcmp(l, "uri") == 0)
                        copy_str(a->uri, sizeof(a->uri), v);
        }
}

static int rec_read(struct vn_ctx *ctx, const char *net, const char *mac, struct vn_attachment *a)
{
        _cleanup_free_ char *dir = rec_dir(ctx, net), *path = NULL, *text = NULL;
        size_t len;
        int r;

        if (!dir || !(path = vn_asprintf("%s/%s", dir, mac)))
                return -ENOMEM;
        r = vn_read_file(path, 8192, &text, &len);
        if (r < 0)
                return r;
        rec_parse(text, a);
        return 0;
}

static int mac_cmp(const void *a, const void *b)
{
        return strcmp(((const struct vn_attachment *)a)->mac,
                      ((const struct vn_attachment *)b)->mac);
}

int vn_libvirt_attachments(struct vn_ctx *ctx, const char *net, struct vn_attachment **out,
                           size_t *n, struct vn_error *err)
{
        _cleanup_free_ char *dir = NULL;
        struct vn_attachment *v = NULL;
        size_t k = 0, cap = 0;
        struct dirent *de;
        DIR *d;

        if (!vn_net_name_valid(net))
                return vn_err(err, -EINVAL, "'%s' is not a valid network name", net);
        if (!(dir = rec_dir(ctx, net)))
                return vn_err(err, -ENOMEM, "out of memory");
        d = opendir(dir);
        if (!d) {
                *out = NULL;
                *n = 0;
                return errno == ENOENT ? 0 : vn_err(err, -errno, "cannot read '%s'", dir);
        }
        while ((de = readdir(d))) {
                uint8_t m[6];

                if (vn_mac_parse(de->d_name, m) < 0)
                        continue; /* ".", "..", a temporary file of an atomic write */
                if (k == cap) {
                        struct vn_attachment *nv;

                        cap = cap ? cap * 2 : 8;
                        nv = realloc(v, cap * sizeof(*v));
                        if (!nv) {
                                free(v);
                                closedir(d);
                                return vn_err(err, -ENOMEM, "out of memory");
                        }
                        v = nv;
                }
                if (rec_read(ctx, net, de->d_name, &v[k]) == 0)
                        k++;
        }
        closedir(d);
        if (k)
                qsort(v, k, sizeof(*v), mac_cmp);
        *out = v;
        *n = k;
        return 0;
}

#if WITH_LIBVIRT

static char *rec_format(const struct vn_attachment *a)
{
        struct vn_buf b = {0};

        vn_buf_addf(&b, "net=%s\ndomain=%s\ndomain_uuid=%s\nmac=%s\nifname=%s\nmodel=%s\n", a->net,
                    a->domain, a->domain_uuid, a->mac, a->ifname, a->model);
        vn_buf_addf(&b, "portgroup=%s\nlive=%d\nconfig=%d\nstate=%s\nuri=%s\n", a->portgroup,
                    a->live, a->config, a->state, a->uri);
        return vn_buf_steal(&b);
}

/* The first write claims the MAC (O_EXCL): two attaches of one MAC cannot both journal. */
static int rec_write(struct vn_ctx *ctx, const struct vn_attachment *a, bool create,
                     struct vn_error *err)
{
        _cleanup_free_ char *dir = rec_dir(ctx, a->net), *path = NULL, *text = rec_format(a);
        int r;

        if (!dir || !text || !(path = vn_asprintf("%s/%s", dir, a->mac)))
                return vn_err(err, -ENOMEM, "out of memory");
        if (create) {
                _cleanup_close_ int fd = -1;
                size_t len = strlen(text);

                if ((r = vn_mkdir_p(dir, 0755)) < 0)
                        return vn_err(err, r, "cannot create '%s': %s", dir, strerror(-r));
                fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
                if (fd < 0) {
                        r = -errno;
                        if (r == -EEXIST)
                                return vn_err(err, r,
                                              "network '%s': MAC %s is already attached to a "
                                              "libvirt domain (see vnet port-list %s)",
                                              a->net, a->mac, a->net);
                        return vn_err(err, r, "cannot create '%s': %s", path, strerror(-r));
                }
                if (write(fd, text, len) != (ssize_t)len || fsync(fd) < 0) {
                        r = -errno;
                        unlink(path);
                        return vn_err(err, r ? r : -EIO, "cannot write '%s'", path);
                }
                return 0;
        }
        r = vn_write_file_atomic(path, text, strlen(text), 0644);
        if (r < 0)
                return vn_err(err, r, "cannot write '%s': %s", path, strerror(-r));
        return 0;
}

static void rec_remove(struct vn_ctx *ctx, const char *net, const char *mac)
{
        _cleanup_free_ char *dir = rec_dir(ctx, net), *path = NULL;

        if (dir && (path = vn_asprintf("%s/%s", dir, mac))) {
                unlink(path);
                rmdir(dir); /* only when it was the last */
        }
}

/* ---- connection ------------------------------------------------------------------- */

/* libvirt prints every error on stderr unless told otherwise; vnet reports them itself. */
static void lv_quiet(void *userdata, virErrorPtr e)
{
}

static const char *lv_msg(void)
{
        const char *m = virGetLastErrorMessage();

        return m && *m ? m : "unknown libvirt error";
}

bool vn_libvirt_available(void)
{
        return true;
}

static int uri_check(const char *uri, struct vn_error *err)
{
        if (!uri)
                return 0;
        if (!*uri || strlen(uri) >= sizeof(((struct vn_attachment *)0)->uri))
                return vn_err(err, -EINVAL, "--connect '%s': not a libvirt URI", uri);
        for (const char *p = uri; *p; p++)
                if ((unsigned char)*p < 0x20 || *p == 0x7f)
                        return vn_err(err, -EINVAL,
                                      "--connect: the URI contains a control "
                                      "character");
        return 0;
}

static int lv_open(const char *uri, virConnectPtr *out, struct vn_error *err)
{
        virConnectPtr c;
        int r = uri_check(uri, err);

        if (r < 0)
                return r;
        virSetErrorFunc(NULL, lv_quiet);
        c = virConnectOpen(uri);
        if (!c) {
                const char *env = getenv("LIBVIRT_DEFAULT_URI");

                return vn_err(err, -ECONNREFUSED, "cannot connect to libvirt (%s): %s",
                              uri           ? uri
                              : env && *env ? env
                                            : "libvirt's default URI",
                              lv_msg());
        }
        *out = c;
        return 0;
}

static void lv_close(virConnectPtr *c)
{
        if (*c)
                virConnectClose(*c);
}
#define _cleanup_conn_ _cleanup_(lv_close)

static void lv_dom_free(virDomainPtr *d)
{
        if (*d)
                virDomainFree(*d);
}
#define _cleanup_dom_ _cleanup_(lv_dom_free)

/* ---- import --------------------------------------------------------------------------- */

static int item_cmp(const void *a, const void *b)
{
        return strcmp(((const struct vn_import_item *)a)->name,
                      ((const struct vn_import_item *)b)->name);
}

static int refuse(struct vn_import_item *it, const char *why)
{
        it->refused = strdup(why && *why ? why : "refused");
        return it->refused ? 0 : -ENOMEM;
}

/* One network: parse libvirt's inactive XML, check it, plan it as start would, define it. */
static int import_one(struct vn_ctx *ctx, virNetworkPtr lnet, struct vn_import_item *it)
{
        _cleanup_net_ struct vn_net *net = NULL;
        _cleanup_plan_ struct vn_plan *plan = NULL;
        _cleanup_free_ char *xml = NULL, *source = NULL;
        struct vn_error e = {0};
        int autostart = 0, r;

        if (!(it->name = strdup(virNetworkGetName(lnet))))
                return -ENOMEM;
        it->libvirt_active = virNetworkIsActive(lnet) == 1;
        if (virNetworkGetAutostart(lnet, &autostart) == 0)
                it->autostart = autostart;
        if (virNetworkIsPersistent(lnet) != 1)
                return refuse(it, "transient in libvirt: there is no persistent definition to "
                                  "import");
        xml = virNetworkGetXMLDesc(lnet, VIR_NETWORK_XML_INACTIVE);
        if (!xml)
                return refuse(it, lv_msg());
        source = vn_asprintf("libvirt network '%s'", it->name);
        if (!source)
                return -ENOMEM;
        r = vn_net_parse_buffer(xml, strlen(xml), source, &net, &e);
        if (r == 0)
                r = vn_net_check(net, &e);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return refuse(it, e.msg);
        vn_uuid_format(net->uuid, it->uuid);
        copy_str(it->bridge, sizeof(it->bridge), net->bridge.name);
        copy_str(it->mode, sizeof(it->mode),
                 vn_fwd_mode_name(net->forward.present ? net->forward.mode : VN_FWD_NONE));
        r = vn_plan_for(ctx, net, &plan, &e);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return refuse(it, e.msg);
        r = vn_import_notes(net, plan, &it->notes, &it->n_notes);
        if (r < 0)
                return r;
        r = vn_define_net(ctx, net, &it->updated, &e);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return refuse(it, e.msg);
        it->imported = true;
        r = vn_autostart_set(ctx, it->name, it->autostart, &e);
        if (r < 0) {
                /* defined, but the flag did not follow: say so rather than hide it */
                _cleanup_free_ char *m = vn_asprintf("autostart flag not copied: %s", e.msg);
                char **nv;

                if (!m)
                        return -ENOMEM;
                nv = realloc(it->notes, (it->n_notes + 1) * sizeof(*nv));
                if (!nv)
                        return -ENOMEM;
                it->notes = nv;
                it->notes[it->n_notes++] = VN_TAKE(m);
        }
        return 0;
}

int vn_libvirt_import(struct vn_ctx *ctx, const char *uri, char *const *names, size_t n_names,
                      struct vn_import_item **out, size_t *n, struct vn_error *err)
{
        _cleanup_conn_ virConnectPtr conn = NULL;
        virNetworkPtr *nets = NULL;
        struct vn_import_item *items = NULL;
        size_t k = 0;
        int r, count;

        r = lv_open(uri, &conn, err);
        if (r < 0)
                return r;
        if (n_names == 0) {
                count =
                    virConnectListAllNetworks(conn, &nets, VIR_CONNECT_LIST_NETWORKS_PERSISTENT);
                if (count < 0)
                        return vn_err(err, -EIO, "cannot list libvirt's networks: %s", lv_msg());
        } else {
                /* every name first: a wrong one imports nothing */
                nets = calloc(n_names, sizeof(*nets));
                if (!nets)
                        return vn_err(err, -ENOMEM, "out of memory");
                for (count = 0; (size_t)count < n_names; count++) {
                        nets[count] = virNetworkLookupByName(conn, names[count]);
                        if (!nets[count]) {
                                r = vn_err(err, -ENOENT, "libvirt has no network '%s': %s",
                                           names[count], lv_msg());
                                goto out;
                        }
                }
        }
        items = calloc(count ? (size_t)count : 1, sizeof(*items));
        if (!items) {
                r = vn_err(err, -ENOMEM, "out of memory");
                goto out;
        }
        for (k = 0; k < (size_t)count; k++) {
                r = import_one(ctx, nets[k], &items[k]);
                if (r < 0) {
                        vn_err(err, r, "import of '%s': %s", virNetworkGetName(nets[k]),
                               strerror(-r));
                        k++;
                        goto out;
                }
        }
        qsort(items, k, sizeof(*items), item_cmp);
        *out = VN_TAKE(items);
        *n = k;
        r = 0;
out:
        for (int i = 0; i < count; i++)
                if (nets[i])
                        virNetworkFree(nets[i]);
        free(nets);
        vn_import_free(items, k);
        return r;
}

/* ---- attach / detach ----------------------------------------------------------------------- */

static int dom_lookup(virConnectPtr conn, const char *domain, virDomainPtr *out,
                      struct vn_error *err)
{
        uint8_t u[16];
        virDomainPtr d;

        if (vn_uuid_parse(domain, u) == 0)
                d = virDomainLookupByUUIDString(conn, domain);
        else
                d = virDomainLookupByName(conn, domain);
        if (!d)
                return vn_err(err, -ENOENT, "libvirt has no domain '%s': %s", domain, lv_msg());
        *out = d;
        return 0;
}

static bool iface_matches(xmlNodePtr i, const char *mac, const char *ifname)
{
        bool mac_ok = false, dev_ok = !ifname || !*ifname;

        for (xmlNodePtr c = i->children; c; c = c->next) {
                const char *attr;
                const char *want;
                xmlChar *a;

                if (c->type != XML_ELEMENT_NODE)
                        continue;
                if (xmlStrEqual(c->name, BAD_CAST "mac"))
                        attr = "address", want = mac;
                else if (xmlStrEqual(c->name, BAD_CAST "target"))
                        attr = "dev", want = ifname;
                else
                        continue;
                a = xmlGetProp(c, BAD_CAST attr);
                if (a && want && strcasecmp((const char *)a, want) == 0) {
                        if (want == mac)
                                mac_ok = true;
                        else
                                dev_ok = true;
                }
                xmlFree(a);
        }
        return mac_ok && dev_ok;
}

/* Does the domain's XML (live or persistent) hold an interface with this MAC (and, when
 * ifname is given, this target dev: the interface vnet attached, not another NIC that has
 * the same MAC)? libxml2, not string matching. 1 yes, 0 no, negative on error. */
static int dom_has_iface(virDomainPtr d, bool inactive, const char *mac, const char *ifname)
{
        _cleanup_free_ char *xml = virDomainGetXMLDesc(d, inactive ? VIR_DOMAIN_XML_INACTIVE : 0);
        xmlNodePtr devs = NULL, root;
        xmlDocPtr doc;
        int found = 0;

        if (!xml)
                return -EIO;
        doc = xmlReadMemory(xml, (int)strlen(xml), "domain.xml", NULL,
                            XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
        if (!doc)
                return -EIO;
        root = xmlDocGetRootElement(doc);
        for (xmlNodePtr c = root ? root->children : NULL; c; c = c->next)
                if (c->type == XML_ELEMENT_NODE && xmlStrEqual(c->name, BAD_CAST "devices"))
                        devs = c;
        for (xmlNodePtr i = devs ? devs->children : NULL; i && !found; i = i->next)
                if (i->type == XML_ELEMENT_NODE && xmlStrEqual(i->name, BAD_CAST "interface") &&
                    iface_matches(i, mac, ifname))
                        found = 1;
        xmlFreeDoc(doc);
        return found;
}

static bool model_valid(const char *m)
{
        size_t n = strlen(m);

        if (n == 0 || n >= 32)
                return false;
        for (; *m; m++)
                if (!isalnum((unsigned char)*m) && *m != '-' && *m != '_')
                        return false;
        return true;
}

static bool bw_present(const struct vn_bandwidth *b)
{
        return b->present && (b->inbound.present || b->outbound.present);
}

static const struct vn_portgroup *find_pg(const struct vn_net *net, const char *name)
{
        for (size_t i = 0; i < net->n_portgroups; i++)
                if (vn_streq(net->portgroups[i].name, name))
                        return &net->portgroups[i];
        return NULL;
}

static char *iface_xml(const struct vn_attachment *a, bool full)
{
        if (!full)
                return vn_asprintf("<interface type='ethernet'><mac address='%s'/></interface>",
                                   a->mac);
        return vn_asprintf("<interface type='ethernet'>\n  <mac address='%s'/>\n"
                           "  <target dev='%s' managed='no'/>\n  <model type='%s'/>\n"
                           "</interface>\n",
                           a->mac, a->ifname, a->model);
}

/* Remove the interface from the running domain and from its persistent definition, wherever
 * it is (the port is about to go: a domain must not keep a NIC without its tap); what is
 * already gone is fine. */
static int dom_detach(virDomainPtr d, const struct vn_attachment *a, struct vn_error *err)
{
        _cleanup_free_ char *xml = iface_xml(a, false);
        const struct {
                bool want;
                bool inactive;
                unsigned flag;
                const char *where;
        } sides[] = {
            {virDomainIsActive(d) == 1, false, VIR_DOMAIN_AFFECT_LIVE, "running"},
            {virDomainIsPersistent(d) == 1, true, VIR_DOMAIN_AFFECT_CONFIG, "persistent"},
        };

        if (!xml)
                return vn_err(err, -ENOMEM, "out of memory");
        for (size_t i = 0; i < VN_ARRAY_SIZE(sides); i++) {
                if (!sides[i].want || dom_has_iface(d, sides[i].inactive, a->mac, a->ifname) == 0)
                        continue;
                if (virDomainDetachDeviceFlags(d, xml, sides[i].flag) < 0)
                        return vn_err(err, -EIO,
                                      "domain '%s': cannot remove interface %s from its %s "
                                      "definition: %s",
                                      a->domain, a->mac, sides[i].where, lv_msg());
        }
        return 0;
}

static int random_mac(char out[18])
{
        uint8_t m[6] = {0x52, 0x54, 0x00};
        int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);

        if (fd < 0)
                return -errno;
        if (read(fd, m + 3, 3) != 3) {
                close(fd);
                return -EIO;
        }
        close(fd);
        vn_mac_format(m, out);
        return 0;
}

int vn_libvirt_attach(struct vn_ctx *ctx, const struct vn_attach_opts *o, struct vn_attachment *out,
                      struct vn_error *err)
{
        _cleanup_conn_ virConnectPtr conn = NULL;
        _cleanup_dom_ virDomainPtr dom = NULL;
        _cleanup_net_ struct vn_net *net = NULL;
        _cleanup_free_ char *xml = NULL;
        struct vn_attachment a = {0};
        struct vn_port_opts po = {0};
        struct vn_port port;
        char owner[128];
        unsigned flags = 0;
        uint8_t m[6];
        int active, persistent, r;

        if (!vn_net_name_valid(o->net))
                return vn_err(err, -EINVAL, "'%s' is not a valid network name", o->net);
        if (o->mac && vn_mac_parse(o->mac, m) < 0)
                return vn_err(err, -EINVAL, "--mac '%s': not a MAC address", o->mac);
        if (o->mac && (m[0] & 1))
                return vn_err(err, -EINVAL, "--mac '%s': a multicast MAC cannot be a guest's",
                              o->mac);
        if (o->model && !model_valid(o->model))
                return vn_err(err, -EINVAL,
                              "--model '%s': not a NIC model name (virtio, e1000, "
                              "rtl8139, ...)",
                              o->model);
        if ((r = uri_check(o->uri, err)) < 0)
                return r;
        if (vn_state_get(ctx, o->net) != VN_STATE_ACTIVE)
                return vn_err(err, -ENOENT, "network '%s' is not running (vnet start %s)", o->net,
                              o->net);
        if ((r = vn_get_net(ctx, o->net, false, &net, err)) < 0)
                return r;
        if (o->portgroup) {
                const struct vn_portgroup *g = find_pg(net, o->portgroup);

                if (!g)
                        return vn_err(err, -ENOENT, "network '%s' has no portgroup '%s'", o->net,
                                      o->portgroup);
                if (bw_present(&g->bandwidth) || g->vlan.present || g->virtualport.present)
                        return vn_err(err, -EOPNOTSUPP,
                                      "network '%s': portgroup '%s' carries <bandwidth>, <vlan> "
                                      "or <virtualport>, which vnet does not apply to its ports",
                                      o->net, o->portgroup);
        }
        if ((r = lv_open(o->uri, &conn, err)) < 0)
                return r;
        if ((r = dom_lookup(conn, o->domain, &dom, err)) < 0)
                return r;
        active = virDomainIsActive(dom);
        persistent = virDomainIsPersistent(dom);
        if (active < 0 || persistent < 0)
                return vn_err(err, -EIO, "domain '%s': %s", o->domain, lv_msg());
        a.live = o->live || (!o->live && !o->config && active);
        a.config = o->config || (!o->live && !o->config && !active);
        if (a.live && !active)
                return vn_err(err, -EINVAL,
                              "domain '%s' is not running (use --config to add "
                              "the interface to its definition)",
                              o->domain);
        if (a.config && !persistent)
                return vn_err(err, -EINVAL,
                              "domain '%s' is transient: it has no persistent "
                              "definition for --config",
                              o->domain);
        flags = (a.live ? VIR_DOMAIN_AFFECT_LIVE : 0) | (a.config ? VIR_DOMAIN_AFFECT_CONFIG : 0);
        copy_str(a.net, sizeof(a.net), o->net);
        copy_str(a.domain, sizeof(a.domain), virDomainGetName(dom));
        if (virDomainGetUUIDString(dom, a.domain_uuid) < 0)
                return vn_err(err, -EIO, "domain '%s': %s", o->domain, lv_msg());
        if (o->mac) {
                vn_mac_format(m, a.mac);
        } else if ((r = random_mac(a.mac)) < 0) {
                return vn_err(err, r, "cannot pick a MAC: %s", strerror(-r));
        }
        copy_str(a.model, sizeof(a.model), o->model ? o->model : "virtio");
        copy_str(a.portgroup, sizeof(a.portgroup), o->portgroup);
        copy_str(a.uri, sizeof(a.uri), o->uri);
        if (dom_has_iface(dom, !a.live, a.mac, NULL) == 1)
                return vn_err(err, -EEXIST, "domain '%s' already has an interface with MAC %s",
                              a.domain, a.mac);

        /* journal first: the record names what is about to exist */
        copy_str(a.state, sizeof(a.state), "pending");
        if ((r = vn_fault_point("libvirt-record")) < 0)
                return vn_err(err, r, "attach: step libvirt-record: %s", strerror(-r));
        if ((r = rec_write(ctx, &a, true, err)) < 0)
                return r;
        /* the port's owner text is short; a long domain name is cut (the record has it all) */
        snprintf(owner, sizeof(owner), VN_PORT_OWNER_LIBVIRT "%.100s", a.domain);
        po.mac = a.mac;
        po.persist = true; /* libvirt opens it by name, maybe long after vnet exits */
        po.vnet_hdr = true;
        po.owner = owner;
        r = vn_fault_point("libvirt-port");
        if (r < 0)
                vn_err(err, r, "attach: step libvirt-port: %s", strerror(-r));
        else
                r = vn_port_add(ctx, o->net, &po, &port, err);
        if (r < 0)
                goto undo_record;
        copy_str(a.ifname, sizeof(a.ifname), port.ifname);
        copy_str(a.state, sizeof(a.state), "attaching");
        if ((r = rec_write(ctx, &a, false, err)) < 0)
                goto undo_port;
        xml = iface_xml(&a, true);
        if (!xml) {
                r = vn_err(err, -ENOMEM, "out of memory");
                goto undo_port;
        }
        r = vn_fault_point("libvirt-attach");
        if (r < 0) {
                vn_err(err, r, "attach: step libvirt-attach: %s", strerror(-r));
                goto undo_port;
        }
        if (virDomainAttachDeviceFlags(dom, xml, flags) < 0) {
                r = vn_err(err, -EIO, "domain '%s': cannot attach %s (port %s of network '%s'): %s",
                           a.domain, a.mac, a.ifname, o->net, lv_msg());
                goto undo_port;
        }
        copy_str(a.state, sizeof(a.state), "attached");
        r = vn_fault_point("libvirt-attached");
        if (r < 0)
                vn_err(err, r, "attach: step libvirt-attached: %s", strerror(-r));
        else
                r = rec_write(ctx, &a, false, err);
        if (r < 0) {
                struct vn_error ignore = {0};

                dom_detach(dom, &a, &ignore);
                goto undo_port;
        }
        vn_ctx_log(ctx, "port %s (%s) attached to domain '%s'%s%s", a.ifname, a.mac, a.domain,
                   a.live ? " live" : "", a.config ? " persistent" : "");
        if (out)
                *out = a;
        return 0;

undo_port : {
        struct vn_error ignore = {0};

        vn_port_del(ctx, o->net, a.ifname, &ignore);
}
undo_record:
        rec_remove(ctx, o->net, a.mac);
        return r;
}

/* Undo one attachment: the domain's side (through `uri`, else the one it was attached with),
 * then the port, then the record. */
static int detach_rec(struct vn_ctx *ctx, const char *uri, const struct vn_attachment *a,
                      struct vn_error *err)
{
        _cleanup_conn_ virConnectPtr conn = NULL;
        _cleanup_dom_ virDomainPtr dom = NULL;
        int r;

        if (strcmp(a->state, "pending") != 0) {
                /* the domain may have been told: ask libvirt */
                r = lv_open(uri ? uri : a->uri[0] ? a->uri : NULL, &conn, err);
                if (r < 0)
                        return r;
                dom = virDomainLookupByUUIDString(conn, a->domain_uuid);
                if (dom) {
                        r = dom_detach(dom, a, err);
                        if (r < 0)
                                return r;
                } else if (virGetLastErrorCode() != VIR_ERR_NO_DOMAIN) {
                        return vn_err(err, -EIO, "domain '%s': %s", a->domain, lv_msg());
                }
        }
        if (a->ifname[0]) {
                struct vn_error e = {0};

                r = vn_port_del(ctx, a->net, a->ifname, &e);
                if (r < 0 && r != -ENOENT)
                        return vn_err(err, r, "%s", e.msg);
        }
        rec_remove(ctx, a->net, a->mac);
        vn_ctx_log(ctx, "port %s (%s) detached from domain '%s'", a->ifname, a->mac, a->domain);
        return 0;
}

int vn_libvirt_detach(struct vn_ctx *ctx, const char *uri, const char *domain, const char *mac,
                      struct vn_attachment *out, struct vn_error *err)
{
        char **names = NULL;
        size_t n = 0;
        uint8_t m[6];
        char macs[18];
        int r = -ENOENT;

        if (vn_mac_parse(mac, m) < 0)
                return vn_err(err, -EINVAL, "'%s' is not a MAC address", mac);
        vn_mac_format(m, macs);
        if ((r = uri_check(uri, err)) < 0)
                return r;
        if (vn_running_names(ctx, &names, &n) < 0)
                return vn_err(err, -ENOMEM, "out of memory");
        r = -ENOENT;
        for (size_t i = 0; i < n && r == -ENOENT; i++) {
                struct vn_attachment a;

                if (!vn_net_name_valid(names[i]) || rec_read(ctx, names[i], macs, &a) < 0)
                        continue;
                if (!vn_streq(a.domain, domain) && strcasecmp(a.domain_uuid, domain) != 0)
                        continue;
                r = detach_rec(ctx, uri, &a, err);
                if (r == 0 && out)
                        *out = a;
        }
        vn_strv_free(names, n);
        if (r == -ENOENT)
                return vn_err(err, -ENOENT, "vnet attached no interface %s to domain '%s'", macs,
                              domain);
        return r;
}

int vn_libvirt_detach_net(struct vn_ctx *ctx, const char *net, size_t *n_done, struct vn_error *err)
{
        struct vn_attachment *v = NULL;
        size_t n = 0, done = 0;
        int r = vn_libvirt_attachments(ctx, net, &v, &n, err);

        for (size_t i = 0; r == 0 && i < n; i++) {
                r = detach_rec(ctx, NULL, &v[i], err);
                if (r == 0)
                        done++;
        }
        free(v);
        *n_done = done;
        return r;
}

/* ---- adopt ----------------------------------------------------------------------------------- */

struct adopt_j {
        char dir[4096];
        char uri[512];
        char bridge[16];
        bool autostart;
        bool had_def;   /* vnet had this definition before: --undo keeps it */
        char *original; /* libvirt's inactive XML */
        char **taps;
        size_t n_taps;
};

static void adopt_j_free(struct adopt_j *j)
{
        free(j->original);
        vn_strv_free(j->taps, j->n_taps);
        memset(j, 0, sizeof(*j));
}

static int adopt_dir(struct vn_ctx *ctx, const char *name, struct adopt_j *j)
{
        int n = snprintf(j->dir, sizeof(j->dir), "%s/run/vnet-adopt/%s", ctx->root, name);

        return n > 0 && (size_t)n < sizeof(j->dir) ? 0 : -ENAMETOOLONG;
}

static int adopt_write(struct adopt_j *j, const char *file, const char *text, struct vn_error *err)
{
        _cleanup_free_ char *path = vn_asprintf("%s/%s", j->dir, file);
        int r;

        if (!path)
                return vn_err(err, -ENOMEM, "out of memory");
        r = vn_write_file_atomic(path, text, strlen(text), 0600);
        if (r < 0)
                return vn_err(err, r, "cannot write '%s': %s", path, strerror(-r));
        return 0;
}

static int adopt_write_meta(struct adopt_j *j, const char *step, struct vn_error *err)
{
        _cleanup_free_ char *t = NULL;
        struct vn_buf b = {0};

        vn_buf_addf(&b, "step=%s\nuri=%s\nbridge=%s\nautostart=%d\nhad_def=%d\n", step, j->uri,
                    j->bridge, j->autostart, j->had_def);
        for (size_t i = 0; i < j->n_taps; i++)
                vn_buf_addf(&b, "tap=%s\n", j->taps[i]);
        t = vn_buf_steal(&b);
        if (!t)
                return vn_err(err, -ENOMEM, "out of memory");
        return adopt_write(j, "meta", t, err);
}

static int strv_add(char ***v, size_t *n, const char *s)
{
        char **nv;

        for (size_t i = 0; i < *n; i++)
                if (strcmp((*v)[i], s) == 0)
                        return 0;
        nv = realloc(*v, (*n + 1) * sizeof(*nv));
        if (!nv)
                return -ENOMEM;
        *v = nv;
        if (!(nv[*n] = strdup(s)))
                return -ENOMEM;
        (*n)++;
        return 0;
}

static int adopt_read(struct vn_ctx *ctx, const char *name, struct adopt_j *j, struct vn_error *err)
{
        _cleanup_free_ char *meta = NULL, *mpath = NULL, *opath = NULL;
        char *save = NULL;
        size_t len;
        int r;

        if (adopt_dir(ctx, name, j) < 0)
                return vn_err(err, -ENAMETOOLONG, "--root is too long");
        mpath = vn_asprintf("%s/meta", j->dir);
        opath = vn_asprintf("%s/original.xml", j->dir);
        if (!mpath || !opath)
                return vn_err(err, -ENOMEM, "out of memory");
        r = vn_read_file(mpath, 1 << 20, &meta, &len);
        if (r == -ENOENT)
                return vn_err(err, -ENOENT, "network '%s' was not adopted from libvirt", name);
        if (r < 0)
                return vn_err(err, r, "cannot read '%s': %s", mpath, strerror(-r));
        r = vn_read_file(opath, 1 << 20, &j->original, &len);
        if (r < 0)
                return vn_err(err, r, "cannot read '%s': %s", opath, strerror(-r));
        for (char *l = strtok_r(meta, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
                char *v = strchr(l, '=');

                if (!v)
                        continue;
                *v++ = '\0';
                if (strcmp(l, "uri") == 0)
                        copy_str(j->uri, sizeof(j->uri), v);
                else if (strcmp(l, "bridge") == 0)
                        copy_str(j->bridge, sizeof(j->bridge), v);
                else if (strcmp(l, "autostart") == 0)
                        j->autostart = strcmp(v, "1") == 0;
                else if (strcmp(l, "had_def") == 0)
                        j->had_def = strcmp(v, "1") == 0;
                else if (strcmp(l, "tap") == 0 && vn_ifname_valid(v) &&
                         strv_add(&j->taps, &j->n_taps, v) < 0)
                        return vn_err(err, -ENOMEM, "out of memory");
        }
        if (!vn_ifname_valid(j->bridge))
                return vn_err(err, -EINVAL, "'%s/meta': no valid bridge", j->dir);
        return 0;
}

/* The links enslaved to `bridge` now (the guests' taps), added to *v. */
static int bridge_ports(struct vn_nl *nl, const char *bridge, char ***v, size_t *n,
                        struct vn_error *err)
{
        char **names = NULL;
        size_t k = 0;
        int br = vn_link_index(nl, bridge), r;

        if (br < 0)
                return 0;
        r = vn_link_list_names(nl, &names, &k, err);
        if (r < 0)
                return r;
        for (size_t i = 0; i < k && r == 0; i++) {
                struct vn_link_info li;
                struct vn_error ignore = {0};

                if (vn_link_get(nl, names[i], &li, &ignore) == 0 && li.master == br)
                        r = strv_add(v, n, names[i]);
        }
        vn_strv_free(names, k);
        return r < 0 ? vn_err(err, r, "out of memory") : 0;
}

/* Put the taps back on the bridge (those still there; a guest may have gone meanwhile). */
static unsigned reattach(struct vn_nl *nl, const char *bridge, char **taps, size_t n)
{
        unsigned done = 0;

        for (size_t i = 0; i < n; i++) {
                struct vn_error ignore = {0};

                if (vn_link_set_master(nl, taps[i], bridge, &ignore) == 0) {
                        vn_link_set_up(nl, taps[i], true, &ignore);
                        done++;
                }
        }
        return done;
}

static double ms_since(uint64_t t0)
{
        return (double)(vn_now_ns() - t0) / 1e6;
}

/* libvirt's stand-in while vnet runs the network: same name and UUID, the same bridge. */
static char *standin_xml(const char *name, const char *uuid, const char *bridge)
{
        return vn_asprintf("<network>\n  <name>%s</name>\n  <uuid>%s</uuid>\n"
                           "  <forward mode='bridge'/>\n  <bridge name='%s'/>\n</network>\n",
                           name, uuid, bridge);
}

/* Give the network back to libvirt from whatever state the journal says. */
static int adopt_giveback(struct vn_ctx *ctx, virConnectPtr conn, const char *name,
                          struct adopt_j *j, struct vn_adopt_result *res, struct vn_error *err)
{
        _cleanup_nl_ struct vn_nl *nl = NULL;
        virNetworkPtr lnet;
        struct vn_error e = {0};
        uint64_t t0;
        int r;

        if ((r = vn_nl_open(&nl, err)) < 0)
                return r;
        /* guests that started on the stand-in meanwhile are on vnet's bridge too */
        if ((r = bridge_ports(nl, j->bridge, &j->taps, &j->n_taps, err)) < 0)
                return r;
        adopt_write_meta(j, "undoing", &e);
        t0 = vn_now_ns();
        lnet = virNetworkLookupByName(conn, name);
        if (lnet && virNetworkIsActive(lnet) == 1 && virNetworkDestroy(lnet) < 0) {
                r = vn_err(err, -EIO, "libvirt network '%s': cannot stop it: %s", name, lv_msg());
                virNetworkFree(lnet);
                return r;
        }
        if (lnet)
                virNetworkFree(lnet);
        if (vn_state_get(ctx, name) != VN_STATE_INACTIVE) {
                r = vn_destroy(ctx, name, &e);
                if (r < 0 && r != -ENOENT)
                        return vn_err(err, r, "%s", e.msg);
        }
        if (vn_state_get(ctx, name) == VN_STATE_INACTIVE) {
                /* the lease file carried over for a start that did not happen */
                _cleanup_free_ char *run = vn_path_run(ctx, name);
                _cleanup_free_ char *lf = vn_path_run_file(ctx, name, "dnsmasq.leases");

                if (lf)
                        unlink(lf);
                if (run)
                        rmdir(run);
        }
        lnet = virNetworkDefineXML(conn, j->original);
        if (!lnet)
                return vn_err(err, -EIO, "libvirt network '%s': cannot restore its definition: %s",
                              name, lv_msg());
        if (virNetworkIsActive(lnet) != 1 && virNetworkCreate(lnet) < 0) {
                r = vn_err(err, -EIO, "libvirt network '%s': cannot start it: %s", name, lv_msg());
                virNetworkFree(lnet);
                return r;
        }
        virNetworkSetAutostart(lnet, j->autostart);
        virNetworkFree(lnet);
        if (res) {
                res->n_ports = reattach(nl, j->bridge, j->taps, j->n_taps);
                res->switch_ms = ms_since(t0);
                copy_str(res->name, sizeof(res->name), name);
                copy_str(res->bridge, sizeof(res->bridge), j->bridge);
        } else {
                reattach(nl, j->bridge, j->taps, j->n_taps);
        }
        if (!j->had_def) {
                struct vn_error ignore = {0};

                vn_undefine(ctx, name, &ignore);
        }
        {
                _cleanup_free_ char *m = vn_asprintf("%s/meta", j->dir);
                _cleanup_free_ char *o = vn_asprintf("%s/original.xml", j->dir);

                if (m)
                        unlink(m);
                if (o)
                        unlink(o);
                rmdir(j->dir);
        }
        vn_ctx_log(ctx, "network '%s' given back to libvirt", name);
        return 0;
}

int vn_libvirt_adopt_undo(struct vn_ctx *ctx, const char *uri, const char *name,
                          struct vn_adopt_result *out, struct vn_error *err)
{
        _cleanup_conn_ virConnectPtr conn = NULL;
        struct adopt_j j = {0};
        struct vn_adopt_result res = {0};
        uint64_t t0 = vn_now_ns();
        int r;

        if (!vn_net_name_valid(name))
                return vn_err(err, -EINVAL, "'%s' is not a valid network name", name);
        r = adopt_read(ctx, name, &j, err);
        if (r == 0)
                r = lv_open(uri ? uri : j.uri[0] ? j.uri : NULL, &conn, err);
        if (r == 0)
                r = adopt_giveback(ctx, conn, name, &j, &res, err);
        adopt_j_free(&j);
        if (r == 0 && out) {
                res.total_ms = ms_since(t0);
                *out = res;
        }
        return r;
}

/* libvirt's leases into vnet's lease file (dnsmasq's format), so dnsmasq knows them. */
static int carry_leases(struct vn_ctx *ctx, virNetworkPtr lnet, const char *name, unsigned *n_out,
                        struct vn_error *err)
{
        _cleanup_free_ char *dir = vn_path_run(ctx, name);
        _cleanup_free_ char *path = vn_path_run_file(ctx, name, "dnsmasq.leases");
        _cleanup_free_ char *text = NULL;
        virNetworkDHCPLeasePtr *leases = NULL;
        struct vn_buf b = {0};
        int n, r;

        if (!dir || !path)
                return vn_err(err, -ENOMEM, "out of memory");
        n = virNetworkGetDHCPLeases(lnet, NULL, &leases, 0);
        if (n < 0)
                return vn_err(err, -EIO, "libvirt network '%s': cannot read its leases: %s", name,
                              lv_msg());
        for (int i = 0; i < n; i++) {
                virNetworkDHCPLeasePtr l = leases[i];
                uint8_t m[6];
                struct vn_addr a;

                /* whitelist what goes into dnsmasq's file */
                if (l->type == VIR_IP_ADDR_TYPE_IPV4 && l->mac && vn_mac_parse(l->mac, m) == 0 &&
                    l->ipaddr && vn_addr_parse(l->ipaddr, &a) == 0 &&
                    (!l->hostname || vn_net_name_valid(l->hostname)))
                        vn_buf_addf(&b, "%lld %s %s %s *\n", (long long)l->expirytime, l->mac,
                                    l->ipaddr, l->hostname ? l->hostname : "*");
                virNetworkDHCPLeaseFree(l);
        }
        free(leases);
        text = vn_buf_steal(&b);
        if ((r = vn_mkdir_p(dir, 0755)) < 0)
                return vn_err(err, r, "cannot create '%s': %s", dir, strerror(-r));
        r = vn_write_file_atomic(path, text ? text : "", text ? strlen(text) : 0, 0644);
        if (r < 0)
                return vn_err(err, r, "cannot write '%s': %s", path, strerror(-r));
        *n_out = n > 0 ? (unsigned)n : 0;
        return 0;
}

int vn_libvirt_adopt(struct vn_ctx *ctx, const char *uri, const char *name,
                     struct vn_adopt_result *out, struct vn_error *err)
{
        _cleanup_conn_ virConnectPtr conn = NULL;
        _cleanup_nl_ struct vn_nl *nl = NULL;
        _cleanup_net_ struct vn_net *net = NULL;
        _cleanup_plan_ struct vn_plan *plan = NULL;
        _cleanup_free_ char *standin = NULL, *defpath = NULL;
        struct vn_adopt_result res = {0};
        struct adopt_j j = {0};
        virNetworkPtr lnet = NULL, l2 = NULL;
        struct vn_error e = {0};
        uint64_t t0 = vn_now_ns(), ts;
        char uuid[37];
        int autostart = 0, r;
        struct stat st;

        if (!vn_net_name_valid(name))
                return vn_err(err, -EINVAL, "'%s' is not a valid network name", name);
        if ((r = adopt_dir(ctx, name, &j)) < 0)
                return vn_err(err, r, "--root is too long");
        if (stat(j.dir, &st) == 0)
                return vn_err(err, -EEXIST,
                              "network '%s' is already adopted (or an adopt was interrupted): "
                              "vnet adopt --undo %s gives it back to libvirt",
                              name, name);
        if (vn_state_get(ctx, name) != VN_STATE_INACTIVE)
                return vn_err(err, -EBUSY, "vnet already runs a network '%s'", name);
        if ((r = lv_open(uri, &conn, err)) < 0)
                return r;
        copy_str(j.uri, sizeof(j.uri), uri);
        lnet = virNetworkLookupByName(conn, name);
        if (!lnet)
                return vn_err(err, -ENOENT, "libvirt has no network '%s': %s", name, lv_msg());
        if (virNetworkIsActive(lnet) != 1 || virNetworkIsPersistent(lnet) != 1) {
                virNetworkFree(lnet);
                return vn_err(err, -EINVAL,
                              "libvirt network '%s' is not running or not persistent (an inactive "
                              "one is taken over with vnet import)",
                              name);
        }
        j.original = virNetworkGetXMLDesc(lnet, VIR_NETWORK_XML_INACTIVE);
        if (!j.original) {
                r = vn_err(err, -EIO, "libvirt network '%s': %s", name, lv_msg());
                goto fail_early;
        }
        r = vn_net_parse_buffer(j.original, strlen(j.original), name, &net, err);
        if (r == 0)
                r = vn_net_check(net, err);
        if (r == 0)
                r = vn_plan_for(ctx, net, &plan, err);
        if (r < 0)
                goto fail_early;
        if (!plan->create_bridge || !net->bridge.name) {
                r = vn_err(err, -EOPNOTSUPP,
                           "libvirt network '%s' (%s) has no bridge of its own to take over: "
                           "vnet adopts nat, route, open and isolated networks",
                           name, vn_fwd_mode_name(plan->mode));
                goto fail_early;
        }
        copy_str(j.bridge, sizeof(j.bridge), net->bridge.name);
        vn_uuid_format(net->uuid, uuid);
        virNetworkGetAutostart(lnet, &autostart);
        j.autostart = autostart;
        defpath = vn_path_def(ctx, name);
        j.had_def = defpath && access(defpath, F_OK) == 0;
        standin = standin_xml(name, uuid, j.bridge);
        if (!standin || (r = vn_nl_open(&nl, err)) < 0) {
                r = standin ? r : vn_err(err, -ENOMEM, "out of memory");
                goto fail_early;
        }

        /* journal: libvirt's definition before anything changes */
        if ((r = vn_mkdir_p(j.dir, 0700)) < 0) {
                r = vn_err(err, r, "cannot create '%s': %s", j.dir, strerror(-r));
                goto fail_early;
        }
        if ((r = adopt_write(&j, "original.xml", j.original, err)) < 0 ||
            (r = bridge_ports(nl, j.bridge, &j.taps, &j.n_taps, err)) < 0 ||
            (r = adopt_write_meta(&j, "prepared", err)) < 0)
                goto fail_journal;
        if ((r = vn_fault_point("adopt-define")) < 0 ||
            (r = vn_define_net(ctx, net, NULL, err)) < 0) {
                vn_err(err, r, "adopt: step adopt-define: %s", strerror(-r));
                goto fail_journal;
        }
        if ((r = carry_leases(ctx, lnet, name, &res.n_leases, err)) < 0)
                goto fail_def;

        /* the switch-over: from here a failure gives the network back to libvirt */
        adopt_write_meta(&j, "switching", &e);
        ts = vn_now_ns();
        if ((r = vn_fault_point("adopt-stop-libvirt")) < 0) {
                vn_err(err, r, "adopt: step adopt-stop-libvirt: %s", strerror(-r));
                goto fail_def;
        }
        if (virNetworkDestroy(lnet) < 0) {
                r = vn_err(err, -EIO, "libvirt network '%s': cannot stop it: %s", name, lv_msg());
                goto fail_def;
        }
        vn_ctx_log(ctx, "libvirt's network '%s' stopped (%.1f ms)", name, ms_since(ts));
        r = vn_fault_point("adopt-start");
        if (r < 0)
                vn_err(err, r, "adopt: step adopt-start: %s", strerror(-r));
        else
                r = vn_start(ctx, name, 0, NULL, err);
        if (r < 0)
                goto fail_switch;
        vn_ctx_log(ctx, "vnet's network '%s' started (%.1f ms)", name, ms_since(ts));
        res.n_ports = reattach(nl, j.bridge, j.taps, j.n_taps);
        res.switch_ms = ms_since(ts);
        /* libvirt's stand-in, so that <source network='NAME'/> keeps resolving */
        r = vn_fault_point("adopt-standin");
        if (r < 0) {
                vn_err(err, r, "adopt: step adopt-standin: %s", strerror(-r));
                goto fail_switch;
        }
        l2 = virNetworkDefineXML(conn, standin);
        if (!l2 || virNetworkCreate(l2) < 0) {
                r = vn_err(err, -EIO,
                           "libvirt network '%s': cannot define its bridge-mode "
                           "stand-in: %s",
                           name, lv_msg());
                if (l2)
                        virNetworkFree(l2);
                goto fail_switch;
        }
        virNetworkSetAutostart(l2, autostart);
        virNetworkFree(l2);
        if (vn_autostart_set(ctx, name, false, &e) < 0)
                vn_ctx_log(ctx, "autostart: %s", e.msg);
        adopt_write_meta(&j, "adopted", &e);
        virNetworkFree(lnet);
        copy_str(res.name, sizeof(res.name), name);
        copy_str(res.bridge, sizeof(res.bridge), j.bridge);
        res.total_ms = ms_since(t0);
        vn_ctx_log(ctx, "network '%s' adopted: switch-over %.1f ms", name, res.switch_ms);
        adopt_j_free(&j);
        if (out)
                *out = res;
        return 0;

fail_switch : {
        struct vn_error ignore = {0};

        adopt_giveback(ctx, conn, name, &j, NULL, &ignore);
        virNetworkFree(lnet);
        adopt_j_free(&j);
        return r;
}
fail_def:
        if (!j.had_def) {
                struct vn_error ignore = {0};

                vn_undefine(ctx, name, &ignore);
        }
        {
                _cleanup_free_ char *run = vn_path_run(ctx, name);
                _cleanup_free_ char *lf = vn_path_run_file(ctx, name, "dnsmasq.leases");

                if (lf)
                        unlink(lf);
                if (run)
                        rmdir(run);
        }
fail_journal : {
        _cleanup_free_ char *m = vn_asprintf("%s/meta", j.dir);
        _cleanup_free_ char *o = vn_asprintf("%s/original.xml", j.dir);

        if (m)
                unlink(m);
        if (o)
                unlink(o);
        rmdir(j.dir);
}
fail_early:
        virNetworkFree(lnet);
        adopt_j_free(&j);
        return r;
}

#endif /* WITH_LIBVIRT */
