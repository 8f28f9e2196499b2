#!/usr/bin/env bash
# tests/pkg/test_deb.sh BUILD_DIR: the Debian package as an administrator meets it. Builds it
# with cpack, reads its control data (name, Depends: runtime libraries and no -dev package,
# conffiles, maintainer scripts) and contents (paths, modes, owners), then installs it with
# dpkg --root into a scratch root that is this system seen through overlays (so Depends are
# checked against the packages really installed, and the maintainer scripts run chrooted,
# for real: adduser, `custody init` as the custody user, deb-systemd-helper). Checks the
# user, the home and its modes, the unit (`systemd-analyze verify`, warnings included), the
# installed layout (custody finds /usr/lib/custody/custody-worker), that the scripts can run
# again, and that remove and purge keep every byte of the evidence. Nothing outside the
# scratch root changes: it lives in a mount namespace of its own, on a tmpfs.
set -euo pipefail

build=$(cd "${1:?usage: test_deb.sh BUILD_DIR}" && pwd)
cpack=${CPACK:-cpack}
# shellcheck source=tests/pkg/testlib.sh
. "$(dirname "$0")/testlib.sh"

if [ "${1:-}" != --inside ] && [ "${2:-}" != --inside ]; then
    [ "$(id -u)" = 0 ] || { echo "SKIP: needs root (dpkg --root, chroot, mounts)"; exit 77; }
    unshare --mount --propagation private true 2>/dev/null ||
        { echo "SKIP: cannot make a mount namespace here"; exit 77; }
    work=$(mktemp -d "${TMPDIR:-/tmp}/custody-deb.XXXXXX")
    trap 'rm -rf "$work"' EXIT
    start=$(date +%s)

    # 1. The package, from this build folder.
    version=$(sed -n 's/^set(CPACK_PACKAGE_VERSION "\(.*\)")$/\1/p' "$build/CPackConfig.cmake")
    (cd "$build" && "$cpack" -G DEB -B "$work/cpack" >"$work/cpack.log" 2>&1) ||
        { cat "$work/cpack.log"; fail "cpack -G DEB"; }
    deb=$work/cpack/custody_${version}_amd64.deb
    [ -f "$deb" ] || fail "no $deb: $(ls "$work/cpack")"
    ok "cpack made $(basename "$deb")"

    # 2. Control data.
    [ "$(dpkg-deb -f "$deb" Package)" = custody ] || fail "Package"
    [ "$(dpkg-deb -f "$deb" Version)" = "$version" ] || fail "Version"
    depends=$(dpkg-deb -f "$deb" Depends)
    echo "# Depends: $depends"
    if grep -Eq -- '-dev([ ,(]|$)' <<<"$depends"; then fail "a -dev package in Depends"; fi
    for lib in libuv1 libh2o libsqlite3-0 libssl3 libjansson4 libavformat59 libavcodec59 \
        libexif12 adduser; do
        grep -Eq "(^|, )${lib}[^,]*" <<<"$depends" || fail "Depends lacks $lib"
    done
    ok "Depends names the runtime libraries and adduser, no -dev package"
    dpkg-deb -e "$deb" "$work/control"
    [ "$(cat "$work/control/conffiles")" = /etc/custody/custody.conf ] || fail "conffiles"
    for s in postinst prerm postrm; do
        [ "$(stat -c %a "$work/control/$s")" = 755 ] || fail "$s is not 0755"
        sh -n "$work/control/$s" || fail "$s: sh -n"
    done
    ok "conffiles is /etc/custody/custody.conf; postinst, prerm, postrm are 0755 and parse"

    # 3. Contents: path, mode, owner.
    dpkg-deb -c "$deb" | awk '{print $1, $2, $6}' >"$work/contents"
    while read -r mode path; do
        grep -qxF -- "$mode root/root $path" "$work/contents" ||
            fail "expected $mode root/root $path in: $(cat "$work/contents")"
    done <<'LIST'
-rwxr-xr-x ./usr/bin/custody
-rwxr-xr-x ./usr/lib/custody/custody-worker
-rw-r--r-- ./lib/systemd/system/custody.service
-rw-r--r-- ./etc/custody/custody.conf
-rw-r--r-- ./usr/share/man/man1/custody.1.gz
-rw-r--r-- ./usr/share/man/man5/custody.conf.5.gz
-rw-r--r-- ./usr/share/bash-completion/completions/custody
-rw-r--r-- ./usr/share/doc/custody/README.md
LIST
    if grep -v ' root/root ' "$work/contents"; then fail "a file not owned by root"; fi
    dpkg-deb -x "$deb" "$work/x"
    "$build/custody" config --defaults | cmp - "$work/x/etc/custody/custody.conf" ||
        fail "/etc/custody/custody.conf is not what custody init writes"
    ok "files, modes and owners; custody.conf is what custody init writes"

    # 4. Installed into a scratch root, in a mount namespace of its own.
    CHECKS=$checks unshare --mount --propagation private -- bash "$0" "$build" --inside "$deb" "$work" ||
        fail "in the scratch root (above)"
    echo "# $(($(date +%s) - start)) s"
    exit 0
fi

# --- inside the mount namespace: $3 the package, $4 the work folder ---
deb=$3
work=$4
export PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C.UTF-8
R=$work/root
scratch=$work/scratch
mkdir -p "$scratch"
mount -t tmpfs -o mode=0755 tmpfs "$scratch"
# This system read-only below, the scratch root's changes on the tmpfs above it.
overlay() {
    mkdir -p "$scratch/up$2" "$scratch/work$2" "$R$1"
    mount -t overlay overlay \
        -o "lowerdir=$1,upperdir=$scratch/up$2,workdir=$scratch/work$2" "$R$1"
}
mkdir -p "$R"
mount -t tmpfs -o mode=0755 tmpfs "$R"
mkdir -p "$R/var/log" "$R/var/lib" "$R/tmp" "$R/dev" "$R/proc" "$R/run"
overlay /usr 1
overlay /etc 2
overlay /var/lib/dpkg 3
for d in bin sbin lib lib64; do ln -s "usr/$d" "$R/$d"; done
chmod 1777 "$R/tmp"
mount --bind /dev "$R/dev"
mount --rbind /proc "$R/proc"
in_root() { chroot "$R" "$@"; }
as_custody() { chroot "$R" setpriv --reuid=custody --regid=custody --clear-groups "$@"; }
home=/var/lib/custody
if in_root getent passwd custody >/dev/null; then
    echo "# this system has a custody user already: the user checks see that one"
fi

dpkg --root="$R" -i "$deb" >"$work/install.log" 2>&1 || { cat "$work/install.log"; fail "dpkg -i"; }
ok "dpkg --root -i: Depends satisfied by this system's packages, postinst ran"

IFS=: read -r _ _ uid gid _ uhome shell < <(in_root getent passwd custody)
if [ "$uhome" != $home ] || [ "$shell" != /usr/sbin/nologin ] || [ "$uid" -ge 1000 ]; then
    fail "custody user: uid $uid home $uhome shell $shell"
fi
[ "$(in_root getent group custody | cut -d: -f3)" = "$gid" ] || fail "custody group"
[ "$(in_root stat -c '%a %U %G' $home)" = "750 custody custody" ] ||
    fail "$home: $(in_root stat -c '%a %U %G' $home)"
[ "$(in_root stat -c '%a %U' $home/ledger.key)" = "600 custody" ] || fail "ledger.key"
for p in catalog.db store uploads ledger.pub; do
    [ "$(in_root stat -c %U "$home/$p")" = custody ] || fail "$home/$p"
done
[ "$(readlink "$R$home/custody.conf")" = /etc/custody/custody.conf ] || fail "custody.conf link"
ok "system user custody (uid $uid, nologin); $home 0750, initialised by custody, key 0600"

[ "$(readlink "$R/etc/systemd/system/multi-user.target.wants/custody.service")" = \
    /lib/systemd/system/custody.service ] || fail "the unit is not enabled"
in_root systemd-analyze verify /lib/systemd/system/custody.service >"$work/verify.log" 2>&1 ||
    { cat "$work/verify.log"; fail "systemd-analyze verify"; }
[ ! -s "$work/verify.log" ] || { cat "$work/verify.log"; fail "systemd-analyze verify warned"; }
for line in Type=notify User=custody "ExecStart=/usr/bin/custody serve" ProtectSystem=strict \
    ReadWritePaths=/var/lib/custody NoNewPrivileges=yes PrivateTmp=yes ProtectHome=yes \
    "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6" SystemCallFilter=@system-service \
    MemoryDenyWriteExecute=yes CapabilityBoundingSet= UMask=0027 SyslogIdentifier=custody \
    Environment=CUSTODY_HOME=/var/lib/custody; do
    grep -q "^$line" "$R/lib/systemd/system/custody.service" || fail "the unit lacks $line"
done
exposure=$(in_root systemd-analyze security --offline=yes custody.service 2>/dev/null |
    sed -n 's/.*exposure level for custody.service: \([0-9.]*\).*/\1/p')
echo "# systemd-analyze security: exposure $exposure"
awk -v e="$exposure" 'BEGIN { exit !(e != "" && e + 0 <= 2.0) }' ||
    fail "exposure $exposure, more than 2.0"
ok "unit enabled, verified with no warning, sandboxed (exposure $exposure)"

# The installed layout: the service's environment, the worker in /usr/lib/custody.
printf 'not a recording\n' >"$R/tmp/note.txt"
as_custody env CUSTODY_HOME=$home CUSTODY_CONFIG=/etc/custody/custody.conf \
    custody config >"$work/config.out" || fail "custody config as custody"
grep -q '^api.listen = 127.0.0.1:8420$' "$work/config.out" || fail "custody config"
as_custody custody probe --home $home --json /tmp/note.txt >"$work/probe.out" 2>&1 ||
    { cat "$work/probe.out"; fail "custody probe (the installed worker)"; }
printf 'evidence bytes\n' >"$R/tmp/clip.bin"
as_custody custody ingest --home $home --case '任水罚〔2023〕12号' /tmp/clip.bin \
    >"$work/ingest.out" 2>&1 || { cat "$work/ingest.out"; fail "custody ingest"; }
sha=$(sha256sum <"$R/tmp/clip.bin" | cut -c1-64)
object=$home/store/objects/sha256/${sha:0:2}/${sha:2:2}/$sha
[ -f "$R$object" ] || fail "no stored object $object"
man -l "$R/usr/share/man/man1/custody.1.gz" 2>/dev/null | grep -q 'custody serve' || fail "man page"
ok "installed custody finds its worker and config; an item is stored; man custody renders"

# Again: the maintainer scripts and a reinstall change nothing that is there.
key=$(sha256sum <"$R$home/ledger.key")
in_root /var/lib/dpkg/info/custody.postinst configure "$(dpkg-deb -f "$deb" Version)" \
    >"$work/again.log" 2>&1 || { cat "$work/again.log"; fail "postinst configure, again"; }
grep -q 'already initialised; nothing changed' "$work/again.log" || fail "postinst again: $(cat "$work/again.log")"
dpkg --root="$R" -i "$deb" >"$work/reinstall.log" 2>&1 ||
    { cat "$work/reinstall.log"; fail "dpkg -i, again"; }
[ "$(sha256sum <"$R$home/ledger.key")" = "$key" ] || fail "the ledger key changed"
[ "$(in_root getent passwd custody | cut -d: -f3)" = "$uid" ] || fail "the user changed"
ok "postinst run again and a reinstall change nothing (user, key, home)"

# Remove, then purge: the evidence stays, byte for byte.
dpkg --root="$R" -r custody >"$work/remove.log" 2>&1 || { cat "$work/remove.log"; fail "dpkg -r"; }
[ ! -e "$R/usr/bin/custody" ] || fail "/usr/bin/custody is still there after remove"
[ -f "$R/etc/custody/custody.conf" ] || fail "remove took the conffile"
[ -f "$R$object" ] || fail "remove touched the evidence"
[ -f "$R$home/catalog.db" ] || fail "remove touched the catalog"
dpkg --root="$R" -P custody >"$work/purge.log" 2>&1 || { cat "$work/purge.log"; fail "dpkg -P"; }
[ ! -e "$R/etc/custody" ] || fail "/etc/custody is still there after purge"
! in_root getent passwd custody >/dev/null || fail "the custody user is still there after purge"
! in_root getent group custody >/dev/null || fail "the custody group is still there after purge"
[ ! -e "$R/etc/systemd/system/multi-user.target.wants/custody.service" ] || fail "still enabled"
[ "$(sha256sum <"$R$object" | cut -c1-64)" = "$sha" ] || fail "purge changed the evidence"
[ "$(sha256sum <"$R$home/ledger.key")" = "$key" ] || fail "purge changed the ledger key"
[ -f "$R$home/catalog.db" ] || fail "purge took the catalog"
grep -q "$home is kept" "$work/purge.log" || fail "purge does not say the home is kept"
ok "remove and purge keep $home whole; purge removes the user, group, config, unit state"

# A new install takes over the kept home, even when the old user id now belongs to another.
in_root adduser --system --no-create-home --quiet decoy
dpkg --root="$R" -i "$deb" >"$work/adopt.log" 2>&1 || { cat "$work/adopt.log"; fail "dpkg -i after purge"; }
grep -q 'giving it to custody:custody' "$work/adopt.log" || echo "# (the old id was free again)"
[ "$(in_root stat -c '%U %G' $home $home/catalog.db $home/ledger.key | sort -u)" = "custody custody" ] ||
    fail "the kept home is not custody's"
as_custody custody verify --home $home --all >"$work/verify-all.out" 2>&1 ||
    { cat "$work/verify-all.out"; fail "custody verify --all on the kept home"; }
as_custody custody ledger verify --home $home >"$work/ledger.out" 2>&1 ||
    { cat "$work/ledger.out"; fail "custody ledger verify on the kept home"; }
ok "a new install takes over the kept home: verify --all and ledger verify pass"
echo "$checks passed, 0 failed"
