"""ARCHITECTURE.md stays true: its code map names every package under app/."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_code_map_names_every_package() -> None:
    text = (ROOT / "ARCHITECTURE.md").read_text()
    packages = sorted(path.parent.name for path in (ROOT / "app").glob("*/__init__.py"))
    assert len(packages) > 20
    missing = [name for name in packages if f"`{name}`" not in text and f"app/{name}/" not in text]
    assert missing == [], f"ARCHITECTURE.md's code map does not mention: {missing}"


TESTS = ROOT / "tests"
# The folders of tests/ that name no package: app/'s top-level modules, the command line, and
# the repository itself. ARCHITECTURE.md says what each holds.
CROSS_CUTTING = {"app", "cli", "project"}


def test_the_tests_mirror_the_packages() -> None:
    """Each folder of tests/ is an app package's or a documented cross-cutting one, every test
    file is in such a folder, and the root keeps only the shared helpers."""
    text = (ROOT / "ARCHITECTURE.md").read_text()
    packages = {path.parent.name for path in (ROOT / "app").glob("*/__init__.py")}
    folders = {
        path.name
        for path in TESTS.iterdir()
        if path.is_dir() and not path.name.startswith((".", "__"))
    }
    assert sorted(folders - packages - CROSS_CUTTING) == [], "name an app package, or document it"
    assert sorted(name for name in CROSS_CUTTING if f"`tests/{name}/`" not in text) == []
    assert sorted(path.name for path in TESTS.glob("test_*.py")) == []
    # A package each, so that two folders may both hold, say, a test_properties.py.
    assert sorted(name for name in folders if not (TESTS / name / "__init__.py").is_file()) == []
    # Deeper folders hold data (tests/spc/examples), not tests.
    assert sorted(str(path) for path in TESTS.glob("*/*/**/test_*.py")) == []
