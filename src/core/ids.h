/*
 * ids.h - checks of the national identifier formats shenpi accepts.
 */
#ifndef SHENPI_IDS_H
#define SHENPI_IDS_H

/* GB/T 2260 administrative division code: six digits, a valid province prefix, and a shape
 * that says the level: XX0000 province (1), XXYY00 city (2), XXYYZZ county (3).
 * Returns the level, or 0 when the code is malformed. When parent is not NULL it gets the
 * code of the level above ("" for a province); it must have room for 7 bytes. */
int ids_region_level(const char *code, char *parent);

/* GB 11643-1999 citizen ID number (居民身份证号码): 18 characters, a six-digit address code
 * with a valid province prefix (or 81/82/83 of the residence permits of Hong Kong, Macao and
 * Taiwan residents), a birth date YYYYMMDD from 1900 up to today (Beijing time), a
 * three-digit serial and the ISO 7064 MOD 11-2 check character (0-9 or X, x accepted).
 * Returns 0 with the number, X in upper case, in out; or E_INVALID with *why (may be NULL
 * to ignore) set to a Chinese reason that tells a malformed number from a wrong check digit. */
int ids_check_id_card(const char *s, char out[19], const char **why);

/* GB 32100-2015 unified social credit code (统一社会信用代码): 18 characters from the 31 of
 * "0-9 A-Z without I O Z S V" (lower case accepted): the registration authority and the
 * entity category (e.g. 91 an enterprise), a GB/T 2260 region code (or 100000 for central
 * bodies), the nine-character GB 11714 organisation code with its own MOD 11 check
 * character, and the MOD 31 check character. Returns 0 with the code in upper case in out,
 * or E_INVALID with *why as for ids_check_id_card. */
int ids_check_credit_code(const char *s, char out[19], const char **why);

#endif
