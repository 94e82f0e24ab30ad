"""The four commands as functions: keyword arguments are the command line's flags."""

import json
import os
import shutil
import tempfile

from . import _labelqa
from .errors import InputError

# Report flags whose output can be returned in memory (pass True) or written (pass a path).
_OUTPUT_FLAGS = {"csv", "conflicts", "junit", "markdown", "sarif", "gitlab_codequality", "matches", "write_consensus", "partial"}
_BINARY_OUTPUTS = {"partial"}
_JSON = "\x00labelqa:json"


def _capture_name(flag):
    return "\x00labelqa:" + flag


class Result(dict):
    """A command's JSON report as a dict (the same keys and values as ``--json`` writes).

    Attributes: ``exit_code`` (0, or 1 when a gate failed or ``validate`` found errors),
    ``gate_failed`` (``exit_code == 1``), ``outputs`` (the other reports asked for with
    ``csv=True`` and the like, as text by flag name).
    """

    def __init__(self, report, exit_code, outputs, messages=()):
        super().__init__(report)
        self.exit_code = exit_code
        self.gate_failed = exit_code == 1
        self.outputs = outputs
        #: What the command line prints on standard error (failed gates, counts), as lines.
        self.messages = list(messages)

    def tables(self):
        """The names of the report's tables: lists of records, by their path ("per_pair", "objects/per_class")."""
        return sorted(_tables(self))

    def to_pandas(self, table=None):
        """One table as a pandas DataFrame (nested fields flattened as ``cohen_kappa.value``), or all of them as a dict."""
        import pandas as pd

        found = _tables(self)
        if table is None:
            return {name: pd.json_normalize(rows) for name, rows in sorted(found.items())}
        if table not in found:
            raise KeyError(f"no table {table!r} in this report; it has {sorted(found)}")
        return pd.json_normalize(found[table])


def _tables(report, prefix=""):
    out = {}
    for key, value in report.items():
        path = prefix + key
        if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            out[path] = value
        elif isinstance(value, dict):
            out.update(_tables(value, path + "/"))
    return out


class _Inputs:
    """Paths for the command line: in-memory data written to a scratch folder, named in errors as given."""

    def __init__(self):
        self.folder = None
        self.names = {}

    def path(self, value, what, name=None):
        if isinstance(value, (str, os.PathLike)):
            return os.fspath(value)
        if self.folder is None:
            self.folder = tempfile.mkdtemp(prefix="labelqa-")
        index = len(self.names)
        if isinstance(value, (bytes, bytearray, memoryview)):
            path = os.path.join(self.folder, f"{what}-{index}.part")
            with open(path, "wb") as f:
                f.write(value)
            self.names[path] = name or f"<partial {index}>"
        elif _is_dataframe(value):
            path = os.path.join(self.folder, f"{what}-{index}.csv")
            if any(n is not None for n in value.index.names):  # a named index is a column (item, say)
                value = value.reset_index()
            value.to_csv(path, index=False)
            self.names[path] = name or f"<DataFrame {what} {index}>"
        elif isinstance(value, (dict, list)):
            path = os.path.join(self.folder, f"{what}-{index}.json")
            with open(path, "w", encoding="utf-8") as f:
                json.dump(value, f)
            self.names[path] = f"<{type(value).__name__} {what} {index}>"
        else:
            raise TypeError(f"{what}: expected a path, a pandas DataFrame or a dict, got {type(value).__name__}")
        return path

    def named(self, text):
        """`text` with the scratch files' paths replaced by the names of the data they hold."""
        for path, name in self.names.items():
            text = text.replace(path, name)
        return text

    def rename(self, error):
        for path, name in self.names.items():
            error.message = error.message.replace(path, name)
            if error.file == path:
                error.file = name
        error.args = (error.message,)
        return error

    def close(self):
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)


def _is_dataframe(value):
    return type(value).__name__ == "DataFrame" and hasattr(value, "to_csv")


_SHAPES = {}


def _flag_values(command, key, value):
    """The words of one option: a switch alone, a repeatable flag once per value, a list for any
    other flag joined with commas (``annotators=["a", "b"]`` is ``--annotators a,b``)."""
    name = key.replace("_", "-")
    if command not in _SHAPES:
        _SHAPES[command] = _labelqa.flag_shapes(command)
    takes_value, repeatable = _SHAPES[command].get(name, (True, False))  # unknown: the command line says so
    flag = "--" + name
    if value is None or value is False:
        return []
    if value is True and not takes_value:
        return [flag]
    if isinstance(value, dict):
        value = [f"{k}={v}" for k, v in value.items()]
    if isinstance(value, (list, tuple)):
        values = [str(v) for v in value]
        return [a for v in values for a in (flag, v)] if repeatable else [flag, ",".join(values)]
    return [flag, str(value)]


def run(command, inputs, data_options=(), input_names=None, **options):
    """Runs `command` as ``labelqa COMMAND INPUTS --flags`` and returns its Result.

    ``input_names``: how the report names data inputs (default ``<DataFrame input 0>`` ...)."""
    scratch = _Inputs()
    try:
        if isinstance(inputs, (str, os.PathLike, bytes, bytearray)) or _is_dataframe(inputs) or isinstance(inputs, dict):
            inputs = [inputs]
        inputs = list(inputs)
        names = list(input_names) if input_names is not None else [None] * len(inputs)
        if len(names) != len(inputs):
            raise TypeError(f"input_names: {len(names)} names for {len(inputs)} inputs")
        paths = [scratch.path(v, "input", n) for v, n in zip(inputs, names)]
        args = [command] + paths
        # Tables given as data are named in the report (and in partials, whose bytes cannot be
        # rewritten afterwards) by the core itself.
        if command == "agree" and inputs and (input_names is not None or any(_is_dataframe(v) for v in inputs)) \
                and all(_is_dataframe(v) or isinstance(v, (str, os.PathLike)) for v in inputs):
            shown = [n if n is not None else scratch.names.get(p, p) for n, p in zip(names, paths)]
            args += ["--input-names", ",".join(shown)]
        wants_partial = options.get("partial") not in (None, False)
        captured = [] if wants_partial else [_JSON]
        returned = {}
        for key, value in options.items():
            if key == "json":
                raise TypeError("json: the result is the JSON report; write it with json.dump(result, f)")
            if key in ("quiet", "color"):
                continue
            if key in data_options and value is not None and not isinstance(value, (str, os.PathLike)):
                value = scratch.path(value, key)
            if key in _OUTPUT_FLAGS and value is True:
                value = _capture_name(key)
                captured.append(value)
                returned[value] = key
            args += _flag_values(command, key, value)
        args += ([] if wants_partial else ["--json", _JSON]) + ["--quiet"]
        try:
            exit_code, texts, messages = _labelqa.invoke(args, captured)
        except InputError as e:
            raise scratch.rename(e) from None
        if exit_code == 2:  # validate: inputs it could not read at all
            text = scratch.named("; ".join(m[len("error: "):] if m.startswith("error: ") else m for m in messages) or "the inputs could not be read")
            raise InputError(text)
        report = json.loads(scratch.named(texts[_JSON].decode("utf-8"))) if texts.get(_JSON) else {}
        outputs = {returned[name]: text if returned[name] in _BINARY_OUTPUTS else scratch.named(text.decode("utf-8"))
                   for name, text in texts.items() if name in returned}
        return Result(report, exit_code, outputs, [scratch.named(m) for m in messages])
    finally:
        scratch.close()
