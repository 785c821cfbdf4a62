/* streams.c: open files across restores, for stream_test.sh.
 *   streams redirect FILE   stdout redirected to FILE by freopen, line
 *                           buffered, a descriptor from open() whose
 *                           number is printed, and partial lines
 *   streams read FILE       count the bytes of FILE, slowly
 *   streams unlink FILE     open FILE, remove it, keep polling */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int redirect(const char *path)
{
	char side[4096];
	snprintf(side, sizeof side, "%s.side", path);
	int fd = open(side, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (!freopen(path, "w", stdout))
		return 2;
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (int i = 0; i < 300; i++) {
		printf("line %d", i); /* half a line before the poll */
#pragma mpp point
		printf(" fd %d\n", fd);
		char c = (char)('a' + i % 26);
		if (write(fd, &c, 1) != 1)
			return 3;
	}
	printf("side at %ld\n", (long)lseek(fd, 0, SEEK_CUR));
	close(fd);
	return 0;
}

static int readfile(const char *path)
{
	FILE *f = fopen(path, "r");
	long n = 0, sum = 0;
	int c;
	if (!f)
		return 2;
	while ((c = getc(f)) != EOF) {
#pragma mpp point
		n++;
		sum += c;
	}
	printf("%ld bytes, sum %ld\n", n, sum);
	fclose(f);
	return 0;
}

static int unlinked(const char *path)
{
	FILE *f = fopen(path, "w+");
	if (!f)
		return 2;
	unlink(path);
	for (int i = 0; i < 100; i++) {
		fprintf(f, "%d\n", i);
#pragma mpp point
	}
	printf("done\n");
	return 0;
}

int main(int argc, char **argv)
{
	if (argc != 3)
		return 2;
	if (!strcmp(argv[1], "redirect"))
		return redirect(argv[2]);
	if (!strcmp(argv[1], "read"))
		return readfile(argv[2]);
	return unlinked(argv[2]);
}
