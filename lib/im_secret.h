/*
 * Shared secrets kept in files (relay control channel, hop marker): the
 * file's first line, refused when the file is open to more than its
 * owner allows. One reader for the relay and the modules alike.
 */
#ifndef IM_SECRET_H
#define IM_SECRET_H

#include <stddef.h>
#include <sys/types.h>

/*
 * The first line of path (without its line end) into out, NUL
 * terminated. Refused when the file's mode has any of the bits in
 * forbidden (e.g. S_IRWXO: accessible to others), when it is not a
 * regular file, or when the line is empty or does not fit. Returns its
 * length, or -1 with a reason naming path in err.
 */
int im_secret_file_read(const char *path, mode_t forbidden, char *out,
		size_t outlen, char *err, size_t errlen);

#endif
