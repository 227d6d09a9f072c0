/*
 * fw-nft.c: nftables through libnftables. The planner renders a whole
 * batch in nft syntax; this file only submits it — as one transaction,
 * optionally as a dry run — with nothing printed and nft's own messages
 * returned to the caller.
 */
#include "config.h"

#include "fw.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>

#include <nftables/libnftables.h>

static void ctxp(struct nft_ctx **c)
{
        if (*c)
                nft_ctx_free(*c);
}

/* A context whose output and errors go to buffers, never to stdout/stderr. */
static struct nft_ctx *ctx_new(bool dry_run)
{
        struct nft_ctx *ctx = nft_ctx_new(NFT_CTX_DEFAULT);

        if (!ctx)
                return NULL;
        if (nft_ctx_buffer_output(ctx) < 0 || nft_ctx_buffer_error(ctx) < 0) {
                nft_ctx_free(ctx);
                return NULL;
        }
        nft_ctx_set_dry_run(ctx, dry_run);
        return ctx;
}

/* nft reports failures as text only; recover an errno from the kernel's words when present. */
static int guess_errno(const char *msg)
{
        static const int codes[] = {EPERM, ENOENT, EEXIST, EBUSY, ENOMEM, EOPNOTSUPP, ENOSPC};

        for (size_t i = 0; msg && i < VN_ARRAY_SIZE(codes); i++)
                if (strstr(msg, strerror(codes[i])))
                        return -codes[i];
        return -EINVAL;
}

static int nft_fail(struct vn_error *err, struct nft_ctx *ctx, const char *what)
{
        const char *e = nft_ctx_get_error_buffer(ctx);
        size_t n = e ? strlen(e) : 0;

        while (n > 0 && (e[n - 1] == '\n' || e[n - 1] == ' '))
                n--;
        if (n == 0)
                return vn_err(err, -EINVAL, "nftables: %s failed", what);
        return vn_err(err, guess_errno(e), "nftables: %.*s", (int)n, e);
}

bool vn_nft_available(void)
{
        /* One NFT_MSG_GETGEN over a raw nfnetlink socket: O(1) whatever the ruleset holds.
         * (A libnftables "list tables" fills its whole cache first: every chain, set and
         * element of every network, so the probe grew with the number of networks.)
         * Not a dry run either: every aborted batch waits for an RCU grace period. */
        struct {
                struct nlmsghdr nh;
                struct nfgenmsg g;
        } req = {
                .nh = {.nlmsg_len = sizeof(req),
                       .nlmsg_type = (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_GETGEN,
                       .nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK,
                       .nlmsg_seq = 1},
                .g = {.nfgen_family = AF_UNSPEC, .version = NFNETLINK_V0},
        };
        struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
        _cleanup_close_ int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER);
        char buf[1024] __attribute__((aligned(NLMSG_ALIGNTO)));
        struct timeval tv = {.tv_sec = 2};
        ssize_t n;

        if (fd < 0)
                return false;
        (void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
        if (sendto(fd, &req, sizeof(req), 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0)
                return false;
        for (;;) {
                n = recv(fd, buf, sizeof(buf), 0);
                if (n < 0)
                        return false;
                for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)n);
                     h = NLMSG_NEXT(h, n)) {
                        if (h->nlmsg_type == NLMSG_ERROR) {
                                const struct nlmsgerr *e = NLMSG_DATA(h);

                                /* error 0 is the ACK after the generation: available */
                                return h->nlmsg_len >= NLMSG_LENGTH(sizeof(*e)) && e->error == 0;
                        }
                        if ((h->nlmsg_type & 0xff) == NFT_MSG_NEWGEN)
                                return true;
                }
        }
}

/**
 * vn_nft_run: submit batch as one transaction (nft -f semantics: every
 * command of the buffer commits together or not at all).
 */
int vn_nft_run(const char *batch, bool dry_run, struct vn_error *err)
{
        _cleanup_(ctxp) struct nft_ctx *ctx = NULL;

        if (!batch)
                return vn_err(err, -EINVAL, "nftables: empty batch");
        ctx = ctx_new(dry_run);
        if (!ctx)
                return vn_err(err, -ENOMEM, "nftables: cannot create context");
        if (nft_run_cmd_from_buffer(ctx, batch) != 0)
                return nft_fail(err, ctx, dry_run ? "check" : "transaction");
        return 0;
}

static int query(const char *cmd, bool handles, char **out, struct vn_error *err)
{
        _cleanup_(ctxp) struct nft_ctx *ctx = NULL;
        const char *o;
        char *s;

        if (!cmd)
                return vn_err(err, -EINVAL, "nftables: empty command");
        ctx = ctx_new(false);
        if (!ctx)
                return vn_err(err, -ENOMEM, "nftables: cannot create context");
        if (handles)
                nft_ctx_output_set_flags(ctx, nft_ctx_output_get_flags(ctx) |
                                                  NFT_CTX_OUTPUT_HANDLE);
        if (nft_run_cmd_from_buffer(ctx, cmd) != 0)
                return nft_fail(err, ctx, cmd);
        o = nft_ctx_get_output_buffer(ctx);
        s = strdup(o ? o : "");
        if (!s)
                return vn_err(err, -ENOMEM, "nftables: %s", strerror(ENOMEM));
        *out = s;
        return 0;
}

int vn_nft_query(const char *cmd, char **out, struct vn_error *err)
{
        return query(cmd, false, out, err);
}

int vn_nft_query_handles(const char *cmd, char **out, struct vn_error *err)
{
        return query(cmd, true, out, err);
}
