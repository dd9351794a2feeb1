/*
 * par.h - run independent jobs side by side: job(ctx, i) for every i in
 * [0, n), on the calling thread and up to max_threads - 1 more, each
 * taking the next undone index until none is left.  Used where one
 * request touches several regions whose waits (a WAL's fdatasync, a
 * datanode's answer) would otherwise add up one after the other.
 *
 * Jobs must not depend on each other's order; each reports through its
 * own slot of ctx.  When a thread cannot be started the others (at
 * least the caller) do its share, so every job runs exactly once.
 */
#ifndef GT_PAR_H
#define GT_PAR_H

#include <stdint.h>

void gt_par_run(uint32_t n, uint32_t max_threads, void (*job)(void *ctx, uint32_t i), void *ctx);

#endif
