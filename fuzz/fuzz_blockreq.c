/* SPDX-License-Identifier: MIT */
/*
 * fuzz_blockreq - the file port as a hostile guest sees it: block
 * requests (4-byte OUTs of a request block's address) interleaved with
 * the byte transport and with accesses of the wrong width, through a real
 * MhFileService (mh_files_io) on a scratch directory, with guest RAM of a
 * few KiB that the input fills.
 *
 * Invariants, after every access:
 *  - an access is refused (FALSE) exactly with a guest error, never a
 *    crash; a request block, name or buffer that does not lie wholly in
 *    RAM is refused (an ASan-sized RAM catches any access past its end);
 *  - a block request changes guest RAM only in its result field and, for
 *    READ, in [buf, buf + len);
 *  - the result is a MH_FILE_E* status or fits its command (an fd below
 *    --max-open, a READ no longer than asked);
 *  - at the end of each input: the shared files are unchanged, nothing was
 *    created outside the VM's directory, and no descriptor leaked.
 */
#include "config.h"

#include "fuzz-common.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"
#include "fileio.h"
#include "fileport.h"

#define FUZZ_MAX_OPEN 4
#define FUZZ_QUOTA    8192

static const char notes_text[] = "notes: the shared file\nline two\n";

static struct {
  char *top;    /* scratch directory                    */
  char *out;    /* -o: top/out                          */
  char *vm_dir; /* top/out/run-fuzz/vm0-fuzz            */
  MhSharedFiles *shared;
  MhFileConfig config;
} F;

static int
count_fds(void)
{
  DIR *d = opendir("/proc/self/fd");
  struct dirent *e;
  int n = 0;

  FUZZ_CHECK(d != NULL, "opendir /proc/self/fd");
  while ((e = readdir(d)) != NULL)
    n += e->d_name[0] != '.';
  closedir(d);
  return n - 1; /* the DIR's own */
}

/* Removes what one input left in the VM's directory, and the directory. */
static void
clean_vm_dir(void)
{
  DIR *d = opendir(F.vm_dir);
  struct dirent *e;

  if (d == NULL)
    return;
  while ((e = readdir(d)) != NULL) {
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
      continue;
    FUZZ_CHECK(unlinkat(dirfd(d), e->d_name, 0) == 0,
               "the VM made something other than a file: %s", e->d_name);
  }
  closedir(d);
  rmdir(F.vm_dir);
}

/* Only out/run-fuzz/vm0-fuzz may appear, and the shared files keep their
 * contents. */
static void
check_host(void)
{
  g_autofree char *notes = NULL, *empty = NULL;
  g_autofree char *run = g_build_filename(F.out, "run-fuzz", NULL);
  gsize len = 0;
  GDir *dir;
  const char *name;

  FUZZ_CHECK(g_file_get_contents(F.shared->files[0].path, &notes, &len, NULL) &&
               len == strlen(notes_text) && memcmp(notes, notes_text, len) == 0,
             "the shared file changed");
  FUZZ_CHECK(g_file_get_contents(F.shared->files[1].path, &empty, &len, NULL) &&
               len == 0,
             "the empty shared file changed");
  dir = g_dir_open(run, 0, NULL);
  if (dir != NULL) {
    while ((name = g_dir_read_name(dir)) != NULL)
      FUZZ_CHECK(strcmp(name, "vm0-fuzz") == 0, "run directory has '%s'", name);
    g_dir_close(dir);
  }
  dir = g_dir_open(F.out, 0, NULL);
  FUZZ_CHECK(dir != NULL, "output directory gone");
  while ((name = g_dir_read_name(dir)) != NULL)
    FUZZ_CHECK(strcmp(name, "run-fuzz") == 0, "output directory has '%s'",
               name);
  g_dir_close(dir);
}

static void
remove_scratch(void)
{
  fuzz_rm_rf(F.top);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *notes = NULL, *empty = NULL;
  char *run;
  char *paths[3];

  (void)argc;
  (void)argv;
  fuzz_glib_strict();
  F.top = fuzz_scratch_dir("blockreq");
  atexit(remove_scratch);
  F.out = g_build_filename(F.top, "out", NULL);
  F.vm_dir = g_build_filename(F.out, "run-fuzz", "vm0-fuzz", NULL);
  notes = g_build_filename(F.top, "notes.txt", NULL);
  empty = g_build_filename(F.top, "empty.txt", NULL);
  FUZZ_CHECK(g_file_set_contents(notes, notes_text, -1, NULL) &&
               g_file_set_contents(empty, "", 0, NULL),
             "shared files");
  paths[0] = notes;
  paths[1] = empty;
  paths[2] = NULL;
  F.shared = mh_shared_files_open(paths, &error);
  FUZZ_CHECK(F.shared != NULL, "%s", error->message);
  g_mkdir_with_parents(F.out, 0700);
  run = g_build_filename(F.out, "run-fuzz", NULL);
  g_mkdir_with_parents(run, 0700);
  F.config = (MhFileConfig){
    .shared = F.shared,
    .run_fd = open(run, O_RDONLY | O_DIRECTORY | O_CLOEXEC), /* the run's */
    .run_path = run,
    .max_open = FUZZ_MAX_OPEN,
    .quota = FUZZ_QUOTA,
  };
  FUZZ_CHECK(F.config.run_fd >= 0, "run directory");
  return 0;
}

/* Guest addresses worth trying: the edges of RAM and of 32 bits. */
static guint64
pick_gpa(FuzzIn *in, gsize ram_size, gboolean for_block)
{
  guint64 span = for_block ? MH_FILE_REQ_SIZE : 0;

  switch (fuzz_u8(in) % 8) {
  case 0: return 0;
  case 1: return ram_size - MIN(span, ram_size);     /* last fitting */
  case 2: return ram_size - MIN(span, ram_size) + 1; /* one past     */
  case 3: return ram_size;
  case 4: return G_MAXUINT32 - fuzz_u8(in);
  case 5: return fuzz_u32(in);
  case 6: return G_MAXUINT64 - fuzz_u8(in); /* wraps        */
  default: return fuzz_u16(in) % (ram_size + 64);
  }
}

static guint32
pick_len(FuzzIn *in, gsize ram_size)
{
  switch (fuzz_u8(in) % 7) {
  case 0: return 0;
  case 1: return fuzz_u8(in);
  case 2: return (guint32)ram_size;
  case 3: return (guint32)ram_size + 1;
  case 4: return G_MAXUINT32 - fuzz_u8(in);
  case 5: return MH_FILE_NAME_MAX + (fuzz_u8(in) % 3) - 1;
  default: return fuzz_u32(in);
  }
}

/* Puts a plausible request block (and for OPEN a name) into RAM. */
static void
plant_request(FuzzIn *in, guint8 *ram, gsize ram_size)
{
  static const char *const names[] = {
    "notes.txt", "empty.txt",  "new.txt",     "..", ".", ".mh-tmp-0", "a/b", "",
    "x\001y",    "notes.txt/", "/etc/passwd",
  };
  struct mh_file_req r = {0};
  guint64 at = pick_gpa(in, ram_size, TRUE);
  guint8 sel = fuzz_u8(in);

  r.cmd = 1 + sel % 7;
  r.fd = (gint32)(fuzz_u8(in) % (FUZZ_MAX_OPEN + 2)) - 1;
  r.flags = fuzz_u8(in) & 0x1f;
  r.len = pick_len(in, ram_size);
  r.offset = (gint64)fuzz_u64(in);
  r.buf = pick_gpa(in, ram_size, FALSE);
  r.result = 0x5a5a5a5a5a5a5a5a;
  if (r.cmd == MH_FILE_OPEN && (sel & 0x80)) {
    const char *name = names[fuzz_u8(in) % G_N_ELEMENTS(names)];
    gsize n = strlen(name);
    r.len = (guint32)n;
    if (r.buf <= ram_size && ram_size - r.buf >= n)
      memcpy(ram + r.buf, name, n);
  }
  if (at <= ram_size && ram_size - at >= MH_FILE_REQ_SIZE)
    memcpy(ram + at, &r, sizeof r);
}

#define FUZZ_RAM_MAX (65536 + 512)

/* Copies [@at, @at + @len) of @from over @to, clipped to RAM. */
static void
copy_range(guint8 *to, const guint8 *from, gsize ram_size, guint64 at,
           guint64 len)
{
  if (at < ram_size)
    memcpy(to + at, from + at, (gsize)MIN(len, ram_size - at));
}

/* One 4-byte OUT with one block address; checks what it changed. */
static void
block_out(MhFileService *svc, guint8 *ram, gsize ram_size, guint32 gpa)
{
  static guint8 before[FUZZ_RAM_MAX];
  g_autoptr(GError) error = NULL;
  guint8 data[4];
  MhIoAccess io = {MH_PORT_FILE, MH_IO_OUT, 4, 1, data};
  struct mh_file_req req;
  gint64 result;
  gboolean ok;

  memcpy(before, ram, ram_size);
  memcpy(data, &gpa, 4);
  ok = mh_files_io(svc, &io, &error);
  if ((guint64)gpa + MH_FILE_REQ_SIZE > ram_size) {
    FUZZ_CHECK(!ok, "a block at 0x%x past RAM of %zu was accepted", gpa,
               ram_size);
  }
  if (!ok) {
    FUZZ_CHECK(error != NULL && error->domain == MH_ERROR &&
                 error->code == MH_ERROR_GUEST,
               "refused without a guest error");
    FUZZ_CHECK(memcmp(before, ram, ram_size) == 0,
               "a refused request changed guest RAM");
    return;
  }
  FUZZ_CHECK(error == NULL, "accepted with an error set");
  memcpy(&req, before + gpa, sizeof req);
  memcpy(&result, ram + gpa + 32, sizeof result);
  /* Only the result field and a READ's buffer may change: copy those
   * over the snapshot, and the rest must be equal. */
  copy_range(before, ram, ram_size, (guint64)gpa + 32, 8);
  if (req.cmd == MH_FILE_READ)
    copy_range(before, ram, ram_size, req.buf, req.len);
  FUZZ_CHECK(memcmp(before, ram, ram_size) == 0,
             "cmd %u changed guest RAM outside its result and buffer", req.cmd);
  if (result < 0) {
    FUZZ_CHECK(result >= MH_FILE_EIO, "status %" G_GINT64_FORMAT, result);
    return;
  }
  switch (req.cmd) {
  case MH_FILE_OPEN:
    FUZZ_CHECK(result < FUZZ_MAX_OPEN, "fd %" G_GINT64_FORMAT, result);
    break;
  case MH_FILE_READ:
  case MH_FILE_WRITE:
    FUZZ_CHECK((guint64)result <= req.len, "%" G_GINT64_FORMAT " bytes of %u",
               result, req.len);
    break;
  case MH_FILE_CLOSE:
    FUZZ_CHECK(result == 0, "close gave %" G_GINT64_FORMAT, result);
    break;
  case MH_FILE_SEEK:
    FUZZ_CHECK((guint64)result <= MH_FILE_OFFSET_MAX,
               "offset %" G_GINT64_FORMAT, result);
    break;
  case MH_FILE_SIZE: break;
  default: FUZZ_CHECK(FALSE, "unknown command %u succeeded", req.cmd);
  }
}

int
LLVMFuzzerTestOneInput(const guint8 *data, size_t size)
{
  static const gsize ram_sizes[] = {4096, 8192, 40, 100, FUZZ_RAM_MAX};
  MhFileService svc;
  MhGuestMem ram;
  FuzzIn in;
  gsize n;
  const guint8 *fill;
  int fds_before = count_fds();

  fuzz_in_init(&in, data, size);
  ram.size = ram_sizes[fuzz_u8(&in) % G_N_ELEMENTS(ram_sizes)];
  ram.host = g_malloc0(ram.size); /* exactly: ASan guards its end */
  fill = fuzz_bytes(&in, fuzz_u16(&in) % (ram.size + 1), &n);
  memcpy(ram.host, fill, n);

  mh_files_init(&svc, &F.config, &ram, 0, "fuzz.img");
  while (!fuzz_in_done(&in)) {
    guint8 op = fuzz_u8(&in);
    g_autoptr(GError) error = NULL;

    switch (op % 8) {
    case 0:
    case 1: plant_request(&in, ram.host, ram.size); break;
    case 2:
    case 3:
      block_out(&svc, ram.host, ram.size,
                (guint32)pick_gpa(&in, ram.size, TRUE));
      break;
    case 4: { /* rep outsd: several block addresses in one exit */
      guint8 addrs[4 * 4];
      guint count = 1 + fuzz_u8(&in) % 4;
      MhIoAccess io = {MH_PORT_FILE, MH_IO_OUT, 4, count, addrs};
      for (guint i = 0; i < count; i++) {
        guint32 gpa = (guint32)pick_gpa(&in, ram.size, TRUE);
        memcpy(addrs + 4 * i, &gpa, 4);
      }
      if (!mh_files_io(&svc, &io, &error))
        FUZZ_CHECK(error != NULL && error->code == MH_ERROR_GUEST,
                   "refused without a guest error");
      break;
    }
    case 5: { /* byte transport, mid-way through anything */
      guint8 bytes[64];
      const guint8 *src = fuzz_bytes(&in, 1 + op / 8 % sizeof bytes, &n);
      MhIoAccess io = {MH_PORT_FILE, MH_IO_OUT, 1, (guint)n, bytes};
      memcpy(bytes, src, n);
      FUZZ_CHECK(n == 0 || mh_files_io(&svc, &io, &error),
                 "a 1-byte OUT was refused");
      break;
    }
    case 6: {
      guint8 bytes[64];
      MhIoAccess io = {MH_PORT_FILE, MH_IO_IN, 1, 1 + op / 8 % sizeof bytes,
                       bytes};
      FUZZ_CHECK(mh_files_io(&svc, &io, &error), "a 1-byte IN was refused");
      break;
    }
    default: { /* a width the port does not take */
      guint8 bytes[8] = {0};
      MhIoAccess io = {MH_PORT_FILE, (op & 0x40) ? MH_IO_IN : MH_IO_OUT,
                       (op & 0x80) ? 2 : 4, 1, bytes};
      gboolean ok = mh_files_io(&svc, &io, &error);
      if (io.size == 2 || io.dir == MH_IO_IN)
        FUZZ_CHECK(!ok && error != NULL && error->code == MH_ERROR_GUEST,
                   "a %u-byte %s was not refused", io.size,
                   io.dir == MH_IO_IN ? "IN" : "OUT");
      break;
    }
    }
  }
  mh_files_close_all(&svc);
  mh_files_finish(&svc);
  mh_files_clear(&svc);
  g_free(ram.host);
  clean_vm_dir();
  check_host();
  FUZZ_CHECK(count_fds() == fds_before, "%d descriptors open, %d before",
             count_fds(), fds_before);
  return 0;
}
