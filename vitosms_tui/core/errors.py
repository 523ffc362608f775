"""The two ways the practice says no.

A :class:`Refused` is a rule of the practice (not enough credits, a landline
for an SMS, no consent, a role that may not do this): exit code 1.
A :class:`UsageError` is a wrong call or a broken configuration: exit code 2.
Both carry a one-line reason meant for the person at the desk.
"""


class VitosmsError(Exception):
    """Base of every error that is shown to a user instead of a traceback."""

    exit_code = 1
    code = "error"

    def __init__(self, message: str, code: str | None = None):
        super().__init__(message)
        if code:
            self.code = code

    @property
    def message(self) -> str:
        return str(self.args[0]) if self.args else self.code


class Refused(VitosmsError):
    """A rule of the practice refuses the action (exit code 1)."""

    exit_code = 1
    code = "refused"


class UsageError(VitosmsError):
    """The call or the configuration is wrong (exit code 2)."""

    exit_code = 2
    code = "usage"


class NotFound(Refused):
    """A named record does not exist."""

    code = "not_found"
