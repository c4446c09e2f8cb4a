"""The chat: the conversation of the selected collection, streamed answers, and the sources behind each."""

from __future__ import annotations

import streamlit as st

from ..answer.present import answer_note, cited_sentences, escape, export_markdown, highlighted_markdown, where
from ..engine import Engine


def chat(engine: Engine, name: str) -> None:
    """Replay this collection's conversation, then answer a new question as it is written."""
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


def show_answer(answer: dict) -> None:
    """The cited sources, numbered as in the answer, then the passages retrieved but not cited."""
    cited = {c["n"] for c in answer["citations"]}
    if answer["citations"]:
        st.markdown("**Sources**")
    if note := answer_note(answer):
        st.caption(note)
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
