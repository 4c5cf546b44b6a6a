# SPDX-License-Identifier: MIT
# packaging.mk - bash completion, the licence, and the Debian and RPM
# packages (included from the top-level Makefile.am).
#
#   make deb   .deb (and source package) from the `make dist` tarball, then
#              lintian; see build-aux/make-deb.sh
#   make rpm   .rpm and .src.rpm from the same tarball with rpmbuild -ta,
#              then rpmlint; see build-aux/make-rpm.sh
#   make deb-autopkgtest
#              installs the .deb of `make deb` for real (root) and runs
#              debian/tests against it, then removes it again
#
# Both build in a scratch directory (mktemp -d) and leave their results in
# $(MH_PACKAGES_DIR), printing the paths.

# --- bash completion --------------------------------------------------------

# Installed under the command's name, which is also the binary's build
# path (src/mini_hypervisor): hence a copy at install time rather than a
# built file of that name.
bashcompletiondir = $(datadir)/bash-completion/completions
MH_BASH_COMPLETION = src/mini_hypervisor.bash-completion

mh-install-bash-completion:
	$(MKDIR_P) '$(DESTDIR)$(bashcompletiondir)'
	$(INSTALL_DATA) $(srcdir)/$(MH_BASH_COMPLETION) \
	  '$(DESTDIR)$(bashcompletiondir)/mini_hypervisor'
mh-uninstall-bash-completion:
	rm -f '$(DESTDIR)$(bashcompletiondir)/mini_hypervisor'
install-data-local: mh-install-bash-completion
uninstall-local: mh-uninstall-bash-completion
.PHONY: mh-install-bash-completion mh-uninstall-bash-completion

# --- what the packages are built from ---------------------------------------

# rpm/mini-hypervisor.spec is made by configure; shipping it in the
# tarball is what lets `rpmbuild -ta` find it.
EXTRA_DIST += LICENSE $(MH_BASH_COMPLETION) \
	rpm/mini-hypervisor.spec.in rpm/mini-hypervisor.spec rpm/rpmlint.toml \
	build-aux/make-deb.sh build-aux/make-rpm.sh \
	debian/changelog debian/control debian/copyright debian/rules \
	debian/source/format debian/docs \
	debian/mini-hypervisor.install debian/mini-hypervisor-sdk.install \
	debian/README.Debian debian/mini-hypervisor-sdk.lintian-overrides \
	debian/mini-hypervisor.lintian-overrides \
	debian/tests/control debian/tests/bats debian/tests/sdk \
	debian/tests/docs debian/tests/bash-completion \
	m4/.gitkeep

# --- make deb, make rpm -----------------------------------------------------

MH_PACKAGES_DIR = $(abs_top_builddir)/packages

deb: dist
	$(SHELL) $(srcdir)/build-aux/make-deb.sh build \
	  '$(abs_top_builddir)/$(PACKAGE)-$(VERSION).tar.xz' '$(MH_PACKAGES_DIR)'
deb-autopkgtest:
	$(SHELL) $(srcdir)/build-aux/make-deb.sh autopkgtest \
	  '$(MH_PACKAGES_DIR)' '$(PACKAGE)' '$(VERSION)'
rpm: dist
	$(SHELL) $(srcdir)/build-aux/make-rpm.sh \
	  '$(abs_top_builddir)/$(PACKAGE)-$(VERSION).tar.xz' '$(MH_PACKAGES_DIR)'
.PHONY: deb deb-autopkgtest rpm

clean-local: mh-clean-packages
mh-clean-packages:
	rm -rf '$(MH_PACKAGES_DIR)'
.PHONY: mh-clean-packages
