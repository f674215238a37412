#ifndef IM_CF_HOOKS_H
#define IM_CF_HOOKS_H

#include "im_ua_load.h"
#include "im_relay_load.h"

/* Given to im_ua with every dialog of a participant (im_cf_dialog.c gets
 * it from mod_init, so that the dialogs need not know the events). */
extern const imua_dlg_hooks_t imcf_hooks;

#endif
