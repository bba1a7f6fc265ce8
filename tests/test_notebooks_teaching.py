"""The teaching notebooks execute headless with nbclient: no error, no stderr, no warning in any output,
and the notebooks stay thin (the logic lives in pressbook.teaching)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
TEACHING = ["why_multistep.ipynb", "compaction_explorer.ipynb", "interfaces_impedance.ipynb", "choose_goal.ipynb"]
MAX_CODE_LINES = 4  # per cell: imports, set-up, one call


def _text_of(output) -> str:
    if output.get("output_type") == "stream":
        return output.get("text", "")
    data = output.get("data", {})
    return "\n".join(str(v) for k, v in data.items() if k.startswith("text/"))


@pytest.mark.notebook
@pytest.mark.parametrize("name", TEACHING)
def test_teaching_notebook_executes_cleanly(name):
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    client = nbclient.NotebookClient(nb, timeout=300, kernel_name="python3",
                                     resources={"metadata": {"path": str(NOTEBOOKS)}})
    client.execute()
    widgets = 0
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        for out in cell.outputs:
            assert out.output_type != "error", f"{name}: {out.get('ename')}: {out.get('evalue')}"
            assert not (out.output_type == "stream" and out.get("name") == "stderr"), f"{name}: stderr: {out['text']}"
            text = _text_of(out)
            assert "Warning" not in text and "Traceback" not in text, f"{name}: {text[:500]}"
            if "application/vnd.jupyter.widget-view+json" in out.get("data", {}):
                widgets += 1
    assert widgets >= 1, f"{name} shows no widget"


@pytest.mark.parametrize("name", TEACHING)
def test_teaching_notebook_is_thin_and_voila_ready(name):
    nb = json.loads((NOTEBOOKS / name).read_text())
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert code and all(len("".join(c["source"]).strip().splitlines()) <= MAX_CODE_LINES for c in code)
    assert all(not c.get("outputs") for c in code), "store notebooks without outputs"
    assert nb["cells"][0]["cell_type"] == "markdown" and "".join(nb["cells"][0]["source"]).startswith("# ")
    assert "ui.setup()" in "".join(code[0]["source"])  # BokehJS inline before the first figure
    assert nb["metadata"]["kernelspec"]["name"] == "python3"
