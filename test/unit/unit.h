/*-------------------------------------------------------------------------
 *
 * unit.h
 *	  A tiny TAP-style harness for the server-free core unit tests.
 *
 * Each test program includes this header, calls CHECK / CHECK_STR / CHECK_INT
 * as often as it likes and ends main() with "return unit_done();".  Output is
 * TAP: "ok N - name" or "not ok N - name" (with got/expected diagnostics on
 * "#" lines) and a final plan "1..N"; the exit status is non-zero if any
 * check failed.  Everything is static: one translation unit per test binary.
 *
 *-------------------------------------------------------------------------
 */
#ifndef OC_TEST_UNIT_H
#define OC_TEST_UNIT_H

#include <stdio.h>
#include <string.h>

static int	unit_count = 0;
static int	unit_failures = 0;

/* Record one check and print its TAP line; returns cond. */
static int
unit_check(int cond, const char *name, const char *file, int line)
{
	unit_count++;
	printf("%sok %d - %s\n", cond ? "" : "not ", unit_count, name);
	if (!cond)
	{
		unit_failures++;
		printf("#   failed at %s:%d\n", file, line);
	}
	fflush(stdout);
	return cond;
}

/* String equality check that prints got/expected on failure. */
static int __attribute__((unused))
unit_check_str(const char *got, const char *expected, const char *name,
			   const char *file, int line)
{
	int			ok = (got != NULL && expected != NULL &&
					  strcmp(got, expected) == 0) || (got == expected);

	if (!unit_check(ok, name, file, line))
	{
		printf("#        got: \"%s\"\n", got ? got : "(null)");
		printf("#   expected: \"%s\"\n", expected ? expected : "(null)");
	}
	return ok;
}

/* Integer equality check that prints got/expected on failure. */
static int
unit_check_int(long got, long expected, const char *name,
			   const char *file, int line)
{
	int			ok = got == expected;

	if (!unit_check(ok, name, file, line))
	{
		printf("#        got: %ld\n", got);
		printf("#   expected: %ld\n", expected);
	}
	return ok;
}

/* Print the plan; the exit status for main(). */
static int
unit_done(void)
{
	printf("1..%d\n", unit_count);
	if (unit_failures)
		printf("# %d of %d checks failed\n", unit_failures, unit_count);
	return unit_failures ? 1 : 0;
}

#define CHECK(cond, name)	unit_check(!!(cond), (name), __FILE__, __LINE__)
#define CHECK_STR(got, expected, name) \
	unit_check_str((got), (expected), (name), __FILE__, __LINE__)
#define CHECK_INT(got, expected, name) \
	unit_check_int((long) (got), (long) (expected), (name), __FILE__, __LINE__)

#endif							/* OC_TEST_UNIT_H */
