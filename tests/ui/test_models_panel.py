"""The Models panel through AppTest: the catalogue, a download from a hub on 127.0.0.1, switching, re-indexing."""

import pytest

from rag.models import resolve_embeddings, resolve_llm
from rag.models.catalogue import entry
from tests.hub import Hub
from tests.ui.test_app import start


def caption(at) -> str:
    """The sidebar's models line, as shown (Markdown escapes removed)."""
    return next(c.value for c in at.caption if c.value.startswith("Embeddings:")).replace("\\", "")

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("no_app_models")]  # the panel's flow from the bundled LLM


@pytest.fixture
def hub(monkeypatch):
    """The bundled GGUF served as Qwen2.5-0.5B and the bundled MiniLM's files as PubMedBERT."""
    minilm = resolve_embeddings().path
    qwen, pubmedbert = entry("qwen2.5-0.5b"), entry("pubmedbert")
    with Hub({qwen.repo: {qwen.files[0]: resolve_llm("smollm2-135m").path},
              pubmedbert.repo: {p.relative_to(minilm).as_posix(): p for p in minilm.rglob("*") if p.is_file()}}) as hub:
        monkeypatch.setenv("HF_ENDPOINT", hub.url)
        monkeypatch.setattr("huggingface_hub.constants.HF_HUB_OFFLINE", False)
        yield hub


def test_download_switch_the_llm_and_reindex_from_the_panel(hub):
    at = start()
    hub.corrupt = True  # a download that does not match the hub's checksum is refused, in the panel
    at.selectbox(key="pull_choice").set_value("qwen2.5-0.5b")
    at.button(key="pull").click().run()
    assert "the download is corrupt and was deleted" in at.error[0].value.replace("\\", "")
    assert at.chat_input and at.dataframe[0].value.set_index("model").loc["qwen2.5-0.5b", "here"] == "-"
    hub.corrupt = False
    assert "LLM: SmolLM2-135M-Instruct (Q4_1)" in caption(at)
    table = at.dataframe[0].value
    assert list(table["model"])[:3] == ["minilm", "pubmedbert", "smollm2-135m"]
    assert list(table["here"])[:4] == ["●", "-", "●", "-"] and table["size"][1] == "438 MB"

    at.selectbox(key="pull_choice").set_value("qwen2.5-0.5b")
    at.button(key="pull").click().run()
    assert not at.exception and not at.error
    assert at.success[0].value.replace("\\", "") == "Downloaded qwen2.5-0.5b (sizes and SHA-256 checked)."
    assert at.dataframe[0].value.set_index("model").loc["qwen2.5-0.5b", "here"] == "pulled"
    at.selectbox(key="llm_choice").set_value("qwen2.5-0.5b").run()
    at.button(key="use_llm").click().run()
    assert "LLM: Qwen2.5-0.5B-Instruct (Q4_K_M)" in caption(at)
    assert at.dataframe[0].value.set_index("model").loc["qwen2.5-0.5b", "here"] == "●"

    at.selectbox(key="pull_choice").set_value("pubmedbert")
    at.button(key="pull").click().run()
    assert at.selectbox(key="reindex_choice").options == ["pubmedbert"]
    documents = next(e.label for e in at.expander if e.label.startswith("Documents ("))  # "Documents (2)"
    at.button(key="reindex").click().run()
    assert not at.exception and not at.error
    assert "Embeddings: neuml/pubmedbert-base-embeddings" in caption(at)
    said = at.success[0].value.replace("\\", "")
    assert said.startswith(f"Re-indexed with neuml/pubmedbert-base-embeddings: {documents[11:-1]} documents, ")
    assert next(e.label for e in at.expander if e.label.startswith("Documents (")) == documents  # all kept


def test_finetune_from_the_panel_then_reindex_with_the_new_model():
    at = start()
    at.button(key="finetune").click().run()
    assert not at.exception and not at.error
    said = at.success[0].value.replace("\\", "")
    assert said.startswith("Saved sample-papers-tuned, trained on ") and "nDCG@10 went from " in said
    assert at.dataframe[0].value.set_index("model").loc["sample-papers-tuned", "here"] == "fine-tuned"
    assert at.selectbox(key="reindex_choice").options == ["sample-papers-tuned"]
    at.button(key="reindex").click().run()
    assert not at.exception and not at.error
    assert "Embeddings: sample-papers-tuned" in caption(at)
    assert at.dataframe[0].value.set_index("model").loc["sample-papers-tuned", "here"] == "fine-tuned"
