/*
 * flamegraph_svg_js.h: the SVG flamegraph's script (flamegraph_svg.js),
 * compiled into the agent as a string by userspace/build.mk, so the SVG
 * carries it inline and the .js stays a file that can be read, linted and
 * tested on its own. It is not one of the UI's served assets.
 */
#ifndef FLAMEGRAPH_SVG_JS_H
#define FLAMEGRAPH_SVG_JS_H

extern const char flamegraph_svg_js[]; /* NUL-terminated */

#endif
