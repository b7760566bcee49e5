#!/bin/bash
# Install one onewindow role on a fresh Raspberry Pi OS (or Debian 12) machine, from this checkout.
#
#   sudo systemd/install.sh core    hall.toml          # the dispatch core, with its hall file
#   sudo systemd/install.sh kiosk   kiosk-1.toml       # a kiosk Pi
#   sudo systemd/install.sh display display-1.toml     # a display Pi
#   sudo systemd/install.sh caller  caller-keypads.toml keypads    # a caller process named "keypads"
#   add --dry-run to print what would be done
#
# It installs the Debian packages the role needs, a system user `onewindow` with only the groups the role needs,
# the code in /opt/onewindow (a virtualenv with the role's extras), the configuration in /etc/onewindow (checked
# first: an invalid file stops the installation), the udev rules and the role's systemd unit, enabled and started.
set -euo pipefail

dry=""
args=()
for a in "$@"; do
  if [ "$a" = "--dry-run" ]; then dry=1; else args+=("$a"); fi
done
role=${args[0]:-}
file=${args[1]:-}
name=${args[2]:-}
repo=$(cd "$(dirname "$0")/.." && pwd)

run() { if [ -n "$dry" ]; then echo "+ $*"; else "$@"; fi; }
die() { echo "install.sh: $*" >&2; exit 1; }

case "$role" in
  core)    extra="postgres"; packages="rsync python3-venv python3-dev gcc sqlite3"; unit="onewindow-core.service" ;;
  kiosk)   extra="kiosk"; packages="rsync python3-venv python3-dev gcc fonts-noto-cjk libusb-1.0-0"; unit="onewindow-kiosk.service" ;;
  display) extra="display"; packages="rsync python3-venv python3-dev gcc fonts-noto-cjk"; unit="onewindow-display.service" ;;
  caller)  extra="caller"; packages="rsync python3-venv python3-dev gcc linux-libc-dev"
           [ -n "$name" ] || die "a caller needs a name for its process: install.sh caller FILE NAME"
           unit="onewindow-caller@${name}.service" ;;
  *) die "usage: install.sh core|kiosk|display|caller FILE [NAME] [--dry-run]" ;;
esac
[ -n "$file" ] && [ -f "$file" ] || die "give the role's configuration file (see config/examples/)"
[ -n "$dry" ] || [ "$(id -u)" = 0 ] || die "run as root (sudo)"

case "$role" in
  core)   target=/etc/onewindow/hall.toml ;;
  caller) target=/etc/onewindow/caller-${name}.toml ;;
  *)      target=/etc/onewindow/${role}.toml ;;
esac

echo "installing the onewindow $role from $repo"
run apt-get update -q
run env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $packages

if ! id onewindow >/dev/null 2>&1; then
  run useradd --system --home-dir /var/lib/onewindow --shell /usr/sbin/nologin onewindow
fi
run install -d -o onewindow -g onewindow -m 0750 /var/lib/onewindow
run install -d -m 0755 /opt/onewindow /etc/onewindow

# the code: a copy of this checkout (voice clips and examples included) and a virtualenv with the role's extras
run rsync -a --delete --exclude .venv --exclude var --exclude .git "$repo/" /opt/onewindow/src/
[ -x /opt/onewindow/venv/bin/python ] || run python3 -m venv /opt/onewindow/venv
run /opt/onewindow/venv/bin/pip install -q --upgrade pip
run /opt/onewindow/venv/bin/pip install -q -e "/opt/onewindow/src[$extra]"

# the configuration, checked before anything starts
run /opt/onewindow/venv/bin/onewindow check-config "$file"
run install -m 0640 -g onewindow "$file" "$target"

run install -m 0644 "$repo/systemd/70-onewindow.rules" /etc/udev/rules.d/70-onewindow.rules
run udevadm control --reload
run udevadm trigger
case "$role" in
  caller) run install -m 0644 "$repo/systemd/onewindow-caller@.service" /etc/systemd/system/ ;;
  *)      run install -m 0644 "$repo/systemd/$unit" /etc/systemd/system/ ;;
esac
run systemctl daemon-reload
run systemctl enable --now "$unit"
echo "done: journalctl -u $unit -f shows what it does"
