/*
 * What the media plane tells us (im_relay's watch): a relay that lost its
 * sessions releases every session on it (everyone gets a BYE, im_cf.list
 * empties); a participant's MSRP leg that closed or could not connect
 * removes that participant (CF-23, then CF-19).
 */
#ifndef IM_CF_MEDIA_H
#define IM_CF_MEDIA_H

void imcf_media_watch(
		int relay, const char *what, const char *session, const char *leg);

#endif
