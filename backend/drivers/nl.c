/*
 * nl.c: the rtnetlink socket and the link operations every kind shares
 * (lookup, delete, up/down, MTU, MAC, master, namespace, names).
 *
 * Requests are built with libnl-route-3 but acknowledged here (vn_nl_talk)
 * rather than through libnl's callbacks, so that callers get the kernel's
 * exact errno and its extended-ACK message instead of a lossy NLE_* code.
 */
#include "config.h"

#include "link.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#include <net/if.h>

#include <linux/netlink.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>
#include <netlink/socket.h>

#include "nl-auto.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

struct vn_nl {
        struct nl_sock *sk;
};


int vn_nl_errno(int nle)
{
        static const struct {
                int nle;
                int err;
        } map[] = {
            {NLE_INTR, EINTR},
            {NLE_BAD_SOCK, EBADF},
            {NLE_AGAIN, EAGAIN},
            {NLE_NOMEM, ENOMEM},
            {NLE_EXIST, EEXIST},
            {NLE_INVAL, EINVAL},
            {NLE_RANGE, ERANGE},
            {NLE_MSGSIZE, EMSGSIZE},
            {NLE_OPNOTSUPP, EOPNOTSUPP},
            {NLE_AF_NOSUPPORT, EAFNOSUPPORT},
            {NLE_OBJ_NOTFOUND, ENOENT},
            {NLE_NOATTR, ENOENT},
            {NLE_MISSING_ATTR, EINVAL},
            {NLE_AF_MISMATCH, EINVAL},
            {NLE_SEQ_MISMATCH, EPROTO},
            {NLE_MSG_OVERFLOW, EOVERFLOW},
            {NLE_MSG_TRUNC, EMSGSIZE},
            {NLE_NOADDR, EADDRNOTAVAIL},
            {NLE_MSGTYPE_NOSUPPORT, EOPNOTSUPP},
            {NLE_BUSY, EBUSY},
            {NLE_NOACCESS, EACCES},
            {NLE_PERM, EPERM},
            {NLE_NODEV, ENODEV},
            {NLE_IMMUTABLE, EPERM},
            {NLE_DUMP_INTR, EINTR},
        };

        if (nle < 0)
                nle = -nle;
        for (size_t i = 0; i < VN_ARRAY_SIZE(map); i++)
                if (map[i].nle == nle)
                        return -map[i].err;
        return nle == 0 ? 0 : -EIO;
}

/**
 * vn_nl_open: connect a NETLINK_ROUTE socket (close-on-exec, extended ACKs on).
 */
int vn_nl_open(struct vn_nl **out, struct vn_error *err)
{
        struct vn_nl *nl;
        int fd, flags, one = 1, r;

        nl = calloc(1, sizeof(*nl));
        if (!nl)
                return vn_err(err, -ENOMEM, "netlink: %s", strerror(ENOMEM));
        nl->sk = nl_socket_alloc();
        if (!nl->sk) {
                free(nl);
                return vn_err(err, -ENOMEM, "netlink: %s", strerror(ENOMEM));
        }
        r = nl_connect(nl->sk, NETLINK_ROUTE);
        if (r < 0) {
                r = vn_nl_errno(r);
                vn_nl_close(nl);
                return vn_err(err, r, "netlink: cannot connect: %s", strerror(-r));
        }
        /* libnl opens with SOCK_CLOEXEC since 3.2.x; make sure of it anyway. */
        fd = nl_socket_get_fd(nl->sk);
        flags = fcntl(fd, F_GETFD);
        if (flags < 0 || (!(flags & FD_CLOEXEC) && fcntl(fd, F_SETFD, flags | FD_CLOEXEC) < 0)) {
                r = -errno;
                vn_nl_close(nl);
                return vn_err(err, r, "netlink: FD_CLOEXEC: %s", strerror(-r));
        }
        /* vn_nl_talk() consumes ACKs itself, which libnl's own sequence bookkeeping would
         * then count as missing: replies are matched by sequence number there instead. */
        nl_socket_disable_seq_check(nl->sk);
        /* Best effort: older kernels lack these. */
        (void)setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
        (void)setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
        *out = nl;
        return 0;
}

void vn_nl_close(struct vn_nl *nl)
{
        if (!nl)
                return;
        nl_socket_free(nl->sk);
        free(nl);
}

struct nl_sock *vn_nl_sock(struct vn_nl *nl)
{
        return nl->sk;
}

/* Extract NLMSGERR_ATTR_MSG from an error message carrying ACK TLVs. */
static void nl_extack_msg(const struct nlmsghdr *h, char *buf, size_t len)
{
        const struct nlmsgerr *e = NLMSG_DATA(h);
        size_t off = sizeof(*e);
        struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];

        buf[0] = '\0';
        if (!(h->nlmsg_flags & NLM_F_ACK_TLVS))
                return;
        if (!(h->nlmsg_flags & NLM_F_CAPPED))
                off += e->msg.nlmsg_len - NLMSG_HDRLEN;
        if (NLMSG_HDRLEN + off >= h->nlmsg_len)
                return;
        if (nla_parse(tb, NLMSGERR_ATTR_MAX, (struct nlattr *)((char *)NLMSG_DATA(h) + off),
                      (int)(h->nlmsg_len - NLMSG_HDRLEN - off), NULL) < 0)
                return;
        if (tb[NLMSGERR_ATTR_MSG])
                snprintf(buf, len, "%.*s", nla_len(tb[NLMSGERR_ATTR_MSG]),
                         (const char *)nla_data(tb[NLMSGERR_ATTR_MSG]));
        /* the kernel NUL-terminates; drop a trailing one from the count */
}

/* Wait for the ACK of request seq. Returns 0 or -errno, extack text in ext. */
static int nl_wait_ack(struct vn_nl *nl, uint32_t seq, char *ext, size_t extlen)
{
        for (;;) {
                unsigned char *buf = NULL;
                struct sockaddr_nl from;
                int n, r = 1;

                n = nl_recv(nl->sk, &from, &buf, NULL);
                if (n <= 0) {
                        free(buf);
                        return n == 0 ? -EIO : vn_nl_errno(n);
                }
                for (struct nlmsghdr *h = (struct nlmsghdr *)buf; nlmsg_ok(h, n);
                     h = nlmsg_next(h, &n)) {
                        if (h->nlmsg_seq != seq)
                                continue;
                        if (h->nlmsg_type == NLMSG_ERROR) {
                                const struct nlmsgerr *e = NLMSG_DATA(h);

                                if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*e))) {
                                        r = -EPROTO;
                                        break;
                                }
                                r = e->error;
                                if (r < 0)
                                        nl_extack_msg(h, ext, extlen);
                                break;
                        }
                }
                free(buf);
                if (r <= 0)
                        return r;
        }
}

int vn_nl_talk(struct vn_nl *nl, struct nl_msg *msg, struct vn_error *err, const char *fmt, ...)
{
        char what[256], ext[512] = "";
        va_list ap;
        int r;

        r = nl_send_auto(nl->sk, msg);
        if (r >= 0)
                r = nl_wait_ack(nl, nlmsg_hdr(msg)->nlmsg_seq, ext, sizeof(ext));
        else
                r = vn_nl_errno(r);
        if (r == 0)
                return 0;
        va_start(ap, fmt);
        vsnprintf(what, sizeof(what), fmt, ap);
        va_end(ap);
        if (ext[0])
                return vn_err(err, r, "%s: %s (%s)", what, strerror(-r), ext);
        return vn_err(err, r, "%s: %s", what, strerror(-r));
}

/* Fetch a link by name; -ENODEV when absent. */
static int nl_get(struct vn_nl *nl, const char *name, struct rtnl_link **out)
{
        int r;

        if (!name || !name[0] || strlen(name) > 15)
                return -EINVAL;
        r = rtnl_link_get_kernel(nl->sk, 0, name, out);
        if (r == -NLE_OBJ_NOTFOUND || r == -NLE_NODEV)
                return -ENODEV;
        return r < 0 ? vn_nl_errno(r) : 0;
}

int vn_link_index(struct vn_nl *nl, const char *name)
{
        _cleanup_(linkp) struct rtnl_link *l = NULL;
        int r;

        r = nl_get(nl, name, &l);
        if (r < 0)
                return r;
        return rtnl_link_get_ifindex(l);
}

int vn_link_get(struct vn_nl *nl, const char *name, struct vn_link_info *out, struct vn_error *err)
{
        _cleanup_(linkp) struct rtnl_link *l = NULL;
        struct vn_link_info info = {0};
        struct nl_addr *a;
        const char *kind;
        int r;

        r = nl_get(nl, name, &l);
        if (r < 0)
                return vn_err(err, r, "link '%s': %s", name ? name : "", strerror(-r));
        info.ifindex = rtnl_link_get_ifindex(l);
        snprintf(info.name, sizeof(info.name), "%s", rtnl_link_get_name(l));
        kind = rtnl_link_get_type(l);
        snprintf(info.kind, sizeof(info.kind), "%s", kind ? kind : "");
        info.mtu = rtnl_link_get_mtu(l);
        info.master = rtnl_link_get_master(l);
        info.up = (rtnl_link_get_flags(l) & IFF_UP) != 0;
        a = rtnl_link_get_addr(l);
        if (a && nl_addr_get_len(a) == 6)
                memcpy(info.mac, nl_addr_get_binary_addr(a), 6);
        *out = info;
        return 0;
}

int vn_link_delete(struct vn_nl *nl, const char *name, struct vn_error *err)
{
        _cleanup_(linkp) struct rtnl_link *l = NULL;
        _cleanup_(msgp) struct nl_msg *msg = NULL;
        int r;

        l = rtnl_link_alloc();
        if (!l)
                return vn_err(err, -ENOMEM, "link '%s': %s", name, strerror(ENOMEM));
        rtnl_link_set_name(l, name);
        r = rtnl_link_build_delete_request(l, &msg);
        if (r < 0)
                return vn_err(err, vn_nl_errno(r), "link '%s': %s", name, nl_geterror(r));
        return vn_nl_talk(nl, msg, err, "link '%s'", name);
}

/* A link group no link of this namespace is in: a new batch group for vn_link_delete_group().
 * Candidates come from seed; 0 (the default group) is never returned. */
int vn_link_group_unused(struct vn_nl *nl, uint32_t seed, uint32_t *out, struct vn_error *err)
{
        _cleanup_(cachep) struct nl_cache *cache = NULL;
        int r;

        r = rtnl_link_alloc_cache(nl->sk, AF_UNSPEC, &cache);
        if (r < 0)
                return vn_err(err, vn_nl_errno(r), "links: %s", nl_geterror(r));
        for (unsigned tries = 0; tries < 64; tries++) {
                uint32_t g = 0x76000000u | ((seed + tries * 7919u) & 0xffffffu); /* 'v' */
                bool used = false;

                for (struct nl_object *o = nl_cache_get_first(cache); o && !used;
                     o = nl_cache_get_next(o))
                        used = rtnl_link_get_group((struct rtnl_link *)o) == g;
                if (!used) {
                        *out = g;
                        return 0;
                }
        }
        return vn_err(err, -EBUSY, "links: no unused link group");
}

/* One RTM_DELLINK for every link of group: the kernel unregisters them as one batch (one RCU
 * grace period for all instead of one per link). */
int vn_link_delete_group(struct vn_nl *nl, uint32_t group, struct vn_error *err)
{
        _cleanup_(msgp) struct nl_msg *msg = NULL;
        struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC};

        if (group == 0)
                return vn_err(err, -EINVAL, "link group 0 is every link's default group");
        msg = nlmsg_alloc_simple(RTM_DELLINK, 0);
        if (!msg || nlmsg_append(msg, &ifi, sizeof(ifi), NLMSG_ALIGNTO) < 0 ||
            nla_put_u32(msg, IFLA_GROUP, group) < 0)
                return vn_err(err, -ENOMEM, "link group %u: %s", group, strerror(ENOMEM));
        return vn_nl_talk(nl, msg, err, "link group %u", group);
}

/* Apply `changes` to the existing link `name` (RTM_NEWLINK without NLM_F_CREATE). */
static int nl_change(struct vn_nl *nl, const char *name, struct rtnl_link *changes,
                     struct vn_error *err)
{
        _cleanup_(linkp) struct rtnl_link *orig = NULL;
        _cleanup_(msgp) struct nl_msg *msg = NULL;
        int r;

        r = nl_get(nl, name, &orig);
        if (r < 0)
                return vn_err(err, r, "link '%s': %s", name ? name : "", strerror(-r));
        r = rtnl_link_build_change_request(orig, changes, 0, &msg);
        if (r < 0)
                return vn_err(err, vn_nl_errno(r), "link '%s': %s", name, nl_geterror(r));
        return vn_nl_talk(nl, msg, err, "link '%s'", name);
}

#define WITH_CHANGES(var)                                                                          \
        _cleanup_(linkp) struct rtnl_link *var = rtnl_link_alloc();                                \
        if (!var)                                                                                  \
        return vn_err(err, -ENOMEM, "link '%s': %s", name, strerror(ENOMEM))

int vn_link_set_up(struct vn_nl *nl, const char *name, bool up, struct vn_error *err)
{
        WITH_CHANGES(c);

        if (up)
                rtnl_link_set_flags(c, IFF_UP);
        else
                rtnl_link_unset_flags(c, IFF_UP);
        return nl_change(nl, name, c, err);
}

int vn_link_set_group(struct vn_nl *nl, const char *name, uint32_t group, struct vn_error *err)
{
        WITH_CHANGES(c);

        rtnl_link_set_group(c, group);
        return nl_change(nl, name, c, err);
}

int vn_link_set_mtu(struct vn_nl *nl, const char *name, unsigned mtu, struct vn_error *err)
{
        WITH_CHANGES(c);

        rtnl_link_set_mtu(c, mtu);
        return nl_change(nl, name, c, err);
}

int vn_link_set_mac(struct vn_nl *nl, const char *name, const uint8_t mac[6], struct vn_error *err)
{
        _cleanup_(addrp) struct nl_addr *a = NULL;
        WITH_CHANGES(c);

        a = nl_addr_build(AF_LLC, mac, 6);
        if (!a)
                return vn_err(err, -ENOMEM, "link '%s': %s", name, strerror(ENOMEM));
        rtnl_link_set_addr(c, a);
        return nl_change(nl, name, c, err);
}

int vn_link_set_alias(struct vn_nl *nl, const char *name, const char *alias, struct vn_error *err)
{
        WITH_CHANGES(c);

        if (strlen(alias) > 255)
                return vn_err(err, -EINVAL, "link '%s': alias too long", name);
        rtnl_link_set_ifalias(c, alias);
        return nl_change(nl, name, c, err);
}

int vn_link_list_by_alias(struct vn_nl *nl, const char *prefix, struct vn_link_alias **out,
                          size_t *n, struct vn_error *err)
{
        _cleanup_(cachep) struct nl_cache *cache = NULL;
        struct vn_link_alias *v;
        struct nl_object *o;
        size_t cnt = 0, plen = strlen(prefix);
        int r;

        r = rtnl_link_alloc_cache(nl->sk, AF_UNSPEC, &cache);
        if (r < 0)
                return vn_err(err, vn_nl_errno(r), "links: %s", nl_geterror(r));
        v = calloc((size_t)nl_cache_nitems(cache) + 1, sizeof(*v));
        if (!v)
                return vn_err(err, -ENOMEM, "links: %s", strerror(ENOMEM));
        for (o = nl_cache_get_first(cache); o; o = nl_cache_get_next(o)) {
                struct rtnl_link *l = (struct rtnl_link *)o;
                const char *alias = rtnl_link_get_ifalias(l), *kind = rtnl_link_get_type(l);
                struct nl_addr *a = rtnl_link_get_addr(l);

                if (!alias || strncmp(alias, prefix, plen) != 0)
                        continue;
                snprintf(v[cnt].name, sizeof(v[cnt].name), "%s", rtnl_link_get_name(l));
                snprintf(v[cnt].kind, sizeof(v[cnt].kind), "%s", kind ? kind : "");
                snprintf(v[cnt].alias, sizeof(v[cnt].alias), "%s", alias);
                v[cnt].master = rtnl_link_get_master(l);
                if (a && nl_addr_get_len(a) == 6)
                        memcpy(v[cnt].mac, nl_addr_get_binary_addr(a), 6);
                cnt++;
        }
        *out = v;
        *n = cnt;
        return 0;
}

int vn_link_set_master(struct vn_nl *nl, const char *name, const char *master, struct vn_error *err)
{
        int idx = 0;
        WITH_CHANGES(c);

        if (master) {
                idx = vn_link_index(nl, master);
                if (idx < 0)
                        return vn_err(err, idx, "link '%s': master '%s': %s", name, master,
                                      strerror(-idx));
        }
        rtnl_link_set_master(c, idx);
        return nl_change(nl, name, c, err);
}

int vn_link_set_netns(struct vn_nl *nl, const char *name, int netns_fd, const char *new_name,
                      struct vn_error *err)
{
        WITH_CHANGES(c);

        if (netns_fd < 0)
                return vn_err(err, -EBADF, "link '%s': bad namespace fd", name);
        rtnl_link_set_ns_fd(c, netns_fd);
        if (new_name)
                rtnl_link_set_name(c, new_name);
        return nl_change(nl, name, c, err);
}

int vn_link_list_names(struct vn_nl *nl, char ***names, size_t *n, struct vn_error *err)
{
        _cleanup_(cachep) struct nl_cache *cache = NULL;
        struct nl_object *o;
        char **v;
        size_t i = 0;
        int r;

        r = rtnl_link_alloc_cache(nl->sk, AF_UNSPEC, &cache);
        if (r < 0)
                return vn_err(err, vn_nl_errno(r), "links: %s", nl_geterror(r));
        v = calloc((size_t)nl_cache_nitems(cache) + 1, sizeof(*v));
        if (!v)
                return vn_err(err, -ENOMEM, "links: %s", strerror(ENOMEM));
        for (o = nl_cache_get_first(cache); o; o = nl_cache_get_next(o)) {
                v[i] = strdup(rtnl_link_get_name((struct rtnl_link *)o));
                if (!v[i]) {
                        vn_strv_free(v, i);
                        return vn_err(err, -ENOMEM, "links: %s", strerror(ENOMEM));
                }
                i++;
        }
        *names = v;
        *n = i;
        return 0;
}

int vn_link_name_format(const char *pattern, unsigned n, char out[16])
{
        const char *p = strchr(pattern, '%');
        int len;

        if (!p || (p[1] != 'u' && p[1] != 'd') || strchr(p + 2, '%'))
                return -EINVAL;
        len = snprintf(out, 16, "%.*s%u%s", (int)(p - pattern), pattern, n, p + 2);
        if (len < 0 || len > 15)
                return -ENAMETOOLONG;
        return 0;
}

int vn_link_free_name(struct vn_nl *nl, const char *pattern, char out[16], struct vn_error *err)
{
        char **names = NULL, probe[16];
        size_t n = 0;
        int r;

        r = vn_link_name_format(pattern, 0, probe);
        if (r < 0)
                return vn_err(err, r, "name pattern '%s': %s", pattern,
                              r == -EINVAL ? "needs exactly one %u" : strerror(-r));
        r = vn_link_list_names(nl, &names, &n, err);
        if (r < 0)
                return r;
        for (unsigned k = 0; k < 65536; k++) {
                char cand[16];
                bool taken = false;

                r = vn_link_name_format(pattern, k, cand);
                if (r < 0)
                        break;
                for (size_t i = 0; i < n && !taken; i++)
                        taken = strcmp(names[i], cand) == 0;
                if (!taken) {
                        memcpy(out, cand, 16);
                        vn_strv_free(names, n);
                        return 0;
                }
        }
        vn_strv_free(names, n);
        return vn_err(err, -ENFILE, "name pattern '%s': no free name", pattern);
}
