#!/usr/bin/env bash
# Installs promtool, amtool, prometheus and alertmanager from Debian's packages.
# Debian 12 ships Alertmanager 0.25, which predates `msteamsv2_configs`, so on bookworm the
# trixie packages are pinned in at low priority: nothing else on the machine is upgraded.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
release_flag=()
if [ "$codename" = "bookworm" ]; then
  echo 'deb http://deb.debian.org/debian trixie main' >/etc/apt/sources.list.d/trixie.list
  printf 'Package: *\nPin: release n=trixie\nPin-Priority: 100\n' >/etc/apt/preferences.d/trixie-low
  release_flag=(-t trixie)
fi
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${release_flag[@]}" \
  promtool prometheus prometheus-alertmanager >/dev/null
# The packaged servers start as services where systemd runs; the lab starts its own on loopback.
for unit in prometheus prometheus-alertmanager; do
  if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet "$unit" 2>/dev/null; then
    systemctl stop "$unit" || true
  fi
done
promtool --version | head -1
amtool --version 2>&1 | head -1
