/*
 * hostfw.c: evaluate the host's other nftables base chains (hand-written
 * tables, iptables-nft's) against synthetic packets, to tell which one drops
 * a network's DHCP, DNS or forwarded traffic. The chains and rules are read
 * over nfnetlink (libmnl + libnftnl) and run on a small model of the nftables
 * VM: registers, meta, payload over real header bytes, cmp, range, bitwise,
 * ct state, immediate verdicts, jump/goto/return. What the model cannot
 * decide is "unknown", and an unknown never turns into a drop (see hostfw.h).
 */
#include "config.h"

#include "hostfw.h"

#include "fw.h"

#include <arpa/inet.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <linux/if_packet.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <net/if.h>
#include <netinet/ip.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct fw_chain {
        uint32_t family;
        char table[64], name[64], type[16];
        bool base;
        uint32_t hook, policy;
        struct nftnl_rule **rules;
        size_t n_rules;
};

struct fw_set {
        struct fw_chain *c;
        size_t n;
};

static void fw_set_free(struct fw_set *s)
{
        for (size_t i = 0; i < s->n; i++) {
                for (size_t k = 0; k < s->c[i].n_rules; k++)
                        nftnl_rule_free(s->c[i].rules[k]);
                free(s->c[i].rules);
        }
        free(s->c);
        s->c = NULL;
        s->n = 0;
}

static struct fw_chain *fw_find(struct fw_set *s, uint32_t family, const char *table,
                                const char *name)
{
        for (size_t i = 0; i < s->n; i++)
                if (s->c[i].family == family && strcmp(s->c[i].table, table) == 0 &&
                    strcmp(s->c[i].name, name) == 0)
                        return &s->c[i];
        return NULL;
}

/* ---- reading the ruleset ------------------------------------------------- */

static int chain_cb(const struct nlmsghdr *nlh, void *data)
{
        struct fw_set *s = data;
        struct nftnl_chain *c = nftnl_chain_alloc();
        struct fw_chain *nc, *fc;

        if (!c)
                return MNL_CB_ERROR;
        if (nftnl_chain_nlmsg_parse(nlh, c) < 0) {
                nftnl_chain_free(c);
                return MNL_CB_OK;
        }
        nc = realloc(s->c, (s->n + 1) * sizeof(*nc));
        if (!nc) {
                nftnl_chain_free(c);
                return MNL_CB_ERROR;
        }
        s->c = nc;
        fc = &s->c[s->n++];
        memset(fc, 0, sizeof(*fc));
        fc->family = nftnl_chain_get_u32(c, NFTNL_CHAIN_FAMILY);
        snprintf(fc->table, sizeof(fc->table), "%s", nftnl_chain_get_str(c, NFTNL_CHAIN_TABLE));
        snprintf(fc->name, sizeof(fc->name), "%s", nftnl_chain_get_str(c, NFTNL_CHAIN_NAME));
        if (nftnl_chain_is_set(c, NFTNL_CHAIN_HOOKNUM)) {
                fc->base = true;
                fc->hook = nftnl_chain_get_u32(c, NFTNL_CHAIN_HOOKNUM);
                fc->policy = nftnl_chain_is_set(c, NFTNL_CHAIN_POLICY)
                                 ? nftnl_chain_get_u32(c, NFTNL_CHAIN_POLICY)
                                 : NF_ACCEPT;
                if (nftnl_chain_is_set(c, NFTNL_CHAIN_TYPE))
                        snprintf(fc->type, sizeof(fc->type), "%s",
                                 nftnl_chain_get_str(c, NFTNL_CHAIN_TYPE));
        }
        nftnl_chain_free(c);
        return MNL_CB_OK;
}

static int rule_cb(const struct nlmsghdr *nlh, void *data)
{
        struct fw_set *s = data;
        struct nftnl_rule *r = nftnl_rule_alloc();
        struct nftnl_rule **nr;
        struct fw_chain *c;

        if (!r)
                return MNL_CB_ERROR;
        if (nftnl_rule_nlmsg_parse(nlh, r) < 0)
                goto skip;
        c = fw_find(s, nftnl_rule_get_u32(r, NFTNL_RULE_FAMILY),
                    nftnl_rule_get_str(r, NFTNL_RULE_TABLE),
                    nftnl_rule_get_str(r, NFTNL_RULE_CHAIN));
        if (!c)
                goto skip;
        nr = realloc(c->rules, (c->n_rules + 1) * sizeof(*nr));
        if (!nr) {
                nftnl_rule_free(r);
                return MNL_CB_ERROR;
        }
        c->rules = nr;
        c->rules[c->n_rules++] = r;
        return MNL_CB_OK;
skip:
        nftnl_rule_free(r);
        return MNL_CB_OK;
}

static int dump(struct mnl_socket *nl, uint16_t msg, mnl_cb_t cb, struct fw_set *s)
{
        static const size_t bufsz = 1u << 16;
        _cleanup_free_ char *buf = malloc(bufsz);
        uint32_t seq = (uint32_t)time(NULL) + msg, portid = mnl_socket_get_portid(nl);
        struct nlmsghdr *nlh;
        ssize_t n;
        int r;

        if (!buf)
                return -ENOMEM;
        nlh = nftnl_nlmsg_build_hdr(buf, msg, NFPROTO_UNSPEC, NLM_F_DUMP, seq);
        if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
                return -errno;
        while ((n = mnl_socket_recvfrom(nl, buf, bufsz)) > 0) {
                r = mnl_cb_run(buf, (size_t)n, seq, portid, cb, s);
                if (r < 0)
                        return errno ? -errno : -EIO;
                if (r == MNL_CB_STOP)
                        return 0;
        }
        return n < 0 ? -errno : 0;
}

static int fw_read(struct fw_set *s, struct vn_error *err)
{
        struct mnl_socket *nl = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC);
        int r;

        if (!nl)
                return vn_err(err, -errno, "nfnetlink: %s", strerror(errno));
        if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
                r = -errno;
                mnl_socket_close(nl);
                return vn_err(err, r, "nfnetlink: %s", strerror(-r));
        }
        r = dump(nl, NFT_MSG_GETCHAIN, chain_cb, s);
        if (r == 0)
                r = dump(nl, NFT_MSG_GETRULE, rule_cb, s);
        mnl_socket_close(nl);
        if (r < 0) {
                fw_set_free(s);
                return vn_err(err, r, "reading the nftables ruleset: %s", strerror(-r));
        }
        return 0;
}

/* ---- the VM model ---------------------------------------------------------- */

enum res { R_FALL, R_ACCEPT, R_DROP, R_UNKNOWN };

struct pkt {
        const struct vn_hostfw_pkt *d;
        uint8_t nh[20], th[20];
        size_t th_len;
};

struct vm {
        uint8_t data[80];
        bool known[80];
};

static int reg_off(uint32_t reg, size_t len)
{
        int off;

        if (reg >= NFT_REG_1 && reg <= NFT_REG_4)
                off = (int)reg * 16;
        else if (reg >= NFT_REG32_00 && reg <= NFT_REG32_15)
                off = ((int)reg - NFT_REG32_00 + 4) * 4;
        else
                return -1;
        return off + (int)len <= 80 ? off : -1;
}

static void reg_store(struct vm *m, uint32_t reg, const void *v, size_t len, bool known)
{
        int off = reg_off(reg, len);

        if (off < 0)
                return;
        /* a value occupies whole 32-bit words; the rest of the last word is zeroed */
        size_t words = (len + 3) / 4 * 4;

        if ((size_t)off + words > 80)
                words = len;
        memset(m->data + off, 0, words);
        if (v)
                memcpy(m->data + off, v, len);
        for (size_t i = 0; i < words; i++)
                m->known[off + i] = known;
}

static void build_headers(struct pkt *p)
{
        const struct vn_hostfw_pkt *d = p->d;
        uint16_t v;

        memset(p->nh, 0, sizeof(p->nh));
        memset(p->th, 0, sizeof(p->th));
        p->nh[0] = 0x45;
        p->th_len = d->l4 == IPPROTO_TCP ? 20 : 8;
        v = htons((uint16_t)(20 + p->th_len));
        memcpy(p->nh + 2, &v, 2);
        p->nh[6] = 0x40; /* DF */
        p->nh[8] = 64;
        p->nh[9] = d->l4;
        memcpy(p->nh + 12, &d->saddr, 4);
        memcpy(p->nh + 16, &d->daddr, 4);
        v = htons(d->sport);
        memcpy(p->th, &v, 2);
        v = htons(d->dport);
        memcpy(p->th + 2, &v, 2);
        if (d->l4 == IPPROTO_TCP) {
                p->th[12] = 0x50;
                p->th[13] = d->established ? 0x10 : 0x02; /* ACK : SYN */
                p->th[14] = 0xff;
        } else {
                v = htons((uint16_t)p->th_len);
                memcpy(p->th + 4, &v, 2);
        }
}

static void ifname_val(const char *name, uint8_t out[IFNAMSIZ])
{
        memset(out, 0, IFNAMSIZ);
        if (name)
                snprintf((char *)out, IFNAMSIZ, "%s", name);
}

/* meta: false when the kernel would break (no socket), else loads the register */
static bool do_meta(struct vm *m, const struct pkt *p, struct nftnl_expr *e)
{
        uint32_t key = nftnl_expr_get_u32(e, NFTNL_EXPR_META_KEY);
        uint32_t dreg;
        uint8_t v[IFNAMSIZ] = {0};
        size_t len = 4;
        bool known = true;
        const char *dev;

        if (!nftnl_expr_is_set(e, NFTNL_EXPR_META_DREG))
                return true; /* meta set … : a side effect only */
        dreg = nftnl_expr_get_u32(e, NFTNL_EXPR_META_DREG);
        switch (key) {
        case NFT_META_IIFNAME:
        case NFT_META_OIFNAME:
                dev = key == NFT_META_IIFNAME ? p->d->iif : p->d->oif;
                if (!dev && key == NFT_META_OIFNAME && p->d->hook == VN_HOOK_INPUT)
                        return false; /* no output device on input */
                ifname_val(dev, v);
                known = dev != NULL;
                len = IFNAMSIZ;
                break;
        case NFT_META_IIF:
        case NFT_META_OIF: {
                uint32_t idx;

                dev = key == NFT_META_IIF ? p->d->iif : p->d->oif;
                if (!dev && key == NFT_META_OIF && p->d->hook == VN_HOOK_INPUT)
                        return false;
                idx = dev ? if_nametoindex(dev) : 0;
                known = idx != 0;
                memcpy(v, &idx, 4);
                break;
        }
        case NFT_META_IIFTYPE:
        case NFT_META_OIFTYPE: {
                uint16_t t = 1; /* ARPHRD_ETHER: bridges and their uplinks */

                memcpy(v, &t, 2);
                len = 2;
                break;
        }
        case NFT_META_PROTOCOL: {
                uint16_t t = htons(0x0800);

                memcpy(v, &t, 2);
                len = 2;
                break;
        }
        case NFT_META_NFPROTO:
                v[0] = NFPROTO_IPV4;
                len = 1;
                break;
        case NFT_META_L4PROTO:
                v[0] = p->d->l4;
                len = 1;
                break;
        case NFT_META_PKTTYPE:
                v[0] = p->d->broadcast ? PACKET_BROADCAST : PACKET_HOST;
                len = 1;
                break;
        case NFT_META_MARK:
        case NFT_META_PRIORITY:
                break; /* 0 */
        case NFT_META_SKUID:
        case NFT_META_SKGID:
                return false; /* input and forwarded packets have no local socket here */
        default:
                known = false;
                break;
        }
        reg_store(m, dreg, v, len, known);
        return true;
}

static void do_ct(struct vm *m, const struct pkt *p, struct nftnl_expr *e)
{
        uint32_t key = nftnl_expr_get_u32(e, NFTNL_EXPR_CT_KEY), v = 0;
        size_t len = 4;
        bool known = true;

        if (!nftnl_expr_is_set(e, NFTNL_EXPR_CT_DREG))
                return; /* ct set … */
        switch (key) {
        case NFT_CT_STATE:
                v = p->d->established ? 2 : 8; /* NF_CT_STATE_BIT(ESTABLISHED), (NEW) */
                break;
        case NFT_CT_DIRECTION:
                v = p->d->established ? 1 : 0; /* a reply, an original */
                len = 1;
                break;
        case NFT_CT_L3PROTOCOL:
                v = NFPROTO_IPV4;
                len = 1;
                break;
        case NFT_CT_PROTOCOL:
                v = p->d->l4;
                len = 1;
                break;
        case NFT_CT_MARK:
                break;
        default:
                known = false;
                break;
        }
        reg_store(m, nftnl_expr_get_u32(e, NFTNL_EXPR_CT_DREG), &v, len, known);
}

static bool do_payload(struct vm *m, const struct pkt *p, struct nftnl_expr *e)
{
        uint32_t base = nftnl_expr_get_u32(e, NFTNL_EXPR_PAYLOAD_BASE);
        uint32_t off = nftnl_expr_get_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET);
        uint32_t len = nftnl_expr_get_u32(e, NFTNL_EXPR_PAYLOAD_LEN);
        uint32_t dreg;

        if (!nftnl_expr_is_set(e, NFTNL_EXPR_PAYLOAD_DREG))
                return true; /* payload set (mangling) */
        dreg = nftnl_expr_get_u32(e, NFTNL_EXPR_PAYLOAD_DREG);
        if (len > 16)
                return true;
        if (base == NFT_PAYLOAD_NETWORK_HEADER && off + len <= sizeof(p->nh))
                reg_store(m, dreg, p->nh + off, len, true);
        else if (base == NFT_PAYLOAD_TRANSPORT_HEADER && off + len <= p->th_len)
                reg_store(m, dreg, p->th + off, len, true);
        else if (base == NFT_PAYLOAD_TRANSPORT_HEADER || base == NFT_PAYLOAD_NETWORK_HEADER)
                return false; /* beyond the packet's headers: the kernel breaks */
        else
                reg_store(m, dreg, NULL, len, false);
        return true;
}

/* 1 match, 0 no match, -1 unknown */
static int reg_cmp(const struct vm *m, uint32_t sreg, const void *data, uint32_t len, int *cmp)
{
        int off = reg_off(sreg, len);

        if (off < 0)
                return -1;
        for (uint32_t i = 0; i < len; i++)
                if (!m->known[off + (int)i])
                        return -1;
        *cmp = memcmp(m->data + off, data, len);
        return 1;
}

static int do_cmp(const struct vm *m, struct nftnl_expr *e)
{
        uint32_t len = 0, op = nftnl_expr_get_u32(e, NFTNL_EXPR_CMP_OP);
        const void *data = nftnl_expr_get_data(e, NFTNL_EXPR_CMP_DATA, &len);
        int c;

        if (!data || reg_cmp(m, nftnl_expr_get_u32(e, NFTNL_EXPR_CMP_SREG), data, len, &c) < 0)
                return -1;
        switch (op) {
        case NFT_CMP_EQ:
                return c == 0;
        case NFT_CMP_NEQ:
                return c != 0;
        case NFT_CMP_LT:
                return c < 0;
        case NFT_CMP_LTE:
                return c <= 0;
        case NFT_CMP_GT:
                return c > 0;
        case NFT_CMP_GTE:
                return c >= 0;
        }
        return -1;
}

static int do_range(const struct vm *m, struct nftnl_expr *e)
{
        uint32_t l1 = 0, l2 = 0, sreg = nftnl_expr_get_u32(e, NFTNL_EXPR_RANGE_SREG);
        const void *from = nftnl_expr_get_data(e, NFTNL_EXPR_RANGE_FROM_DATA, &l1);
        const void *to = nftnl_expr_get_data(e, NFTNL_EXPR_RANGE_TO_DATA, &l2);
        int c1, c2;
        bool in;

        if (!from || !to || l1 != l2 || reg_cmp(m, sreg, from, l1, &c1) < 0 ||
            reg_cmp(m, sreg, to, l2, &c2) < 0)
                return -1;
        in = c1 >= 0 && c2 <= 0;
        return nftnl_expr_get_u32(e, NFTNL_EXPR_RANGE_OP) == NFT_RANGE_EQ ? in : !in;
}

static void do_bitwise(struct vm *m, struct nftnl_expr *e)
{
        uint32_t sreg = nftnl_expr_get_u32(e, NFTNL_EXPR_BITWISE_SREG);
        uint32_t dreg = nftnl_expr_get_u32(e, NFTNL_EXPR_BITWISE_DREG);
        uint32_t len = nftnl_expr_get_u32(e, NFTNL_EXPR_BITWISE_LEN), lm = 0, lx = 0;
        const uint8_t *mask = nftnl_expr_get_data(e, NFTNL_EXPR_BITWISE_MASK, &lm);
        const uint8_t * xor = nftnl_expr_get_data(e, NFTNL_EXPR_BITWISE_XOR, &lx);
        int so = reg_off(sreg, len), d = reg_off(dreg, len);
        uint8_t out[16];
        bool known = true;

        if (d < 0)
                return;
        if (so < 0 || len > 16 || !mask || !xor || lm < len || lx < len ||
            (nftnl_expr_is_set(e, NFTNL_EXPR_BITWISE_OP) &&
             nftnl_expr_get_u32(e, NFTNL_EXPR_BITWISE_OP) != NFT_BITWISE_BOOL)) {
                reg_store(m, dreg, NULL, len, false);
                return;
        }
        for (uint32_t i = 0; i < len; i++) {
                out[i] = (uint8_t)((m->data[so + (int)i] & mask[i]) ^ xor[i]);
                known = known && m->known[so + (int)i];
        }
        reg_store(m, dreg, out, len, known);
}

struct eval {
        struct fw_set *s;
        const struct pkt *p;
        /* where the verdict came from */
        const struct fw_chain *chain;
        uint64_t handle;
        bool reject;
};

static enum res eval_chain(struct eval *ev, const struct fw_chain *c, int depth);

/* One rule: R_FALL when it does not match (or has no verdict), else its verdict. */
static enum res eval_rule(struct eval *ev, const struct fw_chain *c, struct nftnl_rule *r,
                          int depth)
{
        struct nftnl_expr_iter *it = nftnl_expr_iter_create(r);
        struct nftnl_expr *e;
        struct vm m;
        bool uncertain = false, have_verdict = false, reject = false;
        int32_t verdict = NFT_CONTINUE;
        const char *target = NULL;
        enum res res = R_FALL;

        if (!it)
                return R_UNKNOWN;
        memset(&m, 0, sizeof(m));
        while ((e = nftnl_expr_iter_next(it))) {
                const char *name = nftnl_expr_get_str(e, NFTNL_EXPR_NAME);
                int k = 1;

                if (strcmp(name, "meta") == 0) {
                        k = do_meta(&m, ev->p, e) ? 1 : 0;
                } else if (strcmp(name, "payload") == 0) {
                        k = do_payload(&m, ev->p, e) ? 1 : 0;
                } else if (strcmp(name, "ct") == 0) {
                        do_ct(&m, ev->p, e);
                } else if (strcmp(name, "cmp") == 0) {
                        k = do_cmp(&m, e);
                } else if (strcmp(name, "range") == 0) {
                        k = do_range(&m, e);
                } else if (strcmp(name, "bitwise") == 0) {
                        do_bitwise(&m, e);
                } else if (strcmp(name, "immediate") == 0) {
                        uint32_t dreg = nftnl_expr_get_u32(e, NFTNL_EXPR_IMM_DREG);

                        if (dreg == NFT_REG_VERDICT) {
                                have_verdict = true;
                                verdict = (int32_t)nftnl_expr_get_u32(e, NFTNL_EXPR_IMM_VERDICT);
                                target = nftnl_expr_is_set(e, NFTNL_EXPR_IMM_CHAIN)
                                             ? nftnl_expr_get_str(e, NFTNL_EXPR_IMM_CHAIN)
                                             : NULL;
                        } else {
                                uint32_t len = 0;
                                const void *d = nftnl_expr_get_data(e, NFTNL_EXPR_IMM_DATA, &len);

                                reg_store(&m, dreg, d, len, d != NULL);
                        }
                } else if (strcmp(name, "reject") == 0) {
                        have_verdict = true;
                        verdict = NF_DROP;
                        reject = true;
                } else if (strcmp(name, "counter") == 0 || strcmp(name, "log") == 0 ||
                           strcmp(name, "limit") == 0 || strcmp(name, "quota") == 0 ||
                           strcmp(name, "notrack") == 0 || strcmp(name, "dynset") == 0 ||
                           strcmp(name, "last") == 0) {
                        /* side effects only (limit/quota: assume under the limit) */
                } else if (strcmp(name, "lookup") == 0 &&
                           nftnl_expr_is_set(e, NFTNL_EXPR_LOOKUP_DREG) &&
                           nftnl_expr_get_u32(e, NFTNL_EXPR_LOOKUP_DREG) == NFT_REG_VERDICT) {
                        /* a verdict map we do not read: whatever it decides is unknown */
                        uncertain = true;
                        have_verdict = true;
                        verdict = NF_ACCEPT;
                } else if (strcmp(name, "target") == 0) {
                        /* an xt target (LOG-like): assume it does not end the chain */
                } else {
                        k = -1; /* lookup, xt match, fib, socket, …: undecidable */
                }
                if (k == 0) {
                        nftnl_expr_iter_destroy(it);
                        return R_FALL;
                }
                if (k < 0)
                        uncertain = true;
        }
        nftnl_expr_iter_destroy(it);
        if (!have_verdict)
                return R_FALL;
        if (uncertain) {
                /* an undecidable drop might not match: skip it; an undecidable accept or jump
                 * might: then nothing can be said about this chain */
                if (verdict == NF_DROP)
                        return R_FALL;
                if (verdict == NFT_CONTINUE)
                        return R_FALL;
                ev->chain = c;
                ev->handle = nftnl_rule_get_u64(r, NFTNL_RULE_HANDLE);
                return R_UNKNOWN;
        }
        switch (verdict) {
        case NF_ACCEPT:
                res = R_ACCEPT;
                break;
        case NF_DROP:
                ev->chain = c;
                ev->handle = nftnl_rule_get_u64(r, NFTNL_RULE_HANDLE);
                ev->reject = reject;
                res = R_DROP;
                break;
        case NFT_JUMP:
        case NFT_GOTO: {
                const struct fw_chain *t =
                    target ? fw_find(ev->s, c->family, c->table, target) : NULL;

                if (!t || depth > 16)
                        return R_UNKNOWN;
                res = eval_chain(ev, t, depth + 1);
                if (res == R_FALL && verdict == NFT_GOTO)
                        return R_ACCEPT + 100; /* marker: end the calling chain */
                break;
        }
        case NFT_RETURN:
                return R_ACCEPT + 101; /* marker: return from this chain */
        default:
                res = R_FALL; /* continue, break */
                break;
        }
        return res;
}

static enum res eval_chain(struct eval *ev, const struct fw_chain *c, int depth)
{
        for (size_t i = 0; i < c->n_rules; i++) {
                int r = (int)eval_rule(ev, c, c->rules[i], depth);

                if (r == R_ACCEPT + 100 || r == R_ACCEPT + 101)
                        return R_FALL;
                if (r != R_FALL)
                        return (enum res)r;
        }
        return R_FALL;
}

static const char *family_name(uint32_t f)
{
        switch (f) {
        case NFPROTO_IPV4:
                return "ip";
        case NFPROTO_IPV6:
                return "ip6";
        case NFPROTO_INET:
                return "inet";
        case NFPROTO_BRIDGE:
                return "bridge";
        case NFPROTO_ARP:
                return "arp";
        case NFPROTO_NETDEV:
                return "netdev";
        }
        return "?";
}

/* the rule's text as `nft -a list chain` prints it (without the handle comment) */
static void rule_text(const struct fw_chain *c, uint64_t handle, char *out, size_t len)
{
        _cleanup_free_ char *cmd = NULL, *txt = NULL;
        struct vn_error ignore = {0};
        char needle[40];
        char *hit, *start, *end;

        out[0] = '\0';
        cmd = vn_asprintf("list chain %s %s %s", family_name(c->family), c->table, c->name);
        if (!cmd || vn_nft_query_handles(cmd, &txt, &ignore) < 0 || !txt)
                return;
        snprintf(needle, sizeof(needle), " # handle %llu\n", (unsigned long long)handle);
        hit = strstr(txt, needle);
        if (!hit)
                return;
        end = hit;
        start = hit;
        while (start > txt && start[-1] != '\n')
                start--;
        while (*start == ' ' || *start == '\t')
                start++;
        snprintf(out, len, "%.*s", (int)(end - start), start);
}

int vn_hostfw_check(const char *skip_table, const struct vn_hostfw_pkt *pkts, size_t n,
                    struct vn_hostfw_drop *out, struct vn_error *err)
{
        struct fw_set s = {0};
        int r;

        for (size_t i = 0; i < n; i++)
                memset(&out[i], 0, sizeof(out[i]));
        r = fw_read(&s, err);
        if (r < 0)
                return r;
        for (size_t i = 0; i < n; i++) {
                struct pkt p = {.d = &pkts[i]};
                uint32_t hook = pkts[i].hook == VN_HOOK_INPUT ? NF_INET_LOCAL_IN : NF_INET_FORWARD;

                build_headers(&p);
                for (size_t k = 0; k < s.n && !out[i].table[0]; k++) {
                        const struct fw_chain *c = &s.c[k];
                        struct eval ev = {.s = &s, .p = &p};
                        enum res res;

                        if (!c->base || c->hook != hook || strcmp(c->type, "filter") != 0 ||
                            (c->family != NFPROTO_IPV4 && c->family != NFPROTO_INET))
                                continue;
                        if (c->family == NFPROTO_INET && skip_table &&
                            strcmp(c->table, skip_table) == 0)
                                continue;
                        res = eval_chain(&ev, c, 0);
                        if (res == R_FALL && c->policy == NF_DROP) {
                                ev.chain = c;
                                ev.handle = 0;
                                res = R_DROP;
                        } else if (res == R_FALL) {
                                continue;
                        }
                        if (res != R_DROP)
                                continue;
                        snprintf(out[i].family, sizeof(out[i].family), "%s",
                                 family_name(c->family));
                        snprintf(out[i].table, sizeof(out[i].table), "%s", c->table);
                        snprintf(out[i].chain, sizeof(out[i].chain), "%s", c->name);
                        if (ev.handle == 0) {
                                out[i].by_policy = true;
                                snprintf(out[i].verdict, sizeof(out[i].verdict), "drop");
                        } else {
                                /* the rule may sit in a chain jumped to: name that chain */
                                snprintf(out[i].chain, sizeof(out[i].chain), "%s", ev.chain->name);
                                out[i].handle = ev.handle;
                                snprintf(out[i].verdict, sizeof(out[i].verdict), "%s",
                                         ev.reject ? "reject" : "drop");
                                rule_text(ev.chain, ev.handle, out[i].rule, sizeof(out[i].rule));
                        }
                }
        }
        fw_set_free(&s);
        return 0;
}
