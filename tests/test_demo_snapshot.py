"""The demo's outputs hold the same cells, values and styles as before the redesign (issue 18).

`tests/data/demo_snapshot.json` was made by `tests/snapshot.py` at commit f799eca (main before
the redesign): the district workbook, the ministry report and every feedback file of both demo
months, and both months' analytical notes. A difference is a changed output: either a bug of
the change, or an intended change that regenerates the snapshot and says why in its commit.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import snapshot

STORED = Path(__file__).parent / "data" / "demo_snapshot.json"


@pytest.fixture(scope="module")
def demo_outbox(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Any]:
    return snapshot.make_demo(tmp_path_factory.mktemp("snapshot") / "demo")


@pytest.fixture(scope="module")
def outputs(demo_outbox: tuple[Path, Any]) -> dict[str, Any]:
    return snapshot.snapshot(*demo_outbox)


def test_the_demo_shows_the_letters_a_mail_send_would_send(demo_outbox) -> None:
    """The round trip without a server (issue 20): one .eml per expected school of the last
    month, each with the school's status; a feedback letter carries its feedback file."""
    import email
    import email.policy

    outbox, _ran = demo_outbox
    letters = sorted((outbox / "2026-11" / "Письма").glob("*.eml"))
    assert len(letters) == 13  # 14 schools, ОО-10 closed
    parsed = {path.name: email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
              for path in letters}
    feedback = parsed["ОО-05 замечания.eml"]
    assert feedback["To"] == "sosh5@berezovka.example.ru"
    assert str(feedback["Subject"]).endswith("отчёт ОО-05 принят с замечаниями")
    [attached] = list(feedback.iter_attachments())
    original = next((outbox / "2026-11" / "Замечания").glob("ОО-05 *"))
    assert attached.get_filename() == original.name
    assert attached.get_content() == original.read_bytes()
    assert "принят без замечаний" in parsed["ОО-01 отчёт принят.eml"].get_body(
        ("plain",)).get_content()


@pytest.fixture(scope="module")
def stored() -> dict[str, Any]:
    return json.loads(STORED.read_text(encoding="utf-8"))


def _differences(before: Any, now: Any, where: str = "") -> list[str]:
    """Where two snapshots differ, as paths: `file › sheet › cells › B7: before → now`."""
    if isinstance(before, dict) and isinstance(now, dict):
        found = []
        for key in sorted(set(before) | set(now)):
            found += _differences(before.get(key, "<нет>"), now.get(key, "<нет>"),
                                  f"{where} › {key}" if where else key)
        return found
    return [] if before == now else [f"{where}: {before!r} → {now!r}"]


def test_the_snapshot_holds_every_output_of_both_months(stored):
    for period in snapshot.PERIODS:
        names = [name for name in stored if name.startswith(period + "/")]
        assert f"{period}/Свод_{period}.xlsx" in names
        assert any(name.endswith(".docx") for name in names)
        assert any("/Замечания/" in name for name in names)
        assert any(name.split("/")[-1].startswith("Отчёт ") for name in names)
    district = stored["2026-11/Свод_2026-11.xlsx"]
    assert district["sheets"][:2] == ["Сводка", "Сдача отчётов"]
    assert len(district["Пары и группы"]["cells"]) > 1000


def test_demo_outputs_are_the_same_as_before_the_redesign(outputs, stored):
    assert sorted(outputs) == sorted(stored)
    differences = _differences(stored, outputs)
    assert not differences, f"{len(differences)} differences, the first:\n" + \
        "\n".join(differences[:30])


def test_a_changed_cell_is_seen(stored):
    """The comparison can fail: one value of one list, changed, is reported with its cell."""
    changed = json.loads(json.dumps(stored))
    cells = changed["2026-11/Свод_2026-11.xlsx"]["Наставники"]["cells"]
    cell = next(key for key, look in cells.items() if isinstance(look.get("v"), str))
    cells[cell]["v"] += "!"
    assert _differences(stored, changed) == [
        f"2026-11/Свод_2026-11.xlsx › Наставники › cells › {cell} › v: "
        f"{stored['2026-11/Свод_2026-11.xlsx']['Наставники']['cells'][cell]['v']!r} → "
        f"{cells[cell]['v']!r}"]
