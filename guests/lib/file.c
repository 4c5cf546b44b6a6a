/* SPDX-License-Identifier: MIT */
/*
 * file.c - the file service (MH_PORT_FILE) over its two transports, and
 * the C API on top of them (mh_guest.h, mini_hypervisor-abi(7)).
 *
 * Block transport: the request block lives on the caller's stack, which
 * is identity-mapped RAM, so its address is its guest-physical address;
 * one 4-byte OUT of that address runs the request.
 *
 * Byte transport: rep outsb streams the 24-byte header and the payload,
 * rep insb reads the 8-byte result and any data.  KVM reads ahead for
 * rep insb (up to a page of bytes per VM exit) but emulates rep outsb one
 * byte per exit, so receiving is cheap and sending costs an exit a byte.
 */
#include "mh_guest.h"

/* Largest READ/WRITE sent as one block request: far more than any RAM
 * holds, and well inside both the uint32_t len and the int64_t result. */
#define MH_FILE_BLOCK_CHUNK (1ul << 30)

/* -1 until mh_set_transport() is called; then the transport. */
static int mh_file_transport = -1;

void
mh_set_transport(enum mh_transport transport)
{
  mh_file_transport = transport;
}

enum mh_transport
mh_get_transport(void)
{
  if (mh_file_transport >= 0)
    return (enum mh_transport)mh_file_transport;
  /* Weak and undefined (address 0) unless a guest source was compiled
   * with MH_FILE_TRANSPORT. */
  if (&mh_file_transport_default != 0)
    return (enum mh_transport)mh_file_transport_default;
  return MH_TRANSPORT_BLOCK;
}

/* ------------------------------------------------------------------ */
/* Transports                                                          */
/* ------------------------------------------------------------------ */

long
mh_file_block(struct mh_file_req *req)
{
  uint32_t gpa = (uint32_t)(uintptr_t)req;

  /* "+m" and "memory": every store to the block is done before the OUT,
   * and the hypervisor's write to result is read after it. */
  __asm__ volatile("outl %1, %w2"
                   : "+m"(*req)
                   : "a"(gpa), "Nd"((uint16_t)MH_PORT_FILE)
                   : "memory");
  return (long)((volatile struct mh_file_req *)req)->result;
}

static void
mh_file_out(const void *buf, unsigned long len)
{
  __asm__ volatile("rep outsb"
                   : "+S"(buf), "+c"(len)
                   : "d"((uint16_t)MH_PORT_FILE)
                   : "memory");
}

static void
mh_file_in(void *buf, unsigned long len)
{
  __asm__ volatile("rep insb"
                   : "+D"(buf), "+c"(len)
                   : "d"((uint16_t)MH_PORT_FILE)
                   : "memory");
}

long
mh_file_bytes(const struct mh_file_req *req, const void *payload,
              void *reply_data, unsigned long reply_max)
{
  int64_t result = 0;

  mh_file_out(req, MH_FILE_HDR_SIZE);
  if ((req->cmd == MH_FILE_OPEN || req->cmd == MH_FILE_WRITE) && req->len > 0)
    mh_file_out(payload, req->len);
  /* x86 is little-endian, like the wire format. */
  mh_file_in(&result, sizeof result);
  if (req->cmd == MH_FILE_READ && result > 0)
    mh_file_in(reply_data, (uint64_t)result < reply_max ? (unsigned long)result
                                                        : reply_max);
  return (long)result;
}

/* ------------------------------------------------------------------ */
/* The API                                                             */
/* ------------------------------------------------------------------ */

/* Runs @req over the current transport; @data is the name or data (OPEN,
 * WRITE) or the buffer to fill (READ). */
static long
mh_file_call(struct mh_file_req *req, void *data)
{
  if (mh_get_transport() == MH_TRANSPORT_BYTE)
    return mh_file_bytes(req, data, data, req->len);
  req->buf = (uint64_t)(uintptr_t)data;
  return mh_file_block(req);
}

int
mh_open(const char *name, unsigned flags)
{
  struct mh_file_req req = {
    .cmd = MH_FILE_OPEN,
    .flags = flags,
    .len = (uint32_t)strlen(name),
  };

  return (int)mh_file_call(&req, (void *)name);
}

int
mh_close(int fd)
{
  struct mh_file_req req = { .cmd = MH_FILE_CLOSE, .fd = fd };

  return (int)mh_file_call(&req, NULL);
}

/* READ or WRITE of any length, split into requests the transport takes. */
static long
mh_file_rw(uint32_t cmd, int fd, char *buf, unsigned long len)
{
  unsigned long chunk_max = mh_get_transport() == MH_TRANSPORT_BYTE
                                ? MH_FILE_BYTE_MAX
                                : MH_FILE_BLOCK_CHUNK;
  unsigned long done = 0;

  do {
    unsigned long chunk = len - done < chunk_max ? len - done : chunk_max;
    struct mh_file_req req = {
      .cmd = cmd,
      .fd = fd,
      .len = (uint32_t)chunk,
    };
    long result = mh_file_call(&req, buf + done);

    if (result < 0)
      return done > 0 ? (long)done : result;
    done += (unsigned long)result;
    if ((unsigned long)result < chunk)
      break;
  } while (done < len);
  return (long)done;
}

long
mh_read(int fd, void *buf, unsigned long len)
{
  return mh_file_rw(MH_FILE_READ, fd, buf, len);
}

long
mh_write(int fd, const void *buf, unsigned long len)
{
  return mh_file_rw(MH_FILE_WRITE, fd, (char *)buf, len);
}

long
mh_seek(int fd, long offset, int whence)
{
  struct mh_file_req req = {
    .cmd = MH_FILE_SEEK,
    .fd = fd,
    .flags = (uint32_t)whence,
    .offset = offset,
  };

  return mh_file_call(&req, NULL);
}

long
mh_size(int fd)
{
  struct mh_file_req req = { .cmd = MH_FILE_SIZE, .fd = fd };

  return mh_file_call(&req, NULL);
}

const char *
mh_strerror(long status)
{
  switch (status) {
  case MH_FILE_EPROTO: return "protocol error";
  case MH_FILE_ENOENT: return "no such file";
  case MH_FILE_EPERM:  return "not permitted";
  case MH_FILE_EBADF:  return "bad file descriptor";
  case MH_FILE_EMFILE: return "too many open files";
  case MH_FILE_EQUOTA: return "write quota exceeded";
  case MH_FILE_ENAME:  return "invalid file name";
  case MH_FILE_EINVAL: return "invalid argument";
  case MH_FILE_EIO:    return "input/output error";
  default:             return status >= 0 ? "success" : "unknown error";
  }
}
