"""The maps stay true: what the README and the docs point to exists in this repository.

A moved module or a renamed decision record breaks a reference silently; these tests
name every broken one, where it is written, so the engineer who moved it fixes the
map in the same change.
"""

from __future__ import annotations

import ast
import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "src" / "shortstack"
DECISIONS = ROOT / "docs" / "decisions"
# Top-level folders a document may name with a path, and the packages it may name
# relative to src/shortstack/ (`adapters/sqlite/db.py`), as the decision records do.
REPO_DIRS = ("src", "tests", "bench", "infra", "scripts", "web", "docs")
PACKAGE_DIRS = ("adapters", "bootstrap", "domain", "entrypoints", "service_layer", "data")
_PATH_CHARS = r"[\w.-]"
REPO_PATH = re.compile(rf"(?<![\w/.-])((?:{'|'.join(REPO_DIRS)})/(?:{_PATH_CHARS}+/?)*)")
PACKAGE_PATH = re.compile(rf"(?<![\w/.-])((?:{'|'.join(PACKAGE_DIRS)})/(?:{_PATH_CHARS}+/?)*)")
SHORT_DECISION = re.compile(r"docs/decisions/\d{4}")
MARKDOWN_LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
DECISION_CITATION = re.compile(
    r"(?:docs/decisions/|\bdecision |\bADR )(\d{4})([\w-]*(?:\.md)?)", re.IGNORECASE
)


def documents() -> list[Path]:
    """README.md, every Markdown file under docs/, and bench/README.md."""
    return [
        ROOT / "README.md",
        ROOT / "bench" / "README.md",
        *sorted((ROOT / "docs").rglob("*.md")),
    ]


def tracked_text_files() -> list[Path]:
    """Every file git tracks outside recorded fixtures and vendored code."""
    listed = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    skipped = ("tests/events/", "web/assets/vendor/", "uv.lock")
    paths = [ROOT / name for name in listed if not name.startswith(skipped)]
    return [path for path in paths if path.suffix not in {".png", ".ico", ".zip"}]


def where(path: Path, text: str, offset: int) -> str:
    return f"{path.relative_to(ROOT)}:{text.count(chr(10), 0, offset) + 1}"


def heading_anchors(text: str) -> set[str]:
    """The anchors GitHub gives a document's headings: lower case, punctuation dropped."""
    anchors = set()
    for heading in re.findall(r"^#+\s+(.+?)\s*$", text, re.MULTILINE):
        slug = re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-")
        anchors.add(slug)
    return anchors


def resolves(base: Path, reference: str) -> bool:
    """Whether `reference` names a file or folder under `base`, or `module.attribute` in one."""
    reference = reference.rstrip(".")
    candidate = base / reference
    if candidate.exists() or candidate.with_name(candidate.name + ".py").exists():
        return True
    module, _, attribute = candidate.name.partition(".")
    source = candidate.with_name(module + ".py")
    if not attribute or not source.is_file():
        return False
    pattern = rf"^\s*(?:async\s+)?(?:def|class)\s+{attribute}\b|^{attribute}\s*[:=]"
    return re.search(pattern, source.read_text(), re.MULTILINE) is not None


def test_markdown_links_to_repository_files_resolve() -> None:
    broken = []
    for document in documents():
        text = document.read_text()
        for match in MARKDOWN_LINK.finditer(text):
            target = match.group(1)
            if re.match(r"[a-z][a-z0-9+.-]*:", target):  # https:, mailto:, ...
                continue
            path_part, _, anchor = target.partition("#")
            linked = (document.parent / path_part).resolve() if path_part else document
            if not linked.exists():
                broken.append(f"{where(document, text, match.start())}: {target} does not exist")
            elif (
                anchor
                and linked.suffix == ".md"
                and anchor not in heading_anchors(linked.read_text())
            ):
                broken.append(f"{where(document, text, match.start())}: {target} names no heading")
    assert broken == [], "broken links:\n" + "\n".join(broken)


def test_paths_named_in_the_docs_exist() -> None:
    missing = []
    for document in documents():
        text = document.read_text()
        for pattern, base in ((REPO_PATH, ROOT), (PACKAGE_PATH, PACKAGE)):
            for match in pattern.finditer(text):
                if SHORT_DECISION.fullmatch(match.group(1).rstrip(".")):
                    continue  # `docs/decisions/0104`: the citation test checks those
                if not resolves(base, match.group(1)):
                    missing.append(f"{where(document, text, match.start())}: {match.group(1)}")
    assert missing == [], (
        "paths named in the docs that are not in the repository (fix the path, or the "
        "text if the file moved):\n" + "\n".join(missing)
    )


def test_every_cited_decision_record_exists() -> None:
    records = {path.name for path in DECISIONS.glob("[0-9][0-9][0-9][0-9]-*.md")}
    numbers = {name[:4] for name in records}
    missing = []
    for path in tracked_text_files():
        try:
            text = path.read_text()
        except UnicodeDecodeError:
            continue
        for match in DECISION_CITATION.finditer(text):
            number, rest = match.groups()
            cited_file = number + rest if rest.endswith(".md") else None
            if number not in numbers or (cited_file and cited_file not in records):
                missing.append(f"{where(path, text, match.start())}: {match.group(0)}")
    assert missing == [], (
        f"citations of decision records that do not exist (records: {sorted(records)}):\n"
        + "\n".join(missing)
    )


def test_the_decision_index_lists_every_record() -> None:
    index = (DECISIONS / "README.md").read_text()
    unlisted = [
        path.name
        for path in sorted(DECISIONS.glob("[0-9][0-9][0-9][0-9]-*.md"))
        if f"({path.name})" not in index
    ]
    assert unlisted == [], f"add a row to docs/decisions/README.md for each of {unlisted}"


def layout_block() -> str:
    """The README's layout block: the fenced block whose first line is `src/shortstack/`."""
    readme = (ROOT / "README.md").read_text()
    for block in re.findall(r"^```[^\n]*\n(.*?)^```", readme, re.MULTILINE | re.DOTALL):
        if block.startswith("src/shortstack/\n"):
            return str(block)
    raise AssertionError("README.md has no ``` block starting with the line `src/shortstack/`")


def layout_entries(block: str) -> dict[str, int]:
    """Each folder or module the block names, as a repository path, with its line number.

    The block is a tree indented by two spaces a level: a line starts with the names it
    lists (`sqlite/`, `aws.py`), then says what they hold. A line that starts with any
    other word, or is indented deeper than a child of the folder above, continues the
    description above it.
    """
    entries: dict[str, int] = {}
    parents: list[str] = []
    for number, line in enumerate(block.splitlines(), start=1):
        names = []
        for word in line.split():
            if not word.endswith(("/", ".py")):
                break
            names.append(word)
        if not names:
            continue
        depth = (len(line) - len(line.lstrip(" "))) // 2
        if depth > len(parents):
            continue
        del parents[depth:]
        for name in names:
            entries["/".join([*parents, name.rstrip("/")])] = number
        if names[-1].endswith("/"):
            parents.append(names[-1].rstrip("/"))
    return entries


def test_every_package_is_in_the_readme_layout() -> None:
    listed = layout_entries(layout_block())
    missing = []
    for init in sorted(PACKAGE.rglob("__init__.py")):
        package = init.parent.relative_to(ROOT).as_posix()
        if package not in listed:
            parent, _, name = package.rpartition("/")
            depth = len(init.parent.relative_to(PACKAGE).parts)
            under = parent.rpartition("/")[2] if depth > 1 else parent
            missing.append(
                f"- {package}/: add the line `{'  ' * depth}{name}/  <what it holds>`"
                f" under `{under}/`"
            )
    assert missing == [], (
        "packages missing from the layout block in README.md (### Layout, the ``` block "
        "that starts with `src/shortstack/`); add a line for each, indented two spaces per "
        "level, and a row to the 'Where things live' table if requests pass through it:\n"
        + "\n".join(missing)
    )


def test_the_readme_layout_names_only_what_exists() -> None:
    stale = [
        f"line {number}: {path}"
        for path, number in layout_entries(layout_block()).items()
        if not (ROOT / path).exists()
    ]
    assert stale == [], (
        "the layout block in README.md names paths that do not exist; rename or remove "
        "their lines:\n" + "\n".join(stale)
    )


def test_every_module_beside_the_packages_is_in_the_readme_layout() -> None:
    # The layout names each module of these folders one by one (their packages have their
    # own line); a module added beside them belongs on a line of its own too.
    listed = layout_entries(layout_block())
    folders = (PACKAGE, PACKAGE / "entrypoints", PACKAGE / "adapters")
    unlisted = [
        module.relative_to(ROOT).as_posix()
        for folder in folders
        for module in sorted(folder.glob("*.py"))
        if module.name != "__init__.py" and module.relative_to(ROOT).as_posix() not in listed
    ]
    assert unlisted == [], (
        "modules missing from the layout block in README.md; add a line for each, under "
        "its folder, saying what it holds:\n" + "\n".join(unlisted)
    )


def test_every_class_member_the_readme_map_names_is_defined() -> None:
    # "Where things live" names methods (`RedirectService.follow`): a rename leaves the row
    # pointing at nothing, as a moved module would.
    table = (ROOT / "README.md").read_text().split("### Where things live", 1)[1]
    table = table.split("\n## ", 1)[0]
    named = set(re.findall(r"`([A-Z]\w+)\.(\w+)`", table))
    defined: set[tuple[str, str]] = set()
    for module in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(module.read_text())):
            if isinstance(node, ast.ClassDef):
                for member in node.body:
                    if isinstance(member, ast.FunctionDef | ast.AsyncFunctionDef):
                        defined.add((node.name, member.name))
    missing = sorted(f"{cls}.{member}" for cls, member in named - defined)
    assert missing == [], (
        "the 'Where things live' table in README.md names members no class of src/ "
        "defines; rename or remove them:\n" + "\n".join(missing)
    )
