# man/local.mk - manual pages (hand-written roff).
#
# mini_hypervisor(1) names installed paths (FILES, EXAMPLES): it is made
# from mini_hypervisor.1.in with the configured ones, so that a `make
# install` under /usr/local documents /usr/local.  troff wants `\-` for a
# dash in a path.  Made by make, not configure, so that `make prefix=...`
# is honoured.
man_MANS = man/mini_hypervisor.1
dist_man_MANS += man/mini_hypervisor-abi.7
dist_man_MANS += man/mini_hypervisor-report.5
EXTRA_DIST += man/mini_hypervisor.1.in
CLEANFILES += man/mini_hypervisor.1

mh_man_dashes = $(subst -,\\-,$(1))
man/mini_hypervisor.1: $(srcdir)/man/mini_hypervisor.1.in Makefile
	@mkdir -p $(@D)
	$(AM_V_GEN)rm -f $@ $@.tmp && \
	  sed -e 's|@mhguestsdir[@]|$(call mh_man_dashes,$(mhguestsdir))|g' \
	    -e 's|@mhsdkdir[@]|$(call mh_man_dashes,$(mhsdkdir))|g' \
	    -e 's|@mhexamplesdir[@]|$(call mh_man_dashes,$(mhexamplesdir))|g' \
	    $(srcdir)/man/mini_hypervisor.1.in >$@.tmp && \
	  mv $@.tmp $@
