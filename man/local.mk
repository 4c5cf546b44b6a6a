# man/local.mk - manual pages (hand-written roff).
dist_man_MANS += man/mini_hypervisor.1
dist_man_MANS += man/mini_hypervisor-abi.7
