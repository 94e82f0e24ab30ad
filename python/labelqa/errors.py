"""The exceptions labelqa raises: bad input and bad usage, as the command line's exit code 2."""


class LabelqaError(ValueError):
    """Base of labelqa's errors (a ValueError: the input or the options were wrong)."""

    def __init__(self, message, setting=None, **_):
        super().__init__(message)
        self.message = message
        #: The option that would change the outcome (``duplicates`` for ``--duplicates``), or None.
        self.setting = setting


class InputError(LabelqaError):
    """An input could not be read or is invalid.

    ``file``, ``line`` (1-based), ``item`` and ``field`` say where, when known (else None);
    ``reason`` is the message without the place; ``defect`` is the kind, in the terms of
    ``labelqa validate``'s codes (``broken_file``, ``schema``, ``missing_reference``, ...).
    """

    def __init__(self, message, reason=None, file=None, line=None, item=None, field=None, defect="schema", setting=None):
        super().__init__(message, setting)
        self.reason = reason if reason is not None else message
        self.file = file
        self.line = line
        self.item = item
        self.field = field
        self.defect = defect


class UsageError(LabelqaError):
    """An option was wrong: unknown, of the wrong type, or a value that cannot be honoured."""
