#!/bin/bash
# make pi-check: a Raspberry Pi without the Pi. Builds a Debian bookworm arm64 root with debootstrap, runs it under
# qemu-user (binfmt_misc), installs the kiosk and display bundles in it with systemd/install.sh (Debian's packages
# from the mirror, the wheels from the bundles only), then tools/pi_check.py runs check-config, the kiosk and the
# display inside it against a core on this machine, with a fake printer and a pty LED line, and saves pictures.
#
#   sudo tools/pi-check.sh            # everything, into var/pi-check/ (pictures in var/pi-check/pictures/)
#   PI_MIRROR=http://mirror.hall/debian tools/pi-check.sh
#
# The debootstrapped root is kept (var/pi-check/root) and copied fresh for every run (var/pi-check/run), so a
# second run starts from a blank system again without downloading it. Needs root, debootstrap, qemu-user-static
# and binfmt-support (Debian's packages; `make pi-check` installs them).
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
var=$repo/var/pi-check
base=$var/root
run=$var/run
mirror=${PI_MIRROR:-http://deb.debian.org/debian}
python=${PYTHON:-$repo/.venv/bin/python}
started=$(date +%s)

say() { echo "pi-check: $* ($(($(date +%s) - started)) s)"; }
die() { echo "pi-check: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "run as root: debootstrap, chroot and mounts need it"
command -v debootstrap >/dev/null || die "no debootstrap: apt-get install debootstrap"
[ -x /usr/bin/qemu-aarch64-static ] || die "no qemu-aarch64-static: apt-get install qemu-user-static binfmt-support"
mkdir -p "$var"

# --- the kernel must hand arm64 programs to qemu: binfmt_misc, registered by binfmt-support -----------------------
binfmt=/proc/sys/fs/binfmt_misc
[ -e "$binfmt/register" ] || mount -t binfmt_misc binfmt_misc "$binfmt" 2>/dev/null || true
[ -e "$binfmt/qemu-aarch64" ] || update-binfmts --enable qemu-aarch64 2>/dev/null || true
emulated=""
if grep -qx enabled "$binfmt/qemu-aarch64" 2>/dev/null && grep -q '^flags: .*F' "$binfmt/qemu-aarch64"; then
  emulated=1
else
  echo "pi-check: arm64 programs cannot run here: binfmt_misc has no enabled qemu-aarch64 entry with the F flag" >&2
  echo "pi-check: (a container without the privilege to mount binfmt_misc or write its register)." >&2
  echo "pi-check: going on as far as that allows: the bundles and the first stage of the root." >&2
fi

# --- the bundles: the Pi's wheels only --------------------------------------------------------------------------
rm -rf "$var/dist"
"$python" "$repo/tools/bundle.py" --role kiosk --role display --platform arm64 --out "$var/dist"
say "bundles built"

# --- the root: Raspberry Pi OS Lite's Debian, with its Python; everything else comes from the installer ----------
if [ ! -f "$base/.pi-check" ]; then
  rm -rf "$base.new"
  if [ -z "$emulated" ]; then
    debootstrap --foreign --arch=arm64 --variant=minbase --include=python3 bookworm "$base.new" "$mirror"
    say "first stage of the root done in $base.new; the second stage needs arm64 programs to run"
    exit 2
  fi
  debootstrap --arch=arm64 --variant=minbase --include=python3 bookworm "$base.new" "$mirror" >"$var/debootstrap.log"
  touch "$base.new/.pi-check"
  rm -rf "$base"
  mv "$base.new" "$base"
  say "root made with debootstrap"
fi

# --- a fresh copy of it, with /proc, /sys and /dev, and stand-ins for what only a booted Pi has -------------------
unmount() { for m in dev sys proc; do umount -R "$run/$m" 2>/dev/null || umount -lR "$run/$m" 2>/dev/null || true; done; }
unmount
for m in dev sys proc; do ! mountpoint -q "$run/$m" || die "$run/$m is still mounted: unmount it before anything removes $run"; done
rm -rf --one-file-system "$run"
cp -a "$base" "$run"
trap unmount EXIT
mount -t proc proc "$run/proc"
mount --rbind /sys "$run/sys" && mount --make-rslave "$run/sys"
mount --rbind /dev "$run/dev" && mount --make-rslave "$run/dev"
cp /etc/resolv.conf "$run/etc/resolv.conf"
# no systemd runs in a chroot: systemctl and udevadm write down what they were asked, and no package starts a service
for tool in systemctl udevadm; do
  printf '#!/bin/sh\necho "%s $*" >>/var/log/pi-check-system.log\n' "$tool" >"$run/usr/local/sbin/$tool"
  chmod 0755 "$run/usr/local/sbin/$tool"
done
printf '#!/bin/sh\nexit 101\n' >"$run/usr/sbin/policy-rc.d" && chmod 0755 "$run/usr/sbin/policy-rc.d"
chroot "$run" /usr/bin/uname -m | grep -qx aarch64 || die "the root's programs do not run as arm64"
say "root ready in $run"

"$python" "$repo/tools/pi_check.py" --root "$run" --bundles "$var/dist" --out "$var/pictures" --started "$started"
