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

#endif
