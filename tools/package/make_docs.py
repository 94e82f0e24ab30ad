#!/usr/bin/env python3
"""Man pages and bash completion, made from the help text the labelqa binary prints.

Usage: make_docs.py LABELQA_BINARY OUT_DIR

Writes OUT_DIR/man/man1/labelqa.1.gz and labelqa-SUBCOMMAND.1.gz (one per subcommand) and
OUT_DIR/bash-completion/labelqa. The pages are the --help text of each command, laid out in
man(7) sections: NAME, SYNOPSIS, DESCRIPTION, ARGUMENTS, OPTIONS, EXIT STATUS, SEE ALSO.
Output is byte-for-byte reproducible (gzip without a name or time stamp).
"""
import gzip
import os
import re
import subprocess
import sys

BINARY, OUT = sys.argv[1], sys.argv[2]


def help_of(*sub):
    return subprocess.run([BINARY, *sub, "--help"], capture_output=True, text=True, check=True).stdout


def sections(text):
    """The help text as (description, usage, {section: [(term, explanation)]})."""
    lines = text.splitlines()
    description = lines[0].strip() if lines and not lines[0].startswith("Usage") else ""
    usage = next((x[len("Usage: "):] for x in lines if x.startswith("Usage: ")), "")
    out, current, entries = {}, None, None
    for line in lines:
        if re.match(r"^[A-Z][A-Za-z]*:$", line):
            current = line[:-1]
            entries = out.setdefault(current, [])
            continue
        if current is None or not line.strip():
            continue
        m = re.match(r"^  (\S.*?)(?:\s{2,}(\S.*))?$", line)
        if m and not line.startswith("    "):
            entries.append([m.group(1).strip(), (m.group(2) or "").strip()])
        elif entries:
            entries[-1][1] = (entries[-1][1] + " " + line.strip()).strip()
    return description, usage, out


def roff(s):
    s = s.replace("\\", "\\e").replace("-", "\\-")
    return "\\&" + s if s.startswith((".", "'")) else s


EXIT = [("0", "the run passed"), ("1", "a gate failed: a rule, a --min threshold, or findings at the --fail-on level"),
        ("2", "bad usage or input: the message names the file, line, item and what was expected")]


def page(name, title, description, usage, secs, see):
    out = [f'.TH {name.upper()} 1 "" "labelqa {VERSION}" "User Commands"', ".SH NAME", f"{roff(name)} \\- {roff(title)}", ".SH SYNOPSIS",
           f".B {roff(usage)}", ".SH DESCRIPTION", roff(description)]
    for sec, heading in (("Positionals", "ARGUMENTS"), ("Subcommands", "COMMANDS"), ("Options", "OPTIONS")):
        if sec not in secs:
            continue
        out.append(f".SH {heading}")
        for term, text in secs[sec]:
            out += [".TP", f".B {roff(term)}", roff(text)]
    out.append(".SH EXIT STATUS")
    for code, text in EXIT:
        out += [".TP", f".B {code}", roff(text)]
    out += [".SH SEE ALSO", ", ".join(f"\\fB{roff(s)}\\fR(1)" for s in see),
            ".PP", roff("The README and docs/ (installed under /usr/share/doc/labelqa) document every format, metric and report field.")]
    return "\n".join(out) + "\n"


def write_gz(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f, gzip.GzipFile(filename="", mode="wb", fileobj=f, compresslevel=9, mtime=0) as z:
        z.write(text.encode())


VERSION = subprocess.run([BINARY, "--version"], capture_output=True, text=True, check=True).stdout.split()[1]
description, usage, top = sections(help_of())
subs = [term.split()[0] for term, _ in top.get("Subcommands", [])]
see = ["labelqa"] + [f"labelqa-{s}" for s in subs]
write_gz(os.path.join(OUT, "man", "man1", "labelqa.1.gz"), page("labelqa", description, description, usage, top, see[1:]))
flags = {}
for s in subs:
    d, u, secs = sections(help_of(s))
    write_gz(os.path.join(OUT, "man", "man1", f"labelqa-{s}.1.gz"), page(f"labelqa-{s}", d, d, u, secs, [x for x in see if x != f"labelqa-{s}"]))
    names = []
    for term, _ in secs.get("Options", []):
        for part in term.split()[0].split(","):
            if part.startswith("-"):
                names.append(part)
    flags[s] = names

# Bash completion: subcommands first, then each subcommand's flags; files and folders otherwise.
cases = "\n".join(f'    {s}) opts="{" ".join(flags[s])}" ;;' for s in subs)
completion = f"""# bash completion for labelqa (made from its --help text by tools/package/make_docs.py)
_labelqa() {{
  local cur=${{COMP_WORDS[COMP_CWORD]}} sub="" i
  for ((i = 1; i < COMP_CWORD; i++)); do
    case ${{COMP_WORDS[i]}} in
      {"|".join(subs)}) sub=${{COMP_WORDS[i]}}; break ;;
    esac
  done
  if [[ -z $sub ]]; then
    COMPREPLY=($(compgen -W "{" ".join(subs)} --help --version" -- "$cur"))
    return
  fi
  local opts=""
  case $sub in
{cases}
  esac
  if [[ $cur == -* ]]; then
    COMPREPLY=($(compgen -W "$opts" -- "$cur"))
  else
    COMPREPLY=($(compgen -f -- "$cur"))
  fi
}}
complete -o filenames -o bashdefault -F _labelqa labelqa
"""
os.makedirs(os.path.join(OUT, "bash-completion"), exist_ok=True)
open(os.path.join(OUT, "bash-completion", "labelqa"), "w").write(completion)
