"""Outside development a node refuses to start without its keys; bad settings get one line."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from sincerity.cli.main import app


def test_production_refuses_to_run_without_the_key_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SINCERITY_ENV", "production")
    monkeypatch.setenv("SINCERITY_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("SINCERITY_DATABASE_URL", f"sqlite:///{tmp_path / 'x.db'}")
    result = CliRunner().invoke(app, ["catalog", "list"])
    assert result.exit_code == 2
    assert "sincerity init" in result.stderr
    assert not (tmp_path / "keys").exists()


def test_a_naive_fixed_clock_is_refused_with_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SINCERITY_NOW", "2026-11-27T10:00:00")
    monkeypatch.setenv("SINCERITY_DATA_DIR", str(tmp_path))
    result = CliRunner().invoke(app, ["id", "check", "11010519491231002X"])
    assert result.exit_code == 2
    assert "SINCERITY_NOW" in result.stderr


def test_the_key_file_is_private(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SINCERITY_ENV", "test")
    monkeypatch.setenv("SINCERITY_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("SINCERITY_DATABASE_URL", f"sqlite:///{tmp_path / 'x.db'}")
    assert CliRunner().invoke(app, ["init"]).exit_code == 0
    key_file = tmp_path / "keys" / "node-keys.json"
    assert key_file.stat().st_mode & 0o777 == 0o600


def test_an_internal_fault_ends_with_one_line_and_exit_three(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import sincerity.cli.main as cli

    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("a bug holding 110105199003071239")

    monkeypatch.setattr(cli, "check_numbers", broken)
    monkeypatch.setattr("sys.argv", ["sincerity", "id", "check", "11010519491231002X"])
    monkeypatch.setenv("SINCERITY_DATA_DIR", str(tmp_path))
    with pytest.raises(SystemExit) as exited:
        cli.main()
    assert exited.value.code == cli.INTERNAL_ERROR
    err = capsys.readouterr().err
    assert err.strip() == "sincerity: internal error (RuntimeError); whatever was committed before it is whole"
    assert "110105" not in err
