#!/bin/bash
# Install or update one onewindow role on Raspberry Pi OS Lite 64-bit (or Debian 12), from this checkout. Safe to
# run again: it checks the role file against the new code first, stops only what the update changes, installs,
# and starts again what it stopped; the site's own settings are never touched.
#
#   sudo systemd/install.sh core    hall.toml                      # the dispatch core, with its hall file
#   sudo systemd/install.sh kiosk   kiosk-1.toml                   # a kiosk Pi
#   sudo systemd/install.sh display display-1.toml                 # a display Pi
#   sudo systemd/install.sh caller  caller-keypads.toml keypads    # a caller process named "keypads"
#   sudo systemd/install.sh kiosk                                  # an update, keeping /etc/onewindow/kiosk.toml
#   sudo systemd/install.sh --bundle onewindow-0.1.0-kiosk.tar.gz kiosk kiosk-1.toml   # offline, from a bundle
#
#   --bundle FILE  install from an offline bundle (`make bundle`) instead of this checkout: its wheels only, no
#                PyPI (pip --no-index); the same happens when this script is run from an unpacked bundle
#   --dry-run    print the steps instead of taking them
#   --root DIR   install into DIR instead of / (tests): no packages, users, udev or systemd are touched; what
#                they would be asked is appended to DIR/system.log, and DIR/active lists the units "running"
#
# Ours, replaced by every run: /opt/onewindow/venv (the package and the versions of requirements/ROLE.txt), the
# units in /usr/local/lib/systemd/system/, /usr/local/lib/udev/rules.d/70-onewindow.rules.
# The site's, written only when missing: /etc/default/onewindow, /etc/udev/rules.d/71-onewindow-site.rules; never
# written: drop-ins in /etc/systemd/system/onewindow-*.service.d/. A role file given again replaces the
# installed one, which is kept beside it as .old.
set -euo pipefail

dry="" root="" bundle=""
args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --dry-run) dry=1 ;;
    --bundle) [ $# -ge 2 ] || { echo "install.sh: --bundle needs an archive" >&2; exit 1; }
              bundle=$(realpath "$2"); shift ;;
    --root) [ $# -ge 2 ] || { echo "install.sh: --root needs a folder" >&2; exit 1; }
            root=$(realpath -m "$2"); shift ;;
    *) args+=("$1") ;;
  esac
  shift
done
role=${args[0]:-}
file="" name=""
for a in "${args[@]:1}"; do
  if [[ "$a" == *.toml || -f "$a" ]]; then file=$a; else name=$a; fi
done
repo=$(cd "$(dirname "$0")/.." && pwd)
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT

die() { echo "install.sh: $*" >&2; exit 1; }
say() { echo "install.sh: $*"; }
run() { if [ -n "$dry" ]; then echo "+ $*"; else "$@"; fi; }
# packages, users and udev belong to the machine: under --root they are only written down
system() { if [ -n "$root" ]; then echo "$*" >>"$root/system.log"; else run "$@"; fi; }
sctl() {
  if [ -z "$root" ]; then run systemctl "$@"; return; fi
  echo "systemctl $*" >>"$root/system.log"
  touch "$root/active"
  case "$1" in
    start) printf '%s\n' "${@:2}" >>"$root/active"; sort -u -o "$root/active" "$root/active" ;;
    stop) grep -vxF -f <(printf '%s\n' "${@:2}") "$root/active" >"$root/active.new" || true
          mv "$root/active.new" "$root/active" ;;
  esac
}
running() {
  if [ -n "$root" ]; then cat "$root/active" 2>/dev/null || true
  elif [ -z "$dry" ]; then systemctl list-units --type=service,timer --state=active --plain --no-legend 'onewindow-*' | awk '{print $1}'
  fi
}

# what SDL's KMSDRM video driver loads at run time (pygame-ce's wheel carries SDL itself, not these); GBM and EGL
# load the GPU's own driver (v3d on a Pi 4 and 5) from libgl1-mesa-dri, which nothing else pulls in without
# recommends: the Pi check showed EGL missing its driver before it was listed here
SDL="libdrm2 libgbm1 libegl1 libgles2 libgl1-mesa-dri"
also="" timer=""
case "$role" in
  core)    extra=postgres lock=core packages="python3-venv sqlite3"
           unit=onewindow-core.service shipped=onewindow-core.service target=hall.toml
           # the nightly backup of the core's database comes with it
           also="onewindow-backup.service onewindow-backup.timer" timer=onewindow-backup.timer ;;
  kiosk)   extra=kiosk lock=kiosk packages="python3-venv fonts-noto-cjk libusb-1.0-0 $SDL"
           unit=onewindow-kiosk.service shipped=onewindow-kiosk.service target=kiosk.toml ;;
  display) extra=display lock=display packages="python3-venv fonts-noto-cjk libasound2 $SDL"
           unit=onewindow-display.service shipped=onewindow-display.service target=display.toml ;;
  caller)  # evdev has no wheel for the Pi: it is built there, the one role that needs a compiler
           extra=caller lock=caller packages="python3-venv python3-dev gcc linux-libc-dev"
           [ -n "$name" ] || die "a caller needs a name for its process: install.sh caller FILE NAME"
           unit="onewindow-caller@$name.service" shipped="onewindow-caller@.service" target="caller-$name.toml" ;;
  *) die "usage: install.sh core|kiosk|display|caller [FILE] [NAME] [--bundle FILE] [--dry-run] [--root DIR]" ;;
esac

opt=$root/opt/onewindow
venv=$opt/venv
etc=$root/etc/onewindow
units=$root/usr/local/lib/systemd/system
rules=$root/usr/local/lib/udev/rules.d
site_rules=$root/etc/udev/rules.d/71-onewindow-site.rules
defaults=$root/etc/default/onewindow
[ -n "$file" ] || [ -f "$etc/$target" ] || die "give the role's configuration file (see config/examples/)"
[ -z "$file" ] || [ -f "$file" ] || die "no file $file"
[ -n "$dry$root" ] || [ "$(id -u)" = 0 ] || die "run as root (sudo)"
config=${file:-$etc/$target}

# --- an offline bundle: everything below comes from it (wheels, lock, units, rules), and pip asks no index ----
if [ -n "$bundle" ]; then
  [ -f "$bundle" ] || die "no bundle $bundle"
  mkdir "$stage/bundle"
  tar -C "$stage/bundle" -xzf "$bundle" || die "$bundle is not a bundle (make bundle writes them)"
  repo=$(echo "$stage"/bundle/onewindow-*)
  [ -f "$repo/bundle.txt" ] || die "$bundle is not a bundle (make bundle writes them)"
elif [ -f "$repo/bundle.txt" ]; then
  bundle=$repo
fi
offline=()
if [ -n "$bundle" ]; then
  made_for=$(sed -n 's/^role=//p' "$repo/bundle.txt")
  [ "$made_for" = "$role" ] || die "$bundle is the $made_for's bundle, not the $role's"
  (cd "$repo" && sha256sum --quiet --strict -c SHA256SUMS) || die "$bundle is damaged: a file differs from SHA256SUMS"
  # --isolated: no pip.conf (Raspberry Pi OS's names piwheels) adds an index or a folder to the bundle's wheels
  offline=(--isolated --no-index --find-links "$repo/wheels")
fi
say "the onewindow $role ($unit) from ${bundle:-$repo}${root:+ into $root}"
[ -z "$root" ] || mkdir -p "$root"

missing=$(for p in $packages; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || echo "$p"; done)
if [ -n "$missing" ]; then
  system apt-get update -q
  system env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing
fi
id onewindow >/dev/null 2>&1 || system useradd --system --user-group --home-dir /var/lib/onewindow --shell /usr/sbin/nologin onewindow
run install -d -m 0755 "$opt" "$etc" "$units" "$rules" "$(dirname "$site_rules")" "$(dirname "$defaults")"
run install -d -m 0750 "$root/var/lib/onewindow"
[ -n "$root" ] || run chown onewindow:onewindow /var/lib/onewindow
[ -x "$venv/bin/python" ] || run python3 -m venv "$venv"

# --- what changed: the package (file by file), the locked versions, the unit, the rules, the role file --------
changed=()
is_changed() { [[ " ${changed[*]} " == *" $1 "* ]]; }
mark() { is_changed "$1" || changed+=("$1"); }
if [ -n "$dry" ]; then
  echo "+ build the package from $repo and compare it with $venv"
  changed=(package unit rules config)
  have_extra=""
else
  mkdir "$stage/state"
  if [ -n "$bundle" ]; then
    wheel=$(echo "$repo"/wheels/onewindow-*.whl)
  else
    # a clean copy: setuptools would pack leftovers of the checkout's build/ into the wheel
    mkdir "$stage/src"
    tar -C "$repo" --exclude=./.venv --exclude=./build --exclude=./var --exclude=./dist --exclude=./.git \
      --exclude='*.egg-info' --exclude=./tests -cf - . | tar -C "$stage/src" -xf -
    "$venv/bin/python" -m pip wheel -q --no-deps -w "$stage/wheel" "$stage/src"
    wheel=$(echo "$stage"/wheel/onewindow-*.whl)
  fi
  # the wheel's RECORD lists every file with its hash: the same code gives the same list
  "$venv/bin/python" -c 'import sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
record = next(n for n in z.namelist() if n.endswith(".dist-info/RECORD"))
print("\n".join(line for line in z.read(record).decode().splitlines() if ".dist-info/" not in line))' "$wheel" \
    >"$stage/state/package"
  cp "$repo/requirements/$lock.txt" "$stage/state/$extra"
  have_extra=$([ -f "$opt/installed/$extra" ] && echo 1 || true)
  cmp -s "$stage/state/package" "$opt/installed/package" || mark package
  cmp -s "$stage/state/$extra" "$opt/installed/$extra" || mark package
  for f in $shipped $also; do cmp -s "$repo/systemd/$f" "$units/$f" || mark unit; done
  cmp -s "$repo/systemd/70-onewindow.rules" "$rules/70-onewindow.rules" || mark rules
  cmp -s "$config" "$etc/$target" || mark config
fi
check() {
  say "checking $config"
  run "$@" check-config "$config" || die "$config is not valid: nothing was changed for the $role"
}
# the role file against the code about to run, before anything stops (once this role's libraries are here)
if [ -n "$have_extra" ]; then
  "$venv/bin/python" -m zipfile -e "$wheel" "$stage/code"
  check env PYTHONPATH="$stage/code" "$venv/bin/python" -m onewindow.cli
fi

if [ ${#changed[@]} -eq 0 ] && [[ " $(running | tr '\n' ' ') " == *" $unit "* ]]; then
  say "nothing changed; $unit keeps running"
  exit 0
fi

# --- stop what the change touches: every onewindow unit for the package, else this role's unit ---------------
stopped=()
for u in $(running); do
  [[ "$u" != *.timer ]] || continue
  if is_changed package || { [ "$u" = "$unit" ] && { is_changed unit || is_changed config; }; }; then stopped+=("$u"); fi
done
[ ${#stopped[@]} -eq 0 ] || sctl stop "${stopped[@]}"

if is_changed package; then
  run "$venv/bin/python" -m pip install -q "${offline[@]}" -c "$repo/requirements/$lock.txt" "${wheel:-onewindow.whl}[$extra]"
  run "$venv/bin/python" -m pip install -q "${offline[@]}" --no-deps --force-reinstall "${wheel:-onewindow.whl}"
  run mkdir -p "$opt/installed"
  [ -n "$dry" ] || cp "$stage/state/package" "$stage/state/$extra" "$opt/installed/"
fi
[ -n "$have_extra" ] || check "$venv/bin/onewindow"
if is_changed config; then
  [ ! -f "$etc/$target" ] || run cp -p "$etc/$target" "$etc/$target.old"
  run install -m 0640 "$config" "$etc/$target"
  [ -n "$root" ] || run chgrp onewindow "$etc/$target"
fi
[ -f "$defaults" ] || run install -m 0644 "$repo/systemd/onewindow.default" "$defaults"
if is_changed rules || [ ! -f "$site_rules" ]; then
  run install -m 0644 "$repo/systemd/70-onewindow.rules" "$rules/70-onewindow.rules"
  [ -f "$site_rules" ] || run install -m 0644 "$repo/systemd/71-onewindow-site.rules" "$site_rules"
  system udevadm control --reload
  system udevadm trigger
fi
if is_changed unit; then
  for f in $shipped $also; do run install -m 0644 "$repo/systemd/$f" "$units/$f"; done
  # an earlier installer put the unit in /etc, where it would hide the new one: kept aside, for its site edits
  if [ -f "$root/etc/systemd/system/$shipped" ] && [ ! -L "$root/etc/systemd/system/$shipped" ]; then
    run mv "$root/etc/systemd/system/$shipped" "$root/etc/systemd/system/$shipped.old"
    say "moved the old /etc/systemd/system/$shipped aside (.old): put its site changes in a drop-in"
  fi
  sctl daemon-reload
fi
sctl enable "$unit" $timer
# start what was stopped, and this role's units if they were not running
starting=("${stopped[@]}")
for u in $unit $timer; do
  [[ " $(running | tr '\n' ' ') ${stopped[*]} " == *" $u "* ]] || starting+=("$u")
done
sctl start "${starting[@]}"
say "done: ${changed[*]:-nothing} changed, started ${starting[*]}; journalctl -u $unit -f shows what it does"
