# examples/ - worked examples installed with the documentation.
#
# examples/batch: grading many guests against many inputs, from the JSON
# reports (--report), with GNU parallel on one machine or several, and
# as a Slurm job array.  Installed as data (Debian's dh_fixperms takes the
# execute bit off anything under /usr/share/doc): run them with bash.
mhbatchdir = $(docdir)/examples/batch
dist_mhbatch_DATA = examples/batch/README \
	examples/batch/grade \
	examples/batch/run-one \
	examples/batch/collect \
	examples/batch/grade.sbatch \
	examples/batch/submit-slurm
