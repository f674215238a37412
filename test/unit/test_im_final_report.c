/*
 * Final Delivery Reports (lib/im_final_report.c; C-8, MS-3, App O, D-23)
 * as golden cases: every xml_cases/final_report/NAME.case lists a report
 * and the document written for it must equal NAME.xml byte for byte, or
 * the case ends with "error <reason>".
 *
 * Case file lines: "message-id <id>", "last", "leg <uri> <status>
 * [<max-size>]", "error <reason>".
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "im_final_report.h"
#include "test_buf.h"
#include "test_files.h"

#define CASES "xml_cases/final_report"
#define MAX_LEGS 8

static void check_case(const char *name)
{
	char path[512], err[IM_FINAL_REPORT_ERR_LEN], *out = NULL;
	char uris[MAX_LEGS][128], id[128] = "", error[128] = "";
	im_final_leg_t legs[MAX_LEGS] = {{0}};
	strbuf_t text = {0};
	size_t n = 0, len = 0;
	int last = 0, rc;

	snprintf(path, sizeof(path), CASES "/%s.case", name);
	assert_int_equal(read_file(path, &text), 0);
	for(char *line = strtok(text.p, "\n"); line; line = strtok(NULL, "\n")) {
		if(strncmp(line, "message-id ", 11) == 0)
			snprintf(id, sizeof(id), "%s", line + 11);
		else if(strcmp(line, "last") == 0)
			last = 1;
		else if(strncmp(line, "error ", 6) == 0)
			snprintf(error, sizeof(error), "%s", line + 6);
		else if(strncmp(line, "leg ", 4) == 0) {
			assert_true(n < MAX_LEGS);
			assert_true(sscanf(line + 4, "%127s %u %llu", uris[n],
								&legs[n].status, &legs[n].max_size)
						>= 2);
			legs[n].uri = uris[n];
			n++;
		} else
			assert_true(line[0] == '#');
	}
	rc = im_final_report_write(id, last, legs, n, &out, &len, err, sizeof(err));
	expect_written(CASES, name, rc, out, len, err, error[0] ? error : NULL);
	free(out);
	free(text.p);
}

static void golden_cases(void **state)
{
	(void)state;
	assert_true(for_each_case(CASES, ".case", check_case) >= 6);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
			cmocka_unit_test(golden_cases),
	};
	return cmocka_run_group_tests_name("im_final_report", tests, NULL, NULL);
}
