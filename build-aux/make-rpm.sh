#!/bin/sh
# SPDX-License-Identifier: MIT
# make-rpm.sh - the RPM packages of mini_hypervisor (run by `make rpm`,
# see packaging.mk).
#
#   make-rpm.sh TARBALL OUTDIR
#     Builds the binary and source RPMs with `rpmbuild -ta TARBALL` (the
#     spec, made by configure, is in the `make dist` tarball; %check runs
#     `make check`) in a scratch _topdir, copies them to OUTDIR and runs
#     rpmlint with rpm/rpmlint.toml: any error or warning fails.
#
# On Debian, rpmbuild runs with --nodeps: the rpm database is empty (the
# build dependencies are installed as .debs, which rpm cannot see), so
# every BuildRequires would be reported missing.  And Debian's
# brp-compress fails under /bin/sh, leaving man pages uncompressed, so it
# is run with bash.
set -eu

me=make-rpm.sh
die() { echo "$me: error: $*" >&2; exit 1; }
need() { command -v "$1" >/dev/null || die "$1 not found (apt-get install $2)"; }

[ $# -eq 2 ] || die "usage: $me TARBALL OUTDIR"
tarball=$1 outdir=$2
[ -f "$tarball" ] || die "no tarball $tarball (run make dist)"
need rpmbuild rpm
need rpmlint rpmlint

scratch=$(mktemp -d "${TMPDIR:-/tmp}/mh-rpm.XXXXXX")
trap 'rm -rf "$scratch"' EXIT

set -- --define "_topdir $scratch/rpmbuild" --define "_tmppath $scratch/tmp"
if [ -f /etc/debian_version ]; then
  set -- "$@" --nodeps \
    --define '__brp_compress bash /usr/lib/rpm/brp-compress %{?_prefix}'
fi
mkdir -p "$scratch/tmp"

log=$scratch/build.log
echo "$me: rpmbuild -ta $*  $tarball"
if ! rpmbuild -ta "$@" "$tarball" >"$log" 2>&1; then
  tail -n 60 "$log" >&2
  mkdir -p "$outdir" && cp "$log" "$outdir/rpm-build.log"
  die "rpmbuild failed; full log: $outdir/rpm-build.log"
fi
grep -E '^(# (PASS|FAIL|SKIP|ERROR|XPASS|XFAIL|TOTAL):|.*\.spec: /dev/kvm)' "$log" | sed "s/^/$me: check: /" || true

mkdir -p "$outdir"
cp "$log" "$outdir/rpm-build.log"
rpms=
for f in "$scratch"/rpmbuild/RPMS/*/*.rpm "$scratch"/rpmbuild/SRPMS/*.rpm; do
  [ -e "$f" ] || continue
  cp "$f" "$outdir/"
  rpms="$rpms $outdir/${f##*/}"
done
[ -n "$rpms" ] || die "rpmbuild wrote no packages"

# The lint configuration travels in the tarball with the spec.
tar -xJf "$tarball" -C "$scratch" --wildcards '*/rpm/rpmlint.toml'
rpmlint_toml=$(find "$scratch" -path '*/rpm/rpmlint.toml' -print -quit)
echo "$me: rpmlint -c rpm/rpmlint.toml$rpms"
status=0
# shellcheck disable=SC2086 # a list of paths without blanks
rpmlint -c "$rpmlint_toml" $rpms >"$scratch/rpmlint.out" 2>&1 || status=$?
cat "$scratch/rpmlint.out"
if [ "$status" -ne 0 ] || ! grep -q ' 0 errors, 0 warnings' "$scratch/rpmlint.out"; then
  die "rpmlint reported errors or warnings (status $status)"
fi

echo "$me: built:"
for f in $rpms; do
  echo "  $f"
done
