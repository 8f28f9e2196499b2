/* tests/support/corpus.h: a test program's two suites, the default one (files of tests/data
 * and files it makes) and the wide run over the shared corpus (CTest label `corpus`). */
#ifndef CS_TESTS_CORPUS_H
#define CS_TESTS_CORPUS_H

#include <check.h>

/* The exit code that tells CTest a test was skipped (SKIP_RETURN_CODE in CMakeLists.txt). */
#define CS_TEST_SKIPPED 77

/** A test program's main: with the argument "corpus", runs the suite `corpus()` makes (the
 * files under CUSTODY_CORPUS), or prints "corpus absent: skipped" and returns CS_TEST_SKIPPED
 * when that folder does not exist; with no argument, runs the suite `suite()` makes. Returns
 * 0 when every test passed, 1 when one failed, 2 on a wrong argument. */
int cs_test_main(int argc, char **argv, Suite *(*suite)(void), Suite *(*corpus)(void));

#endif
