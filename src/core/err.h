/*
 * err.h - the error codes every layer returns, with their HTTP status and Chinese message.
 *
 * Functions return 0 on success or a negative `enum err`. The API edge turns one into
 * {"error":{"code","message","field"}}; the code string is stable for programs, the message
 * is what a user at the window reads. A caller may replace the message with a more precise
 * one (see struct ctx in domain/ctx.h) but never the code.
 */
#ifndef SHENPI_ERR_H
#define SHENPI_ERR_H

enum err {
	E_OK = 0,
	E_BAD_JSON = -1,
	E_INVALID = -2,
	E_INVALID_REGION = -3,
	E_WEAK_PASSWORD = -4,
	E_BAD_OLD_PASSWORD = -5,
	E_UNAUTHENTICATED = -6,
	E_SESSION_EXPIRED = -7,
	E_BAD_CREDENTIALS = -8,
	E_ACCOUNT_DISABLED = -9,
	E_CSRF = -10,
	E_PASSWORD_CHANGE = -11,
	E_FORBIDDEN = -12,
	E_NOT_FOUND = -13,
	E_NO_ROUTE = -14,
	E_METHOD = -15,
	E_DUPLICATE = -16,
	E_TOO_LARGE = -17,
	E_THROTTLED = -18,
	E_INTERNAL = -19,
	E_DB_UNAVAILABLE = -20,
	E_MEDIA_TYPE = -21,
	E_STATE = -22,
	E_MATERIAL_TOO_LARGE = -23, /* an attachment over 3 MB: 413, like a body over its cap */
	E_FILE_TYPE = -24,	    /* an attachment whose bytes are no type we accept */
	E_STORAGE = -25,	    /* the disk is full or read-only: nothing was written */
	E_COUNT_ = 26		    /* one past the last code's magnitude */
};

/* "bad_json", ... ; for an unknown value the entry of E_INTERNAL. */
const char *err_code(int e);
const char *err_message(int e);
int err_status(int e);

#endif
