"""``ward_required``: a view only for a live Ward session, optionally with a role or a module permission."""
import functools
import logging

from django.core.exceptions import ImproperlyConfigured

from . import middleware

log = logging.getLogger("ward_django")


def ward_required(roles=None, module=None, action=None):
    """Lets the view run only for a live session -- whose user has one of ``roles``, if given, and whose tenant grants
    ``action`` on ``module`` to one of its roles, if given (Ward's role x module permissions, checked by validate's
    ``require``).

    Refusals are the middleware's: browsers to the login page, API callers ``401``; a missing role or permission is
    ``403`` (``PermissionDenied`` for browsers, so the app's 403 page shows). A module check costs nothing more when
    the middleware's validation of this request already carries the grant in the session's ``permissions``; otherwise
    it validates again with ``require``, so that Ward records the refusal (``access.denied``).
    """
    if (module is None) != (action is None):
        raise ImproperlyConfigured("ward_required: give module and action together")
    wanted = frozenset([roles] if isinstance(roles, str) else roles or ())
    require = {"module": module, "action": action} if module else None

    def decorate(view):
        @functools.wraps(view)
        def guarded(request, *args, **kwargs):
            state = middleware.state_of(request)
            state.patient_page = True
            granted_here = (require and state.checked and request.ward_session is not None
                            and _granted(request.ward_session, module, action))
            if granted_here:
                pass  # this request's validation already carries the grant: no second use of the session
            elif require or not state.checked:
                # A denial goes through Ward, which audits it (access.denied) and answers 403 permission_denied.
                refusal = middleware.check(request, require)
                if refusal is not None:
                    return refusal
            session = request.ward_session
            if wanted and not wanted.intersection(session.get("user", {}).get("roles", ())):
                return middleware.forbidden(request, "role_required", "This page needs one of the roles "
                                            + ", ".join(sorted(wanted)) + ".")
            if require and not _granted(session, module, action):
                # Ward said yes but its session object does not carry the grant: a Ward that ignores `require`
                # (older than permissions) must not open the view.
                log.warning("ward_django: refusing %s/%s: the session object carries no such permission", module, action)
                return middleware.forbidden(request, "permission_denied", "Not permitted: %s on %s." % (action, module))
            return view(request, *args, **kwargs)

        return guarded

    return decorate


def _granted(session, module, action):
    permissions = session.get("permissions")
    if not isinstance(permissions, dict):
        return False
    actions = permissions.get(module)
    return isinstance(actions, list) and (action in actions or "*" in actions)
