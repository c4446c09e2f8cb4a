"""The Streamlit app through AppTest, with the real bundled models: the user's path through the UI."""

import re
import time

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from rag.answer.present import answer_markdown
from rag.answer.prompts import NO_ANSWER
from rag.ui.jobs import QUEUED, RUNNING
from rag.ui.warmup import LOADING
from tests.conftest import ROOT, shared_data

TIMEOUT = 300
PDF = "datta2010_dvt_prophylaxis_trauma_jtraumamanagoutcomes.pdf"


def start(wait: bool = True) -> AppTest:
    """The app on a fresh server; ``wait``: rerun until its warm-up (sample collection, models) is done."""
    st.cache_resource.clear()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    at.run()
    return warmed(at) if wait else at


def warmed(at: AppTest) -> AppTest:
    """Rerun the page until its progress line is gone."""
    deadline = time.monotonic() + TIMEOUT
    while any(c.value.startswith(LOADING) for c in at.caption) and time.monotonic() < deadline:
        time.sleep(0.5)
        at.run()
    return at


def busy(at: AppTest) -> bool:
    """Whether the page shows a job running or queued."""
    return any(c.value.startswith((RUNNING, QUEUED)) for c in at.caption)


def settled(at: AppTest) -> AppTest:
    """Rerun the page (as the progress fragment would) until it shows no job running or queued."""
    deadline = time.monotonic() + TIMEOUT
    while busy(at) and time.monotonic() < deadline:
        time.sleep(0.5)
        at.run()
    assert not busy(at), texts(at)
    return at


def texts(at: AppTest) -> str:
    return "\n".join(m.value for m in at.markdown) + "\n".join(c.value for c in at.caption)


def assert_cited_sources_shown(at: AppTest, answer: dict) -> None:
    """The answer cites evidence, and each cited item has its source under the answer: document, page, score."""
    assert answer["citations"] and answer["answer"] != NO_ANSWER and not answer["declined"], answer["answer"]
    labels = [e.label for e in at.expander]
    for c in answer["citations"]:
        source = re.escape(f"[{c['n']}] {c['document']}, page {c['page']}")
        assert any(re.fullmatch(source + r" · score \d\.\d\d", label) for label in labels), (c, labels)


@pytest.mark.slow
def test_first_start_has_the_sample_collection_ready_to_ask():
    at = start()
    assert not at.exception
    assert at.selectbox(key="collection").value == "Sample papers"
    assert any("This collection uses the bundled all-MiniLM-L6-v2" in c.value.replace("\\", "") for c in at.caption)
    at.chat_input[0].set_value("Which prophylactic modalities are common in trauma?").run()
    assert not at.exception
    live = texts(at).replace("\\", "")
    assert "**Evidence**" in live
    # The best evidence for this question (one of the first page's examples) is on the abstract's page, and the
    # answer cites it
    assert re.search(re.escape(f"{PDF}, page 1") + r"\b", live)
    answer = at.session_state.chats["Sample papers"][-1]["answer"]
    assert (answer["evidence"][0]["document"], answer["evidence"][0]["page"]) == (PDF, 1)
    assert_cited_sources_shown(at, answer)
    # Each cited source names its paper, with the DOI the PDF prints as a link
    assert answer["references"][PDF]["doi"] == "10.1186/1752-2897-4-1"
    assert any("](https://doi.org/10.1186/1752-2897-4-1)" in c.value and "Complications related to deep venous "
               "thrombosis prophylaxis in trauma" in c.value.replace("\\", "") for c in at.caption)
    # What streamed is what is kept: the answer as the live view showed it is the answer a rerun shows
    shown = answer_markdown(answer)
    assert answer["sentences"] and shown in [m.value for m in at.markdown]
    at.run()
    assert shown in [m.value for m in at.markdown]


@pytest.mark.slow
def test_the_page_shows_before_the_sample_collection_and_models_are_loaded():
    at = start(wait=False)
    assert not at.exception
    # The sidebar works at once; the sample collection is still being indexed behind it, with a progress line
    assert at.text_input[0].label == "New collection" and at.button(key="FormSubmitter:create-Create")
    assert any(c.value.startswith(f"{LOADING} Preparing the sample collection") for c in at.caption)
    assert not at.chat_input  # the sample collection takes no question before it is ready
    warmed(at)
    assert not any(c.value.startswith(LOADING) for c in at.caption)
    assert at.selectbox(key="collection").value == "Sample papers" and at.chat_input
    assert at.expander[0].label == "Documents (2)"


@pytest.mark.slow
def test_create_upload_ask_delete():
    at = start()
    at.text_input[0].set_value("Trauma")
    at.button(key="FormSubmitter:create-Create").click().run()
    assert at.selectbox(key="collection").value == "Trauma"

    pdf = shared_data("pdfs", "datta2010_dvt_prophylaxis_trauma_jtraumamanagoutcomes.pdf")
    note = b"<html><body><h1>Note</h1><p>Aspirin is not enough <script>alert(1)</script> after hip surgery.</p>"
    at.file_uploader[0].set_value([(pdf.name, pdf.read_bytes(), "application/pdf"),
                                   ("note.html", note, "text/html"), ("empty.txt", b"", "text/plain")])
    settled(at.button(key="FormSubmitter:upload-Add to collection").click().run())
    assert not at.exception
    assert "2 file(s) added" in at.success[0].value
    assert "empty.txt: the file is empty" in at.error[0].value.replace("\\", "")
    assert at.expander[0].label == "Documents (2)"

    at.chat_input[0].set_value("Which prophylactic modalities are common in trauma?").run()
    assert not at.exception
    chat = [m for m in at.chat_message]
    assert [m.name for m in chat] == ["user", "assistant"]
    shown = texts(at).replace("\\", "")
    # The sentence that answers it comes first, quoted with its page, and the answer cites the evidence
    answer = at.session_state.chats["Trauma"][-1]["answer"]
    first = answer["evidence"][0]
    assert (first["document"], first["page"]) == (PDF, 1)
    assert first["text"].startswith("Three prophylactic modalities are common: pharmacologic anticoagulation")
    assert f"**[1]** “{' '.join(first['text'].split())}”" in shown
    assert re.search(re.escape(f"{PDF}, page 1") + r"\b", shown)
    assert_cited_sources_shown(at, answer)

    at.button(key="delete").click().run()
    at.button(key="confirm").click().run()
    assert not at.exception
    assert "Trauma" not in at.selectbox(key="collection").options


@pytest.mark.slow
def test_markup_inside_documents_is_shown_as_text():
    at = start()
    at.text_input[0].set_value("Hostile")
    at.button(key="FormSubmitter:create-Create").click().run()
    page = ("# Heparin note\n\nHeparin dosing <script>alert('x')</script> <b>raw html</b> "
            "![tracker](http://example.invalid/t.png) [click](javascript:alert(1)) ends here.")
    at.file_uploader[0].set_value(("note.md", page.encode(), "text/markdown"))
    settled(at.button(key="FormSubmitter:upload-Add to collection").click().run())
    at.chat_input[0].set_value("What about heparin dosing?").run()
    assert not at.exception
    shown = [m.value for m in at.markdown if "Heparin dosing" in m.value]
    assert shown, "the passage is shown"
    for value in shown:
        # Every markup character from the document is escaped (our own evidence number and directives aside)
        text = re.sub(r"^\*\*\[\d+\]\*\* ", "", value).replace(":orange-background[", "").replace(":gray[", "")
        text = text.replace(":red[", "")
        assert re.search(r"(?<!\\)[<>(!`*_]|(?<!\\)\[", text) is None, value


@pytest.mark.slow
def test_password_gate(monkeypatch):
    monkeypatch.setenv("RAG_PASSWORD", "s3cret")
    at = start()
    assert not at.chat_input and not at.selectbox
    at.text_input[0].set_value("wrong")
    at.button[0].click().run()
    assert at.error[0].value == "Wrong password." and not at.chat_input
    at.text_input[0].set_value("s3cret")
    warmed(at.button[0].click().run())
    assert at.chat_input and at.selectbox(key="collection").value == "Sample papers"


def test_the_server_does_not_watch_source_files():
    # Watching the checkout (which holds .venv) for edits took CPU from the models: answers in the browser came
    # three times slower. `make run` and the browser test start the server from the folder holding this config.
    import tomllib

    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["server"]["fileWatcherType"] == "none"
    assert config["server"]["runOnSave"] is False
    assert config["server"]["address"] == "127.0.0.1"
    # A full garbage collection after each run took 0.3 s with the models loaded, with the GIL held: the jobs'
    # progress, redrawn twice a second, made an upload 2.5 times slower (bench/upload_jobs.py)
    assert config["runner"]["postScriptGC"] is False


@pytest.mark.slow
def test_the_first_page_shows_the_papers_and_asks_an_example_question_when_clicked():
    from rag.ui.warmup import EXAMPLES

    at = start()
    shown = texts(at).replace("\\", "")
    assert "“Sample papers” holds 2 documents:" in shown
    assert "- Complications related to deep venous thrombosis prophylaxis in trauma: a systematic review of the " \
           "literature · [doi:10.1186/1752-2897-4-1](https://doi.org/10.1186/1752-2897-4-1)" in shown
    assert "- Patient Experiences of Structured Heart Failure Programmes" in shown
    assert [b.label for b in at.button if b.key and b.key.startswith("example-")] == list(EXAMPLES)
    at.button(key="example-0").click().run()
    assert not at.exception
    chat = at.session_state.chats["Sample papers"]
    assert chat[0]["content"] == EXAMPLES[0] and chat[1]["answer"]["evidence"]
    assert not [b for b in at.button if b.key and b.key.startswith("example-")]  # the conversation has begun


@pytest.mark.slow
def test_a_chat_survives_an_app_restart_and_can_be_deleted():
    at = start()
    at.chat_input[0].set_value("Which prophylactic modalities are common in trauma?").run()
    answer = at.session_state.chats["Sample papers"][-1]["answer"]
    assert any(e.label == "Conversations (1)" for e in at.expander)

    at = start()  # a new server (its engine built again) and a new browser session
    assert at.session_state.chats == {"Sample papers": []} and any(e.label == "Conversations (1)" for e in at.expander)
    [opened] = [b for b in at.button if b.key and b.key.startswith("open-")]
    assert opened.label == "Which prophylactic modalities are common in trauma?"
    opened.click().run()
    assert not at.exception
    assert at.session_state.chats["Sample papers"][-1]["answer"] == answer
    assert answer_markdown(answer) in [m.value for m in at.markdown]  # shown as it was
    # A follow-up goes into the same conversation
    at.chat_input[0].set_value("Which of them is most used?").run()
    assert any(e.label == "Conversations (1)" for e in at.expander)
    [forget] = [b for b in at.button if b.key and b.key.startswith("forget-")]
    forget.click().run()
    assert any(e.label == "Conversations (0)" for e in at.expander) and at.session_state.chats["Sample papers"] == []


def test_a_cited_pdf_page_is_rendered_with_the_sentence_shaded():
    import numpy as np

    from rag.ui.pages import SHADE, page_image

    pdf = ROOT / "data" / "samples" / PDF
    sentence = ("Three prophylactic modalities are common: pharmacologic anticoagulation, mechanical compression "
                "devices, and inferior vena cava filtration.")
    plain, none = page_image(pdf, 1, [])
    marked, found = page_image(pdf, 1, [sentence])
    assert (none, found) == (0, 1) and plain.size == marked.size == (1191, 1588)  # 2 pixels a point
    changed = (np.asarray(plain) != np.asarray(marked)).any(axis=2)
    # The shading covers the sentence's two lines, about 460 x 10 and 110 x 10 points, and nothing else
    assert 4 * (460 * 10 + 110 * 10) < changed.sum() < 4 * (470 * 24 + 120 * 24)
    rows = np.flatnonzero(changed.any(axis=1))
    assert rows.max() - rows.min() < 2 * 30 and SHADE[0] == 255
    # Words changed in the middle: found from its first six words to its last six; a sentence not on the page: none
    _, found = page_image(pdf, 1, [sentence.replace("mechanical compression", "physical pressure")])
    _, missing = page_image(pdf, 1, ["Nothing on this page reads like this sentence at all."])
    assert (found, missing) == (1, 0)
    # A word hyphenated at a line end ("stu-dies", which pdfium gives as "stu\ufffedies") does not hide the sentence
    _, hyphenated = page_image(pdf, 2, ["Future studies are needed to identify the trauma populations that will "
                                        "benefit from prophylactic IVC filtration."])
    assert hyphenated == 1


@pytest.mark.slow
def test_a_question_can_be_restricted_to_chosen_documents_or_a_journal():
    tully = "tully2010_heart_failure_programmes_rehabrespract.pdf"
    at = start()
    at.multiselect(key="only-Sample papers").select(tully).run()
    at.chat_input[0].set_value("Which prophylactic modalities are common in trauma?").run()
    assert not at.exception
    answer = at.session_state.chats["Sample papers"][-1]["answer"]
    assert answer["passages"] and {p["document"] for p in answer["passages"]} == {tully}
    assert any(c.value.replace("\\", "") == f"Searched only: documents {tully}" for c in at.caption)
    # The sample PDFs' journal and year are read from their first pages: the documents list shows them, and a
    # journal filter keeps the DVT paper (Journal of Trauma Management & Outcomes) out of a question about DVT
    assert "Patient Experiences of Structured Heart Failure Programmes · Rehabilitation Research and Practice " \
           "2010 · " in texts(at).replace("\\", "")
    at.multiselect(key="only-Sample papers").unselect(tully).run()
    at.text_input(key="journal-Sample papers").set_value("rehabilitation").run()
    at.chat_input[0].set_value("Which prophylactic modalities are common in trauma?").run()
    answer = at.session_state.chats["Sample papers"][-1]["answer"]
    assert answer["passages"] and {p["document"] for p in answer["passages"]} == {tully}
    assert any(c.value.replace("\\", "") == 'Searched only: journal "rehabilitation"' for c in at.caption)


@pytest.mark.slow
def test_a_question_asked_of_two_collections_cites_and_opens_a_source_of_the_second():
    at = start()
    at.text_input[0].set_value("Notes")
    at.button(key="FormSubmitter:create-Create").click().run()
    note = b"Aspirin after hip surgery is cheap, and patients take it at home."
    at.file_uploader[0].set_value(("aspirin.txt", note, "text/plain"))
    settled(at.button(key="FormSubmitter:upload-Add to collection").click().run())
    at.multiselect(key="also-Notes").select("Sample papers").run()
    at.chat_input[0].set_value("Which prophylactic modalities are common in trauma?").run()
    assert not at.exception
    answer = at.session_state.chats["Notes"][-1]["answer"]
    assert answer["collections"] == ["Notes", "Sample papers"]
    assert (answer["passages"][0]["collection"], answer["passages"][0]["document"]) == ("Sample papers", PDF)
    [cited, *_] = [c for c in answer["citations"] if c["collection"] == "Sample papers"]
    # Its source names the collection, and opens there: the page rendered, the original downloadable
    label = f"[{cited['n']}] Sample papers / {PDF}, page {cited['page']} · score "
    assert any(e.label.startswith(label) for e in at.expander), [e.label for e in at.expander]
    at.toggle(key=f"page-m1-{cited['n']}").set_value(True).run()
    assert not at.exception
    [image] = at.get("image")
    assert image.proto.imgs[0].caption == f"{PDF}, page {cited['page']}"  # found and shaded on the page
    assert f"download-m1-{cited['n']}" in [d.key for d in at.get("download_button")]


@pytest.mark.slow
def test_the_app_on_postgresql_asks_opens_a_cited_page_and_deletes(database_url, monkeypatch):
    """With RAG_DATABASE_URL the same screens work on collections kept in the database, the sample one too."""
    monkeypatch.setenv("RAG_DATABASE_URL", database_url)
    at = start()
    assert at.selectbox(key="collection").value == "Sample papers"
    assert any(c.value.replace("\\", "").startswith("Kept in PostgreSQL at postgresql://postgres:***@/t")
               for c in at.caption), [c.value for c in at.caption]
    at.chat_input[0].set_value("Which prophylactic modalities are common in trauma?").run()
    assert not at.exception
    answer = at.session_state.chats["Sample papers"][-1]["answer"]
    assert_cited_sources_shown(at, answer)
    cited = next(c for c in answer["citations"] if c["document"] == PDF)
    at.toggle(key=f"page-m1-{cited['n']}").set_value(True).run()  # the original comes out of the database
    assert not at.exception
    [image] = at.get("image")
    assert image.proto.imgs[0].caption == f"{PDF}, page {cited['page']}"
    at.button(key="delete").click().run()
    at.button(key="confirm").click().run()
    assert not at.exception and at.selectbox(key="collection").options == []
    from rag.engine import Engine
    from rag.settings import Settings

    assert Engine(Settings.from_env()).collections() == []  # gone from the database, for every server


@pytest.mark.slow
def test_a_damaged_collection_says_where_its_files_are_and_can_be_deleted():
    from rag.settings import Settings

    folder = Settings.from_env().data_dir / "collections" / "Broken"
    folder.mkdir(parents=True)
    (folder / "collection.json").write_text("{truncated")
    at = start()
    warning = next(w.value.replace("\\", "") for w in at.warning if "Broken" in w.value)
    assert "cannot be opened" in warning and str(folder) in warning
    at.button(key="delete-damaged-Broken").click().run()
    at.button(key="confirm-damaged-Broken").click().run()
    assert not at.exception and not folder.exists()


@pytest.mark.slow
def test_an_answer_is_kept_even_when_the_run_ends_while_its_sources_are_drawn(monkeypatch):
    """A follow-up typed the moment the sources appear ends the run at its next write (Streamlit's fast rerun);
    the finished turn must already be in the conversation, on the page and on disk."""
    def cut_short(*args, **kwargs):
        raise RuntimeError("the run was stopped here")

    monkeypatch.setattr("rag.ui.chat.show_sources", cut_short)
    at = start()
    at.chat_input[0].set_value("Which prophylactic modalities are common in trauma?").run()
    chat = at.session_state.chats["Sample papers"]
    assert [m["role"] for m in chat] == ["user", "assistant"] and chat[1]["answer"]["evidence"]
    monkeypatch.undo()
    at.run()  # the next run: the turn is on the page, and in the saved conversations
    assert not at.exception
    assert answer_markdown(chat[1]["answer"]) in [m.value for m in at.markdown]
    assert any(e.label == "Conversations (1)" for e in at.expander)


@pytest.mark.slow
def test_switching_the_llm_while_rag_llm_decides_is_one_line_in_the_panel(monkeypatch):
    monkeypatch.setenv("RAG_LLM", "smollm2-135m")
    at = start()
    choice = at.selectbox(key="llm_choice")
    other = next(o for o in choice.options if o != "smollm2-135m")  # the default answerer make install put here
    assert other not in at.selectbox(key="pull_choice").options  # on this machine: nothing to download
    choice.set_value(other).run()
    at.button(key="use_llm").click().run()
    assert not at.exception
    assert [e.value.replace("\\", "") for e in at.error] == [
        "RAG_LLM=smollm2-135m is set and overrides the choice; unset it to switch."]
    assert at.chat_input  # the page goes on
