"""The documentation's relative links resolve, as GitHub renders README.md and docs/*.md.

A link names a file of the repository (a page, a picture, a module, the Makefile) that
must exist, and an anchor (`page.md#section`, `#section`) must be a heading of that
page, spelt as GitHub spells heading anchors. Absolute URLs are not followed, and
links inside code (fenced blocks, code spans) are not links.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote

ROOT = Path(__file__).resolve().parents[2]

FENCE = re.compile(r"^\s*(`{3,}|~{3,})")
HEADING = re.compile(r"^ {0,3}#{1,6}(?:[ \t]+(?P<text>.*?))?(?:[ \t]+#+)?[ \t]*$")
CODE_SPAN = re.compile(r"(?<!`)(`+)(?!`)(.+?)(?<!`)\1(?!`)", re.DOTALL)
HTML_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
# [text](target "title") and ![alt](target); the text may hold one level of brackets.
INLINE_LINK = re.compile(
    r"!?\[(?:[^\[\]]|\[[^\[\]]*\])*\]"
    r"\(\s*(?P<target><[^<>\n]*>|[^\s()]*)(?:\s+(?:\"[^\"]*\"|'[^']*'|\([^()]*\)))?\s*\)"
)
REFERENCE_DEFINITION = re.compile(r"^ {0,3}\[[^\]]+\]:[ \t]*(?P<target><[^<>\n]*>|\S+)", re.M)
SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:|^//")


def documents(root: Path = ROOT) -> list[Path]:
    """README.md and every page of docs/."""
    return [root / "README.md", *sorted((root / "docs").glob("*.md"))]


def closes(fence: str, line: str) -> bool:
    """Whether the line ends the fenced block the fence opened: the same character, at
    least as many times, and nothing else."""
    marks = line.strip()
    return len(marks) >= len(fence) and marks == fence[0] * len(marks)


def prose(markdown: str) -> list[tuple[int, str]]:
    """The blocks of text outside fenced code, each with the number of its first line.
    A block is a run of non-blank lines, so a link or a code span that wraps stays whole.
    """
    blocks: list[tuple[int, str]] = []
    current: list[str] = []
    start = 0
    fence: str | None = None
    for number, line in enumerate(markdown.splitlines(), start=1):
        opening = FENCE.match(line)
        if fence is not None:
            if closes(fence, line):
                fence = None
            continue
        if opening:
            fence = opening.group(1)
        if opening or not line.strip():
            if current:
                blocks.append((start, "\n".join(current)))
                current = []
            continue
        if not current:
            start = number
        current.append(line)
    if current:
        blocks.append((start, "\n".join(current)))
    return blocks


def without_code(text: str) -> str:
    """The text with each code span replaced by a placeholder word (so that a link whose
    text is code stays a link) and HTML comments removed."""
    return CODE_SPAN.sub("code", HTML_COMMENT.sub("", text))


def links(markdown: str) -> list[tuple[int, str]]:
    """Every link target (inline links, images, reference definitions) outside code,
    with its line number."""
    found: list[tuple[int, str]] = []
    for start, block in prose(markdown):
        text = without_code(block)
        for pattern in (INLINE_LINK, REFERENCE_DEFINITION):
            for match in pattern.finditer(text):
                target = match.group("target").strip("<>")
                found.append((start + text.count("\n", 0, match.start()), target))
    return sorted(found)


def slug(heading: str) -> str:
    """A heading's anchor as GitHub makes it: the rendered text (code spans keep their
    content, links their text), lower-cased, punctuation other than hyphens and
    underscores removed, each space a hyphen."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading)
    text = re.sub(r"<[^>]+>", "", text).replace("`", "").replace("*", "")
    text = re.sub(r"[^\w\- ]", "", text.strip().lower())
    return text.replace(" ", "-")


def anchors(markdown: str) -> set[str]:
    """The anchors of every heading outside fenced code; a repeated heading gets -1, -2,
    and so on, as on GitHub."""
    counts: dict[str, int] = {}
    found: set[str] = set()
    for _, block in prose(markdown):
        for line in block.splitlines():
            heading = HEADING.match(line)
            if heading is None:
                continue
            base = slug(heading.group("text") or "")
            result = base
            while result in counts:
                counts[base] += 1
                result = f"{base}-{counts[base]}"
            counts[result] = 0
            found.add(result)
    return found


def broken_links(document: Path, root: Path = ROOT) -> list[str]:
    """What is wrong with each relative link of the document, one line per link."""
    problems: list[str] = []
    name = document.relative_to(root).as_posix()
    for line, target in links(document.read_text(encoding="utf-8")):
        if SCHEME.match(target):
            continue
        where = f"{name}:{line}: ({target})"
        path_part, _, fragment = target.partition("#")
        path_part = path_part.partition("?")[0]
        if path_part.startswith("/"):
            problems.append(f"{where}: a path from / leaves the repository on GitHub")
            continue
        resolved = (document.parent / unquote(path_part)).resolve() if path_part else document
        if not resolved.is_relative_to(root.resolve()):
            problems.append(f"{where}: outside the repository")
            continue
        if not resolved.exists():
            problems.append(f"{where}: no such file")
            continue
        if (
            fragment
            and resolved.suffix == ".md"
            and unquote(fragment) not in anchors(resolved.read_text(encoding="utf-8"))
        ):
            problems.append(f"{where}: no heading with that anchor")
    return problems


def test_every_relative_link_in_the_docs_resolves() -> None:
    problems = [problem for document in documents() for problem in broken_links(document)]
    assert not problems, "\n".join(problems)


def test_the_check_reads_the_readme_and_every_docs_page() -> None:
    names = [document.relative_to(ROOT).as_posix() for document in documents()]
    assert names[0] == "README.md"
    assert "docs/performance.md" in names
    assert all(document.is_file() for document in documents())


def test_anchors_are_spelt_as_github_spells_them() -> None:
    markdown = "\n".join(
        [
            "# Browser apps (CORS)",
            "## `chalice deploy` against a pool you already have",
            "## Token verification: what is checked, and where",
            "## Option: Lambda SnapStart (not enabled)",
            "### [Linked](elsewhere.md) and `code_span` heading ##",
            "## Settings",
            "## Settings",
            "## Settings",
        ]
    )
    assert anchors(markdown) == {
        "browser-apps-cors",
        "chalice-deploy-against-a-pool-you-already-have",
        "token-verification-what-is-checked-and-where",
        "option-lambda-snapstart-not-enabled",
        "linked-and-code_span-heading",
        "settings",
        "settings-1",
        "settings-2",
    }


def test_headings_and_links_inside_code_are_ignored() -> None:
    markdown = "\n".join(
        [
            "# Real",
            "",
            "```sh",
            "# a shell comment, not a heading",
            "echo '[not a link](missing.md)'",
            "```",
            "",
            "  ~~~",
            "  [indented fence](missing.md)",
            "  ~~~",
            "",
            "Inline `[code](missing.md)` and ``[double `ticks`](missing.md)``, and",
            "a [real link](present.md#real) <!-- [comment](missing.md) -->.",
        ]
    )
    assert anchors(markdown) == {"real"}
    assert links(markdown) == [(13, "present.md#real")]


def test_a_link_whose_text_is_code_or_wraps_a_line_is_still_a_link() -> None:
    markdown = "\n".join(
        [
            "| route | page |",
            "|---|---|",
            "| [`POST /login`](docs/routes.md#sign-in) | the [routes",
            'page](docs/routes.md "Routes") |',
            "",
            "![The page](docs/page.png)",
            "",
            "[ref]: <docs/errors.md>",
        ]
    )
    assert links(markdown) == [
        (3, "docs/routes.md"),
        (3, "docs/routes.md#sign-in"),
        (6, "docs/page.png"),
        (8, "docs/errors.md"),
    ]


def test_missing_files_and_anchors_are_reported_and_absolute_urls_skipped(
    tmp_path: Path,
) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "Makefile").write_text("run:\n", encoding="utf-8")
    (tmp_path / "docs" / "page.md").write_text("# A page\n\n## Its section\n", encoding="utf-8")
    readme = tmp_path / "README.md"
    readme.write_text(
        "\n".join(
            [
                "# Title",
                "[ok](docs/page.md#its-section) [ok](#title) [ok](Makefile)",
                "[web](https://example.com/missing.md) [mail](mailto:someone@example.com)",
                "[gone](docs/gone.md) [bad anchor](docs/page.md#no-such-section)",
                "[bad here](#nowhere) [root](/docs/page.md) [out](../elsewhere.md)",
            ]
        ),
        encoding="utf-8",
    )
    assert broken_links(readme, root=tmp_path) == [
        "README.md:4: (docs/gone.md): no such file",
        "README.md:4: (docs/page.md#no-such-section): no heading with that anchor",
        "README.md:5: (#nowhere): no heading with that anchor",
        "README.md:5: (../elsewhere.md): outside the repository",
        "README.md:5: (/docs/page.md): a path from / leaves the repository on GitHub",
    ]
