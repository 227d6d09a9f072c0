/*
 * fw.h: firewall drivers. The planner renders text (nft syntax, or
 * iptables-restore syntax); the drivers only submit it atomically.
 */
#ifndef VNET_FW_H
#define VNET_FW_H

#include <stdbool.h>

#include "util.h"

/* ---- nftables (fw-nft.c, libnftables) ---------------------------------- */

/* Is nftables usable here (libnftables context + a dry-run "list tables")? */
bool vn_nft_available(void);
/* Run a batch (nft -f syntax) as ONE transaction. dry_run checks without committing
 * (nft_ctx_set_dry_run). On failure err carries nft's own error output. */
int vn_nft_run(const char *batch, bool dry_run, struct vn_error *err);
/* Run a command and capture its stdout (e.g. "list table inet vnet"). *out is malloc'd. */
int vn_nft_query(const char *cmd, char **out, struct vn_error *err);
/* The same, with each rule's "# handle N" (nft -a). */
int vn_nft_query_handles(const char *cmd, char **out, struct vn_error *err);

/* ---- iptables fallback (fw-ipt.c) -------------------------------------- */

/* Feed `rules` (iptables-save format) to iptables-restore --noflush (ipv6: ip6tables-restore)
 * on stdin; fds are not leaked into the child. */
int vn_ipt_restore(bool ipv6, const char *rules, struct vn_error *err);
/* Run iptables/ip6tables with argv (NULL-terminated, without argv[0]); exit status in
 * the return value (>= 0) or negative errno when it could not run. stdout/stderr captured into
 * *out when out != NULL. */
int vn_ipt_exec(bool ipv6, const char *const *argv, char **out);

#endif
