/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A JSON writer just big enough for mcgctl: objects, arrays, strings,
 * unsigned numbers and booleans, compact or indented by two spaces.
 *
 * Inside an object every value takes a key; inside an array, and at the
 * top, the key is NULL.
 */
#ifndef MCGCTL_JSON_H
#define MCGCTL_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct json {
	FILE *f;
	bool pretty;
	int depth;
	bool comma;	/* the current container already has a member */
};

void json_init(struct json *j, FILE *f, bool pretty);
void json_obj_open(struct json *j, const char *key);
void json_obj_close(struct json *j);
void json_arr_open(struct json *j, const char *key);
void json_arr_close(struct json *j);
void json_str(struct json *j, const char *key, const char *val);
void json_u64(struct json *j, const char *key, uint64_t val);
void json_bool(struct json *j, const char *key, bool val);
/* Ends a top-level value with a newline, ready for the next one. */
void json_end(struct json *j);

/* A JSON string literal, quotes included. */
void json_write_string(FILE *f, const char *s);

#endif /* MCGCTL_JSON_H */
