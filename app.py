"""Streamlit UI: chat with a collection, upload documents, and check the sources behind every answer.

Layout and wiring only: the Engine retrieves, prompts and runs the models; ``rag.present`` turns document
text and model output into inert Markdown. One Engine is shared by every browser session.
"""

from __future__ import annotations

import hmac
import logging
import tempfile
from pathlib import Path

import streamlit as st

from rag.engine import Engine
from rag.errors import RagError
from rag.ingest import IngestReport, ingest, safe_name, seed
from rag.present import cited_sentences, escape, export_markdown, highlighted_markdown, where
from rag.prompts import is_abstention
from rag.settings import Settings

SAMPLES = Path(__file__).resolve().parent / "data" / "samples"


@st.cache_resource(show_spinner="Loading the models…")
def create() -> Engine:
    """The one engine of this server, with the sample collection on a first start."""
    engine = Engine(Settings.from_env())
    seed(engine, SAMPLES)
    _ = engine.llm  # load the LLM now rather than at the first question
    return engine


def sidebar(engine: Engine) -> str | None:
    """Collections, uploads, documents, models and settings; returns the selected collection."""
    state = st.session_state
    names = [c["name"] for c in engine.collections()]
    if state.get("pending_collection") in names:
        state.collection = state.pop("pending_collection")
    name = st.selectbox("Collection", names, key="collection", placeholder="No collections yet")

    with st.form("create", clear_on_submit=True, border=False):
        new = st.text_input("New collection", placeholder="e.g. Anticoagulation")
        if st.form_submit_button("Create") and new.strip():
            engine.create(new.strip())
            state.pending_collection = new.strip()
            st.rerun()
    if not name:
        return None

    with st.form("upload", clear_on_submit=True, border=False):
        files = st.file_uploader("Add documents (PDF, text, Markdown, HTML, PubMed XML, MEDLINE)",
                                 accept_multiple_files=True)
        if st.form_submit_button("Add to collection") and files:
            state.report = upload(engine, name, files)
    if state.get("report"):
        show_report(state.report)

    collection = engine.collection(name)
    with st.expander(f"Documents ({len(collection.documents)})"):
        for doc_id, doc in sorted(collection.documents.items(), key=lambda d: d[1]["source"].lower()):
            left, right = st.columns([5, 1])
            left.markdown(f"{escape(doc['source'])}  \n:gray[{escape(doc['title'][:80])} · {doc['chunks']} passages]")
            if right.button("✕", key=f"remove-{doc_id}", help=f"Remove {doc['source']} from the collection"):
                engine.remove_document(name, doc_id)
                st.rerun()

    if st.button("Delete collection", key="delete"):
        state.confirm_delete = name
    if state.get("confirm_delete") == name:
        st.warning(f"Delete “{name}” and all its documents? This cannot be undone.")
        yes, no = st.columns(2)
        if yes.button("Yes, delete", type="primary", key="confirm"):
            engine.delete(name)
            state.chats.pop(name, None)
            state.confirm_delete = None
            st.rerun()
        if no.button("Cancel", key="cancel"):
            state.confirm_delete = None
            st.rerun()

    with st.expander("Settings"):
        s = engine.settings
        state.setdefault("top_k", s.top_k)
        st.slider("Passages per question", 1, 20, key="top_k")
        st.toggle("Hybrid search (keywords + meaning)", value=s.mode == "hybrid", key="hybrid")
        st.slider("Temperature", 0.0, 1.5, value=s.temperature, step=0.05, key="temperature")
        st.slider("Answer length (tokens)", 64, min(1024, s.n_ctx // 2 - 1), value=s.max_tokens, step=32,
                  key="max_tokens")

    models = engine.models()
    st.caption(f"Embeddings: {escape(collection.model.name)}  \nLLM: {escape(models['llm']['name'])}")
    if collection.model.bundled:
        st.info("Using the bundled all-MiniLM-L6-v2 embeddings: PubMedBERT (neuml/pubmedbert-base-embeddings) "
                "was not found on this machine. See the README to add it.")
    return name


def upload(engine: Engine, name: str, files) -> IngestReport:
    """Index uploaded files with a progress line per file and a bar for the embedding."""
    with st.status(f"Adding {len(files)} file(s)…", expanded=True) as status, \
            tempfile.TemporaryDirectory(prefix="rag-upload-") as tmp:
        paths = []
        for i, file in enumerate(files):
            path = Path(tmp) / str(i) / safe_name(file.name)
            path.parent.mkdir()
            path.write_bytes(file.getbuffer())
            paths.append((safe_name(file.name), path))
        bar = st.progress(0.0, text="Reading…")

        def progress(stage: str, done: int, total: int, item: str) -> None:
            if stage == "reading" and item:
                status.write(f"Reading {escape(item)}")
            elif stage == "indexing" and total:
                bar.progress(done / total, text=f"Embedding passages: {done} of {total}")

        report = ingest(engine, name, paths, progress)
        status.update(label=f"Added {len(report.added)} file(s), {report.chunks} passages", state="complete",
                      expanded=False)
    return report


def show_report(report: IngestReport) -> None:
    if report.added:
        st.success(f"{len(report.added)} file(s) added: {report.chunks} passages.")
    for file, reason in report.skipped:
        st.info(f"Skipped {escape(file)}: {escape(reason)}")
    for file, reason in report.failed:
        st.error(f"Not added: {escape(file)}: {escape(reason)}")


def show_answer(answer: dict) -> None:
    """The cited sources, numbered as in the answer, then the passages retrieved but not cited."""
    cited = {c["n"] for c in answer["citations"]}
    if answer["citations"]:
        st.markdown("**Sources**")
        if answer.get("citations_matched"):
            st.caption("The model gave no citation numbers: each [n] marks an answer sentence that repeats "
                       "that passage.")
    elif answer.get("declined"):
        st.caption("No passage of this collection is close to the question, so the LLM was not asked. "
                   "The closest passages are below.")
    elif answer["passages"] and not is_abstention(answer["answer"]):
        st.caption("The answer cites no passage: check it against the retrieved passages below.")
    for c in answer["citations"]:
        with st.container(border=True):
            st.markdown(f"**[{c['n']}] {escape(where(c))}** · score {c['score']:.2f}")
            claims = cited_sentences(answer["answer"], c["n"]) or [answer["answer"]]
            st.markdown(highlighted_markdown(c["text"], claims))
    others = [(n, p) for n, p in enumerate(answer["passages"], 1) if n not in cited]
    if others:
        with st.expander(f"Retrieved but not cited ({len(others)})", expanded=bool(answer.get("declined"))):
            for n, p in others:
                st.markdown(f"**[{n}] {escape(where(p))}** · score {p['score']:.2f}  \n{escape(p['text'])}")


def chat(engine: Engine, name: str) -> None:
    state = st.session_state
    messages = state.chats.setdefault(name, [])
    left, right = st.columns([1, 1])
    if left.button("New chat", disabled=not messages):
        messages.clear()
        st.rerun()
    right.download_button("Export as Markdown", export_markdown(name, messages), file_name=f"{name}-chat.md",
                          mime="text/markdown", disabled=not messages)

    for message in messages:
        with st.chat_message(message["role"]):
            st.markdown(escape(message["content"]))
            if message.get("answer"):
                show_answer(message["answer"])

    if question := st.chat_input(f"Ask about “{name}”"):
        with st.chat_message("user"):
            st.markdown(escape(question))
        history = [(q["content"], a["content"]) for q, a in zip(messages[::2], messages[1::2], strict=False)]
        with st.chat_message("assistant"):
            stream = engine.ask(name, question, history, k=state.top_k,
                                mode="hybrid" if state.hybrid else "dense", temperature=state.temperature,
                                max_tokens=state.max_tokens)
            st.write_stream(escape(piece) for piece in stream)
            answer = stream.answer.to_dict()
            show_answer(answer)
        messages += [{"role": "user", "content": question},
                     {"role": "assistant", "content": stream.answer.answer, "answer": answer}]


def signed_in(settings: Settings) -> bool:
    """With RAG_PASSWORD set, a password form until the right password is given (kept for the session)."""
    if not settings.password or st.session_state.get("signed_in"):
        return True
    with st.form("sign-in"):
        given = st.text_input("Password", type="password")
        if st.form_submit_button("Sign in"):
            if hmac.compare_digest(given.encode(), settings.password.encode()):
                st.session_state.signed_in = True
                st.rerun()
            st.error("Wrong password.")
    return False


def main() -> None:
    st.set_page_config(page_title="biorag", layout="wide")
    st.session_state.setdefault("chats", {})
    try:
        if not signed_in(Settings.from_env()):
            return
        engine = create()
        with st.sidebar:
            st.header("biorag")
            name = sidebar(engine)
        st.title(name or "Ask your papers")
        if name:
            chat(engine, name)
        else:
            st.info("Create a collection in the sidebar, then add your papers to it.")
    except RagError as error:
        st.error(str(error))
    except Exception as error:  # noqa: BLE001 - a bug must still reach the user as a message, not a traceback
        logging.getLogger("biorag").exception("unexpected error")
        st.error(f"Something went wrong ({type(error).__name__}: {error}). Your collections are unchanged; "
                 "the details are in the server's log.")


main()
