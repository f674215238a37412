/*
 * Randomness for identifiers (SIP tags, call keys, Message-IDs) that must
 * differ between the processes of one Kamailio.
 *
 * Why not Kamailio's cryptorand(): the children are forked with one
 * Fortuna state; the per-child seed only goes into an entropy pool that
 * Fortuna folds in later, so for a while every SIP worker draws the same
 * sequence. Two workers then gave the two ends of one looped dialog (our
 * B2BUA towards our own focus) the same tag, and a BYE matched the wrong
 * end. These come from the kernel (getrandom), per call.
 */
#ifndef IM_RANDOM_H
#define IM_RANDOM_H

#include <stddef.h>
#include <stdint.h>

/* 32 random bits. */
uint32_t im_random32(void);

/* n lowercase hex digits and a NUL into out (n + 1 bytes). */
void im_random_hex(char *out, size_t n);

#endif
