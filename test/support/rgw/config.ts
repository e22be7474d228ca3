/**
 * The ceph.conf of the one-node test cluster (TESTING.md "A production S3: Ceph RGW 16.2").
 * Pure string building: no I/O, so every setting and why it is there reads in one place.
 */

/** What the config needs to know about one cluster. */
export interface CephConfigInput {
  /** Cluster id (a UUID). */
  fsid: string;
  /** Temp dir holding everything the daemons write (run, log, mon, osd, rgw). */
  dir: string;
  /** Monitor port on 127.0.0.1 (msgr v1 only). */
  monPort: number;
  /** S3 (beast frontend) port on 127.0.0.1. */
  rgwPort: number;
  /** Size of the OSD's memstore "device": the most object bytes the cluster holds. */
  memstoreBytes: number;
}

/** The id of the only monitor, OSD and gateway. */
export const MON_ID = "a";
export const OSD_ID = 0;
export const RGW_NAME = "client.rgw.a";

/** Renders ceph.conf: no auth, one replica, memstore, everything inside `dir`, loopback only. */
export function renderCephConfig(input: CephConfigInput): string {
  const { dir } = input;
  return `[global]
fsid = ${input.fsid}
mon host = v1:127.0.0.1:${input.monPort}
mon initial members = ${MON_ID}
public addr = 127.0.0.1
cluster addr = 127.0.0.1
# msgr2 would bind a second port per daemon; v1 on one known port is enough on loopback.
ms bind msgr2 = false
ms bind ipv6 = false
auth cluster required = none
auth service required = none
auth client required = none
# One OSD: one replica, pools usable with it, few placement groups, no autoscaler.
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
mon allow pool size one = true
mon warn on pool no redundancy = false
mon max pg per osd = 1000
# A shared test machine's disk may be fuller than Ceph likes; the data lives in memory anyway.
mon data avail warn = 1
mon data avail crit = 0
run dir = ${dir}/run
admin socket = ${dir}/run/$name.asok
log file = ${dir}/log/$name.log
pid file = ${dir}/run/$name.pid
keyring = ${dir}/keyring
mon data = ${dir}/mon/$cluster-$id
osd data = ${dir}/osd/$cluster-$id
# memstore: objects in RAM, no disk to prepare.
osd objectstore = memstore
memstore device bytes = ${input.memstoreBytes}
# Pacific's OSD can abort on start ("wrong fsid") when it sends these before it has the monmap;
# the OSD is added to the crush map by hand instead.
osd class update on start = false
osd crush update on start = false

[${RGW_NAME}]
rgw frontends = beast endpoint=127.0.0.1:${input.rgwPort}
rgw data = ${dir}/rgw
rgw thread pool size = 64
# Deleted and aborted objects go to the garbage collector, which by default waits 2 hours: free the
# memstore within seconds instead, so long runs (the soak) that delete what they verified fit in it.
rgw gc obj min wait = 5
rgw gc processor period = 5
rgw gc processor max time = 5
`;
}
