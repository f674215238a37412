/*
 * Conference-info documents (lib/im_confinfo.c; CF-21, D-17, MS-2, App M)
 * as golden cases: every xml_cases/confinfo/NAME.case describes an
 * im_confinfo_t, and the document written for it must equal NAME.xml
 * byte for byte. Each written document is also read back with libxml2
 * XPath: one <user> per input user in order, under its alias when it has
 * one, yourown="true" exactly where asked, exactly one <endpoint> with a
 * <status> per user not deleted, and no aliased user's real identity
 * anywhere in the document. NAME.case may instead expect an error:
 * "error <reason>" as its last line.
 *
 * Case file: "key value" lines; "user <entity>" starts a user, the keys
 * after it (alias, display, endpoint, state, yourown, status, joining,
 * disconnection) describe it. "\t" in a value stands for a tab, "\x01"
 * for byte 1.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>

#include "im_confinfo.h"
#include "test_buf.h"
#include "test_files.h"

#define CASES "xml_cases/confinfo"
#define MAX_USERS 16

typedef struct ci_case {
	im_confinfo_t ci;
	im_ci_user_t users[MAX_USERS];
	char *strings[8 * MAX_USERS];
	size_t n_strings;
	const char *error; /* the expected reason, or NULL */
} ci_case_t;

static const char *keep(ci_case_t *c, const char *v)
{
	char *s = strdup(v), *o = s;

	for(const char *p = v; *p; p++) {
		if(p[0] == '\\' && p[1] == 't') {
			*o++ = '\t';
			p++;
		} else if(p[0] == '\\' && p[1] == 'x' && p[2] && p[3]) {
			char hex[3] = {p[2], p[3], 0};
			*o++ = (char)strtol(hex, NULL, 16);
			p += 3;
		} else
			*o++ = *p;
	}
	*o = '\0';
	assert_true(c->n_strings < sizeof(c->strings) / sizeof(c->strings[0]));
	c->strings[c->n_strings++] = s;
	return s;
}

/* the enum value whose name is v, by asking the name functions */
static int value_of(const char *(*name_of)(int), const char *v)
{
	for(int i = 0; i < 32; i++) {
		const char *n = name_of(i);
		if(n && strcmp(n, v) == 0)
			return i;
	}
	fail_msg("unknown value %s", v);
	return -1;
}

static const char *state_name(int v)
{
	return im_ci_state_name((im_ci_state_t)v);
}
static const char *status_name(int v)
{
	return im_ci_status_name((im_ci_status_t)v);
}
static const char *joining_name(int v)
{
	return im_ci_joining_name((im_ci_joining_t)v);
}
static const char *disconnection_name(int v)
{
	return im_ci_disconnection_name((im_ci_disconnection_t)v);
}

static void set_user_key(ci_case_t *c, im_ci_user_t *u, const char *key,
		const char *v)
{
	if(strcmp(key, "alias") == 0)
		u->alias = keep(c, v);
	else if(strcmp(key, "display") == 0)
		u->display_text = keep(c, v);
	else if(strcmp(key, "endpoint") == 0)
		u->endpoint = keep(c, v);
	else if(strcmp(key, "state") == 0)
		u->state = (im_ci_state_t)value_of(state_name, v);
	else if(strcmp(key, "yourown") == 0)
		u->yourown = 1;
	else if(strcmp(key, "status") == 0)
		u->status = (im_ci_status_t)value_of(status_name, v);
	else if(strcmp(key, "joining") == 0)
		u->joining = (im_ci_joining_t)value_of(joining_name, v);
	else if(strcmp(key, "disconnection") == 0)
		u->disconnection = (im_ci_disconnection_t)value_of(
				disconnection_name, v);
	else
		fail_msg("unknown user key %s", key);
}

static void load_case(const char *path, ci_case_t *c)
{
	strbuf_t text = {0};
	im_ci_user_t *u = NULL;

	memset(c, 0, sizeof(*c));
	c->ci.users = c->users;
	assert_int_equal(read_file(path, &text), 0);
	for(char *line = strtok(text.p, "\n"); line; line = strtok(NULL, "\n")) {
		char *sp = strchr(line, ' ');
		const char *v = sp ? sp + 1 : "";
		if(sp)
			*sp = '\0';
		if(line[0] == '#')
			continue;
		if(strcmp(line, "user") == 0) {
			assert_true(c->ci.n_users < MAX_USERS);
			u = &c->users[c->ci.n_users++];
			u->entity = *v ? keep(c, v) : NULL;
		} else if(strcmp(line, "error") == 0)
			c->error = keep(c, v);
		else if(u)
			set_user_key(c, u, line, v);
		else if(strcmp(line, "entity") == 0)
			c->ci.entity = keep(c, v);
		else if(strcmp(line, "state") == 0)
			c->ci.state = (im_ci_state_t)value_of(state_name, v);
		else if(strcmp(line, "version") == 0)
			c->ci.version = (unsigned)strtoul(v, NULL, 10);
		else if(strcmp(line, "subject") == 0)
			c->ci.subject = keep(c, v);
		else if(strcmp(line, "max-users") == 0)
			c->ci.max_users = (unsigned)strtoul(v, NULL, 10);
		else
			fail_msg("%s: unknown key %s", path, line);
	}
	free(text.p);
}

static double xpath_number(xmlXPathContextPtr x, const char *expr)
{
	xmlXPathObjectPtr r = xmlXPathEvalExpression(BAD_CAST expr, x);
	double n;

	assert_non_null(r);
	n = xmlXPathCastToNumber(r);
	xmlXPathFreeObject(r);
	return n;
}

static char *xpath_string(xmlXPathContextPtr x, const char *expr)
{
	xmlXPathObjectPtr r = xmlXPathEvalExpression(BAD_CAST expr, x);
	xmlChar *s;
	char *copy;

	assert_non_null(r);
	s = xmlXPathCastToString(r);
	copy = strdup((const char *)s);
	xmlFree(s);
	xmlXPathFreeObject(r);
	return copy;
}

/* Reads the written document back and checks it against the input. */
static void read_back(const ci_case_t *c, const char *xml, size_t len)
{
	xmlDocPtr doc = xmlReadMemory(xml, (int)len, NULL, NULL, XML_PARSE_NONET);
	xmlXPathContextPtr x;
	char expr[256];
	int yourown = 0;

	assert_non_null(doc);
	x = xmlXPathNewContext(doc);
	xmlXPathRegisterNs(x, BAD_CAST "ci", BAD_CAST IM_CONFINFO_NS);
	assert_int_equal(xpath_number(x, "count(//ci:user)"), c->ci.n_users);
	assert_int_equal(xpath_number(x, "count(//ci:conference-state)"), 0);
	for(size_t i = 0; i < c->ci.n_users; i++) {
		const im_ci_user_t *u = &c->users[i];
		char *entity, *dump;
		snprintf(expr, sizeof(expr), "string(//ci:user[%zu]/@entity)", i + 1);
		entity = xpath_string(x, expr);
		assert_string_equal(entity, u->alias ? u->alias : u->entity);
		free(entity);
		snprintf(expr, sizeof(expr), "count(//ci:user[%zu]/ci:endpoint)",
				i + 1);
		assert_int_equal(xpath_number(x, expr), u->state == IM_CI_DELETED ? 0 : 1);
		yourown += u->yourown;
		if(!u->alias)
			continue;
		/* the real identity is nowhere: not in an attribute, not in text */
		dump = xpath_string(x, "string(/)");
		assert_null(strstr(dump, u->entity));
		free(dump);
		snprintf(expr, sizeof(expr), "count(//@*[contains(., '%s')])",
				u->entity);
		assert_int_equal(xpath_number(x, expr), 0);
		if(u->endpoint) {
			snprintf(expr, sizeof(expr), "count(//@*[contains(., '%s')])",
					u->endpoint);
			assert_int_equal(xpath_number(x, expr), 0);
		}
	}
	assert_int_equal(xpath_number(x, "count(//ci:user[@yourown='true'])"),
			yourown);
	assert_int_equal(xpath_number(x, "count(//*[@yourown][local-name() != 'user'])"), 0);
	xmlXPathFreeContext(x);
	xmlFreeDoc(doc);
}

static void check_case(const char *name)
{
	char path[512], err[IM_CONFINFO_ERR_LEN];
	ci_case_t c;
	char *out = NULL;
	size_t len = 0;
	int rc;

	snprintf(path, sizeof(path), CASES "/%s.case", name);
	load_case(path, &c);
	rc = im_confinfo_write(&c.ci, &out, &len, err, sizeof(err));
	expect_written(CASES, name, rc, out, len, err, c.error);
	if(!c.error)
		read_back(&c, out, len);
	free(out);
	for(size_t i = 0; i < c.n_strings; i++)
		free(c.strings[i]);
}

static void golden_cases(void **state)
{
	(void)state;
	assert_true(for_each_case(CASES, ".case", check_case) >= 8);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
			cmocka_unit_test(golden_cases),
	};
	return cmocka_run_group_tests_name("im_confinfo", tests, NULL, NULL);
}
