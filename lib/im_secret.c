#include "im_secret.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

int im_secret_file_read(const char *path, mode_t forbidden, char *out,
		size_t outlen, char *err, size_t errlen)
{
	struct stat st;
	FILE *fp = fopen(path, "re");
	size_t n;
	int too_long;

	if(fp == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	/* like ssh with its keys: a secret others can read is none */
	if(fstat(fileno(fp), &st) < 0 || !S_ISREG(st.st_mode)) {
		fclose(fp);
		snprintf(err, errlen, "%s: not a regular file", path);
		return -1;
	}
	if(st.st_mode & forbidden) {
		fclose(fp);
		snprintf(err, errlen, "%s: accessible to others (chmod %s)", path,
				(forbidden & S_IRWXG) ? "600" : "o-rwx");
		return -1;
	}
	if(fgets(out, (int)outlen, fp) == NULL)
		out[0] = '\0';
	fclose(fp);
	n = strcspn(out, "\r\n");
	too_long = out[n] == '\0' && n == outlen - 1;
	out[n] = '\0';
	if(n == 0 || too_long) {
		explicit_bzero(out, outlen);
		snprintf(err, errlen, "%s: %s first line", path,
				n == 0 ? "empty" : "too long a");
		return -1;
	}
	return (int)n;
}
