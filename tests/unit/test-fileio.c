/* SPDX-License-Identifier: MIT */
/* Units for the block transport and the file service behind it: a small
 * fake guest RAM, a temporary output directory, a shared file. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "error.h"
#include "fileio.h"
#include "fileport.h"
#include "unit-main.h"

#define RAM_SIZE 8192u
#define REQ_GPA  0x100u
#define BUF_GPA  0x400u

/* A seam for the copy-on-write fallback: this definition of
 * copy_file_range() takes the place of the C library's in this test
 * program.  While @cfr_grow_path is set, it behaves as between two
 * filesystems (EXDEV, so the copy falls back to read and write) and, the
 * first time, appends @cfr_grow_by bytes to that file first: a shared
 * file growing during the copy, deterministically. */
static const char *cfr_grow_path;
static gsize cfr_grow_by;
static guint cfr_calls;

ssize_t
copy_file_range(int fd_in, off_t *off_in, int fd_out, off_t *off_out,
                size_t len, unsigned int flags)
{
  if (cfr_grow_path == NULL)
    return syscall(SYS_copy_file_range, fd_in, off_in, fd_out, off_out, len,
                   flags);
  if (cfr_calls++ == 0) {
    g_autofree char *more = g_malloc(cfr_grow_by);
    int fd = open(cfr_grow_path, O_WRONLY | O_APPEND);

    g_assert_cmpint(fd, >=, 0);
    memset(more, 'G', cfr_grow_by);
    g_assert_cmpint(write(fd, more, cfr_grow_by), ==, (gssize)cfr_grow_by);
    close(fd);
  }
  errno = EXDEV;
  return -1;
}

typedef struct {
  char *tmp;
  char *shared_path;
  char *run_path;
  MhSharedFiles *shared;
  MhFileConfig config;
  guint8 ram_bytes[RAM_SIZE];
  MhGuestMem ram;
  MhFileService svc;
} Fixture;

static void
setup(Fixture *f, gconstpointer data)
{
  char *paths[2] = {NULL, NULL};
  GError *error = NULL;

  (void)data;
  f->tmp = g_dir_make_tmp("mh-test-fileio-XXXXXX", &error);
  g_assert_no_error(error);
  f->shared_path = g_build_filename(f->tmp, "shared.txt", NULL);
  g_assert_true(g_file_set_contents(f->shared_path, "original\n", -1, NULL));
  paths[0] = f->shared_path;
  f->shared = mh_shared_files_open(paths, &error);
  g_assert_no_error(error);
  /* The run's directory, made once by the run. */
  f->run_path = g_build_filename(f->tmp, "out", "run-test", NULL);
  g_assert_cmpint(g_mkdir_with_parents(f->run_path, 0777), ==, 0);
  f->config = (MhFileConfig){
    .shared = f->shared,
    .run_fd = open(f->run_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC),
    .run_path = f->run_path,
    .max_open = 4,
    .quota = 1024,
  };
  g_assert_cmpint(f->config.run_fd, >=, 0);
  memset(f->ram_bytes, 0, sizeof f->ram_bytes);
  f->ram = (MhGuestMem){f->ram_bytes, RAM_SIZE};
  mh_files_init(&f->svc, &f->config, &f->ram, 0, "guest.img");
  /* No directory until the guest creates or writes a file. */
  g_assert_cmpint(f->svc.dir_fd, <, 0);
  g_assert_null(f->svc.dir_path);
}

static void
teardown(Fixture *f, gconstpointer data)
{
  g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", f->tmp);
  (void)data;
  mh_files_close_all(&f->svc);
  mh_files_clear(&f->svc);
  mh_shared_files_free(f->shared);
  g_assert_cmpint(system(cmd), ==, 0);
  close(f->config.run_fd);
  g_free(f->run_path);
  g_free(f->shared_path);
  g_free(f->tmp);
}

/* Puts a request block at REQ_GPA and sends its address (a 4-byte OUT). */
static gboolean
block(Fixture *f, guint32 gpa, const struct mh_file_req *req, gint64 *result,
      GError **error)
{
  guint32 value = gpa;
  MhIoAccess io = {MH_PORT_FILE, MH_IO_OUT, 4, 1, (guint8 *)&value};

  if (req != NULL)
    memcpy(f->ram_bytes + gpa, req, sizeof *req);
  if (!mh_files_io(&f->svc, &io, error))
    return FALSE;
  memcpy(result, f->ram_bytes + gpa + 32, sizeof *result);
  return TRUE;
}

static gint64
request(Fixture *f, guint32 cmd, gint32 fd, guint32 flags, guint32 len,
        gint64 offset, guint64 buf)
{
  struct mh_file_req req = {cmd, fd, flags, len, offset, buf, 0x5a5a};
  GError *error = NULL;
  gint64 result = 0;

  g_assert_true(block(f, REQ_GPA, &req, &result, &error));
  g_assert_no_error(error);
  return result;
}

static void
test_open_read_write(Fixture *f, gconstpointer data)
{
  gint64 fd;
  gchar *contents = NULL;

  (void)data;
  memcpy(f->ram_bytes + BUF_GPA, "shared.txt", 10);
  fd = request(f, MH_FILE_OPEN, 0, MH_FILE_RDWR, 10, 0, BUF_GPA);
  g_assert_cmpint(fd, ==, 0);
  g_assert_cmpint(request(f, MH_FILE_READ, 0, 0, 100, 0, BUF_GPA), ==, 9);
  g_assert_cmpmem(f->ram_bytes + BUF_GPA, 9, "original\n", 9);
  /* Still the original: no copy until the first write. */
  g_assert_cmpuint(g_hash_table_size(f->svc.privates), ==, 0);
  memcpy(f->ram_bytes + BUF_GPA, "MORE", 4);
  g_assert_cmpint(request(f, MH_FILE_WRITE, 0, 0, 4, 0, BUF_GPA), ==, 4);
  g_assert_cmpuint(g_hash_table_size(f->svc.privates), ==, 1);
  g_assert_true(g_file_get_contents(f->shared_path, &contents, NULL, NULL));
  g_assert_cmpstr(contents, ==, "original\n"); /* never changed */
  g_free(contents);
  g_assert_true(g_file_get_contents(f->svc.dir_path, &contents, NULL, NULL) ==
                FALSE); /* a directory, not a file */
  {
    g_autofree char *copy = g_build_filename(f->svc.dir_path, "shared.txt",
                                             NULL);
    g_assert_true(g_file_get_contents(copy, &contents, NULL, NULL));
    g_assert_cmpstr(contents, ==, "original\nMORE"); /* at offset 9 */
    g_free(contents);
  }
  g_assert_cmpint(request(f, MH_FILE_SIZE, 0, 0, 0, 0, 0), ==, 13);
  g_assert_cmpint(request(f, MH_FILE_CLOSE, 0, 0, 0, 0, 0), ==, 0);
  g_assert_cmpint(request(f, MH_FILE_CLOSE, 0, 0, 0, 0, 0), ==, MH_FILE_EBADF);
  g_assert_true(mh_files_finish(&f->svc));
}

static void
test_statuses(Fixture *f, gconstpointer data)
{
  (void)data;
  memcpy(f->ram_bytes + BUF_GPA, "nope", 4);
  g_assert_cmpint(request(f, MH_FILE_OPEN, 0, MH_FILE_RDONLY, 4, 0, BUF_GPA),
                  ==, MH_FILE_ENOENT);
  memcpy(f->ram_bytes + BUF_GPA, "a/b", 3);
  g_assert_cmpint(request(f, MH_FILE_OPEN, 0, MH_FILE_WRONLY, 3, 0, BUF_GPA),
                  ==, MH_FILE_ENAME);
  g_assert_cmpint(request(f, MH_FILE_OPEN, 0, MH_FILE_RDONLY, 0, 0, BUF_GPA),
                  ==, MH_FILE_ENAME);
  g_assert_cmpint(request(f, 42, 0, 0, 0, 0, 0), ==, MH_FILE_EINVAL);
  g_assert_cmpint(request(f, MH_FILE_READ, -1, 0, 1, 0, BUF_GPA), ==,
                  MH_FILE_EBADF);
  /* max_open is 4 */
  memcpy(f->ram_bytes + BUF_GPA, "shared.txt", 10);
  for (int i = 0; i < 4; i++)
    g_assert_cmpint(request(f, MH_FILE_OPEN, 0, MH_FILE_RDONLY, 10, 0, BUF_GPA),
                    ==, i);
  g_assert_cmpint(request(f, MH_FILE_OPEN, 0, MH_FILE_RDONLY, 10, 0, BUF_GPA),
                  ==, MH_FILE_EMFILE);
  g_assert_cmpint(request(f, MH_FILE_WRITE, 1, 0, 1, 0, BUF_GPA), ==,
                  MH_FILE_EPERM);
  /* An invalid request is answered without its buffer being checked. */
  g_assert_cmpint(request(f, MH_FILE_SEEK, 0, 9, 0, 0, G_MAXUINT64), ==,
                  MH_FILE_EINVAL);
  g_assert_false(mh_files_finish(&f->svc)); /* kept nothing */
}

static void
test_quota(Fixture *f, gconstpointer data)
{
  gint64 fd;

  (void)data;
  memcpy(f->ram_bytes + BUF_GPA, "big", 3);
  fd = request(f, MH_FILE_OPEN, 0, MH_FILE_WRONLY, 3, 0, BUF_GPA);
  g_assert_cmpint(fd, ==, 0);
  g_assert_cmpint(request(f, MH_FILE_WRITE, 0, 0, 1024, 0, BUF_GPA), ==, 1024);
  g_assert_cmpint(request(f, MH_FILE_WRITE, 0, 0, 1, 0, BUF_GPA), ==,
                  MH_FILE_EQUOTA);
}

/* Issue 11, defect 1: a shared file that grows while it is copied (on
 * the read-and-write fallback, as between two filesystems) gives a copy
 * of the size that was checked against the quota, never more; the bytes
 * counted never exceed the quota, and the quota still holds after. */
static void
test_quota_copy_grows(Fixture *f, gconstpointer data)
{
  g_autofree char *copy = NULL;
  struct stat st;

  (void)data;
  memcpy(f->ram_bytes + BUF_GPA, "shared.txt", 10);
  g_assert_cmpint(request(f, MH_FILE_OPEN, 0, MH_FILE_RDWR, 10, 0, BUF_GPA), ==,
                  0);
  cfr_grow_path = f->shared_path;
  cfr_grow_by = 4096; /* 4 times the quota */
  cfr_calls = 0;
  memcpy(f->ram_bytes + BUF_GPA, "MORE", 4);
  g_assert_cmpint(request(f, MH_FILE_SEEK, 0, MH_FILE_SEEK_SET, 0, 9, 0), ==,
                  9);
  g_assert_cmpint(request(f, MH_FILE_WRITE, 0, 0, 4, 0, BUF_GPA), ==, 4);
  cfr_grow_path = NULL;
  g_assert_cmpuint(cfr_calls, >=, 1); /* the fallback did run */
  copy = g_build_filename(f->svc.dir_path, "shared.txt", NULL);
  g_assert_cmpint(stat(copy, &st), ==, 0);
  g_assert_cmpint(st.st_size, ==, 9 + 4); /* "original\n" + "MORE" */
  g_assert_cmpuint(f->svc.written, ==, 9 + 4);
  /* 1011 bytes of quota are left: one more is refused, wherever it goes. */
  g_assert_cmpint(request(f, MH_FILE_SEEK, 0, MH_FILE_SEEK_SET, 0, 0, 0), ==,
                  0);
  g_assert_cmpint(request(f, MH_FILE_WRITE, 0, 0, 1012, 0, BUF_GPA), ==,
                  MH_FILE_EQUOTA);
  g_assert_cmpint(request(f, MH_FILE_WRITE, 0, 0, 1011, 0, BUF_GPA), ==, 1011);
  g_assert_cmpuint(f->svc.written, ==, 1024);
  g_assert_cmpint(request(f, MH_FILE_WRITE, 0, 0, 1, 0, BUF_GPA), ==,
                  MH_FILE_EQUOTA);
}

/* Ranges the guest controls, each outside RAM by a different route: the
 * VM must be stopped (a guest error), never served. */
static void
test_outside_ram(Fixture *f, gconstpointer data)
{
  static const struct {
    guint32 gpa, cmd, len;
    guint64 buf;
    const char *needle;
  } cases[] = {
    {RAM_SIZE - 39, 0, 0, 0, "request block at 0x1fd9"},
    {RAM_SIZE, 0, 0, 0, "request block at 0x2000"},
    {0xffffffffu, 0, 0, 0, "request block at 0xffffffff"},
    {REQ_GPA, MH_FILE_READ, 16, RAM_SIZE - 8,
     "READ buffer [0x1ff8, +16 bytes)"},
    {REQ_GPA, MH_FILE_WRITE, 0xffffffffu, 16,
     "WRITE buffer [0x10, +4294967295 bytes)"},
    {REQ_GPA, MH_FILE_READ, 16, G_MAXUINT64 - 8,
     "READ buffer [0xfffffffffffffff7, +16 bytes)"},
    {REQ_GPA, MH_FILE_OPEN, 4, RAM_SIZE - 2, "OPEN name [0x1ffe, +4 bytes)"},
  };

  (void)data;
  for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
    struct mh_file_req req = {cases[i].cmd, 0, MH_FILE_RDONLY, cases[i].len, 0,
                              cases[i].buf, 0};
    g_autoptr(GError) error = NULL;
    gint64 result = 0;
    gboolean in_ram = (guint64)cases[i].gpa + 40u <= RAM_SIZE;

    g_assert_false(
      block(f, cases[i].gpa, in_ram ? &req : NULL, &result, &error));
    g_assert_error(error, MH_ERROR, MH_ERROR_GUEST);
    if (strstr(error->message, cases[i].needle) == NULL)
      g_error("case %" G_GSIZE_FORMAT ": '%s' lacks '%s'", i, error->message,
              cases[i].needle);
  }
  /* The last 40 bytes of RAM are a valid place for a block. */
  {
    struct mh_file_req req = {MH_FILE_SIZE, 7, 0, 0, 0, 0, 0};
    gint64 result = 0;
    g_assert_true(block(f, RAM_SIZE - 40, &req, &result, NULL));
    g_assert_cmpint(result, ==, MH_FILE_EBADF);
  }
}

static void
test_other_widths(Fixture *f, gconstpointer data)
{
  guint32 value = 0;
  MhIoAccess io = {MH_PORT_FILE, MH_IO_IN, 4, 1, (guint8 *)&value};
  g_autoptr(GError) error = NULL;

  (void)data;
  g_assert_false(mh_files_io(&f->svc, &io, &error));
  g_assert_error(error, MH_ERROR, MH_ERROR_GUEST);
  g_clear_error(&error);
  io.size = 2;
  io.dir = MH_IO_OUT;
  g_assert_false(mh_files_io(&f->svc, &io, &error));
  g_assert_error(error, MH_ERROR, MH_ERROR_GUEST);
}

/* The same OPEN over the byte transport: 1-byte OUTs of the header and
 * the name, then 1-byte INs of the 8-byte result. */
static gint64
open_bytes(Fixture *f, const char *name, guint32 flags)
{
  guint32 len = (guint32)strlen(name);
  struct mh_file_req req = {.cmd = GUINT32_TO_LE(MH_FILE_OPEN),
                            .flags = GUINT32_TO_LE(flags),
                            .len = GUINT32_TO_LE(len)};
  guint8 out[MH_FILE_HDR_SIZE + MH_FILE_NAME_MAX];
  guint64 le = 0;
  MhIoAccess io_out = {MH_PORT_FILE, MH_IO_OUT, 1, MH_FILE_HDR_SIZE + len, out};
  MhIoAccess io_in = {MH_PORT_FILE, MH_IO_IN, 1, sizeof le, (guint8 *)&le};
  GError *error = NULL;

  g_assert_cmpuint(len, <=, MH_FILE_NAME_MAX);
  memcpy(out, &req, MH_FILE_HDR_SIZE);
  memcpy(out + MH_FILE_HDR_SIZE, name, len);
  g_assert_true(mh_files_io(&f->svc, &io_out, &error));
  g_assert_no_error(error);
  g_assert_true(mh_files_io(&f->svc, &io_in, &error));
  g_assert_no_error(error);
  return (gint64)GUINT64_FROM_LE(le);
}

static gint64
open_block(Fixture *f, const char *name, guint32 flags)
{
  gsize len = strlen(name);

  memcpy(f->ram_bytes + BUF_GPA, name, len);
  return request(f, MH_FILE_OPEN, 0, flags, (guint32)len, 0, BUF_GPA);
}

/* What someone on the host may plant in a VM's directory: never a file
 * the VM made, never a regular file. */
typedef enum {
  PLANT_FIFO,
  PLANT_DIR,
  PLANT_LINK_FILE, /* a symlink to a regular file      */
  PLANT_LINK_DIR,  /* a symlink to a directory         */
} Plant;

typedef struct {
  Plant kind;
  guint32 flags; /* of the guest's OPEN */
} PlantCase;

static void
plant(Fixture *f, const char *name, Plant kind)
{
  g_autofree char *path = NULL;

  /* Planted while the VM runs, in the directory its first file made. */
  if (f->svc.dir_path == NULL) {
    gint64 fd = open_block(f, "first", MH_FILE_WRONLY);
    g_assert_cmpint(fd, >=, 0);
    g_assert_cmpint(request(f, MH_FILE_CLOSE, fd, 0, 0, 0, 0), ==, 0);
  }
  path = g_build_filename(f->svc.dir_path, name, NULL);

  switch (kind) {
  case PLANT_FIFO: g_assert_cmpint(mkfifo(path, 0666), ==, 0); break;
  case PLANT_DIR: g_assert_cmpint(g_mkdir(path, 0777), ==, 0); break;
  case PLANT_LINK_FILE:
    g_assert_cmpint(symlink(f->shared_path, path), ==, 0);
    break;
  case PLANT_LINK_DIR: g_assert_cmpint(symlink(f->tmp, path), ==, 0); break;
  }
}

static void
assert_planted(Fixture *f, const char *name, Plant kind)
{
  g_autofree char *path = g_build_filename(f->svc.dir_path, name, NULL);
  struct stat st;

  g_assert_cmpint(lstat(path, &st), ==, 0);
  switch (kind) {
  case PLANT_FIFO: g_assert_true(S_ISFIFO(st.st_mode)); break;
  case PLANT_DIR: g_assert_true(S_ISDIR(st.st_mode)); break;
  case PLANT_LINK_FILE:
  case PLANT_LINK_DIR: g_assert_true(S_ISLNK(st.st_mode)); break;
  }
}

/* Issue 10: a name in the VM's directory that is not a regular file is
 * EPERM on both transports and for every mode, whether or not a shared
 * file has that name: never "no such file", never the shared original. */
static void
test_planted(Fixture *f, gconstpointer data)
{
  const PlantCase *c = data;
  static const char *const names[] = {"planted", "shared.txt"};
  gchar *contents = NULL;

  /* Opening a FIFO must never block: a hang fails the test. */
  alarm(10);
  for (gsize i = 0; i < G_N_ELEMENTS(names); i++) {
    gint64 by_block, by_bytes;

    plant(f, names[i], c->kind);
    by_block = open_block(f, names[i], c->flags);
    by_bytes = open_bytes(f, names[i], c->flags);
    if (by_block != MH_FILE_EPERM || by_bytes != MH_FILE_EPERM)
      g_error("OPEN '%s' 0x%x: block %" G_GINT64_FORMAT
              ", bytes %" G_GINT64_FORMAT ", not EPERM (-3)",
              names[i], c->flags, by_block, by_bytes);
    assert_planted(f, names[i], c->kind);
  }
  alarm(0);
  g_assert_cmpuint(g_hash_table_size(f->svc.fds), ==, 0);
  /* Only "first", the file that made the VM's directory (plant()). */
  g_assert_cmpuint(g_hash_table_size(f->svc.privates), ==, 1);
  g_assert_true(g_hash_table_contains(f->svc.privates, "first"));
  g_assert_cmpuint(f->svc.host_errors, ==, 0);
  g_assert_true(g_file_get_contents(f->shared_path, &contents, NULL, NULL));
  g_assert_cmpstr(contents, ==, "original\n");
  g_free(contents);
  /* A name that exists nowhere is still "no such file". */
  if (!(c->flags & MH_FILE_WRONLY)) {
    g_assert_cmpint(open_block(f, "nope", c->flags), ==, MH_FILE_ENOENT);
    g_assert_cmpint(open_bytes(f, "nope", c->flags), ==, MH_FILE_ENOENT);
  }
}

/* The VM's own files still open after something was planted beside them,
 * and a missing name is still ENOENT on both transports. */
static void
test_planted_neighbours(Fixture *f, gconstpointer data)
{
  (void)data;
  plant(f, "fifo", PLANT_FIFO);
  plant(f, "dir", PLANT_DIR);
  g_assert_cmpint(open_block(f, "mine", MH_FILE_WRONLY), ==, 0);
  g_assert_cmpint(open_bytes(f, "mine", MH_FILE_RDONLY), ==, 1);
  g_assert_cmpint(open_block(f, "shared.txt", MH_FILE_RDONLY), ==, 2);
  g_assert_cmpint(open_block(f, "nope", MH_FILE_RDONLY), ==, MH_FILE_ENOENT);
  g_assert_cmpint(open_bytes(f, "nope", MH_FILE_RDONLY), ==, MH_FILE_ENOENT);
}

/* Copies of shared files count toward the files a VM may keep, as the
 * files it creates do: one more of either is EQUOTA.  (A copy made by a
 * first WRITE was not counted before.) */
static void
test_files_limit(Fixture *f, gconstpointer data)
{
  (void)data;
  for (guint i = 0; i < MH_FILES_PRIVATE_MAX; i++) {
    g_autofree char *name = g_strdup_printf("f%u", i);
    g_assert_cmpint(open_block(f, name, MH_FILE_WRONLY), ==, 0);
    g_assert_cmpint(request(f, MH_FILE_CLOSE, 0, 0, 0, 0, 0), ==, 0);
  }
  g_assert_cmpint(open_block(f, "one-more", MH_FILE_WRONLY), ==,
                  MH_FILE_EQUOTA);
  g_assert_cmpint(open_bytes(f, "one-more", MH_FILE_RDONLY | MH_FILE_CREATE),
                  ==, MH_FILE_EQUOTA);
  g_assert_cmpint(open_block(f, "shared.txt", MH_FILE_WRONLY | MH_FILE_TRUNC),
                  ==, MH_FILE_EQUOTA);
  /* Opening the shared file to write copies nothing; the first write would. */
  g_assert_cmpint(open_block(f, "shared.txt", MH_FILE_RDWR), ==, 0);
  memcpy(f->ram_bytes + BUF_GPA, "x", 1);
  g_assert_cmpint(request(f, MH_FILE_WRITE, 0, 0, 1, 0, BUF_GPA), ==,
                  MH_FILE_EQUOTA);
  g_assert_cmpuint(g_hash_table_size(f->svc.privates), ==,
                   MH_FILES_PRIVATE_MAX);
  /* An existing file still opens. */
  g_assert_cmpint(open_block(f, "f7", MH_FILE_RDWR), ==, 1);
}

/* An invalid request changes nothing: no copy, no quota spent, the fd's
 * offset as it was.  (A WRITE past 1 TiB to a shared file made the copy
 * before it was refused.) */
static void
test_invalid_changes_nothing(Fixture *f, gconstpointer data)
{
  (void)data;
  g_assert_cmpint(open_block(f, "shared.txt", MH_FILE_RDWR), ==, 0);
  g_assert_cmpint(request(f, MH_FILE_SEEK, 0, MH_FILE_SEEK_SET, 0,
                          (gint64)MH_FILE_OFFSET_MAX, 0),
                  ==, (gint64)MH_FILE_OFFSET_MAX);
  memcpy(f->ram_bytes + BUF_GPA, "x", 1);
  g_assert_cmpint(request(f, MH_FILE_WRITE, 0, 0, 1, 0, BUF_GPA), ==,
                  MH_FILE_EINVAL);
  g_assert_cmpuint(g_hash_table_size(f->svc.privates), ==, 0);
  g_assert_cmpuint(f->svc.written, ==, 0);
  g_assert_cmpint(request(f, MH_FILE_SEEK, 0, MH_FILE_SEEK_CUR, 0, 0, 0), ==,
                  (gint64)MH_FILE_OFFSET_MAX);
  /* The copy (9 bytes) would fit in the quota (1024), the copy and this
   * write would not: EQUOTA, and no copy either. */
  g_assert_cmpint(request(f, MH_FILE_SEEK, 0, MH_FILE_SEEK_SET, 0, 0, 0), ==,
                  0);
  g_assert_cmpint(request(f, MH_FILE_WRITE, 0, 0, 1020, 0, BUF_GPA), ==,
                  MH_FILE_EQUOTA);
  g_assert_cmpuint(g_hash_table_size(f->svc.privates), ==, 0);
  g_assert_cmpint(request(f, MH_FILE_SEEK, 0, MH_FILE_SEEK_SET, 0,
                          (gint64)MH_FILE_OFFSET_MAX, 0),
                  ==, (gint64)MH_FILE_OFFSET_MAX);
  /* A refused SEEK, WRITE (quota) or READ leaves the offset. */
  g_assert_cmpint(request(f, MH_FILE_SEEK, 0, MH_FILE_SEEK_SET, 0, 5, 0), ==,
                  5);
  g_assert_cmpint(request(f, MH_FILE_SEEK, 0, MH_FILE_SEEK_CUR, 0, -6, 0), ==,
                  MH_FILE_EINVAL);
  g_assert_cmpint(request(f, MH_FILE_SEEK, 0, 3, 0, 1, 0), ==, MH_FILE_EINVAL);
  g_assert_cmpint(request(f, MH_FILE_WRITE, 0, 0, 2000, 0, BUF_GPA), ==,
                  MH_FILE_EQUOTA);
  g_assert_cmpint(request(f, MH_FILE_SEEK, 0, MH_FILE_SEEK_CUR, 0, 0, 0), ==,
                  5);
  g_assert_cmpint(open_block(f, "w-only", MH_FILE_WRONLY), ==, 1);
  g_assert_cmpint(request(f, MH_FILE_WRITE, 1, 0, 3, 0, BUF_GPA), ==, 3);
  g_assert_cmpint(request(f, MH_FILE_READ, 1, 0, 3, 0, BUF_GPA), ==,
                  MH_FILE_EPERM);
  g_assert_cmpint(request(f, MH_FILE_SEEK, 1, MH_FILE_SEEK_CUR, 0, 0, 0), ==,
                  3);
}

/* Which status wins when several apply: the order of checks that
 * mini_hypervisor-abi(7) documents (STATUSES, order of checks). */
static void
test_precedence(Fixture *f, gconstpointer data)
{
  (void)data;
  /* 1. The header: command, then OPEN's flags, then its name length. */
  g_assert_cmpint(request(f, 42, 9, 0, 0, 0, 0), ==, MH_FILE_EINVAL);
  g_assert_cmpint(open_block(f, "missing", MH_FILE_RDONLY | 0x80), ==,
                  MH_FILE_EINVAL);
  g_assert_cmpint(request(f, MH_FILE_OPEN, 0, 0x80, 0, 0, G_MAXUINT64), ==,
                  MH_FILE_EINVAL);
  g_assert_cmpint(request(f, MH_FILE_OPEN, 0, MH_FILE_RDONLY, 256, 0,
                          G_MAXUINT64),
                  ==, MH_FILE_ENAME);
  /* 2. OPEN: the name, then the fd table, then the file itself. */
  for (int i = 0; i < 4; i++)
    g_assert_cmpint(open_block(f, "shared.txt", MH_FILE_RDONLY), ==, i);
  g_assert_cmpint(open_block(f, "a/b", MH_FILE_RDONLY), ==, MH_FILE_ENAME);
  g_assert_cmpint(open_block(f, "missing", MH_FILE_RDONLY), ==, MH_FILE_EMFILE);
  g_assert_cmpint(request(f, MH_FILE_CLOSE, 3, 0, 0, 0, 0), ==, 0);
  g_assert_cmpint(open_block(f, "missing", MH_FILE_RDONLY), ==, MH_FILE_ENOENT);
  /* 3. Other commands: the fd, then its mode, then offset, then quota. */
  g_assert_cmpint(request(f, MH_FILE_WRITE, 3, 0, 1, 0, BUF_GPA), ==,
                  MH_FILE_EBADF);
  g_assert_cmpint(request(f, MH_FILE_SEEK, 3, 7, 0, 0, 0), ==, MH_FILE_EINVAL);
  g_assert_cmpint(request(f, MH_FILE_WRITE, 0, 0, 1, 0, BUF_GPA), ==,
                  MH_FILE_EPERM);
  g_assert_cmpint(open_block(f, "new", MH_FILE_WRONLY), ==, 3);
  g_assert_cmpint(request(f, MH_FILE_SEEK, 3, MH_FILE_SEEK_SET, 0,
                          (gint64)MH_FILE_OFFSET_MAX - 1, 0),
                  ==, (gint64)MH_FILE_OFFSET_MAX - 1);
  g_assert_cmpint(request(f, MH_FILE_WRITE, 3, 0, 2, 0, BUF_GPA), ==,
                  MH_FILE_EINVAL); /* past 1 TiB and past the quota */
  g_assert_cmpint(request(f, MH_FILE_WRITE, 3, 0, 1, 0, BUF_GPA), ==,
                  MH_FILE_EQUOTA); /* within 1 TiB, past the quota */
}

/* Empty and over-long OPEN names are ENAME on both transports. */
static void
test_name_lengths(Fixture *f, gconstpointer data)
{
  guint8 out[MH_FILE_HDR_SIZE + 300];
  guint64 le = 0;
  struct mh_file_req req = {.cmd = GUINT32_TO_LE(MH_FILE_OPEN),
                            .flags = GUINT32_TO_LE(MH_FILE_WRONLY),
                            .len = GUINT32_TO_LE(256)};
  MhIoAccess io_out = {MH_PORT_FILE, MH_IO_OUT, 1, sizeof out, out};
  MhIoAccess io_in = {MH_PORT_FILE, MH_IO_IN, 1, sizeof le, (guint8 *)&le};

  (void)data;
  g_assert_cmpint(open_block(f, "", MH_FILE_RDONLY), ==, MH_FILE_ENAME);
  g_assert_cmpint(open_bytes(f, "", MH_FILE_RDONLY), ==, MH_FILE_ENAME);
  memset(f->ram_bytes + BUF_GPA, 'a', 256);
  g_assert_cmpint(request(f, MH_FILE_OPEN, 0, MH_FILE_WRONLY, 256, 0, BUF_GPA),
                  ==, MH_FILE_ENAME);
  /* The byte transport answers the header at once and ignores the 256
   * name bytes (and more) streamed after it. */
  memcpy(out, &req, MH_FILE_HDR_SIZE);
  memset(out + MH_FILE_HDR_SIZE, 'a', sizeof out - MH_FILE_HDR_SIZE);
  g_assert_true(mh_files_io(&f->svc, &io_out, NULL));
  g_assert_true(mh_files_io(&f->svc, &io_in, NULL));
  g_assert_cmpint((gint64)GUINT64_FROM_LE(le), ==, MH_FILE_ENAME);
  g_assert_cmpint(open_bytes(f, "shared.txt", MH_FILE_RDONLY), ==, 0);
}

/* Block transport: no alignment is needed; the buf of SIZE, SEEK and
 * CLOSE is never looked at; a zero-length buffer may start anywhere in
 * RAM up to its end, and past the end it stops the VM like any other. */
static void
test_block_buffers(Fixture *f, gconstpointer data)
{
  struct mh_file_req req = {MH_FILE_OPEN, 0, MH_FILE_RDONLY, 10, 0,
                            BUF_GPA + 3,  0};
  g_autoptr(GError) error = NULL;
  gint64 result = 0;

  (void)data;
  memcpy(f->ram_bytes + BUF_GPA + 3, "shared.txt", 10);
  g_assert_true(block(f, REQ_GPA + 1, &req, &result, NULL));
  g_assert_cmpint(result, ==, 0);
  req = (struct mh_file_req){MH_FILE_READ, 0, 0, 5, 0, BUF_GPA + 7, 0};
  g_assert_true(block(f, REQ_GPA + 5, &req, &result, NULL));
  g_assert_cmpint(result, ==, 5);
  g_assert_cmpmem(f->ram_bytes + BUF_GPA + 7, 5, "origi", 5);
  g_assert_cmpint(request(f, MH_FILE_SIZE, 0, 0, 0, 0, G_MAXUINT64), ==, 9);
  g_assert_cmpint(request(f, MH_FILE_SEEK, 0, 0, 0, 1, G_MAXUINT64), ==, 1);
  g_assert_cmpint(request(f, MH_FILE_READ, 0, 0, 0, 0, RAM_SIZE), ==, 0);
  g_assert_cmpint(request(f, MH_FILE_CLOSE, 0, 0, 0, 0, G_MAXUINT64), ==, 0);
  g_assert_cmpint(open_block(f, "new", MH_FILE_WRONLY), ==, 0);
  g_assert_cmpint(request(f, MH_FILE_WRITE, 0, 0, 0, 0, RAM_SIZE), ==, 0);
  req = (struct mh_file_req){MH_FILE_WRITE, 0, 0, 0, 0, RAM_SIZE + 1, 0};
  g_assert_false(block(f, REQ_GPA, &req, &result, &error));
  g_assert_error(error, MH_ERROR, MH_ERROR_GUEST);
  g_assert_nonnull(strstr(error->message, "WRITE buffer [0x2001, +0 bytes) "
                                          "runs outside guest RAM"));
}

/* The byte transport checks the fd once a WRITE's data has arrived: the
 * guest streams all len bytes, then reads EBADF, and the channel is in
 * step for the next request. */
static void
test_bytes_fd_after_data(Fixture *f, gconstpointer data)
{
  struct mh_file_req req = {.cmd = GUINT32_TO_LE(MH_FILE_WRITE),
                            .fd = (gint32)GUINT32_TO_LE(7),
                            .len = GUINT32_TO_LE(3)};
  guint8 out[MH_FILE_HDR_SIZE + 3];
  guint64 le = 0;
  MhIoAccess io_hdr = {MH_PORT_FILE, MH_IO_OUT, 1, MH_FILE_HDR_SIZE, out};
  MhIoAccess io_data = {MH_PORT_FILE, MH_IO_OUT, 1, 3, out + MH_FILE_HDR_SIZE};
  MhIoAccess io_in = {MH_PORT_FILE, MH_IO_IN, 1, sizeof le, (guint8 *)&le};

  (void)data;
  memcpy(out, &req, MH_FILE_HDR_SIZE);
  memcpy(out + MH_FILE_HDR_SIZE, "abc", 3);
  g_assert_true(mh_files_io(&f->svc, &io_hdr, NULL));
  g_assert_cmpuint(f->svc.ops, ==, 0); /* waits for the data */
  g_assert_true(mh_files_io(&f->svc, &io_data, NULL));
  g_assert_true(mh_files_io(&f->svc, &io_in, NULL));
  g_assert_cmpint((gint64)GUINT64_FROM_LE(le), ==, MH_FILE_EBADF);
  g_assert_cmpint(open_bytes(f, "shared.txt", MH_FILE_RDONLY), ==, 0);
}

/* The guest's fds are closed by mh_files_close_all(), and mh_files_clear()
 * after it is safe (the fixture's teardown does both). */
static void
test_close_all(Fixture *f, gconstpointer data)
{
  (void)data;
  g_assert_cmpint(open_block(f, "mine", MH_FILE_WRONLY), ==, 0);
  g_assert_cmpint(open_block(f, "shared.txt", MH_FILE_RDONLY), ==, 1);
  mh_files_close_all(&f->svc);
  g_assert_cmpuint(g_hash_table_size(f->svc.fds), ==, 0);
  g_assert_cmpint(request(f, MH_FILE_SIZE, 0, 0, 0, 0, 0), ==, MH_FILE_EBADF);
  /* The shared file's fd belongs to the run, and stays open. */
  g_assert_cmpint(fcntl(f->shared->files[0].fd, F_GETFD), >=, 0);
  mh_files_close_all(&f->svc);
  g_assert_true(mh_files_finish(&f->svc));
}

/* The room under the quota saturates: never a wrapped value. */
static void
test_quota_room(Fixture *f, gconstpointer data)
{
  (void)data;
  g_assert_cmpuint(mh_files_quota_room(&f->svc), ==, 1024);
  f->svc.written = 1000;
  g_assert_cmpuint(mh_files_quota_room(&f->svc), ==, 24);
  f->svc.written = 1024;
  g_assert_cmpuint(mh_files_quota_room(&f->svc), ==, 0);
  f->svc.written = 5000;
  g_assert_cmpuint(mh_files_quota_room(&f->svc), ==, 0);
  g_assert_cmpint(open_block(f, "x", MH_FILE_WRONLY), ==, 0);
  g_assert_cmpint(request(f, MH_FILE_WRITE, 0, 0, 1, 0, BUF_GPA), ==,
                  MH_FILE_EQUOTA);
}

/* The run makes its directory once; a VM makes vmN-name beneath it only
 * when its guest first creates or writes a file: reading a shared file
 * makes none.  Without a run directory, the run's reason reaches the
 * report the first time the guest needs a file, and reading still
 * works. */
static void
test_run_dir(Fixture *f, gconstpointer data)
{
  g_autofree char *want = g_build_filename(f->run_path, "vm0-guest", NULL);
  MhFileConfig config = f->config;
  struct mh_file_req req = {.cmd = MH_FILE_OPEN,
                            .flags = MH_FILE_WRONLY,
                            .len = 3};
  MhFileService svc;

  (void)data;
  g_assert_cmpint(open_block(f, "shared.txt", MH_FILE_RDONLY), ==, 0);
  g_assert_cmpint(request(f, MH_FILE_READ, 0, 0, 100, 0, BUF_GPA), ==, 9);
  g_assert_cmpint(open_block(f, "absent", MH_FILE_RDONLY), ==, MH_FILE_ENOENT);
  g_assert_false(g_file_test(want, G_FILE_TEST_EXISTS));
  g_assert_false(mh_files_finish(&f->svc)); /* nothing made, nothing kept */
  g_assert_cmpint(open_block(f, "new", MH_FILE_WRONLY), ==, 1);
  g_assert_cmpstr(f->svc.dir_path, ==, want);
  g_assert_true(g_file_test(want, G_FILE_TEST_IS_DIR));
  config.run_fd = -1;
  config.run_error = "creating directory 'out': Permission denied";
  mh_files_init(&svc, &config, &f->ram, 1, "other.img");
  g_assert_cmpint(svc.dir_fd, <, 0);
  g_assert_cmpint(mh_files_exec(&svc, &req, (const guint8 *)"new", NULL), ==,
                  MH_FILE_EIO);
  g_assert_cmpstr(svc.last_host_error, ==, config.run_error);
  req.flags = MH_FILE_RDONLY;
  req.len = 10;
  g_assert_cmpint(mh_files_exec(&svc, &req, (const guint8 *)"shared.txt", NULL),
                  ==, 0);
  g_assert_false(mh_files_finish(&svc));
  mh_files_close_all(&svc);
  mh_files_clear(&svc);
}

/* Every test runs in a fresh Fixture (setup, teardown). */
static void
add_tests(void)
{
  g_test_add("/fileio/open-read-write", Fixture, NULL, setup,
             test_open_read_write, teardown);
  g_test_add("/fileio/statuses", Fixture, NULL, setup, test_statuses, teardown);
  g_test_add("/fileio/quota", Fixture, NULL, setup, test_quota, teardown);
  g_test_add("/fileio/quota/copy-grows", Fixture, NULL, setup,
             test_quota_copy_grows, teardown);
  g_test_add("/fileio/block-outside-ram", Fixture, NULL, setup,
             test_outside_ram, teardown);
  g_test_add("/fileio/other-widths", Fixture, NULL, setup, test_other_widths,
             teardown);
  {
    static const struct {
      const char *name;
      Plant kind;
    } kinds[] = {
      {"fifo", PLANT_FIFO},
      {"dir", PLANT_DIR},
      {"symlink-to-file", PLANT_LINK_FILE},
      {"symlink-to-dir", PLANT_LINK_DIR},
    };
    static const struct {
      const char *name;
      guint32 flags;
    } modes[] = {
      {"rdonly", MH_FILE_RDONLY},
      {"wronly", MH_FILE_WRONLY},
      {"wronly-trunc", MH_FILE_WRONLY | MH_FILE_TRUNC},
    };
    static PlantCase cases[G_N_ELEMENTS(kinds) * G_N_ELEMENTS(modes)];

    for (gsize k = 0; k < G_N_ELEMENTS(kinds); k++) {
      for (gsize m = 0; m < G_N_ELEMENTS(modes); m++) {
        PlantCase *c = &cases[k * G_N_ELEMENTS(modes) + m];
        g_autofree char *path = g_strdup_printf("/fileio/planted/%s/%s",
                                                kinds[k].name, modes[m].name);
        c->kind = kinds[k].kind;
        c->flags = modes[m].flags;
        g_test_add(path, Fixture, c, setup, test_planted, teardown);
      }
    }
  }
  g_test_add("/fileio/planted/neighbours", Fixture, NULL, setup,
             test_planted_neighbours, teardown);
  g_test_add("/fileio/files-limit", Fixture, NULL, setup, test_files_limit,
             teardown);
  g_test_add("/fileio/invalid-changes-nothing", Fixture, NULL, setup,
             test_invalid_changes_nothing, teardown);
  g_test_add("/fileio/precedence", Fixture, NULL, setup, test_precedence,
             teardown);
  g_test_add("/fileio/name-lengths", Fixture, NULL, setup, test_name_lengths,
             teardown);
  g_test_add("/fileio/block-buffers", Fixture, NULL, setup, test_block_buffers,
             teardown);
  g_test_add("/fileio/bytes-fd-after-data", Fixture, NULL, setup,
             test_bytes_fd_after_data, teardown);
  g_test_add("/fileio/close-all", Fixture, NULL, setup, test_close_all,
             teardown);
  g_test_add("/fileio/quota/room", Fixture, NULL, setup, test_quota_room,
             teardown);
  g_test_add("/fileio/run-dir", Fixture, NULL, setup, test_run_dir, teardown);
}

MH_UNIT_MAIN_ONLY(add_tests)
