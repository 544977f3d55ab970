#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Make shmchan's manual pages from their one source each (docs/man/README.md):

  man3/*.3     one page per public call, from the comment above its
               declaration in include/shmchan/*.h (calls declared under one
               comment share a page; the others are .so links to it)
  man7/shmchan.7  concepts: docs/man/shmchan.7.in, then each header's
               opening comment, then the list of every call's page
  man1/shmchan.1  the tool: its --help text (tools/shmchan.c)

  genman.py SOURCE_DIR OUT_DIR TOOL     write the pages into OUT_DIR
  genman.py --check SOURCE_DIR TOOL     regenerate into a scratch directory
                                        and compare with SOURCE_DIR/docs/man;
                                        check that every symbol of
                                        src/libshmchan.map has a page

Only the standard library; the output depends on nothing but the sources
(no date: the version, from include/shmchan/common.h, dates a page).
"""
import filecmp
import os
import re
import shutil
import subprocess
import sys
import tempfile

HEADERS = ["common.h", "segment.h", "ring.h", "config.h", "channel.h", "anon.h", "inspect.h",
           "waitset.h", "fdpass.h", "newosp.h"]


def roff_text(line, params=False):
    """Escape one line of text for roff: backslashes, and a leading dot or
    quote that roff would take for a request. With @params, the headers'
    @name (a parameter) is set in italics."""
    line = line.replace("\\", "\\e")
    if line.startswith((".", "'")):
        line = "\\&" + line
    if params:
        line = re.sub(r"@([A-Za-z_][A-Za-z0-9_]*)", r"\\fI\1\\fP", line)
    return line


def version(src):
    txt = open(os.path.join(src, "include/shmchan/common.h")).read()
    parts = [re.search(r"#define SHMCHAN_VERSION_%s (\d+)" % k, txt).group(1)
             for k in ("MAJOR", "MINOR", "PATCH")]
    return ".".join(parts)


def comment_lines(body):
    """The text of a /* ... */ comment, without the stars."""
    out = []
    for ln in body.split("\n"):
        ln = ln.strip()
        if ln.startswith("/*"):
            ln = ln[2:]
        if ln.endswith("*/"):
            ln = ln[:-2]
        ln = ln.rstrip()
        if ln.startswith("* "):
            ln = ln[2:]
        elif ln.strip() == "*":
            ln = ""
        elif ln.startswith(" * "):
            ln = ln[3:]
        out.append(ln.rstrip())
    while out and not out[0].strip():
        out.pop(0)
    while out and not out[-1].strip():
        out.pop()
    return out


def parse_header(path):
    """(intro lines, [(comment lines, [declaration, ...])]) of one header."""
    txt = open(path).read()
    # Tokens: comments, SHMCHAN_API declarations (up to ';'), other lines.
    tokens = []
    i = 0
    while i < len(txt):
        if txt.startswith("/*", i):
            j = txt.index("*/", i) + 2
            tokens.append(("comment", txt[i:j]))
            i = j
        elif txt.startswith("SHMCHAN_API", i) and (i == 0 or txt[i - 1] == "\n"):
            j = txt.index(";", i) + 1
            decl = " ".join(txt[i:j].split())
            tokens.append(("decl", decl[len("SHMCHAN_API "):]))
            i = j
        else:
            j = txt.find("\n", i)
            j = len(txt) if j < 0 else j + 1
            line = txt[i:j].strip()
            if line and not line.startswith("#define") and line != "#endif":
                tokens.append(("code", line))
            elif line:
                tokens.append(("define", line))
            i = j
    comments = [t for t in tokens if t[0] == "comment"]
    intro = comment_lines(comments[1][1]) if len(comments) > 1 else []
    groups = []
    last_comment = None
    for kind, val in tokens:
        if kind == "comment":
            last_comment = comment_lines(val)
        elif kind == "decl":
            if last_comment is None:
                raise SystemExit("%s: %s has no comment above it" % (path, val))
            if groups and groups[-1][0] is last_comment:
                groups[-1][1].append(val)
            else:
                groups.append((last_comment, [val]))
        elif kind == "code":
            last_comment = None
        # #define lines between a comment and its declarations keep the
        # comment (shmchan_config_check's SHMCHAN_CHECK_* values).
    return intro, groups


def func_name(decl):
    return re.search(r"(shmchan_[a-z0-9_]+)\s*\(", decl).group(1)


def paragraphs(lines):
    """Blocks of lines separated by blank lines."""
    block = []
    for ln in lines:
        if ln.strip():
            block.append(ln)
        elif block:
            yield block
            block = []
    if block:
        yield block


def render_block(block, params=False):
    """A paragraph: running text, or preformatted where it is indented
    (examples, lists of values) so that the header's layout survives."""
    out = [".PP"]
    if any(ln.startswith("  ") for ln in block):
        out.append(".nf")
        out += [roff_text(ln, params) for ln in block]
        out.append(".fi")
    else:
        out += [roff_text(ln, params) for ln in block]
    return out


def split_summary(lines, names):
    """'shmchan_x - what it does. More...' -> ('what it does', rest)."""
    first = lines[0]
    m = re.match(r"(shmchan_[a-z0-9_]+(?:\(\))?(?:, shmchan_[a-z0-9_]+)*)\s+-\s+(.*)", first)
    if m:
        rest = [m.group(2)] + lines[1:]
    else:
        rest = lines[:]
    text = " ".join(ln.strip() for ln in rest if ln.strip())
    cut = re.search(r"[.;:](\s|$)", text)
    summary = text[:cut.start()] if cut else text
    summary = summary.replace("@", "")
    if len(summary) > 120:
        summary = summary[:117].rsplit(" ", 1)[0] + "..."
    return summary, rest


def return_value(rest):
    """(the sentences from the comment's last 'Returns' to the end of its
    paragraph, the comment without them); (None, rest) if it has none."""
    text = "\n".join(rest)
    idx = text.rfind("Returns")
    if idx < 0 or (idx > 0 and not text[idx - 1].isspace()):
        return None, rest
    end = text.find("\n\n", idx)
    end = len(text) if end < 0 else end
    rv = " ".join(text[idx:end].split())
    return rv, (text[:idx].rstrip() + "\n" + text[end:]).split("\n")


def th(name, section, ver):
    return '.TH %s %d "" "shmchan %s" "shmchan manual"' % (name.upper(), section, ver)


def page3(header, comment, decls, siblings, ver):
    names = [func_name(d) for d in decls]
    summary, rest = split_summary(comment, names)
    out = [".\\\" Made by docs/man/genman.py from include/shmchan/%s: edit that, not this." % header,
           th(names[0], 3, ver), ".SH NAME",
           "%s \\- %s" % (", ".join(n.replace("_", "\\_") for n in names), roff_text(summary)),
           ".SH SYNOPSIS", ".nf", ".B #include <shmchan.h>", ".PP"]
    for d in decls:
        out.append(roff_text(d))
    out += [".fi", ".PP", "Link with", ".I \\-lshmchan", "(pkg-config: shmchan).", ".SH DESCRIPTION"]
    rv, rest = return_value(rest)
    for block in paragraphs(rest):
        out += render_block(block, True)
    if rv:
        out += [".SH RETURN VALUE", roff_text(rv, True)]
        out += [".PP", "Negative values are errno codes or the library's own",
                "(SHMCHAN_E*);", ".BR shmchan_strerror (3)", "names them."]
    out += [".SH SEE ALSO"]
    # The neighbours in the header (the calls declared around this one).
    at = siblings.index(names[0])
    near = siblings[max(0, at - 4):at] + siblings[at + len(names):at + len(names) + 4]
    see = near + ["shmchan"]
    out.append(",\n".join(".BR %s (%d)" % (s, 7 if s == "shmchan" else 3) for s in see))
    return "\n".join(out) + "\n"


def page7(src, intros, all_pages, ver):
    head = open(os.path.join(src, "docs/man/shmchan.7.in")).read().rstrip("\n")
    out = [".\\\" Made by docs/man/genman.py from docs/man/shmchan.7.in and the opening comments",
           ".\\\" of include/shmchan/*.h: edit those, not this.",
           th("shmchan", 7, ver), head, ".SH LAYERS AND CALLS",
           "Each header's own description (include/shmchan/NAME.h)."]
    for header, lines in intros:
        out += [".SS %s" % header]
        for block in paragraphs(lines):
            out += render_block(block)
    out += [".SH SEE ALSO", ".BR shmchan (1),"]
    out.append(",\n".join(".BR %s (3)" % p for p in all_pages))
    return "\n".join(out) + "\n"


def page1(tool, ver):
    text = subprocess.run([tool, "--help"], check=True, capture_output=True,
                          text=True).stdout.rstrip("\n").split("\n")
    out = [".\\\" Made by docs/man/genman.py from 'shmchan --help' (tools/shmchan.c): edit that.",
           th("shmchan", 1, ver)]
    section = None
    body = []

    def flush():
        if section is None:
            return
        out.append(".SH %s" % section)
        lines = [ln[4:] if ln.startswith("    ") else ln for ln in body]
        while lines and not lines[-1].strip():
            lines.pop()
        if section == "NAME":
            name, _, what = " ".join(ln.strip() for ln in lines).partition(" - ")
            out.append("%s \\- %s" % (name, roff_text(what)))
            return
        out.append(".nf")
        out.extend(roff_text(ln) for ln in lines)
        out.append(".fi")

    for ln in text:
        if ln and not ln[0].isspace() and ln.upper() == ln:
            flush()
            section, body = ln, []
        else:
            body.append(ln)
    flush()
    return "\n".join(out) + "\n"


def generate(src, out, tool):
    ver = version(src)
    pages = {}  # name -> text
    links = {}  # name -> target page
    intros = []
    for h in HEADERS:
        intro, groups = parse_header(os.path.join(src, "include/shmchan", h))
        intros.append((h, intro))
        siblings = [func_name(d) for _, decls in groups for d in decls]
        for comment, decls in groups:
            names = [func_name(d) for d in decls]
            pages[names[0]] = page3(h, comment, decls, siblings, ver)
            for n in names[1:]:
                links[n] = names[0]
    for d in ("man1", "man3", "man7"):
        os.makedirs(os.path.join(out, d), exist_ok=True)
    for name, text in pages.items():
        open(os.path.join(out, "man3", name + ".3"), "w").write(text)
    for name, target in links.items():
        open(os.path.join(out, "man3", name + ".3"), "w").write(".so man3/%s.3\n" % target)
    all_pages = sorted(list(pages) + list(links))
    open(os.path.join(out, "man7", "shmchan.7"), "w").write(page7(src, intros, all_pages, ver))
    open(os.path.join(out, "man1", "shmchan.1"), "w").write(page1(tool, ver))
    return all_pages


def check(src, tool):
    fail = 0
    with tempfile.TemporaryDirectory() as tmp:
        pages = generate(src, tmp, tool)
        committed = os.path.join(src, "docs/man")
        for d in ("man1", "man3", "man7"):
            new = sorted(os.listdir(os.path.join(tmp, d)))
            old = sorted(f for f in os.listdir(os.path.join(committed, d))) \
                if os.path.isdir(os.path.join(committed, d)) else []
            if new != old:
                print("man check: %s: pages differ: only made now %s, only committed %s"
                      % (d, sorted(set(new) - set(old)), sorted(set(old) - set(new))))
                fail = 1
            for f in set(new) & set(old):
                if not filecmp.cmp(os.path.join(tmp, d, f), os.path.join(committed, d, f),
                                   shallow=False):
                    print("man check: docs/man/%s/%s is not what the sources make" % (d, f))
                    fail = 1
        # What lintian and man(1) complain of: roff warnings, failed .so.
        if shutil.which("man"):
            env = dict(os.environ, LC_ALL="C.UTF-8", MANROFFSEQ="", MANWIDTH="80")
            for d in ("man1", "man3", "man7"):
                for f in sorted(os.listdir(os.path.join(tmp, d))):
                    r = subprocess.run(["man", "--warnings", "-E", "UTF-8", "-l", "-Tutf8", "-Z",
                                        os.path.join(d, f)], cwd=tmp, env=env,
                                       capture_output=True, text=True)
                    if r.returncode or r.stderr.strip():
                        print("man check: %s/%s: %s" % (d, f, r.stderr.strip() or r.returncode))
                        fail = 1
        else:
            print("man check: no man(1) here: roff warnings not checked")
    mapped = re.findall(r"^\s+(shmchan_[a-z0-9_]+);", open(os.path.join(src, "src/libshmchan.map")).read(), re.M)
    missing = [s for s in mapped if s not in pages]
    if missing:
        print("man check: exported symbols without a page: %s" % ", ".join(missing))
        fail = 1
    if fail:
        print("man check: run 'make man' and commit docs/man")
    else:
        print("man check: ok (%d exported symbols, each with a page; docs/man up to date)"
              % len(mapped))
    return fail


def main(argv):
    if len(argv) == 4 and argv[1] == "--check":
        return check(argv[2], argv[3])
    if len(argv) == 4:
        generate(argv[1], argv[2], argv[3])
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
