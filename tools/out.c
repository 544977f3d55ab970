/* SPDX-License-Identifier: MIT */
/* The tool's output: names escaped for a terminal, JSON strings, errors
 * with a hint (tool.h). */
#include <errno.h>

#include "tool.h"

const char *hint(int err)
{
	switch (-err) {
	case ENOENT:
		return "no such channel; 'shmchan ls' lists them";
	case EACCES:
	case EPERM:
		return "permission denied; run as the channel's owner (or root)";
	case EAGAIN:
		return "its creator has not finished it (or died first); retry, or remove it "
		       "with 'shmchan rm --force NAME'";
	case EINVAL:
		return "not a valid channel name (letters, digits, '.', '_', '-')";
	case EPROTO:
	case EPROTONOSUPPORT:
	case EOVERFLOW:
	case EBADMSG:
		return "a channel's header that does not check; remove it with 'shmchan rm "
		       "--force NAME' if it is yours";
	default:
		return "see the error above";
	}
}

const char *shown(const char *name, char out[SHOWN_MAX])
{
	static const char hex[] = "0123456789abcdef";
	size_t i, o = 0;

	for (i = 0; name[i] && o + 5 <= SHOWN_MAX; i++) {
		unsigned char c = (unsigned char)name[i];

		if (c >= 0x20 && c < 0x7f && c != '\\') {
			out[o++] = (char)c;
			continue;
		}
		out[o++] = '\\';
		out[o++] = 'x';
		out[o++] = hex[c >> 4];
		out[o++] = hex[c & 15];
	}
	out[o] = '\0';
	return out;
}

void report(const char *what, const char *name, int err)
{
	char buf[SHOWN_MAX];

	fprintf(stderr, "shmchan: %s %s: %s (%s)\n", what, shown(name, buf), shmchan_strerror(err),
		hint(err));
}

const char *kind_name(uint32_t kind)
{
	switch (kind) {
	case SHMCHAN_KIND_SLOT:
		return "slot";
	case SHMCHAN_KIND_RECORD:
		return "record";
	case SHMCHAN_KIND_BROADCAST:
		return "broadcast";
	case SHMCHAN_KIND_WORKQUEUE:
		return "workqueue";
	default:
		return "unknown";
	}
}

const char *policy_name(uint32_t policy)
{
	return policy == SHMCHAN_POLICY_OVERWRITE ? "overwrite"
	       : policy == SHMCHAN_POLICY_BLOCK	  ? "block"
						  : "none";
}

void json_fstr(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

void json_str(const char *s)
{
	json_fstr(stdout, s);
}
