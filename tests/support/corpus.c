/* tests/support/corpus.c: see corpus.h. */
#include "tests/support/corpus.h"

#include "tests/support/testutil.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

int
cs_test_main(int argc, char **argv, Suite *(*suite)(void), Suite *(*corpus)(void))
{
    struct stat st;
    Suite *s;

    if (argc > 2 || (argc == 2 && strcmp(argv[1], "corpus") != 0)) {
        fprintf(stderr, "usage: %s [corpus]\n", argv[0]);
        return 2;
    }
    if (argc == 2) {
        if (stat(CUSTODY_CORPUS, &st) != 0 || !S_ISDIR(st.st_mode)) {
            printf("%s: corpus absent: skipped (no folder %s; the wide run needs the shared "
                   "corpus beside the repository, as ../shared/corpus)\n",
                   argv[0], CUSTODY_CORPUS);
            return CS_TEST_SKIPPED;
        }
        s = corpus();
    } else {
        s = suite();
    }
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
