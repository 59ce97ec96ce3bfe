// SPDX-License-Identifier: MIT
/*
 * The Multiboot command line, "<image name> key=value key=value ...",
 * copied at boot (so nothing later may overwrite it) and split into
 * words. The first word is the image's name unless it holds a '='.
 */
#include "rt.h"

#define CMDLINE_MAX		1024
#define WORDS_MAX		64

static char cmdline[CMDLINE_MAX];	/* as given */
static char words[CMDLINE_MAX];		/* the same, NUL between the words */
static const char *word[WORDS_MAX];
static unsigned int nr_words;

void args_init(const struct multiboot_info *mbi);

void args_init(const struct multiboot_info *mbi)
{
	const char *src;
	unsigned int i;
	char *p;

	if (!mbi || !(mbi->flags & MB_INFO_CMDLINE) || !mbi->cmdline)
		return;
	src = (const char *)(uintptr_t)mbi->cmdline;
	for (i = 0; i < CMDLINE_MAX - 1 && src[i]; i++)
		cmdline[i] = src[i];
	memcpy(words, cmdline, sizeof(words));

	for (p = words; *p && nr_words < WORDS_MAX;) {
		while (*p == ' ')
			*p++ = '\0';
		if (!*p)
			break;
		word[nr_words++] = p;
		while (*p && *p != ' ')
			p++;
	}
}

const char *rt_cmdline(void)
{
	return cmdline;
}

const char *arg_str(const char *key)
{
	size_t len = strlen(key);
	unsigned int i;

	for (i = 0; i < nr_words; i++)
		if (!strncmp(word[i], key, len) && word[i][len] == '=')
			return word[i] + len + 1;
	return NULL;
}

uint64_t arg_u64(const char *key, uint64_t def)
{
	const char *s = arg_str(key);
	uint64_t v;

	return s && parse_u64(s, &v, NULL) ? v : def;
}

bool arg_size(const char *key, uint64_t *bytes)
{
	const char *s = arg_str(key), *end;
	uint64_t v;
	unsigned int shift = 20;

	if (!s || !parse_u64(s, &v, &end))
		return false;
	switch (*end) {
	case 'K': case 'k': shift = 10; end++; break;
	case 'M': case 'm': shift = 20; end++; break;
	case 'G': case 'g': shift = 30; end++; break;
	}
	if (*end)
		return false;
	*bytes = v << shift;
	return true;
}

/* The next comma-separated item of *@list into @item; false at the end. */
bool list_next(const char **list, char *item, size_t size)
{
	const char *s = *list;
	size_t n = 0;

	if (!s || !*s)
		return false;
	while (*s && *s != ',') {
		if (n + 1 < size)
			item[n++] = *s;
		s++;
	}
	item[n] = '\0';
	*list = *s ? s + 1 : s;
	return true;
}
