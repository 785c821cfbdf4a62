/* image.c: the main executable as loaded (segments from dl_iterate_phdr),
 * its identity (GNU build-id note, or a hash of /proc/self/exe), and the C
 * library objects (the standard streams) that a program's pointers may
 * hold (the environment is a heap copy: env.c). Works in static binaries
 * too, where dl_iterate_phdr still reports the program itself first. */
#define _GNU_SOURCE
#include <elf.h>
#include <fcntl.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mpp_format.h"
#include "mpp_hash.h"
#include "mpp_image.h"

#define MAX_SEGS 32

struct seg {
	uintptr_t start, end;
	int writable, exec;
};

static struct {
	int done;
	uintptr_t bias;
	struct seg segs[MAX_SEGS];
	int nsegs;
	uintptr_t relro_start, relro_end;
	uint64_t id;
	int id_source;
	int id_done;
} img;

static uint64_t note_id(const struct dl_phdr_info *info, const ElfW(Phdr) * ph)
{
	const unsigned char *p = (const unsigned char *)(info->dlpi_addr + ph->p_vaddr);
	const unsigned char *end = p + ph->p_memsz;
	size_t al = ph->p_align == 8 ? 8 : 4;

	while ((size_t)(end - p) >= sizeof(ElfW(Nhdr))) {
		ElfW(Nhdr) nh;
		size_t nsz, dsz;
		memcpy(&nh, p, sizeof nh);
		nsz = (nh.n_namesz + al - 1) & ~(al - 1);
		dsz = (nh.n_descsz + al - 1) & ~(al - 1);
		if (nsz > (size_t)(end - p) - sizeof nh || dsz > (size_t)(end - p) - sizeof nh - nsz)
			break;
		if (nh.n_type == NT_GNU_BUILD_ID && nh.n_namesz == 4 && !memcmp(p + sizeof nh, "GNU", 4) &&
		    nh.n_descsz > 0) {
			img.id_source = MPP_BINID_BUILDID;
			return mpp_hash64(p + sizeof nh + nsz, nh.n_descsz, 0x6275696c64ULL);
		}
		p += sizeof nh + nsz + dsz;
	}
	return 0;
}

static int first_object(struct dl_phdr_info *info, size_t size, void *data)
{
	int i;

	(void)size;
	(void)data;
	img.bias = info->dlpi_addr;
	for (i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type == PT_LOAD && img.nsegs < MAX_SEGS) {
			struct seg *s = &img.segs[img.nsegs++];
			s->start = info->dlpi_addr + ph->p_vaddr;
			s->end = s->start + ph->p_memsz;
			s->writable = (ph->p_flags & PF_W) != 0;
			s->exec = (ph->p_flags & PF_X) != 0;
		} else if (ph->p_type == PT_GNU_RELRO) {
			img.relro_start = info->dlpi_addr + ph->p_vaddr;
			img.relro_end = img.relro_start + ph->p_memsz;
		} else if (ph->p_type == PT_NOTE && !img.id_source) {
			img.id = note_id(info, ph);
		}
	}
	return 1; /* the first object is the program: stop */
}

static void init(void)
{
	if (img.done)
		return;
	img.done = 1;
	dl_iterate_phdr(first_object, NULL);
}

int mpp_image_readonly(const void *addr, size_t size)
{
	uintptr_t a = (uintptr_t)addr, e = a + size;
	int i;

	init();
	if (e < a)
		return 0;
	if (img.relro_end > img.relro_start && a >= img.relro_start && e <= img.relro_end)
		return 1;
	for (i = 0; i < img.nsegs; i++)
		if (a >= img.segs[i].start && e <= img.segs[i].end)
			return !img.segs[i].writable;
	return 0;
}

int mpp_image_offset(uintptr_t addr, uint64_t *off)
{
	int i;

	init();
	for (i = 0; i < img.nsegs; i++) {
		if (addr >= img.segs[i].start && addr <= img.segs[i].end) {
			*off = (uint64_t)(addr - img.bias);
			return 1;
		}
	}
	return 0;
}

uintptr_t mpp_image_at(uint64_t off)
{
	uintptr_t a;
	int i;

	init();
	if (off > (uint64_t)UINTPTR_MAX - img.bias)
		return 0;
	a = img.bias + (uintptr_t)off;
	for (i = 0; i < img.nsegs; i++)
		if (a >= img.segs[i].start && a <= img.segs[i].end)
			return a;
	return 0;
}

uint64_t mpp_image_span(void)
{
	uintptr_t lo = UINTPTR_MAX, hi = 0;
	int i;

	init();
	for (i = 0; i < img.nsegs; i++) {
		if (img.segs[i].start < lo)
			lo = img.segs[i].start;
		if (img.segs[i].end > hi)
			hi = img.segs[i].end;
	}
	return hi > lo ? (uint64_t)(hi - lo) : 0;
}

static uint64_t file_id(void)
{
	static unsigned char buf[1 << 16];
	uint64_t h = 0x66696c65ULL;
	ssize_t n;
	int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return 0;
	while ((n = read(fd, buf, sizeof buf)) > 0)
		h = mpp_hash64(buf, (size_t)n, h);
	close(fd);
	if (n < 0)
		return 0;
	img.id_source = MPP_BINID_FILEHASH;
	return h;
}

uint64_t mpp_image_id(int *source)
{
	init();
	if (!img.id_done) {
		img.id_done = 1;
		if (img.id_source != MPP_BINID_BUILDID)
			img.id = file_id();
	}
	if (source)
		*source = img.id_source;
	return img.id;
}

/* ---- String literals --------------------------------------------------- */

/* The image's read-only memory is read as bytes, gaps between objects
 * included: readable, but poisoned under AddressSanitizer, whose checks
 * (and intercepted memmem, memchr) these loops avoid. */
#define NO_ASAN __attribute__((no_sanitize_address))

static NO_ASAN const unsigned char *find_bytes(const unsigned char *hay, size_t n, const unsigned char *needle,
                                               size_t m)
{
	size_t i, j;

	if (m == 0 || m > n)
		return NULL;
	for (i = 0; i <= n - m; i++) {
		if (hay[i] != needle[0])
			continue;
		for (j = 1; j < m && hay[i + j] == needle[j]; j++)
			;
		if (j == m)
			return hay + i;
	}
	return NULL;
}

NO_ASAN int mpp_image_literal(uintptr_t addr, uint64_t max, uint64_t *off, uint64_t *len)
{
	const unsigned char *lo, *hi, *p = (const unsigned char *)addr, *a, *b;
	int i;

	init();
	for (i = 0; i < img.nsegs; i++) {
		if (img.segs[i].writable || addr < img.segs[i].start || addr >= img.segs[i].end)
			continue;
		lo = (const unsigned char *)img.segs[i].start;
		hi = (const unsigned char *)img.segs[i].end;
		if ((uint64_t)(p - lo) > max)
			lo = p - max;
		if ((uint64_t)(hi - p) > max)
			hi = p + max;
		for (a = p; a > lo && a[-1]; a--)
			;
		for (b = p; b < hi && *b; b++)
			;
		if (b == hi || (uint64_t)(b + 1 - a) > max ||
		    (a == lo && a != (const unsigned char *)img.segs[i].start))
			return 0; /* no NUL in reach: not a string */
		*off = (uint64_t)((uintptr_t)a - img.bias);
		*len = (uint64_t)(b + 1 - a);
		return 1;
	}
	return 0;
}

uintptr_t mpp_image_find(const unsigned char *bytes, size_t len)
{
	const void *hit;
	int i, pass;

	init();
	/* read-only data first, code only in images that mix the two */
	for (pass = 0; pass < 2; pass++)
		for (i = 0; i < img.nsegs; i++) {
			if (img.segs[i].writable || img.segs[i].exec != pass)
				continue;
			hit = find_bytes((const unsigned char *)img.segs[i].start, img.segs[i].end - img.segs[i].start,
			                 bytes, len);
			if (hit)
				return (uintptr_t)hit;
		}
	return 0;
}

/* ---- C library objects ------------------------------------------------ */

static const char *const extern_names[] = {"stdin", "stdout", "stderr"};
#define NEXTERNS (sizeof extern_names / sizeof extern_names[0])

size_t mpp_image_nexterns(void)
{
	return NEXTERNS;
}

static uintptr_t extern_at(size_t i, uint64_t *size)
{
	switch (i) {
	case 0: *size = sizeof(FILE); return (uintptr_t)stdin;
	case 1: *size = sizeof(FILE); return (uintptr_t)stdout;
	case 2: *size = sizeof(FILE); return (uintptr_t)stderr;
	default: *size = 0; return 0;
	}
}

const char *mpp_image_extern(size_t i, uintptr_t *addr, uint64_t *size)
{
	if (i >= NEXTERNS)
		return NULL;
	*addr = extern_at(i, size);
	return extern_names[i];
}

uintptr_t mpp_image_extern_find(const char *name, uint64_t *size)
{
	size_t i;

	for (i = 0; i < NEXTERNS; i++)
		if (!strcmp(name, extern_names[i]))
			return extern_at(i, size);
	*size = 0;
	return 0;
}
