import json
import logging

import pytest

from vigil.io import atomic_path, write_json
from vigil.log import JsonFormatter


def test_failed_write_keeps_previous_file_and_leaves_no_temp(tmp_path):
    target = tmp_path / "out.json"
    write_json(target, {"v": 1})
    with pytest.raises(RuntimeError):
        with atomic_path(target) as staged:
            staged.write_text("half")
            raise RuntimeError("interrupted")
    assert json.loads(target.read_text()) == {"v": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["out.json"]


def test_directory_output_is_replaced_whole(tmp_path):
    target = tmp_path / "dir"
    target.mkdir()
    (target / "old.txt").write_text("old")
    with atomic_path(target) as staged:
        staged.mkdir()
        (staged / "new.txt").write_text("new")
    assert sorted(p.name for p in target.iterdir()) == ["new.txt"]


def test_nan_is_refused_not_written(tmp_path):
    with pytest.raises(ValueError):
        write_json(tmp_path / "m.json", {"f1": float("nan")})
    assert not (tmp_path / "m.json").exists()


def test_json_log_line_carries_extra_fields():
    record = logging.LogRecord("vigil.x", logging.INFO, __file__, 1, "trained", (), None)
    record.records = 12
    line = json.loads(JsonFormatter().format(record))
    assert line["event"] == "trained" and line["records"] == 12 and line["level"] == "info"
