/* mppcc.c: the compiler driver. Takes cc's command line, translates every
 * C source with translate_file(), compiles the results with the underlying
 * compiler (MPP_CC or --mpp-cc, default cc) and links libmpp. Anything that
 * is not a C source is passed through unchanged. */
#include <dirent.h>
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "front.h"
#include "mpp_pvm_wrap.h"
#include "translate.h"

struct argv_buf {
	char **v;
	int n, cap;
};

static void av_add(struct argv_buf *a, const char *s)
{
	if (a->n + 2 > a->cap) {
		a->cap = a->cap ? a->cap * 2 : 32;
		a->v = xrealloc(a->v, sizeof(*a->v) * (size_t)a->cap);
	}
	a->v[a->n++] = xstrdup(s);
	a->v[a->n] = NULL;
}

/* Append every entry of b to a. */
static void av_add_all(struct argv_buf *a, const struct argv_buf *b)
{
	for (int i = 0; i < b->n; i++)
		av_add(a, b->v[i]);
}

static void av_free(struct argv_buf *a)
{
	for (int i = 0; i < a->n; i++)
		free(a->v[i]);
	free(a->v);
	memset(a, 0, sizeof(*a));
}

static int verbose;

/* Runs argv, returns its exit status (127 when it cannot start). */
static int run(char **argv)
{
	if (verbose) {
		fprintf(stderr, "mppcc:");
		for (int i = 0; argv[i]; i++)
			fprintf(stderr, " %s", argv[i]);
		fputc('\n', stderr);
	}
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		fprintf(stderr, "mppcc: error: fork: %m\n");
		return 127;
	}
	if (pid == 0) {
		execvp(argv[0], argv);
		fprintf(stderr, "mppcc: error: cannot run '%s': %m\n", argv[0]);
		_exit(127);
	}
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return 127;
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	return 128 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
}

/* Splits a command like "gcc -m32" on blanks. */
static void split_words(struct argv_buf *a, const char *s)
{
	char *copy = xstrdup(s), *save = NULL;
	for (char *w = strtok_r(copy, " \t", &save); w; w = strtok_r(NULL, " \t", &save))
		av_add(a, w);
	free(copy);
}

static int ends_with(const char *s, const char *suf)
{
	size_t a = strlen(s), b = strlen(suf);
	return a >= b && strcmp(s + a - b, suf) == 0;
}

/* Options whose value is the next argument. */
static int takes_value(const char *a)
{
	static const char *const opts[] = {
	    "-o",         "-I", "-D",  "-U",  "-include", "-isystem",    "-iquote",
	    "-idirafter", "-x", "-MF", "-MT", "-MQ",      "-L",          "-l",
	    "-Xlinker",   "-T", "-u",  "-z",  "-imacros", "-Xassembler", "-Xpreprocessor",
	    NULL};
	for (int i = 0; opts[i]; i++)
		if (strcmp(a, opts[i]) == 0)
			return 1;
	return 0;
}

static char *exe_dir(void)
{
	char buf[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
	if (n <= 0)
		return xstrdup(".");
	buf[n] = 0;
	return xstrdup(dirname(buf));
}

static int mkdirs(const char *path)
{
	char *p = xstrdup(path);
	for (char *s = p + 1; *s; s++) {
		if (*s == '/') {
			*s = 0;
			mkdir(p, 0777);
			*s = '/';
		}
	}
	int rc = mkdir(p, 0777) == 0 || errno == EEXIST ? 0 : -1;
	free(p);
	return rc;
}

static char *base_noext(const char *path)
{
	char *c = xstrdup(path);
	char *b = xstrdup(basename(c));
	free(c);
	char *dot = strrchr(b, '.');
	if (dot)
		*dot = 0;
	return b;
}

static uint64_t hash_str(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ULL;
	}
	return h;
}

/* -Wl,--wrap=pvm_NAME,... for every PVM function libmpp interposes on. */
static const char *pvm_wrap_flags(void)
{
	static char flags[1024];
	if (!flags[0]) {
		size_t n = (size_t)snprintf(flags, sizeof flags, "-Wl");
#define WRAP(name) n += (size_t)snprintf(flags + n, sizeof flags - n, ",--wrap=pvm_" #name);
		MPP_PVM_WRAPPED(WRAP)
#undef WRAP
	}
	return flags;
}

/* Folds the contents of every file of dir into h, in name order, so that
 * a cache built from other runtime sources is not reused. */
static uint64_t hash_dir(const char *dir, uint64_t h)
{
	struct dirent **names;
	int n = scandir(dir, &names, NULL, alphasort);
	for (int i = 0; i < n; i++) {
		char *path = xasprintf("%s/%s", dir, names[i]->d_name);
		FILE *f = names[i]->d_name[0] != '.' ? fopen(path, "rb") : NULL;
		if (f) {
			int c;
			h = (h ^ hash_str(names[i]->d_name)) * 0x100000001b3ULL;
			while ((c = getc(f)) != EOF)
				h = (h ^ (unsigned char)c) * 0x100000001b3ULL;
			fclose(f);
		}
		free(path);
		free(names[i]);
	}
	free(names);
	return h;
}

/* The option that links libpvm3 (-lpvm3, -l:libpvm3...), if the link
 * names it: the program calls PVM and needs the runtime's PVM layer. */
static const char *links_pvm(const struct argv_buf *flags)
{
	for (int i = 0; i < flags->n; i++)
		if (!strcmp(flags->v[i], "-lpvm3") || !strncmp(flags->v[i], "-l:libpvm3", 10))
			return flags->v[i];
	return NULL;
}

/* The runtime's objects for the target compiler cc: the prebuilt libmpp.a
 * for the default compiler, otherwise built once from the shipped sources
 * and cached beside it (keyed by the compiler command and the sources),
 * with the PVM layer (PVM_SOURCES; cc must find pvm3.h) when pvm is set:
 * objects, not an archive, so the PVM layer is there only when asked for.
 * Appends what to link to `link`. */
static int runtime_for(const char *dir, const char *cc, const struct argv_buf *extra, int is_default, int pvm,
                       struct argv_buf *link)
{
	if (is_default) {
		char *lib = xasprintf("%s/../lib/libmpp.a", dir);
		av_add(link, lib);
		free(lib);
		return 0;
	}
	char *srcdir = xasprintf("%s/../share/mpp/runtime", dir);
	uint64_t key = hash_dir(srcdir, hash_str(cc));
	for (int i = 0; i < extra->n; i++)
		key = (key ^ hash_str(extra->v[i])) * 0x100000001b3ULL;
	if (pvm)
		key = (key ^ hash_str("pvm")) * 0x100000001b3ULL;
	char *cache = xasprintf("%s/../lib/mpp-%016llx", dir, (unsigned long long)key);
	char *list = xasprintf("%s/SOURCES", srcdir);
	char *pvmlist = xasprintf("%s/PVM_SOURCES", srcdir);
	char *stamp = xasprintf("%s/done", cache);
	int rc = 0;
	FILE *lf = fopen(list, "r"), *pf = pvm ? fopen(pvmlist, "r") : NULL;
	if (!lf || (pvm && !pf)) {
		fprintf(stderr, "mppcc: error: runtime sources not found ('%s' missing): reinstall mpp\n",
		        lf ? pvmlist : list);
		if (lf)
			fclose(lf);
		rc = -1;
		goto out;
	}
	struct stat st;
	int have = stat(stamp, &st) == 0;
	char *tmp = NULL;
	if (!have) {
		tmp = xasprintf("%s.tmp%ld", cache, (long)getpid());
		mkdirs(tmp);
	}
	char line[512];
	while (rc == 0 && (fgets(line, sizeof(line), lf) || (pf && fgets(line, sizeof(line), pf)))) {
		line[strcspn(line, "\r\n")] = 0;
		if (!line[0])
			continue;
		char *b = base_noext(line);
		char *obj = xasprintf("%s/%s.o", have ? cache : tmp, b);
		if (!have) {
			struct argv_buf a = {0};
			split_words(&a, cc);
			for (int k = 0; k < extra->n; k++)
				av_add(&a, extra->v[k]);
			av_add(&a, "-O2");
			av_add(&a, "-I");
			av_add(&a, srcdir);
			av_add(&a, "-c");
			char *src = xasprintf("%s/%s", srcdir, line);
			av_add(&a, src);
			av_add(&a, "-o");
			av_add(&a, obj);
			if (run(a.v) != 0) {
				fprintf(stderr, "mppcc: error: cannot build the runtime with '%s' (compiling %s)\n", cc,
				        line);
				rc = -1;
			}
			free(src);
			av_free(&a);
			free(obj);
			obj = xasprintf("%s/%s.o", cache, b);
		}
		av_add(link, obj);
		free(obj);
		free(b);
	}
	fclose(lf);
	if (pf)
		fclose(pf);
	if (!have && rc == 0) {
		char *done = xasprintf("%s/done", tmp);
		FILE *s = fopen(done, "w");
		if (s)
			fclose(s);
		free(done);
		if (rename(tmp, cache) != 0 && errno != ENOTEMPTY && errno != EEXIST) {
			fprintf(stderr, "mppcc: error: cannot install the runtime cache '%s': %m\n", cache);
			rc = -1;
		}
		/* another mppcc won the race: its copy is the same */
	}
	if (!have) { /* what is left: a failed build, or the loser of a race */
		char *rm = xasprintf("rm -rf '%s'", tmp);
		if (system(rm) != 0 && verbose)
			fprintf(stderr, "mppcc: warning: could not remove '%s'\n", tmp);
		free(rm);
	}
	free(tmp);
out:
	free(cache);
	free(srcdir);
	free(list);
	free(pvmlist);
	free(stamp);
	return rc;
}

/* `gcc -m32` on a Debian amd64 host without gcc-multilib (which conflicts
 * with the cross compilers) finds no <asm/...> headers: the kernel's are
 * in the host's multiarch directory and serve i386 as well. */
static void target_includes(const struct argv_buf *ccw, struct argv_buf *extra)
{
#if defined(__x86_64__) && defined(__linux__)
	int m32 = 0;
	for (int i = 1; i < ccw->n; i++)
		m32 |= !strcmp(ccw->v[i], "-m32");
	if (m32 && access("/usr/include/asm", F_OK) != 0 && access("/usr/include/i386-linux-gnu/asm", F_OK) != 0 &&
	    access("/usr/include/x86_64-linux-gnu/asm", F_OK) == 0) {
		av_add(extra, "-idirafter");
		av_add(extra, "/usr/include/x86_64-linux-gnu");
	}
#else
	(void)ccw;
	(void)extra;
#endif
}

/* The options that programs built with the prebuilt libmpp.a need, written
 * beside it at build time (lib/libmpp.flags: the sanitizer options of an
 * MPP_SANITIZE build, else empty). A sanitized runtime cannot be linked
 * without them; translated sources are compiled with them too, so that the
 * code mppcc generates is checked as well. A missing file means none. */
static void runtime_flags(const char *dir, struct argv_buf *a)
{
	char *path = xasprintf("%s/../lib/libmpp.flags", dir);
	FILE *f = fopen(path, "r");
	free(path);
	if (!f)
		return;
	char line[1024];
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\r\n")] = 0;
		split_words(a, line);
	}
	fclose(f);
}

static void usage(void)
{
	fprintf(stderr, "usage: mppcc [mpp options] [cc options] files...\n"
	                "  --mpp-auto        choose migration points automatically (every loop but\n"
	                "                    short constant ones, recursive functions)\n"
	                "  --mpp-cc=CMD      underlying compiler (default: $MPP_CC, else cc)\n"
	                "  --mpp-emit=DIR    keep the translated sources in DIR\n"
	                "  --mpp-verbose     print the commands run\n"
	                "  --mpp-help        this text\n"
	                "Any other option is the compiler's; CC=mppcc works in makefiles.\n");
}

int main(int argc, char **argv)
{
	const char *cc = getenv("MPP_CC");
	const char *emit = NULL;
	int auto_points = 0, mode_c = 0, mode_S = 0, mode_E = 0;
	const char *out = NULL;
	struct argv_buf flags = {0};    /* compiler flags, in order */
	struct argv_buf clang = {0};    /* flags the parser needs */
	struct argv_buf inputs = {0};   /* all inputs, in order */
	struct argv_buf ccw = {0};      /* the underlying compiler's words */
	struct argv_buf rtflags = {0};  /* for translated code with the prebuilt libmpp.a */
	struct argv_buf cc_extra = {0}; /* options mppcc adds for the target */
	struct argv_buf objs = {0};     /* link inputs, in order */
	char *dir = NULL, *incdir = NULL, *tmpdir = NULL;
	char tmpl[] = "/tmp/mppcc.XXXXXX";
	int nsources = 0, rc = 0;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strncmp(a, "--mpp-", 6) == 0) {
			if (strcmp(a, "--mpp-auto") == 0)
				auto_points = 1;
			else if (strncmp(a, "--mpp-cc=", 9) == 0)
				cc = a + 9;
			else if (strncmp(a, "--mpp-emit=", 11) == 0)
				emit = a + 11;
			else if (strcmp(a, "--mpp-verbose") == 0)
				verbose = 1;
			else if (strcmp(a, "--mpp-help") == 0) {
				usage();
				goto out;
			} else {
				fprintf(stderr, "mppcc: error: unknown option '%s' (see --mpp-help)\n", a);
				rc = 2;
				goto out;
			}
			continue;
		}
		if (strcmp(a, "-c") == 0) {
			mode_c = 1;
			continue;
		}
		if (strcmp(a, "-S") == 0)
			mode_S = 1;
		if (strcmp(a, "-E") == 0 || strcmp(a, "-M") == 0 || strcmp(a, "-MM") == 0)
			mode_E = 1;
		if (strcmp(a, "-o") == 0) {
			if (i + 1 >= argc) {
				fprintf(stderr, "mppcc: error: missing file name after '-o'\n");
				rc = 2;
				goto out;
			}
			out = argv[++i];
			continue;
		}
		if (strncmp(a, "-o", 2) == 0 && a[2]) {
			out = a + 2;
			continue;
		}
		if (a[0] == '-' && a[1]) {
			av_add(&flags, a);
			int val = takes_value(a) && i + 1 < argc;
			const char *v = val ? argv[i + 1] : NULL;
			if (val)
				av_add(&flags, argv[++i]);
			if (!strncmp(a, "-I", 2) || !strncmp(a, "-D", 2) || !strncmp(a, "-U", 2) ||
			    !strncmp(a, "-std=", 5) || !strcmp(a, "-include") || !strcmp(a, "-isystem") ||
			    !strcmp(a, "-iquote") || !strcmp(a, "-imacros") || !strcmp(a, "-idirafter") ||
			    !strcmp(a, "-m32") || !strcmp(a, "-m64") || !strcmp(a, "-ansi") ||
			    !strcmp(a, "-funsigned-char") || !strcmp(a, "-fsigned-char")) {
				av_add(&clang, a);
				if (v)
					av_add(&clang, v);
			}
			continue;
		}
		if (strcmp(a, "-") == 0) {
			fprintf(stderr, "mppcc: error: reading a source from standard input is not supported\n");
			rc = 2;
			goto out;
		}
		av_add(&inputs, a);
		if (ends_with(a, ".c"))
			nsources++;
	}
	if (!cc || !cc[0])
		cc = "cc";
	int is_default_cc = strcmp(cc, "cc") == 0 || strcmp(cc, "gcc") == 0;
	split_words(&ccw, cc);
	target_includes(&ccw, &cc_extra);
	/* -isystem too: what the target's headers declare (its pvm3.h, say)
	 * is a library, as in the host's /usr/include, not user code */
	for (int i = 1; i < ccw.n; i++)
		if (!strcmp(ccw.v[i], "-m32") || !strncmp(ccw.v[i], "-D", 2) || !strncmp(ccw.v[i], "-I", 2) ||
		    !strncmp(ccw.v[i], "-isystem", 8)) {
			av_add(&clang, ccw.v[i]);
			if (!strcmp(ccw.v[i], "-isystem") && i + 1 < ccw.n)
				av_add(&clang, ccw.v[++i]);
		}
	av_add_all(&clang, &cc_extra);
	{
		const char *base = strrchr(ccw.v[0], '/');
		base = base ? base + 1 : ccw.v[0];
		const char *dash = strstr(base, "-linux-gnu-");
		if (dash) {
			char *t = xasprintf("--target=%.*s-linux-gnu", (int)(dash - base), base);
			av_add(&clang, t);
			free(t);
		}
	}
	if (inputs.n == 0) {
		fprintf(stderr, "mppcc: error: no input files\n");
		rc = 2;
		goto out;
	}
	dir = exe_dir();
	if (is_default_cc)
		runtime_flags(dir, &rtflags);

	if (mode_E) { /* preprocessing only: nothing to translate */
		struct argv_buf a = {0};
		av_add_all(&a, &ccw);
		av_add_all(&a, &cc_extra);
		av_add_all(&a, &flags);
		av_add_all(&a, &inputs);
		if (out) {
			av_add(&a, "-o");
			av_add(&a, out);
		}
		rc = run(a.v);
		av_free(&a);
		goto out;
	}
	if ((mode_c || mode_S) && out && nsources > 1) {
		fprintf(stderr, "mppcc: error: cannot specify '-o' with '-%c' and several source files\n",
		        mode_S ? 'S' : 'c');
		rc = 2;
		goto out;
	}
	for (int i = 0; i < inputs.n; i++) {
		if (access(inputs.v[i], R_OK) != 0) {
			fprintf(stderr, "mppcc: error: %s: %s\n", inputs.v[i], strerror(errno));
			rc = 1;
			goto out;
		}
	}

	tmpdir = mkdtemp(tmpl);
	if (!tmpdir) {
		fprintf(stderr, "mppcc: error: cannot create a temporary directory: %m\n");
		rc = 1;
		goto out;
	}
	if (emit && mkdirs(emit) != 0) {
		fprintf(stderr, "mppcc: error: cannot create '%s': %m\n", emit);
		rc = 1;
		goto out;
	}
	incdir = xasprintf("%s/../include", dir);
	for (int i = 0; i < inputs.n && rc == 0; i++) {
		const char *src = inputs.v[i];
		if (!ends_with(src, ".c")) {
			av_add(&objs, src);
			continue;
		}
		char *b = base_noext(src);
		char *xl = xasprintf("%s/%s.c", emit ? emit : tmpdir, b);
		struct timespec t0, t1;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		struct translate_opts o = {src, xl, (const char *const *)clang.v, clang.n, auto_points};
		int tr = translate_file(&o);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		if (verbose)
			fprintf(stderr, "mppcc: translated %s in %.1f ms\n", src,
			        (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6);
		struct argv_buf a = {0};
		av_add_all(&a, &ccw);
		av_add_all(&a, &cc_extra);
		av_add_all(&a, &rtflags);
		av_add_all(&a, &flags);
		char *obj;
		if (mode_c || mode_S)
			obj = out ? xstrdup(out) : xasprintf("%s.%s", b, mode_S ? "s" : "o");
		else
			obj = xasprintf("%s/%s.%d.o", tmpdir, b, i);
		if (tr == 1) {
			/* the file does not compile: let the compiler say why */
			av_add(&a, "-fsyntax-only");
			av_add(&a, src);
			rc = run(a.v);
			if (rc == 0) {
				fprintf(stderr, "mppcc: error: libclang could not parse '%s'\n", src);
				rc = 1;
			}
		} else if (tr < 0) {
			rc = 1;
		} else {
			/* #include "..." must still find the headers beside the source */
			char *sd = xstrdup(src);
			av_add(&a, "-iquote");
			av_add(&a, dirname(sd));
			free(sd);
			av_add(&a, "-I");
			av_add(&a, incdir);
			av_add(&a, mode_S ? "-S" : "-c");
			av_add(&a, xl);
			av_add(&a, "-o");
			av_add(&a, obj);
			rc = run(a.v);
			av_add(&objs, obj);
		}
		av_free(&a);
		free(obj);
		free(xl);
		free(b);
	}
	if (rc == 0 && !mode_c && !mode_S) {
		struct argv_buf a = {0};
		av_add_all(&a, &ccw);
		av_add_all(&a, &cc_extra);
		av_add_all(&a, &rtflags);
		av_add_all(&a, &objs);
		/* another target's runtime is objects: before the libraries
		 * (-lpvm3...), which a static link searches only for what is
		 * undefined so far; libmpp.a, an archive, goes after them */
		const char *pvmlib = links_pvm(&flags);
		int pvm = pvmlib != NULL;
		if (!is_default_cc && runtime_for(dir, cc, &cc_extra, 0, pvm, &a) != 0)
			rc = 1;
		av_add_all(&a, &flags);
		if (is_default_cc && runtime_for(dir, cc, &cc_extra, 1, pvm, &a) != 0)
			rc = 1;
		/* libmpp.a's PVM layer calls libpvm3, which must come after it:
		 * when every PVM call of the program is wrapped, an --as-needed
		 * link drops a libpvm3 named only before it */
		if (is_default_cc && pvm)
			av_add(&a, pvmlib);
		/* PVM calls go through libmpp's PVM layer (a no-op without PVM) */
		if (is_default_cc || pvm)
			av_add(&a, pvm_wrap_flags());
		if (out) {
			av_add(&a, "-o");
			av_add(&a, out);
		}
		if (rc == 0)
			rc = run(a.v);
		av_free(&a);
	}
out:
	if (tmpdir) {
		char *rm = xasprintf("rm -rf '%s'", tmpdir);
		if (system(rm) != 0 && verbose)
			fprintf(stderr, "mppcc: warning: could not remove '%s'\n", tmpdir);
		free(rm);
	}
	free(incdir);
	free(dir);
	av_free(&objs);
	av_free(&rtflags);
	av_free(&flags);
	av_free(&clang);
	av_free(&inputs);
	av_free(&ccw);
	av_free(&cc_extra);
	return rc;
}
