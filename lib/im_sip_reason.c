#include <stddef.h>

#include "im_sip_reason.h"

static const struct {
	int code;
	const char *text;
} reasons[] = {
		{100, "Trying"},
		{180, "Ringing"},
		{183, "Session Progress"},
		{200, "OK"},
		{202, "Accepted"},
		{400, "Bad Request"},
		{403, "Forbidden"},
		{404, "Not Found"},
		{405, "Method Not Allowed"},
		{408, "Request Timeout"},
		{413, "Request Entity Too Large"},
		{415, "Unsupported Media Type"},
		{420, "Bad Extension"},
		{422, "Session Interval Too Small"},
		{480, "Temporarily Unavailable"},
		{481, "Call/Transaction Does Not Exist"},
		{486, "Busy Here"},
		{487, "Request Terminated"},
		{488, "Not Acceptable Here"},
		{489, "Bad Event"},
		{500, "Server Internal Error"},
		{501, "Not Implemented"},
		{503, "Service Unavailable"},
		{603, "Decline"},
};

const char *im_sip_reason(int code)
{
	for(size_t i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++) {
		if(reasons[i].code == code)
			return reasons[i].text;
	}
	return NULL;
}
