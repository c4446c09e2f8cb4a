"""The Models panel through AppTest: the catalogue, a download from a hub on 127.0.0.1, switching, re-indexing."""

import re

import pytest

from rag.models import resolve_embeddings, resolve_llm
from rag.models.catalogue import entry
from tests.hub import Hub
from tests.ui.test_app import settled, start
from tests.ui.test_jobs import second_session, shown


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
    hub.corrupt = True  # a download that does not match the hub's checksum is refused, and said
    at.selectbox(key="pull_choice").set_value("qwen2.5-0.5b")
    settled(at.button(key="pull").click().run())
    assert "the download is corrupt and was deleted" in at.error[0].value.replace("\\", "")
    assert at.chat_input and at.dataframe[0].value.set_index("model").loc["qwen2.5-0.5b", "here"] == "-"
    at.button(key=f"dismiss-{at.session_state.jobs_started[-1]}").click().run()
    assert not at.error
    hub.corrupt = False
    assert "LLM: SmolLM2-135M-Instruct (Q4_1)" in caption(at)
    table = at.dataframe[0].value
    assert list(table["model"])[:3] == ["minilm", "pubmedbert", "smollm2-135m"]
    assert list(table["here"])[:4] == ["●", "-", "●", "-"] and table["size"][1] == "438 MB"

    # A download over a slow network goes on through a second tab and a question
    hub.seconds = 6.0
    at.selectbox(key="pull_choice").set_value("qwen2.5-0.5b")
    at.button(key="pull").click().run()
    assert "Downloading qwen2.5-0.5b…" in shown(at)
    other = second_session()
    assert "Downloading qwen2.5-0.5b…" in shown(other)
    at.chat_input[0].set_value("Which prophylactic modalities are common in trauma?").run()
    settled(at)
    hub.seconds = 0.0
    assert not at.exception and not at.error
    assert [s.value.replace("\\", "") for s in at.success] == ["Downloaded qwen2.5-0.5b (sizes and SHA-256 checked)."]
    assert at.dataframe[0].value.set_index("model").loc["qwen2.5-0.5b", "here"] == "pulled"
    other.run()
    assert not other.success and "Downloaded qwen2.5-0.5b (sizes and SHA-256 checked)." in shown(other)
    at.selectbox(key="llm_choice").set_value("qwen2.5-0.5b").run()
    at.button(key="use_llm").click().run()
    assert "LLM: Qwen2.5-0.5B-Instruct (Q4_K_M)" in caption(at)
    assert at.dataframe[0].value.set_index("model").loc["qwen2.5-0.5b", "here"] == "●"

    at.selectbox(key="pull_choice").set_value("pubmedbert")
    settled(at.button(key="pull").click().run())
    assert at.selectbox(key="reindex_choice").options == ["pubmedbert"]
    documents = next(e.label for e in at.expander if e.label.startswith("Documents ("))  # "Documents (2)"
    for job_id in at.session_state.jobs_started:
        at.button(key=f"dismiss-{job_id}").click().run()
    # The re-index goes on through a second tab and a question too (answered meanwhile)
    at.button(key="reindex").click().run()
    assert "Re-indexing “Sample papers” with pubmedbert…" in shown(at)
    assert re.search("Re-index(ing|ed) “Sample papers” with ", shown(second_session()))  # running, or just ended
    at.chat_input[0].set_value("Which prophylactic modalities are common in trauma?").run()
    assert not at.exception and at.session_state.chats["Sample papers"][-1]["answer"]["passages"]
    settled(at)
    assert not at.exception and not at.error
    assert "Embeddings: neuml/pubmedbert-base-embeddings" in caption(at)
    [said] = [s.value.replace("\\", "") for s in at.success]
    assert said.startswith(f"Re-indexed “Sample papers” with neuml/pubmedbert-base-embeddings: {documents[11:-1]} "
                           "documents, ")
    assert next(e.label for e in at.expander if e.label.startswith("Documents (")) == documents  # all kept


def test_finetune_from_the_panel_then_reindex_with_the_new_model():
    at = start()
    settled(at.button(key="finetune").click().run())
    assert not at.exception and not at.error
    said = at.success[0].value.replace("\\", "")
    assert said.startswith("Saved sample-papers-tuned, trained on ") and "nDCG@10 went from " in said
    assert at.dataframe[0].value.set_index("model").loc["sample-papers-tuned", "here"] == "fine-tuned"
    assert at.selectbox(key="reindex_choice").options == ["sample-papers-tuned"]
    settled(at.button(key="reindex").click().run())
    assert not at.exception and not at.error
    assert "Embeddings: sample-papers-tuned" in caption(at)
    assert at.dataframe[0].value.set_index("model").loc["sample-papers-tuned", "here"] == "fine-tuned"
