#!/bin/sh
# tests/storage/ceph.sh: a single-node Ceph cluster with the RADOS Gateway, for the S3 tests.
#
#   ceph.sh start DIR            monitor, one OSD on memstore, radosgw on 127.0.0.1:<free port>,
#                                an S3 user; writes DIR/env (S3_ENDPOINT, S3_ACCESS_KEY,
#                                S3_SECRET_KEY, S3_REGION, MON_PID, OSD_PID, RGW_PID)
#   ceph.sh stop DIR             stops the gateway, the OSD, the monitor, one at a time by PID
#   ceph.sh pause-gateway DIR    SIGSTOP to the gateway: connections hang, nothing answers
#   ceph.sh resume-gateway DIR   SIGCONT
#
# The OSD keeps its objects in memory: CEPH_SH_MEMSTORE_BYTES (default 3 GiB) bounds them; a
# full OSD makes writes wait, which the client sees as a timeout.
# With CEPH_SH_OWNER=<pid> in the environment, start also leaves a watcher that stops the
# cluster once that process is gone (a test killed before its teardown leaves nothing behind).
#
# Runs as root without systemd, from Debian's ceph-mon ceph-osd radosgw ceph-common. No
# manager, auth none (ms_mon_client_mode = crc, or the gateway hangs on auth), fast paxos so
# that start-up takes seconds. DIR must be short: admin sockets fail beyond 107 characters.
set -eu

die() {
    echo "ceph.sh: $*" >&2
    exit 1
}

[ $# -eq 2 ] || die "usage: ceph.sh start|stop|pause-gateway|resume-gateway DIR"
cmd=$1
dir=$2

# A TCP port on 127.0.0.1 that nothing listens on now.
free_port() {
    while :; do
        p=$(( $(od -An -N2 -tu2 /dev/urandom) % 20000 + 20000 ))
        if ! ss -Htln "sport = :$p" | grep -q .; then
            echo "$p"
            return
        fi
    done
}

# Waits up to $2 tenths of a second for command $1 to succeed.
wait_for() {
    n=0
    while ! eval "$1" >/dev/null 2>&1; do
        n=$((n + 1))
        [ "$n" -lt "$2" ] || return 1
        sleep 0.1
    done
}

# Stops one daemon by PID: TERM, then KILL after 10 s; waits until it is gone.
stop_pid() {
    pid=$1
    [ -n "$pid" ] || return 0
    kill -0 "$pid" 2>/dev/null || return 0
    kill -CONT "$pid" 2>/dev/null || true
    kill -TERM "$pid" 2>/dev/null || true
    n=0
    while kill -0 "$pid" 2>/dev/null; do
        n=$((n + 1))
        if [ "$n" -eq 100 ]; then
            kill -KILL "$pid" 2>/dev/null || true
        fi
        [ "$n" -lt 200 ] || die "process $pid does not stop"
        sleep 0.1
    done
}

pid_of() {
    if [ -f "$dir/run/$1.pid" ]; then
        cat "$dir/run/$1.pid"
    fi
}

start() {
    for b in ceph-mon ceph-osd radosgw radosgw-admin ceph monmaptool; do
        command -v "$b" >/dev/null || die "$b not found (apt-get install ceph-mon ceph-osd radosgw ceph-common)"
    done
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    [ ${#dir} -lt 80 ] || die "$dir: path too long for admin sockets (keep it under 80 characters)"
    mkdir -p "$dir/mon" "$dir/osd" "$dir/rgw" "$dir/run" "$dir/log"
    fsid=$(cat /proc/sys/kernel/random/uuid)
    mon_port=$(free_port)
    rgw_port=$(free_port)
    conf=$dir/ceph.conf
    cat >"$conf" <<EOF
[global]
fsid = $fsid
mon_host = [v2:127.0.0.1:$mon_port]
mon_initial_members = a
public_addr = 127.0.0.1
cluster_addr = 127.0.0.1
ms_bind_ipv6 = false
ms_bind_ipv4 = true
auth_cluster_required = none
auth_service_required = none
auth_client_required = none
ms_mon_client_mode = crc
ms_mon_cluster_mode = crc
ms_mon_service_mode = crc
ms_client_mode = crc
ms_cluster_mode = crc
ms_service_mode = crc
run_dir = $dir/run
admin_socket = $dir/run/\$name.asok
pid_file = $dir/run/\$name.pid
log_file = $dir/log/\$name.log
log_to_stderr = false
err_to_stderr = false
keyring = $dir/keyring
osd_pool_default_size = 1
osd_pool_default_min_size = 1
osd_pool_default_pg_num = 8
osd_pool_default_pgp_num = 8
osd_pool_default_pg_autoscale_mode = off
osd_crush_chooseleaf_type = 0
mon_allow_pool_size_one = true
mon_warn_on_pool_no_redundancy = false
mon_max_pg_per_osd = 1000
mon_data_avail_warn = 1
mon_data_avail_crit = 0
paxos_propose_interval = 0.05
paxos_min_wait = 0.01
auth_allow_insecure_global_id_reclaim = false

[mon]
mon_data = $dir/mon

[osd]
osd_data = $dir/osd
osd_objectstore = memstore
memstore_device_bytes = ${CEPH_SH_MEMSTORE_BYTES:-3221225472}
osd_max_object_size = 134217728

[client.rgw]
rgw_data = $dir/rgw
rgw_frontends = beast endpoint=127.0.0.1:$rgw_port
rgw_dns_name = localhost
rgw_enable_usage_log = false
rgw_thread_pool_size = 64
# Space of overwritten and deleted objects comes back within a minute, not two hours.
rgw_gc_obj_min_wait = 30
rgw_gc_processor_period = 30
EOF
    ceph-authtool --create-keyring "$dir/keyring" --gen-key -n mon. --cap mon 'allow *' >/dev/null
    monmaptool --create --fsid "$fsid" --addv a "[v2:127.0.0.1:$mon_port]" "$dir/monmap" >/dev/null
    ceph-mon -c "$conf" -i a --mkfs --monmap "$dir/monmap" --keyring "$dir/keyring"
    timeout 30 ceph-mon -c "$conf" -i a </dev/null >/dev/null 2>&1 || die "the monitor did not start (see $dir/log)"
    wait_for "[ -s $dir/run/mon.a.pid ]" 100 || die "the monitor did not start (see $dir/log)"
    osd_uuid=$(cat /proc/sys/kernel/random/uuid)
    id=$(ceph -c "$conf" --connect-timeout 20 osd new "$osd_uuid")
    [ "$id" = 0 ] || die "unexpected OSD id $id"
    ceph-osd -c "$conf" -i 0 --mkfs --osd-uuid "$osd_uuid" >/dev/null 2>&1 || die "ceph-osd --mkfs failed (see $dir/log)"
    timeout 30 ceph-osd -c "$conf" -i 0 </dev/null >/dev/null 2>&1 || die "the OSD did not start (see $dir/log)"
    wait_for "[ -s $dir/run/osd.0.pid ]" 100 || die "the OSD did not start (see $dir/log)"
    timeout 30 radosgw -c "$conf" -n client.rgw </dev/null >/dev/null 2>&1 || die "the gateway did not start (see $dir/log)"
    wait_for "curl -s -o /dev/null http://127.0.0.1:$rgw_port/" 300 ||
        die "the gateway does not answer on 127.0.0.1:$rgw_port (see $dir/log)"
    access=$(od -An -N10 -tx1 /dev/urandom | tr -d ' \n' | tr a-f A-F)
    secret=$(od -An -N20 -tx1 /dev/urandom | tr -d ' \n')
    radosgw-admin -c "$conf" -n client.rgw user create --uid=custody --display-name=Custody \
        --access-key="$access" --secret-key="$secret" >/dev/null 2>&1 ||
        die "radosgw-admin user create failed"
    umask 077
    cat >"$dir/env" <<EOF
S3_ENDPOINT=http://127.0.0.1:$rgw_port
S3_ACCESS_KEY=$access
S3_SECRET_KEY=$secret
S3_REGION=default
MON_PID=$(pid_of mon.a)
OSD_PID=$(pid_of osd.0)
RGW_PID=$(pid_of client.rgw)
EOF
    if [ -n "${CEPH_SH_OWNER:-}" ]; then
        owner=$CEPH_SH_OWNER
        self=$0
        (
            trap - EXIT
            while kill -0 "$owner" 2>/dev/null && [ -f "$dir/env" ]; do
                sleep 1
            done
            [ ! -f "$dir/env" ] || "$self" stop "$dir"
        ) </dev/null >"$dir/log/watch.log" 2>&1 &
        echo $! >"$dir/run/watch.pid"
    fi
}

case $cmd in
start)
    # A folder left by an earlier run (a cluster that was not stopped, or its data): its
    # daemons stopped and the folder made anew, so the monitor's map starts fresh.
    if [ -d "$dir" ]; then
        stop_pid "$(pid_of client.rgw)"
        stop_pid "$(pid_of osd.0)"
        stop_pid "$(pid_of mon.a)"
        rm -rf "$dir"
    fi
    # Whatever started is stopped again if a step fails.
    trap '"$0" stop "$dir" >/dev/null 2>&1 || true' EXIT
    start
    trap - EXIT
    ;;
stop)
    # The watcher, unless it is the one stopping (this process, or its parent).
    w=$(pid_of watch)
    if [ -n "$w" ] && [ "$w" != "$$" ] && [ "$w" != "$PPID" ]; then
        stop_pid "$w"
    fi
    stop_pid "$(pid_of client.rgw)"
    stop_pid "$(pid_of osd.0)"
    stop_pid "$(pid_of mon.a)"
    rm -f "$dir/env"
    ;;
pause-gateway)
    pid=$(pid_of client.rgw)
    [ -n "$pid" ] || die "no gateway in $dir"
    kill -STOP "$pid"
    ;;
resume-gateway)
    pid=$(pid_of client.rgw)
    [ -n "$pid" ] || die "no gateway in $dir"
    kill -CONT "$pid"
    ;;
*)
    die "unknown command $cmd"
    ;;
esac
