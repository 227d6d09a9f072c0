/*
 * events.h: kernel notifications a watcher needs — nftables ruleset changes
 * (nfnetlink NFNLGRP_NFTABLES: a flush, a table added or deleted, a rule
 * changed), link and address changes (rtnetlink), and a process's exit
 * (pidfd). Only "something changed" is reported; what changed is for the
 * caller to find out by comparing with what should be.
 */
#ifndef VNET_EVENTS_H
#define VNET_EVENTS_H

#include <sys/types.h>

#include "util.h"

/* Non-blocking, close-on-exec netlink sockets subscribed to nftables events (*nft) and to
 * link and IPv4/IPv6 address events (*rt). */
int vn_events_open(int *nft, int *rt, struct vn_error *err);
/* Read everything pending on an events socket; the number of messages read (an overrun of
 * the socket's buffer counts as one: events were lost, so something changed). */
int vn_events_drain(int fd);
/* A pidfd (readable when the process exits), or -errno (-ENOSYS before Linux 5.3). */
int vn_pidfd_open(pid_t pid);

#endif
