"""The chat: the conversation of the selected collection, evidence first, streamed answers, and their sources."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import closing
from datetime import datetime

import streamlit as st

from ..answer.bibliography import bibtex, cited_works, ris
from ..answer.fairlock import BUSY
from ..answer.present import (
    answer_markdown,
    answer_note,
    cite,
    escape,
    export_markdown,
    highlighted_markdown,
    links,
    sentence_markdown,
    shorten,
    where,
)
from ..engine import Engine
from ..errors import CollectionError, RagError
from .filters import asked, chosen_filters
from .pages import page_image
from .warmup import EXAMPLES, SAMPLE

# Streamlit's running man in the top bar changes five times a second for as long as the script runs, that is while an
# answer is written, and the browser lays out and draws the page again each time: half of what a page waiting for
# its answer costs the cores it may share with the LLM (bench/pages_cpu.py). The Stop button stays
QUIET = "<style>[data-testid='stStatusWidgetRunningIcon'] {display: none}</style>"


def page_setup() -> None:
    """The page's title and wide layout, and a top bar without the running man (the chat says what is going on)."""
    st.set_page_config(page_title="biorag", layout="wide")
    st.html(QUIET)  # styles only: Streamlit puts it where it takes no space


def chat(engine: Engine, name: str) -> None:
    """Replay this collection's conversation, then answer a new question as it is written."""
    state = st.session_state
    messages = state.chats.setdefault(name, [])  # the open conversation; saved in engine.chats as it grows
    new, markdown, bib, refs = st.columns([1, 1, 1, 1])
    if new.button("New chat", disabled=not messages):
        messages.clear()
        state.conversation.pop(name, None)
        st.rerun()
    markdown.download_button("Export as Markdown", export_markdown(name, messages), file_name=f"{name}-chat.md",
                             mime="text/markdown", disabled=not messages)
    works = cited_works(messages)
    bib.download_button("Cited works: BibTeX", bibtex(works), file_name=f"{name}-cited.bib",
                        mime="application/x-bibtex", disabled=not works)
    refs.download_button("Cited works: RIS", ris(works), file_name=f"{name}-cited.ris",
                         mime="application/x-research-info-systems", disabled=not works)

    def opener(item: dict):  # the original of a cited passage, in the collection it came from
        try:
            return engine.original(item.get("collection") or name, item["chunk_id"])
        except CollectionError:  # a collection asked alongside this one and deleted since
            return None

    replay(messages, opener)
    if not messages and "example" not in state and (picked := welcome(engine, name)):
        state.example = picked  # asked on a fresh page, without the welcome above it
        st.rerun()
    names = asked(name)
    if len(names) > 1:
        st.caption(f"Questions go to {' and '.join(f'“{escape(n)}”' for n in names)}: their passages are ranked "
                   "together, and each source names its collection.")
    # A fixed key keeps one input while its placeholder changes (another key would add a second box during the rerun)
    placeholder = f"Ask about {' and '.join(f'“{n}”' for n in names)}"
    if question := st.chat_input(placeholder, key="ask") or state.pop("example", None):
        with st.chat_message("user"):
            st.markdown(escape(question))
        history = [(q["content"], a["content"]) for q, a in zip(messages[::2], messages[1::2], strict=False)]
        with st.chat_message("assistant"):
            chosen = chosen_filters(name)
            within = {"filters": chosen.describe()} if chosen else {}  # kept with the answer, shown above it
            stream = engine.ask(names, question, history, k=state.top_k, filters=chosen or None,
                                mode="hybrid" if state.hybrid else "dense", temperature=state.temperature,
                                max_tokens=state.max_tokens)
            stream.waiting = place_in_line(st.empty())  # a follow-up's rewrite may wait for the model too
            with st.spinner("Finding the evidence…"):
                show_evidence({**stream.prepare().to_dict(), **within})
            stream.waiting = place_in_line(st.empty())  # under the evidence, where the answer will be
            sentences, failed = stream.answer.sentences, {}
            try:
                # closing(): a rerun (a new question) or a closed tab ends this run at its next write; the answer
                # stops and the model goes to the next in line now, not whenever the garbage is collected
                with closing(iter(stream)) as pieces:
                    st.write_stream(sentence_markdown(piece, sentences[-1] if sentences else None) for piece in pieces)
            except RagError as error:  # the LLM server failed: said here, under the evidence, kept with the turn
                st.error(escape(str(error)))
                failed = {"error": str(error)}
            answer = {**stream.answer.to_dict(), **within, **failed}
            key = f"m{len(messages) + 1}"
            keep_turn(engine, name, messages, question, answer)  # first: drawing the sources may be cut short
            show_sources(answer, opener, key)
    if (slot := state.get("conversations_slot")) is not None:  # the sidebar's place for the list, filled last so
        with slot:  # that it shows a conversation begun on this run
            conversations(engine, name)


def keep_turn(engine: Engine, name: str, messages: list[dict], question: str, answer: dict) -> None:
    """Add a finished turn to the conversation on the page and on disk. Called before its sources are drawn: a
    follow-up typed as soon as they appear ends the run at its next write, and a turn kept after them would be
    lost, the next answer then shown in its place."""
    turn = [{"role": "user", "content": question}, {"role": "assistant", "content": answer["answer"], "answer": answer}]
    messages += turn
    st.session_state.conversation[name] = engine.chats.append(name, st.session_state.conversation.get(name), turn)


def place_in_line(slot) -> Callable[[int], None]:
    """What an answer waiting for the shared model hears its place with: "Waiting for 2 answers ahead…" in
    ``slot``, written again as the line moves and every second meanwhile, taken away when its turn comes.

    Each write is also how an answer nobody waits for any more leaves the line: Streamlit ends a run at its next
    write once a new question was typed (a rerun) or the tab was closed (1.67 asks a disconnected session's run to
    stop), and the exception it raises there takes the answer out of the line (``rag.answer.fairlock``).
    """
    def waiting(ahead: int) -> None:
        if ahead == BUSY:
            slot.info("Waiting for the LLM server: it is busy with other answers…", icon=":material/hourglass_top:")
        elif ahead:
            slot.info(f"Waiting for {ahead} answer{'s' if ahead > 1 else ''} ahead…", icon=":material/hourglass_top:")
        else:
            slot.empty()
    return waiting


def replay(messages: list[dict], opener) -> None:
    """The conversation so far, each answer with its evidence, its error if the LLM failed, and its sources."""
    for n, message in enumerate(messages):
        with st.chat_message(message["role"]):
            if message.get("answer"):
                show_evidence(message["answer"])
                st.markdown(answer_markdown(message["answer"]))
                if message["answer"].get("error"):
                    st.error(escape(message["answer"]["error"]))
                show_sources(message["answer"], opener, f"m{n}")
            else:
                st.markdown(escape(message["content"]))


def conversations(engine: Engine, name: str) -> None:
    """The collection's saved conversations: open one, or delete it."""
    state, saved = st.session_state, engine.chats.conversations(name)
    with st.expander(f"Conversations ({len(saved)})"):
        for c in saved:
            left, right = st.columns([5, 1])
            current = state.conversation.get(name) == c["id"]
            when = f"{c['messages'] // 2} question(s), the last on {datetime.fromtimestamp(c['updated']):%d %b %H:%M}"
            if left.button(c["title"][:60], key=f"open-{c['id']}", type="primary" if current else "secondary",
                           help=when):
                state.chats[name] = engine.chats.messages(c["id"])
                state.conversation[name] = c["id"]
                st.rerun()
            if right.button("", icon=":material/delete:", key=f"forget-{c['id']}", help="Delete this conversation"):
                engine.chats.delete(c["id"])
                if current:
                    state.chats[name] = []
                    state.conversation.pop(name, None)
                st.rerun()


def welcome(engine: Engine, name: str) -> str | None:
    """A conversation not begun: the papers the collection holds and, for the samples, example questions; the
    question clicked, if any."""
    docs = sorted(engine.collection(name).documents.values(), key=lambda d: d["title"].lower())
    with st.container(border=True):
        if not docs:
            st.markdown(f"“{escape(name)}” has no documents yet: add papers with **Add documents** in the sidebar.")
            return None
        st.markdown(f"“{escape(name)}” holds {len(docs)} document{'s' if len(docs) > 1 else ''}:")
        for d in docs[:8]:
            link = links(d.get("metadata") or {})
            st.markdown(f"- {escape(shorten(d['title'], 150))}" + (f" · {link}" if link else ""))
        if len(docs) > 8:
            st.caption(f"and {len(docs) - 8} more (see Documents in the sidebar)")
        if name != SAMPLE:
            return None
        st.markdown("Try a question:")
        picked = [q for i, q in enumerate(EXAMPLES) if st.button(q, key=f"example-{i}")]
    return picked[0] if picked else None


def show_evidence(answer: dict) -> None:
    """The rewritten question of a follow-up, and the evidence quoted verbatim, numbered, with its source."""
    if answer["standalone"] and answer["standalone"] != answer["question"]:
        st.caption(f"Searched for: {escape(answer['standalone'])}")
    if answer.get("filters"):
        st.caption(f"Searched only: {escape(answer['filters'])}")
    if answer["evidence"] and not answer["declined"]:
        with st.container(border=True):
            st.markdown("**Evidence**")
            for e in answer["evidence"]:
                st.markdown(f"**[{e['n']}]** “{escape(' '.join(e['text'].split()))}”  \n"
                            f":gray[{escape(where(e, several(answer)))}]")


def show_sources(answer: dict, original=None, key: str = "") -> None:
    """Notes on the answer, the passage behind each cited evidence item (with its page and original file where
    ``original(citation)`` finds the file), and the passages not cited."""
    if note := answer_note(answer):
        st.caption(escape(note))
    cited_passages = set()
    for c in answer["citations"]:
        passage = answer["passages"][c["passage"] - 1]
        cited_passages.add(c["passage"])
        shown = bool(st.session_state.get(f"page-{key}-{c['n']}"))  # a page asked for keeps its source open
        with st.expander(f"[{c['n']}] {where(c, several(answer))} · score {passage['score']:.2f}", expanded=shown):
            if reference := (answer.get("references") or {}).get(c["document"]):
                st.caption(cite(reference))
            st.markdown(highlighted_markdown(passage["text"], [c["text"]]))
            if original:
                show_original(original(c), c, f"{key}-{c['n']}")
    others = [p for n, p in enumerate(answer["passages"], 1) if n not in cited_passages]
    if others:
        with st.expander(f"Retrieved but not cited ({len(others)})", expanded=bool(answer.get("declined"))):
            for p in others:
                st.markdown(f"**{escape(where(p, several(answer)))}** · score {p['score']:.2f}  \n{escape(p['text'])}")


def several(answer: dict) -> bool:
    """Whether an answer was drawn from more than one collection (its sources then name theirs)."""
    return len(answer.get("collections") or []) > 1


def show_original(found: tuple[bytes, str] | None, citation: dict, key: str) -> None:
    """The cited PDF page with the sentence shaded (on request: rendering takes a moment), and the original file."""
    if found is None:
        return
    data, filename = found
    left, right = st.columns([1, 1])
    right.download_button("Download the original", data, file_name=filename, key=f"download-{key}")
    if not (citation.get("page") and filename.lower().endswith(".pdf")):
        return
    if left.toggle(f"Show page {citation['page']}", key=f"page-{key}"):
        image, marked = page_image(data, citation["page"], [citation["text"]])
        st.image(image, caption=f"{filename}, page {citation['page']}" + ("" if marked else
                 " (the cited sentence could not be located on the page's text layer)"))
