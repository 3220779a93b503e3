/* ui_assets.h: the UI's files, compiled in (build/gen/ui_assets.c, made by scripts/embed-ui.sh). */
#ifndef UI_ASSETS_H
#define UI_ASSETS_H

#include <stddef.h>

struct ui_asset {
	const char *path; /* as requested: "/ui/", "/ui/app.js", ... */
	const char *content_type;
	const unsigned char *data;
	size_t len;
};

extern const struct ui_asset ui_assets[];
extern const size_t ui_assets_count;

#endif
