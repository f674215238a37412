"""Service settings as a client publishes them (OMA TS 6.1.1.5, App E):
the poc-settings document with the OMA IM extension, and its PUBLISH."""

CT = "application/poc-settings+xml"


def settings(isb=None, ipab=None, offline=None, vis=None, extra=""):
    """A poc-settings document with the OMA IM extension (App E.2); a
    setting left None is left out."""
    elements = (
        (isb, 'isb-settings service-id="IM"', "incoming-session-barring"),
        (ipab, 'ipab-settings service-id="IM"', "incoming-personal-alert-barring"),
        (offline, "ss:deferred-settings", "ss:offline-delivery"),
        (vis, "ss:vis-settings", "ss:vis-status"),
    )
    parts = "".join(f'<{container}><{item} active="{str(v).lower()}"/>'
                    f'</{container.split()[0]}>'
                    for v, container, item in elements if v is not None)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<poc-settings xmlns="urn:oma:params:xml:ns:poc:poc-settings" '
            'xmlns:ss="urn:oma:xml:im:service-settings">'
            f'<entity id="e1">{parts}{extra}</entity></poc-settings>')


def publish(ua, body=None, etag=None, expires=3600, uri=None, event="poc-settings",
            content_type=CT):
    headers = [("Event", event), ("Expires", str(expires))]
    if etag:
        headers.append(("SIP-If-Match", etag))
    return ua.request("PUBLISH", uri or ua.aor, headers=headers,
                      body=body or b"", content_type=content_type if body else None)
