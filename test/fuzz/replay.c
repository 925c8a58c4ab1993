/*-------------------------------------------------------------------------
 *
 * replay.c
 *	  A plain main() that replays fuzz inputs through LLVMFuzzerTestOneInput.
 *
 * Linked with one test/fuzz/fuzz_*.c by "make unit" (gcc, ASan/UBSan) so
 * that the seed corpus and any crash reproducer run without libFuzzer.
 * Arguments are files, or directories whose regular files are all replayed
 * (in name order).  Prints TAP: "ok N - fuzz replay <name>" per input and a
 * final "1..N"; an invariant violation aborts inside the harness, so
 * reaching the end means every input passed.
 *
 *-------------------------------------------------------------------------
 */
#define _POSIX_C_SOURCE 200809L

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int	count = 0;

/* Read a whole file and feed it to the harness; 0 on success. */
static int
replay_file(const char *path)
{
	FILE	   *f = fopen(path, "rb");
	uint8_t    *buf;
	long		len;
	size_t		got;

	if (!f)
	{
		printf("not ok %d - fuzz replay %s (cannot open)\n", ++count, path);
		return 1;
	}
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc(len > 0 ? (size_t) len : 1);
	got = len > 0 ? fread(buf, 1, (size_t) len, f) : 0;
	fclose(f);
	LLVMFuzzerTestOneInput(buf, got);
	free(buf);
	printf("ok %d - fuzz replay %s\n", ++count, path);
	fflush(stdout);
	return 0;
}

/* Compare two directory entry names for qsort. */
static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *) a, *(char *const *) b);
}

/* Replay every regular file of a directory, in name order. */
static int
replay_dir(const char *dir)
{
	DIR		   *d = opendir(dir);
	struct dirent *e;
	char	  **names = NULL;
	size_t		n = 0;
	size_t		cap = 0;
	size_t		i;
	int			failed = 0;

	if (!d)
	{
		printf("not ok %d - fuzz replay %s (cannot open)\n", ++count, dir);
		return 1;
	}
	while ((e = readdir(d)) != NULL)
	{
		if (e->d_name[0] == '.')
			continue;
		if (n == cap)
		{
			cap = cap ? cap * 2 : 64;
			names = realloc(names, cap * sizeof(char *));
		}
		names[n++] = strdup(e->d_name);
	}
	closedir(d);
	if (n > 0)
		qsort(names, n, sizeof(char *), cmp_names);
	for (i = 0; i < n; i++)
	{
		char	   *path = malloc(strlen(dir) + strlen(names[i]) + 2);
		struct stat st;

		sprintf(path, "%s/%s", dir, names[i]);
		if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
			failed |= replay_file(path);
		free(path);
		free(names[i]);
	}
	free(names);
	return failed;
}

/* Replay each argument (file or directory); exit 0 if all ran. */
int
main(int argc, char **argv)
{
	int			failed = 0;
	int			i;

	for (i = 1; i < argc; i++)
	{
		struct stat st;

		if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode))
			failed |= replay_dir(argv[i]);
		else
			failed |= replay_file(argv[i]);
	}
	printf("1..%d\n", count);
	return failed;
}
