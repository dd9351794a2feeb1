/*
 * datanode.h - a datanode (`gt-data serve`): the region engine of one
 * data directory, served over the region RPC (region_server.h), kept
 * registered with gt-meta by heartbeats.
 *
 * Heartbeat (the gt-meta contract, through meta-api.h): every heartbeat_ms,
 * POST http://META/v1/heartbeat {"node_id":N,"addr":ADDR,"regions":
 * [{"region_id":R,"rows":..,"bytes":..,"memtable_bytes":..}]}; the answer
 * {"lease_ms":L,"open":[{"region_id":R,"dir":D}]} lists regions routed
 * here that this node did not report: they are opened (this is how a
 * restarted datanode gets its regions back).  The node is ready once it
 * listens and its first heartbeat was answered.
 *
 * Calling sequence: gt_datanode_start(), gt_datanode_ready() until true
 * (or the program is told to stop), gt_datanode_stop() (stops the
 * heartbeats and the server, flushes and closes the engine).
 */
#ifndef GT_DATANODE_H
#define GT_DATANODE_H

#include "region.h"

struct gt_datanode;

struct gt_datanode_opts {
	const char *data_home;
	const char *addr;        /* unix:PATH or HOST:PORT to serve the region RPC on */
	const char *meta;        /* HOST:PORT of gt-meta */
	uint64_t node_id;
	int heartbeat_ms;        /* 0 = 1000 */
	int wal_sync;            /* enum gt_wal_sync */
	uint64_t wal_purge_bytes;  /* 0 = the WAL's default */
	uint64_t memtable_bytes;   /* 0 = the engine's default */
	gt_log_fn log;
	void *log_ctx;
};

int gt_datanode_start(struct gt_datanode **out, const struct gt_datanode_opts *o, struct gt_err *err);
/* Listening, and gt-meta answered a heartbeat. */
bool gt_datanode_ready(struct gt_datanode *d);
/* The address it serves on (a TCP port 0 resolved). */
const char *gt_datanode_addr(const struct gt_datanode *d);
void gt_datanode_stop(struct gt_datanode *d);

#endif
