#!/bin/sh
# SPDX-License-Identifier: MIT
# make-deb.sh - the Debian packages of mini_hypervisor (run by `make deb`
# and `make deb-autopkgtest`, see packaging.mk).
#
#   make-deb.sh build TARBALL OUTDIR
#     Unpacks the `make dist` TARBALL in a scratch directory, builds the
#     source and binary packages there with `dpkg-buildpackage -us -uc`
#     (which runs `make check`), copies them to OUTDIR and runs lintian on
#     the .changes: any warning or error fails.  Nothing is written
#     outside the scratch directory and OUTDIR.
#
#   make-deb.sh autopkgtest OUTDIR PACKAGE VERSION
#     Runs autopkgtest (null runner: on this machine, as root) on the
#     .changes in OUTDIR: it installs the .deb for real and runs
#     debian/tests.  Afterwards the package is removed again unless it was
#     installed before.  The log is OUTDIR/autopkgtest.log, the results
#     (one log per test, summary) are in OUTDIR/autopkgtest/.
set -eu

me=make-deb.sh
die() { echo "$me: error: $*" >&2; exit 1; }
need() { command -v "$1" >/dev/null || die "$1 not found (apt-get install $2)"; }

build() {
  tarball=$1 outdir=$2
  [ -f "$tarball" ] || die "no tarball $tarball (run make dist)"
  need dpkg-buildpackage dpkg-dev
  need dh debhelper
  need lintian lintian

  scratch=$(mktemp -d "${TMPDIR:-/tmp}/mh-deb.XXXXXX")
  trap 'rm -rf "$scratch"' EXIT
  tar -xJf "$tarball" -C "$scratch"
  src=$(find "$scratch" -mindepth 1 -maxdepth 1 -type d)
  [ -d "$src/debian" ] || die "$tarball has no debian/ directory"

  # debian/changelog must follow AC_INIT's version (a native package:
  # the Debian version is the upstream one).
  deb_version=$(cd "$src" && dpkg-parsechangelog -S Version)
  tar_version=${src##*-}
  [ "$deb_version" = "$tar_version" ] ||
    die "debian/changelog is at $deb_version but the tarball at $tar_version: add a changelog entry (dch -v $tar_version)"

  log=$scratch/build.log
  echo "$me: dpkg-buildpackage -us -uc in $src"
  if ! (cd "$src" && dpkg-buildpackage -us -uc) >"$log" 2>&1; then
    tail -n 60 "$log" >&2
    mkdir -p "$outdir" && cp "$log" "$outdir/deb-build.log"
    die "dpkg-buildpackage failed; full log: $outdir/deb-build.log"
  fi
  grep -E '^(# (PASS|FAIL|SKIP|ERROR|XPASS|XFAIL|TOTAL):|debian/rules:)' "$log" | sed "s/^/$me: check: /" || true

  mkdir -p "$outdir"
  cp "$log" "$outdir/deb-build.log"
  built='' changes=''
  for f in "$scratch"/*.deb "$scratch"/*.dsc "$scratch"/*.tar.* \
    "$scratch"/*.buildinfo "$scratch"/*.changes; do
    [ -e "$f" ] || continue
    cp "$f" "$outdir/"
    case $f in
      *.changes) changes=$outdir/${f##*/} ;;
      *.deb | *.dsc) built="$built $outdir/${f##*/}" ;;
    esac
  done
  [ -n "$changes" ] || die "dpkg-buildpackage wrote no .changes"

  echo "$me: lintian -I -E --pedantic --fail-on warning,error $changes"
  lintian -I -E --pedantic --fail-on warning,error "$changes"

  echo "$me: built:"
  for f in $built "$changes"; do # paths without blanks
    echo "  $f"
  done
  return 0
}

autopkgtest_run() {
  outdir=$1 package=$2 version=$3
  need autopkgtest autopkgtest
  [ "$(id -u)" = 0 ] || die "autopkgtest installs the package: run as root"
  changes=
  for f in "$outdir/${package}_${version}"_*.changes; do
    [ -e "$f" ] && changes=$f
  done
  [ -n "$changes" ] || die "no .changes for $package $version in $outdir (run make deb)"

  # Remember what was installed before, to remove only what the test added.
  installed() { dpkg-query -W -f '${Status}' "$1" 2>/dev/null | grep -q 'ok installed'; }
  added=
  for p in "$package" "$package-dbgsym"; do
    installed "$p" || added="$added $p"
  done
  results=$outdir/autopkgtest
  rm -rf "$results"
  status=0
  # MH_AUTOPKGTEST_BATS (names of tests/*.bats without .bats) limits the
  # bats test to those files (debian/tests/bats).
  set --
  [ -z "${MH_AUTOPKGTEST_BATS:-}" ] ||
    set -- --env="MH_AUTOPKGTEST_BATS=$MH_AUTOPKGTEST_BATS"
  echo "$me: autopkgtest --output-dir $results $* $changes -- null"
  autopkgtest --output-dir "$results" "$@" "$changes" -- null \
    >"$outdir/autopkgtest.log" 2>&1 || status=$?
  [ "$status" -eq 0 ] || [ "$status" -eq 2 ] || tail -n 60 "$outdir/autopkgtest.log" >&2
  [ -f "$results/summary" ] && sed "s/^/$me: autopkgtest: /" "$results/summary"
  for p in $added; do
    if installed "$p"; then
      echo "$me: removing $p again"
      apt-get remove -y -q "$p" >/dev/null
    fi
  done
  # 0: all passed; 2: at least one test skipped, none failed.
  case $status in
    0) echo "$me: autopkgtest: all tests passed" ;;
    2) echo "$me: autopkgtest: passed, some tests skipped" ;;
    *) die "autopkgtest failed (status $status)" ;;
  esac
}

case ${1-} in
  build) [ $# -eq 3 ] || die "usage: $me build TARBALL OUTDIR"; build "$2" "$3" ;;
  autopkgtest) [ $# -eq 4 ] || die "usage: $me autopkgtest OUTDIR PACKAGE VERSION"; autopkgtest_run "$2" "$3" "$4" ;;
  *) die "usage: $me build TARBALL OUTDIR | autopkgtest OUTDIR PACKAGE VERSION" ;;
esac
