#!/usr/bin/env bash
# Installs code-server (VS Code's server + web workbench) for the in-editor e2e
# tests. @vscode/test-electron downloads VS Code from the internet, which our
# machines cannot reach; code-server comes from the npm registry instead.
# 4.100.3 = VS Code 1.100.3, the last line that runs on Node 20.
# Its install scripts download prebuilt binaries, so we install with
# --ignore-scripts and build or link each native piece ourselves.
# Idempotent: a stamp makes later runs instant.
set -euo pipefail

version=4.100.3
home="${LAKEHOUSE_CODE_SERVER_HOME:-$HOME/.cache/lakehouse-dev/code-server-$version}"
stamp="$home/.provisioned-v1"
bin="$home/node_modules/.bin/code-server"
started=$(date +%s)
# Native modules are tied to Node's ABI: a new Node means a new build.
want="$version node-abi-$(node -p process.versions.modules)"

if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -x "$bin" ]; then
  echo "code-server ready in $home"
  exit 0
fi

# The server's native modules are built for the Node that runs it.
node_major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$node_major" != 20 ]; then
  echo "provision-code-server: code-server $version needs Node 20 (found $(node --version))" >&2
  exit 1
fi

# Headers for the native modules, ripgrep for search, chromium to drive the workbench.
apt_packages=(libkrb5-dev libx11-dev libxkbfile-dev libsecret-1-dev pkg-config ripgrep chromium)
# node-gyp also needs a compiler, make and python3; most machines already have them.
for tool in make g++ python3; do
  command -v "$tool" >/dev/null || { apt_packages+=(build-essential python3); break; }
done
missing=()
for pkg in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "provision-code-server: missing system packages; run as root:" >&2
    echo "  apt-get update && apt-get install -y ${apt_packages[*]}" >&2
    exit 1
  fi
  echo "installing system packages: ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${apt_packages[@]}"
fi

npm_quiet=(--no-audit --no-fund --loglevel=error)
mkdir -p "$home"
cd "$home"
# A private package.json keeps npm from walking up into some other project.
[ -f package.json ] || echo '{ "name": "lakehouse-code-server-cache", "private": true }' > package.json

echo "[1/7] npm install code-server@$version (no scripts)"
npm install "${npm_quiet[@]}" --ignore-scripts "code-server@$version"

vscode="$home/node_modules/code-server/lib/vscode"
echo "[2/7] VS Code server dependencies"
(cd "$vscode" && npm install "${npm_quiet[@]}" --unsafe-perm --omit=dev --ignore-scripts)

echo "[3/7] rebuilding native modules"
(cd "$vscode" && npm rebuild "${npm_quiet[@]}" kerberos @parcel/watcher @vscode/spdlog native-watchdog @vscode/deviceid)

# node-pty's own install script runs a bare `npx node-gyp`, which fails here.
echo "[4/7] node-pty"
(cd "$vscode/node_modules/node-pty" && npx --yes node-gyp@12.4.0 rebuild --loglevel=error >/dev/null)

# @vscode/ripgrep's install script downloads a binary; Debian's rg does the same job.
echo "[5/7] ripgrep + layout links"
mkdir -p "$vscode/node_modules/@vscode/ripgrep/bin"
cp -f /usr/bin/rg "$vscode/node_modules/@vscode/ripgrep/bin/rg"
# The release build reads from node_modules.asar and ships these helper names.
(cd "$vscode" && ln -sfn node_modules node_modules.asar)
(cd "$vscode/bin/remote-cli" && ln -sf code-linux.sh code-server)
(cd "$vscode/bin/helpers" && ln -sf browser-linux.sh browser.sh)

echo "[6/7] built-in extensions' dependencies"
(cd "$vscode/extensions" && npm install "${npm_quiet[@]}" --unsafe-perm --omit=dev --ignore-scripts)

echo "[7/7] argon2"
npm rebuild "${npm_quiet[@]}" argon2

# Fail here, not in a test, when a native module did not build.
(cd "$vscode" && node -e "for (const m of ['node-pty', '@vscode/spdlog', '@parcel/watcher', 'native-watchdog', 'kerberos']) require(m)")
"$bin" --version >/dev/null

echo "$want" > "$stamp"
echo "code-server ready in $home (provisioned in $(($(date +%s) - started))s)"
