/* SPDX-License-Identifier: MIT */
/* trace.c - --trace: VM exits as Chrome trace events (see trace.h). */
#include "config.h"

#include "trace.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "error.h"
#include "fdio.h"
#include "json.h"
#include "kvm.h"
#include "outfile.h"
#include "text.h"

/* The most a VM writes at once: PIPE_BUF, so that one write is one
 * append whatever the file is (trace.h).  A record is far smaller. */
#define TRACE_WRITE_MAX PIPE_BUF
/* An end record's message is cut to this many bytes (before escaping,
 * which at most doubles it), to keep the record under TRACE_WRITE_MAX. */
#define TRACE_MESSAGE_MAX 1024u
G_STATIC_ASSERT(TRACE_MESSAGE_MAX * 2 + 512 < TRACE_WRITE_MAX);

struct MhTrace {
  int fd;
  char *path;    /* escaped, for messages */
  guint64 limit; /* bytes of records per VM */
  gint64 t0_ns;  /* CLOCK_MONOTONIC at the trace's time 0 */
};

struct MhTraceVm {
  const MhTrace *trace;
  guint tid;          /* its track: VM index + 1 (see trace.h)  */
  GString *buf;       /* whole records not yet written         */
  guint64 bytes;      /* records accepted, buffered or written */
  guint64 exits;      /* exits recorded                        */
  gboolean recording; /* FALSE once limited or failed          */
  gboolean limited;   /* --trace-limit reached                 */
  int write_errno;    /* the write that failed, or 0          */

  int vcpu_fd;
  struct kvm_run *run;
  gsize run_size;
  gboolean sync_regs; /* KVM copies RIP into run->s.regs       */

  /* The last KVM_RUN, recorded at the next one (or at the end), once its
   * exit has been handled: then an IN's data is what the guest got. */
  gboolean pending;
  gint64 enter_ns;
  gint64 return_ns;
  int run_errno; /* KVM_RUN failed with it, or 0          */
};

static gint64
trace_now(void)
{
  struct timespec ts;

  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (gint64)ts.tv_sec * G_GINT64_CONSTANT(1000000000) + ts.tv_nsec;
}

/* ------------------------------------------------------------------ */
/* Formatting                                                           */

/* A record is formatted on the stack and appended to its GString once,
 * numbers by hand: through g_string_append_printf() an exit cost some
 * 4 us to format, and through many small GString appends still ~4,500
 * instructions (measured; more than KVM's own share of a fast exit). */
#define TRACE_RECORD_MAX 1024 /* far more than an exit record needs */

typedef struct {
  char s[TRACE_RECORD_MAX];
  gsize n;
} TraceRec;

/* Appends @len bytes.  A record cannot outgrow s[] (its parts are
 * bounded), but the bound is checked anyway; written so that a literal's
 * copy stays a copy of constant size, which the compiler inlines. */
static inline void
rec_put(TraceRec *r, const char *p, gsize len)
{
  if (G_LIKELY(len <= sizeof r->s - r->n)) {
    memcpy(r->s + r->n, p, len);
    r->n += len;
  }
}

#define REC_LIT(r, literal) rec_put((r), (literal), sizeof(literal) - 1)

static inline void
rec_str(TraceRec *r, const char *p)
{
  rec_put(r, p, strlen(p));
}

static void
rec_u64(TraceRec *r, guint64 v)
{
  char digits[20];
  gsize n = sizeof digits;

  do {
    digits[--n] = (char)('0' + v % 10);
    v /= 10;
  } while (v != 0);
  rec_put(r, digits + n, sizeof digits - n);
}

static const char trace_hex_digits[] = "0123456789abcdef";

/* "0x" and @v in lower-case hex. */
static void
rec_hex(TraceRec *r, guint64 v)
{
  char digits[18];
  gsize n = sizeof digits;

  do {
    digits[--n] = trace_hex_digits[v & 0xf];
    v >>= 4;
  } while (v != 0);
  digits[--n] = 'x';
  digits[--n] = '0';
  rec_put(r, digits + n, sizeof digits - n);
}

/* ,"key": then microseconds with the nanoseconds as fraction, without
 * floating point (exact, and the same in every locale). */
static void
rec_us(TraceRec *r, const char *key, gint64 ns)
{
  char frac[4];

  if (ns < 0)
    ns = 0;
  REC_LIT(r, ",\"");
  rec_str(r, key);
  REC_LIT(r, "\":");
  rec_u64(r, (guint64)ns / 1000);
  frac[0] = '.';
  frac[1] = (char)('0' + ns / 100 % 10);
  frac[2] = (char)('0' + ns / 10 % 10);
  frac[3] = (char)('0' + ns % 10);
  rec_put(r, frac, sizeof frac);
}

/* The same, for the records that are not formatted per exit. */
static void
trace_append_us(GString *out, const char *key, gint64 ns)
{
  TraceRec r = {.n = 0};

  rec_us(&r, key, ns);
  g_string_append_len(out, r.s, (gssize)r.n);
}

/* ,"pid":1,"tid":N */
static void
rec_ids(TraceRec *r, guint tid)
{
  REC_LIT(r, ",\"pid\":1,\"tid\":");
  rec_u64(r, tid);
}

void
mh_trace_format_guest(GString *out, guint tid, gint64 ts_ns, gint64 dur_ns)
{
  TraceRec r = {.n = 0};

  REC_LIT(&r, ",\n{\"name\":\"guest\",\"cat\":\"guest\",\"ph\":\"X\"");
  rec_ids(&r, tid);
  rec_us(&r, "ts", ts_ns);
  rec_us(&r, "dur", dur_ns);
  REC_LIT(&r, "}");
  g_string_append_len(out, r.s, (gssize)r.n);
}

static void
rec_data(TraceRec *r, const guint8 *data, guint64 len)
{
  REC_LIT(r, ",\"data\":\"");
  for (guint64 i = 0; i < len && i < MH_TRACE_DATA_MAX; i++) {
    char hex[2] = {trace_hex_digits[data[i] >> 4],
                   trace_hex_digits[data[i] & 0xf]};
    rec_put(r, hex, sizeof hex);
  }
  if (len > MH_TRACE_DATA_MAX)
    REC_LIT(r, "...");
  REC_LIT(r, "\"");
}

void
mh_trace_format_exit(GString *out, const MhTraceExit *e)
{
  const char *reason = e->run_errno != 0 ? "error"
                                         : mh_kvm_exit_name(e->reason);
  g_autofree char *unnamed = NULL;
  gboolean io = e->run_errno == 0 && e->reason == KVM_EXIT_IO;
  gboolean mmio = e->run_errno == 0 && e->reason == KVM_EXIT_MMIO;
  const char *dir = io ? (e->write ? "out" : "in")
                       : (e->write ? "write" : "read");
  TraceRec r = {.n = 0};

  if (reason == NULL)
    reason = unnamed = g_strdup_printf("exit %u", e->reason);
  REC_LIT(&r, ",\n{\"name\":\"");
  if (io) {
    REC_LIT(&r, "io ");
    rec_str(&r, dir);
    REC_LIT(&r, " ");
    rec_hex(&r, e->addr);
  } else if (mmio) {
    REC_LIT(&r, "mmio ");
    rec_str(&r, dir);
  } else {
    rec_str(&r, reason);
  }
  REC_LIT(&r, "\",\"cat\":\"exit\",\"ph\":\"X\"");
  rec_ids(&r, e->tid);
  rec_us(&r, "ts", e->ts_ns);
  rec_us(&r, "dur", e->dur_ns);
  REC_LIT(&r, ",\"args\":{\"reason\":\"");
  rec_str(&r, reason);
  REC_LIT(&r, "\"");
  if (e->run_errno != 0) {
    g_autoptr(GString) text = g_string_new(NULL);
    mh_json_escape(text, g_strerror(e->run_errno));
    REC_LIT(&r, ",\"errno\":");
    rec_put(&r, text->str, text->len);
  }
  if (io || mmio) {
    if (io)
      REC_LIT(&r, ",\"port\":\"");
    else
      REC_LIT(&r, ",\"addr\":\"");
    rec_hex(&r, e->addr);
    REC_LIT(&r, "\",\"dir\":\"");
    rec_str(&r, dir);
    REC_LIT(&r, "\",\"size\":");
    rec_u64(&r, e->size);
    if (io) {
      REC_LIT(&r, ",\"count\":");
      rec_u64(&r, e->count);
    }
    if (e->data != NULL && (io || e->write))
      rec_data(&r, e->data, (guint64)e->size * (io ? e->count : 1));
  }
  if (e->has_rip) {
    REC_LIT(&r, ",\"rip\":\"");
    rec_hex(&r, e->rip);
    REC_LIT(&r, "\"");
  }
  REC_LIT(&r, "}}");
  g_string_append_len(out, r.s, (gssize)r.n);
}

/* ------------------------------------------------------------------ */
/* The file (main thread)                                               */

MhTrace *
mh_trace_open(const char *path, guint64 limit, GError **error)
{
  g_autoptr(MhTrace) trace = g_new0(MhTrace, 1);
  g_autoptr(GString) head = g_string_new(NULL);
  g_autofree char *base = NULL;
  g_auto(MhFd) dir_fd = -1;
  int err;

  trace->fd = -1;
  trace->path = mh_text_escape(path);
  trace->limit = limit;
  /* Checked and opened as every output file is (outfile.h).  O_APPEND:
   * every VM's write lands at the end, whole (trace.h).  A pipe or
   * terminal could block a VM's thread for good, and a viewer opens
   * files: only a regular file. */
  dir_fd = mh_out_parent_open(path, "--trace", &base, error);
  if (dir_fd >= 0)
    trace->fd = mh_out_file_open(dir_fd, base, O_APPEND, MH_ERROR_USAGE, error);
  if (trace->fd < 0) {
    g_prefix_error(error, "cannot write the trace file '%s': ", trace->path);
    return NULL;
  }
  trace->t0_ns = trace_now();
  g_string_append(head, "{\"displayTimeUnit\":\"ns\",\"traceEvents\":[\n"
                        "{\"name\":\"process_name\",\"ph\":\"M\",\"pid\":1,"
                        "\"args\":{\"name\":\"mini_hypervisor\"}}");
  err = mh_fd_write_all(trace->fd, head->str, head->len, NULL);
  if (err != 0) {
    mh_throw_errnum(error, MH_ERROR_USAGE, err,
                    "cannot write the trace file '%s'", trace->path);
    return NULL;
  }
  return g_steal_pointer(&trace);
}

int
mh_trace_fd(const MhTrace *trace)
{
  return trace->fd;
}

gboolean
mh_trace_close(MhTrace *trace, GError **error)
{
  static const char tail[] = "\n]}\n";
  int err = mh_fd_write_all(trace->fd, tail, sizeof tail - 1, NULL);

  if (err == 0 && close(trace->fd) < 0)
    err = errno;
  else if (err != 0)
    close(trace->fd);
  trace->fd = -1;
  if (err != 0)
    return mh_throw_errnum(error, MH_ERROR_HOST, err,
                           "writing the trace file '%s'", trace->path);
  return TRUE;
}

void
mh_trace_free(MhTrace *trace)
{
  if (trace == NULL)
    return;
  /* Not closed: the run ended early, before or without its VMs; the file
   * still ends as JSON. */
  if (trace->fd >= 0)
    mh_trace_close(trace, NULL);
  g_free(trace->path);
  g_free(trace);
}

/* ------------------------------------------------------------------ */
/* One VM's records (its thread)                                        */

MhTraceVm *
mh_trace_vm_new(MhTrace *trace, guint index, const char *name)
{
  MhTraceVm *t = g_new0(MhTraceVm, 1);

  t->trace = trace;
  t->tid = index + 1;
  t->buf = g_string_sized_new(2 * TRACE_WRITE_MAX);
  t->recording = TRUE;
  t->vcpu_fd = -1;
  /* Its track's name and place, first in its records (written later by
   * its thread, with the rest). */
  g_string_append_printf(t->buf,
                         ",\n{\"name\":\"thread_name\",\"ph\":\"M\","
                         "\"pid\":1,\"tid\":%u,\"args\":{\"name\":",
                         t->tid);
  mh_json_escape(t->buf, name);
  g_string_append_printf(t->buf,
                         "}},\n{\"name\":\"thread_sort_index\","
                         "\"ph\":\"M\",\"pid\":1,\"tid\":%u,\"args\":"
                         "{\"sort_index\":%u}}",
                         t->tid, index);
  return t;
}

void
mh_trace_vm_attach(MhTraceVm *t, int vm_fd, int vcpu_fd, struct kvm_run *run,
                   gsize run_size)
{
  int fields = ioctl(vm_fd, KVM_CHECK_EXTENSION, KVM_CAP_SYNC_REGS);

  t->vcpu_fd = vcpu_fd;
  t->run = run;
  t->run_size = run_size;
  /* Asking for a field KVM lacks would fail every KVM_RUN: only if it
   * has it.  Without it, RIP costs a KVM_GET_REGS per exit. */
  t->sync_regs = fields > 0 && (fields & KVM_SYNC_X86_REGS);
  if (t->sync_regs)
    run->kvm_valid_regs = KVM_SYNC_X86_REGS;
}

/* Writes the buffered records. */
static void
trace_vm_flush(MhTraceVm *t)
{
  int err;

  if (t->buf->len == 0 || t->write_errno != 0)
    return;
  err = mh_fd_write_all(t->trace->fd, t->buf->str, t->buf->len, NULL);
  g_string_truncate(t->buf, 0);
  if (err != 0) {
    t->write_errno = err;
    t->recording = FALSE;
  }
}

/* The records appended to t->buf from @start on are complete: writes
 * what came before them if the buffer would exceed one write. */
static void
trace_vm_commit(MhTraceVm *t, gsize start)
{
  if (t->buf->len <= TRACE_WRITE_MAX || start == 0)
    return;
  if (t->write_errno == 0) {
    int err = mh_fd_write_all(t->trace->fd, t->buf->str, start, NULL);
    if (err != 0) {
      t->write_errno = err;
      t->recording = FALSE;
    }
  }
  g_string_erase(t->buf, 0, (gssize)start);
}

/* The last KVM_RUN's exit, as the run mapping describes it now. */
static void
trace_vm_describe(MhTraceVm *t, MhTraceExit *e)
{
  const struct kvm_run *run = t->run;
  struct kvm_regs regs;

  e->run_errno = t->run_errno;
  e->reason = run->exit_reason;
  if (t->sync_regs) {
    e->has_rip = TRUE;
    e->rip = run->s.regs.regs.rip;
  } else if (ioctl(t->vcpu_fd, KVM_GET_REGS, &regs) == 0) {
    e->has_rip = TRUE;
    e->rip = regs.rip;
  }
  if (e->run_errno != 0)
    return;
  if (e->reason == KVM_EXIT_IO) {
    e->addr = run->io.port;
    e->write = run->io.direction == KVM_EXIT_IO_OUT;
    e->size = run->io.size;
    e->count = run->io.count;
    e->data = mh_kvm_io_data(t->run, t->run_size);
  } else if (e->reason == KVM_EXIT_MMIO) {
    e->addr = run->mmio.phys_addr;
    e->write = run->mmio.is_write;
    e->size = MIN(run->mmio.len, (guint32)sizeof run->mmio.data);
    e->data = run->mmio.data;
  }
}

/* Records the pending KVM_RUN and its exit, handled until @now_ns. */
static void
trace_vm_record(MhTraceVm *t, gint64 now_ns)
{
  gint64 t0 = t->trace->t0_ns;
  gsize start = t->buf->len;
  MhTraceExit e = {
    .tid = t->tid,
    .ts_ns = t->return_ns - t0,
    .dur_ns = now_ns - t->return_ns,
  };

  t->pending = FALSE;
  trace_vm_describe(t, &e);
  /* The guest's span ends 1 ns before its exit's begins: viewers add ts
   * and dur in floating point (speedscope, Perfetto's JSON importer), and
   * a sum one rounding step past the exit's ts nested every later span
   * under this one. */
  mh_trace_format_guest(t->buf, t->tid, t->enter_ns - t0,
                        t->return_ns - t->enter_ns - 1);
  mh_trace_format_exit(t->buf, &e);
  if (t->bytes + (t->buf->len - start) > t->trace->limit) {
    /* Over the limit: this exit is not recorded, nor any later; a marker
     * says so on the track (the main thread says it on stderr). */
    g_string_truncate(t->buf, start);
    g_string_append_printf(t->buf,
                           ",\n{\"name\":\"trace limit reached\","
                           "\"cat\":\"trace\",\"ph\":\"i\",\"s\":\"t\","
                           "\"pid\":1,\"tid\":%u",
                           t->tid);
    trace_append_us(t->buf, "ts", t->return_ns - t0);
    g_string_append_printf(t->buf,
                           ",\"args\":{\"limit\":%" G_GUINT64_FORMAT
                           ",\"exits\":%" G_GUINT64_FORMAT "}}",
                           t->trace->limit, t->exits);
    t->limited = TRUE;
    t->recording = FALSE;
  } else {
    t->bytes += t->buf->len - start;
    t->exits++;
  }
  trace_vm_commit(t, start);
}

int
mh_trace_run(MhTraceVm *t)
{
  int ret, err;

  if (t->pending)
    trace_vm_record(t, trace_now());
  if (!t->recording)
    return ioctl(t->vcpu_fd, KVM_RUN, 0);
  /* Taken after the record: the time spent formatting shows as a gap
   * between the exit's end and the guest's next start. */
  t->enter_ns = trace_now();
  ret = ioctl(t->vcpu_fd, KVM_RUN, 0);
  err = errno;
  t->return_ns = trace_now();
  t->run_errno = ret < 0 && err != EINTR && err != EAGAIN ? err : 0;
  t->pending = TRUE;
  errno = err;
  return ret;
}

void
mh_trace_vm_end(MhTraceVm *t, const GError *error)
{
  gint64 now = trace_now();
  gsize start;

  if (t->pending && t->recording)
    trace_vm_record(t, now);
  t->pending = FALSE;
  /* The end, outside the limit (it is bounded): how the VM ended. */
  start = t->buf->len;
  g_string_append_printf(t->buf,
                         ",\n{\"name\":\"%s\",\"cat\":\"vm\","
                         "\"ph\":\"i\",\"s\":\"t\",\"pid\":1,\"tid\":%u",
                         error == NULL ? "halted" : "failed", t->tid);
  trace_append_us(t->buf, "ts", now - t->trace->t0_ns);
  g_string_append_printf(t->buf, ",\"args\":{\"exits\":%" G_GUINT64_FORMAT,
                         t->exits);
  if (error != NULL) {
    g_autofree char *safe = mh_text_escape(error->message);
    if (strlen(safe) > TRACE_MESSAGE_MAX) {
      /* Cut at a character's start: the result stays valid UTF-8. */
      char *cut = g_utf8_find_prev_char(safe, safe + TRACE_MESSAGE_MAX + 1);
      *cut = '\0';
    }
    g_string_append(t->buf, ",\"error\":");
    mh_json_escape(t->buf, safe);
  }
  g_string_append(t->buf, "}}");
  trace_vm_commit(t, start);
  trace_vm_flush(t);
}

char *
mh_trace_vm_problem(const MhTraceVm *t, gboolean *failed)
{
  *failed = t->write_errno != 0;
  if (t->write_errno != 0)
    return g_strdup_printf("trace: writing its records failed (%s): the "
                           "trace file is incomplete",
                           g_strerror(t->write_errno));
  if (t->limited)
    return g_strdup_printf("trace: --trace-limit of %" G_GUINT64_FORMAT
                           " bytes reached after %" G_GUINT64_FORMAT
                           " exits; later exits are not recorded",
                           t->trace->limit, t->exits);
  return NULL;
}

void
mh_trace_vm_free(MhTraceVm *t)
{
  if (t == NULL)
    return;
  g_string_free(t->buf, TRUE);
  g_free(t);
}
