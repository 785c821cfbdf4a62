/* stream.c: the files a translated program opened, so that a restore can
 * open them again: stdio streams (fopen, fdopen, freopen; a standard stream
 * redirected by freopen or given a buffering mode) and descriptors (open,
 * creat). Each entry keeps the absolute path and the mode; a capture adds
 * the offset and the descriptor number. A restore opens the path without
 * creating or truncating it, moves it to the same descriptor number, seeks,
 * and for a stream sets the buffering and the end-of-file indicator back. */
#define _GNU_SOURCE
#define _FILE_OFFSET_BITS 64
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MPP_LOG_PREFIX "stream"
#include "mpp_err.h"
#include "mpp_log.h"
#include "mpp_stream.h"

enum kind {
	K_FILE = 1, /* a FILE the program opened: pointers to it are saved */
	K_STD,      /* stdin, stdout or stderr, redirected or with a buffering mode */
	K_FD        /* a descriptor from open or creat */
};

enum { F_EOF = 1, F_CLOEXEC = 2, F_BUF = 4, F_PATH = 8 };

/* Buffering modes as saved (not the host's _IO*BF values). */
enum { B_FULL = 0, B_LINE, B_NONE };

/* What a state holds for one entry (block data, described by t_rec). */
struct rec {
	long long offset;  /* of the stream or descriptor */
	int kind;          /* enum kind */
	int fd;            /* descriptor number */
	int std;           /* K_STD: 0 stdin, 1 stdout, 2 stderr */
	int flags;         /* F_* */
	int bufmode;       /* with F_BUF: B_* */
	long long bufsize; /* with F_BUF */
	char mode[8];      /* "r", "r+", "w", "w+", "a" or "a+", NUL-padded */
};

static const struct mpp_type t_mode = {MPP_K_ARRAY, 8, 1, "char[8]", &mpp_t_char, 8, 0};
static const struct mpp_field rec_fields[] = {
    {"offset", offsetof(struct rec, offset), &mpp_t_llong},
    {"kind", offsetof(struct rec, kind), &mpp_t_int},
    {"fd", offsetof(struct rec, fd), &mpp_t_int},
    {"std", offsetof(struct rec, std), &mpp_t_int},
    {"flags", offsetof(struct rec, flags), &mpp_t_int},
    {"bufmode", offsetof(struct rec, bufmode), &mpp_t_int},
    {"bufsize", offsetof(struct rec, bufsize), &mpp_t_llong},
    {"mode", offsetof(struct rec, mode), &t_mode},
};
#define NFIELDS (sizeof rec_fields / sizeof rec_fields[0])
static const struct mpp_type t_rec = {
    MPP_K_STRUCT, sizeof(struct rec), _Alignof(struct rec), "struct mpp_stream_record", NULL, NFIELDS, rec_fields};

struct ent {
	int kind;
	FILE *f;    /* K_FILE, K_STD */
	int fd;     /* K_FD */
	int std;    /* K_STD */
	char *path; /* absolute; NULL: nothing to reopen (K_STD: not redirected) */
	char mode[8];
	int flags; /* F_CLOEXEC, F_BUF */
	int bufmode;
	long long bufsize;
	struct rec rec; /* filled by a snapshot */
};

static struct {
	struct ent *v;
	size_t n, cap;
} tab;

static FILE *std_stream(int i)
{
	return i == 0 ? stdin : i == 1 ? stdout : stderr;
}

static int std_index(FILE *f)
{
	return f == stdin ? 0 : f == stdout ? 1 : f == stderr ? 2 : -1;
}

static struct ent *find_file(FILE *f)
{
	for (size_t i = 0; i < tab.n; i++)
		if ((tab.v[i].kind == K_FILE || tab.v[i].kind == K_STD) && tab.v[i].f == f)
			return &tab.v[i];
	return NULL;
}

static struct ent *find_fd(int fd)
{
	for (size_t i = 0; i < tab.n; i++)
		if (tab.v[i].kind == K_FD && tab.v[i].fd == fd)
			return &tab.v[i];
	return NULL;
}

static struct ent *add(int kind)
{
	struct ent *e;

	if (tab.n == tab.cap) {
		size_t cap = tab.cap ? tab.cap * 2 : 16;
		struct ent *v = realloc(tab.v, cap * sizeof *v);
		if (!v)
			return NULL;
		tab.v = v;
		tab.cap = cap;
	}
	e = &tab.v[tab.n++];
	memset(e, 0, sizeof *e);
	e->kind = kind;
	e->fd = -1;
	return e;
}

static void forget(struct ent *e)
{
	free(e->path);
	*e = tab.v[--tab.n];
}

/* path made absolute against the current directory (a program may chdir
 * after opening); NULL when out of memory. */
static char *absolute(const char *path)
{
	char *cwd, *p;

	if (path[0] == '/')
		return strdup(path);
	if (!(cwd = getcwd(NULL, 0)))
		return NULL;
	if (asprintf(&p, "%s/%s", cwd, path) < 0)
		p = NULL;
	free(cwd);
	return p;
}

/* The file behind a descriptor, if it can be opened again by its name: a
 * regular file or a device that still has a name. */
static char *fd_path(int fd)
{
	char link[64], buf[4096];
	struct stat st;
	ssize_t n;

	snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
	if ((n = readlink(link, buf, sizeof buf - 1)) <= 0 || buf[0] != '/')
		return NULL;
	buf[n] = 0;
	if (fstat(fd, &st) || st.st_nlink == 0 || !(S_ISREG(st.st_mode) || S_ISCHR(st.st_mode)))
		return NULL;
	return strdup(buf);
}

/* fopen's mode as one of the six base modes; *cloexec for 'e'. */
static int base_mode(const char *m, char out[8], int *cloexec)
{
	*cloexec = 0;
	if (!m || (m[0] != 'r' && m[0] != 'w' && m[0] != 'a'))
		return -1;
	memset(out, 0, 8);
	out[0] = m[0];
	for (const char *p = m + 1; *p && *p != ','; p++) {
		if (*p == '+')
			out[1] = '+';
		else if (*p == 'e')
			*cloexec = 1;
	}
	return 0;
}

/* open(2) flags that reopen a file of this mode without creating or
 * truncating it. */
static int reopen_flags(const char *mode)
{
	int rw = mode[1] == '+';

	switch (mode[0]) {
	case 'r': return rw ? O_RDWR : O_RDONLY;
	case 'w': return rw ? O_RDWR : O_WRONLY;
	default: return (rw ? O_RDWR : O_WRONLY) | O_APPEND;
	}
}

static void mode_of_flags(int flags, char out[8])
{
	memset(out, 0, 8);
	switch (flags & O_ACCMODE) {
	case O_RDONLY: out[0] = 'r'; break;
	case O_WRONLY: out[0] = flags & O_APPEND ? 'a' : 'w'; break;
	default:
		out[0] = flags & O_APPEND ? 'a' : 'r';
		out[1] = '+';
		break;
	}
}

/* ---- What translated programs call ------------------------------------ */

FILE *__mpp_fopen(const char *path, const char *mode)
{
	FILE *f = fopen(path, mode);
	struct ent *e;
	int cloexec;

	if (!f)
		return NULL;
	if (!(e = add(K_FILE))) {
		mpp_warn("out of memory: stream of '%s' not tracked", path);
		return f;
	}
	e->f = f;
	e->path = absolute(path);
	if (base_mode(mode, e->mode, &cloexec))
		e->mode[0] = 'r';
	e->flags = cloexec ? F_CLOEXEC : 0;
	return f;
}

FILE *__mpp_fdopen(int fd, const char *mode)
{
	FILE *f = fdopen(fd, mode);
	struct ent *e, *d;
	int cloexec;

	if (!f)
		return NULL;
	if (!(e = add(K_FILE)))
		return f;
	d = find_fd(fd); /* the stream now owns the descriptor */
	e->f = f;
	if (d) {
		e->path = d->path;
		d->path = NULL;
	} else {
		e->path = fd_path(fd);
	}
	if (base_mode(mode, e->mode, &cloexec))
		e->mode[0] = 'r';
	e->flags = cloexec || (fcntl(fd, F_GETFD) & FD_CLOEXEC) > 0 ? F_CLOEXEC : 0;
	if (d)
		forget(d);
	return f;
}

FILE *__mpp_freopen(const char *path, const char *mode, FILE *f)
{
	int s = std_index(f), cloexec;
	struct ent *e = find_file(f);
	char *abs = path ? absolute(path) : NULL;
	FILE *r = freopen(path, mode, f);

	if (!r) {
		if (e && s < 0) /* freopen closed it */
			forget(e);
		free(abs);
		return NULL;
	}
	if (!e && !(e = add(s >= 0 ? K_STD : K_FILE))) {
		free(abs);
		return r;
	}
	e->f = r;
	e->std = s;
	if (path) {
		free(e->path);
		e->path = abs;
	} else if (!e->path) {
		e->path = fd_path(fileno(r));
	}
	if (base_mode(mode, e->mode, &cloexec))
		e->mode[0] = 'r';
	e->flags = (e->flags & F_BUF) | (cloexec ? F_CLOEXEC : 0);
	return r;
}

int __mpp_fclose(FILE *f)
{
	struct ent *e = find_file(f);

	if (e)
		forget(e);
	return fclose(f);
}

int __mpp_setvbuf(FILE *f, char *buf, int mode, size_t size)
{
	int rc = setvbuf(f, buf, mode, size);
	struct ent *e;
	int s = std_index(f);

	if (rc)
		return rc;
	e = find_file(f);
	if (!e && s >= 0 && (e = add(K_STD))) {
		e->f = f;
		e->std = s;
	}
	if (e) {
		e->flags |= F_BUF;
		e->bufmode = mode == _IONBF ? B_NONE : mode == _IOLBF ? B_LINE : B_FULL;
		e->bufsize = (long long)size;
	}
	return rc;
}

void __mpp_setbuf(FILE *f, char *buf)
{
	__mpp_setvbuf(f, buf, buf ? _IOFBF : _IONBF, BUFSIZ);
}

void __mpp_setlinebuf(FILE *f)
{
	__mpp_setvbuf(f, NULL, _IOLBF, 0);
}

static int track_fd(int fd, const char *path, int flags)
{
	struct ent *e;

	if (fd < 0 || (flags & O_PATH) || (flags & O_TMPFILE) == O_TMPFILE || !(e = add(K_FD)))
		return fd;
	e->fd = fd;
	e->path = absolute(path);
	mode_of_flags(flags, e->mode);
	e->flags = flags & O_CLOEXEC ? F_CLOEXEC : 0;
	return fd;
}

int __mpp_open(const char *path, int flags, ...)
{
	mode_t m = 0;
	va_list ap;

	if ((flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE) {
		va_start(ap, flags);
		m = (mode_t)va_arg(ap, unsigned);
		va_end(ap);
	}
	return track_fd(open(path, flags, m), path, flags);
}

int __mpp_creat(const char *path, mode_t m)
{
	return track_fd(creat(path, m), path, O_CREAT | O_WRONLY | O_TRUNC);
}

int __mpp_close(int fd)
{
	struct ent *e = find_fd(fd);

	if (e)
		forget(e);
	return close(fd);
}

/* ---- Capture ------------------------------------------------------------ */

static const char *label(const struct ent *e)
{
	static const char *const names[] = {"<stdin>", "<stdout>", "<stderr>"};
	if (e->path)
		return e->path;
	return e->kind == K_STD ? names[e->std] : "?";
}

int mpp_stream_snapshot(void)
{
	for (size_t i = 0; i < tab.n; i++) {
		struct ent *e = &tab.v[i];
		struct rec *r = &e->rec;
		struct stat a, b;
		int fd;

		memset(r, 0, sizeof *r);
		r->kind = e->kind;
		r->std = e->kind == K_STD ? e->std : 0;
		r->flags = e->flags & (F_CLOEXEC | F_BUF);
		r->bufmode = e->bufmode;
		r->bufsize = e->bufsize;
		memcpy(r->mode, e->mode, sizeof r->mode);
		if (e->kind == K_STD && !e->path) {
			r->fd = e->std;
			continue; /* only a buffering mode */
		}
		fd = e->kind == K_FD ? e->fd : fileno(e->f);
		if (!e->path)
			return mpp_err_set(
			    MPP_ECAPTURE,
			    "cannot save the stream on descriptor %d: it is not a file that can be opened "
			    "again by its name (a pipe, a socket or a deleted file)",
			    fd);
		if (fd < 0 || fstat(fd, &a))
			return mpp_err_sys(MPP_ECAPTURE, "cannot save the stream of '%s': its descriptor", e->path);
		if (stat(e->path, &b) || a.st_dev != b.st_dev || a.st_ino != b.st_ino)
			return mpp_err_set(
			    MPP_ECAPTURE,
			    "cannot save the stream of '%s': the file was removed or replaced since it was "
			    "opened, so it could not be opened again",
			    e->path);
		r->fd = fd;
		r->flags |= F_PATH;
		if (e->kind == K_FD) {
			off_t o = lseek(fd, 0, SEEK_CUR);
			if (o < 0 && S_ISREG(a.st_mode))
				return mpp_err_sys(MPP_ECAPTURE, "cannot save descriptor %d of '%s': its offset", fd,
				                   e->path);
			r->offset = o < 0 ? 0 : (long long)o;
		} else {
			off_t o;
			if (r->mode[0] != 'r' || r->mode[1] == '+')
				fflush(e->f);
			o = ftello(e->f);
			if (o < 0 && S_ISREG(a.st_mode))
				return mpp_err_sys(MPP_ECAPTURE, "cannot save the stream of '%s': its position",
				                   e->path);
			r->offset = o < 0 ? 0 : (long long)o;
			if (feof(e->f))
				r->flags |= F_EOF;
		}
		/* the next process image opens it again at this number */
		if (e->kind != K_STD)
			fcntl(fd, F_SETFD, FD_CLOEXEC);
	}
	return 0;
}

size_t mpp_stream_count(void)
{
	return tab.n;
}

const void *mpp_stream_record(size_t i, const struct mpp_type **type, const char **path, uintptr_t *addr)
{
	const struct ent *e = &tab.v[i];

	*type = &t_rec;
	*path = label(e);
	*addr = e->kind == K_FILE ? (uintptr_t)e->f : 0;
	return &e->rec;
}

/* ---- Restore -------------------------------------------------------------- */

static int same_layout(const struct mpp_type *t)
{
	if (!t || t->kind != MPP_K_STRUCT || t->size != t_rec.size || t->count != NFIELDS)
		return 0;
	for (size_t i = 0; i < NFIELDS; i++) {
		const struct mpp_field *a = &t->fields[i], *b = &rec_fields[i];
		if (a->offset != b->offset || !a->type || a->type->kind != b->type->kind ||
		    a->type->size != b->type->size)
			return 0;
	}
	return 1;
}

const struct mpp_type *mpp_stream_type(void)
{
	return &t_rec;
}

int mpp_stream_check(const char *path, const struct mpp_type *type, const unsigned char *data)
{
	struct rec r;
	static const char *const modes[] = {"r", "r+", "w", "w+", "a", "a+"};
	size_t i;

	if (!same_layout(type))
		return mpp_err_set(MPP_EFORMAT, "corrupt state: the record of stream '%s' has another layout", path);
	memcpy(&r, data, sizeof r);
	for (i = 0; i < 6; i++)
		if (!memcmp(r.mode, modes[i], strlen(modes[i]) + 1))
			break;
	if (i == 6 || r.mode[7] || r.kind < K_FILE || r.kind > K_FD || r.std < 0 || r.std > 2 || r.fd < 0 ||
	    r.offset < 0 || r.bufmode < B_FULL || r.bufmode > B_NONE || r.bufsize < 0 ||
	    ((r.flags & F_PATH) && path[0] != '/') || (!(r.flags & F_PATH) && r.kind != K_STD))
		return mpp_err_set(MPP_EFORMAT, "corrupt state: bad record for stream '%s'", path);
	return 0;
}

/* Put fd at number want if that number is free (required: or fail). */
static int move_fd(int fd, int want, int required, const char *path)
{
	if (fd == want)
		return fd;
	if (fcntl(want, F_GETFD) != -1 || errno != EBADF) {
		if (!required)
			return fd;
		close(fd);
		return mpp_err_set(MPP_EFORMAT, "cannot reopen '%s' as descriptor %d: that descriptor is in use", path,
		                   want);
	}
	if (dup2(fd, want) < 0) {
		int rc = mpp_err_sys(MPP_EFORMAT, "cannot reopen '%s' as descriptor %d", path, want);
		close(fd);
		return rc;
	}
	close(fd);
	return want;
}

static int set_buffering(FILE *f, const struct rec *r)
{
	static const int modes[] = {_IOFBF, _IOLBF, _IONBF};

	if (!(r->flags & F_BUF))
		return 0;
	return setvbuf(f, NULL, modes[r->bufmode], (size_t)r->bufsize);
}

int mpp_stream_reopen(const char *path, const unsigned char *data, uintptr_t *addr)
{
	struct rec r;
	struct ent *e;
	FILE *f = NULL;
	int fd = -1, oflags;

	memcpy(&r, data, sizeof r);
	*addr = 0;
	if (!(e = add(r.kind)))
		return mpp_err_set(MPP_ENOMEM, "out of memory for the stream table");
	memcpy(e->mode, r.mode, sizeof e->mode);
	e->flags = r.flags & (F_CLOEXEC | F_BUF);
	e->bufmode = r.bufmode;
	e->bufsize = r.bufsize;
	e->std = r.std;
	if ((r.flags & F_PATH) && !(e->path = strdup(path))) {
		forget(e);
		return mpp_err_set(MPP_ENOMEM, "out of memory for the stream table");
	}
	if (e->path) {
		oflags = reopen_flags(r.mode) | (r.flags & F_CLOEXEC ? O_CLOEXEC : 0);
		if ((fd = open(path, oflags)) < 0) {
			int rc = mpp_err_sys(MPP_EFORMAT, "cannot reopen '%s' (a %s opened with mode \"%s\")", path,
			                     r.kind == K_FD ? "descriptor" : "stream", r.mode);
			forget(e);
			return rc;
		}
		if (r.kind == K_STD) {
			/* the standard stream's own descriptor now refers to the file */
			fflush(std_stream(r.std));
			if (fd != r.std && dup2(fd, r.std) < 0) {
				int rc = mpp_err_sys(MPP_EFORMAT, "cannot reopen '%s' as descriptor %d", path, r.std);
				close(fd);
				forget(e);
				return rc;
			}
			if (fd != r.std)
				close(fd);
			fd = r.std;
		} else {
			fd = move_fd(fd, r.fd, r.kind == K_FD, path);
		}
		if (fd < 0) {
			forget(e);
			return fd;
		}
		if (lseek(fd, (off_t)r.offset, SEEK_SET) < 0 && errno != ESPIPE) {
			int rc = mpp_err_sys(MPP_EFORMAT, "cannot reopen '%s' at offset %lld", path, r.offset);
			close(fd);
			forget(e);
			return rc;
		}
	}
	switch (r.kind) {
	case K_FD: e->fd = fd; return 0;
	case K_STD:
		e->f = f = std_stream(r.std);
		clearerr(f);
		if (e->path)
			fseeko(f, (off_t)r.offset, SEEK_SET);
		break;
	default:
		if (!(f = fdopen(fd, r.mode))) {
			int rc = mpp_err_sys(MPP_EFORMAT, "cannot reopen '%s' as a stream", path);
			close(fd);
			forget(e);
			return rc;
		}
		e->f = f;
		*addr = (uintptr_t)f;
		break;
	}
	set_buffering(f, &r);
	if ((r.flags & F_EOF) && (r.mode[0] == 'r' || r.mode[1] == '+') && getc(f) != EOF)
		fseeko(f, (off_t)r.offset, SEEK_SET); /* the file grew: no end-of-file then */
	mpp_debug("reopened '%s' mode %s at %lld (descriptor %d)", path, r.mode, r.offset, fd);
	return 0;
}

void mpp_stream_drop(void)
{
	for (size_t i = 0; i < tab.n; i++) {
		struct ent *e = &tab.v[i];
		if (e->kind == K_FILE)
			fclose(e->f);
		else if (e->kind == K_FD)
			close(e->fd);
		free(e->path);
	}
	tab.n = 0;
}
