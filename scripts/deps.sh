# Sourced by scripts/test and scripts/demo: installs the Debian packages in
# scripts/packages.txt that are missing (apt-get update once, only if needed).
ipcam_install_deps() {
  local list="$1" missing=() pkg
  while read -r pkg; do
    [ -z "$pkg" ] && continue
    case "$pkg" in \#*) continue ;; esac
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" && continue
    # Or an installed package provides it (another vendor's nodejs provides npm, and conflicts with it).
    dpkg-query -W -f='${Status} ${Provides}\n' 2>/dev/null | grep "^install ok installed" |
      grep -qE "[ ,]$pkg( |,|\$)" || missing+=("$pkg")
  done < "$list"
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "installing missing packages: ${missing[*]}" >&2
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -q >&2 || return 1
  # No service may start from these installs (nginx would take port 80):
  # a policy-rc.d that answers 101 for the install, removed after it, unless
  # the machine has one of its own.
  local policy=/usr/sbin/policy-rc.d own_policy=0 rc=0
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' | $sudo tee "$policy" >/dev/null && $sudo chmod 755 "$policy" && own_policy=1
  fi
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}" >&2 || rc=$?
  [ "$own_policy" -eq 1 ] && $sudo rm -f "$policy"
  return $rc
}

# Configures a build dir (once): ipcam_configure DIR [meson options...]
ipcam_configure() {
  local dir="$1"; shift
  if [ ! -f "$dir/build.ninja" ]; then
    meson setup "$dir" "$@" >&2 || return 1
  fi
}

# Configures (once) and builds everything: ipcam_build DIR [meson options...]
ipcam_build() {
  ipcam_configure "$@" || return 1
  meson compile -C "$1" >&2
}
