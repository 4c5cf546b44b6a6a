/* SPDX-License-Identifier: MIT */
/*
 * fdio.h - the fd loops every module needs, written once: write a buffer
 * whole, wake an eventfd, copy a range of one file into another.
 *
 * Each retries after EINTR and short transfers and returns 0 or an errno
 * value (never -1 with errno): the callers keep the number, word the
 * message themselves, and may report it much later.  None of them waits
 * for room on a non-blocking fd (EAGAIN is returned): the console's
 * output, which must, has its own loop (console.c).  They use only
 * pread64, write and copy_file_range, which the VM thread's seccomp
 * filter allows (sandbox.c).
 */
#ifndef MH_FDIO_H
#define MH_FDIO_H

#include <glib.h>

/* Writes all @len bytes of @data to @fd.  Returns 0, the errno of the
 * write that failed, or EIO if a write took nothing.  With @stop (read
 * atomically; NULL: never), a write interrupted once *@stop is not 0 ends
 * it with EINTR: the signal that stops a VM (mh_vm_kick) breaks a write
 * blocked on a peer that does not read. */
int mh_fd_write_all(int fd, const void *data, gsize len, const gint *stop);

/* Adds 1 to the eventfd @fd, waking whoever polls it.  An 8-byte eventfd
 * write is never short; one refused with EAGAIN (a non-blocking counter
 * at its maximum) leaves the fd readable all the same, so nothing is
 * lost and nothing is returned. */
void mh_fd_signal(int fd);

/* Copies @len bytes of @in_fd from @in_offset on (its file position is
 * not used or moved) to @out_fd at its file position: in the kernel with
 * copy_file_range(), by hand (pread() and write()) where the two files do
 * not allow that (EXDEV, ENOSYS, EOPNOTSUPP, EINVAL).  Returns 0, the
 * errno of the call that failed, EIO if @in_fd ends before @len bytes,
 * or EINVAL if the range goes past the largest file offset.  *@copied
 * (if not NULL) gets how many bytes were copied, on failure too. */
int mh_fd_copy_range(int in_fd, guint64 in_offset, int out_fd, guint64 len,
                     guint64 *copied);

#endif /* MH_FDIO_H */
