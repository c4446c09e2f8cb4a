"""Conversations that last: each collection's chats, kept in one SQLite file in the data folder.

A conversation is its messages in order: the user's questions, and the app's answers with everything shown with
them (evidence, sentences and their checks, sources, references) as the JSON of ``rag ask --json``, so that a
reopened chat looks as it did. Each call opens its own connection (the web app calls from several threads, and
several app processes may share the folder); WAL lets readers go on while one writes. Deleting a collection
deletes its conversations.
"""

from __future__ import annotations

import json
import sqlite3
import time
from contextlib import closing
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS conversations (
    id INTEGER PRIMARY KEY, collection TEXT NOT NULL, title TEXT NOT NULL, created REAL NOT NULL,
    updated REAL NOT NULL);
CREATE TABLE IF NOT EXISTS messages (
    id INTEGER PRIMARY KEY, conversation INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    role TEXT NOT NULL, content TEXT NOT NULL, answer TEXT);
CREATE INDEX IF NOT EXISTS messages_of ON messages(conversation, id);
"""


class ChatStore:
    def __init__(self, path: Path):
        self.path, self._created = path, False

    def _connect(self) -> sqlite3.Connection:
        if not self._created:  # once per store (tables are never dropped; WAL mode stays with the file)
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with closing(sqlite3.connect(self.path, timeout=30)) as db:
                db.execute("PRAGMA journal_mode=WAL")
                db.executescript(SCHEMA)
            self._created = True
        connection = sqlite3.connect(self.path, timeout=30)
        connection.execute("PRAGMA foreign_keys=ON")
        return connection

    def conversations(self, collection: str) -> list[dict]:
        """The collection's conversations, the most recent first: id, title, updated (epoch s), messages."""
        with closing(self._connect()) as db:
            rows = db.execute("SELECT c.id, c.title, c.updated, COUNT(m.id) FROM conversations c LEFT JOIN messages m "
                              "ON m.conversation = c.id WHERE c.collection = ? GROUP BY c.id ORDER BY c.updated DESC, "
                              "c.id DESC", (collection,)).fetchall()
        return [{"id": i, "title": t, "updated": u, "messages": n} for i, t, u, n in rows]

    def messages(self, conversation: int) -> list[dict]:
        """A conversation's messages in order: {"role", "content"} and, for an answer, "answer"."""
        with closing(self._connect()) as db:
            rows = db.execute("SELECT role, content, answer FROM messages WHERE conversation = ? ORDER BY id",
                              (conversation,)).fetchall()
        return [{"role": r, "content": c, **({"answer": json.loads(a)} if a else {})} for r, c, a in rows]

    def append(self, collection: str, conversation: int | None, messages: list[dict]) -> int:
        """Add messages to a conversation (a new one, titled by its first question, when ``conversation`` is None
        or was deleted meanwhile); returns its id."""
        now = time.time()
        with closing(self._connect()) as db, db:
            exists = conversation is not None and db.execute("SELECT 1 FROM conversations WHERE id = ?",
                                                             (conversation,)).fetchone()
            if not exists:
                title = next((m["content"] for m in messages if m["role"] == "user"), "Conversation")
                conversation = db.execute("INSERT INTO conversations (collection, title, created, updated) "
                                          "VALUES (?, ?, ?, ?)", (collection, title[:120], now, now)).lastrowid
            db.executemany("INSERT INTO messages (conversation, role, content, answer) VALUES (?, ?, ?, ?)",
                           [(conversation, m["role"], m["content"], json.dumps(m["answer"]) if m.get("answer")
                             else None) for m in messages])
            db.execute("UPDATE conversations SET updated = ? WHERE id = ?", (now, conversation))
        return conversation

    def delete(self, conversation: int) -> None:
        with closing(self._connect()) as db, db:
            db.execute("DELETE FROM conversations WHERE id = ?", (conversation,))

    def delete_collection(self, collection: str) -> None:
        with closing(self._connect()) as db, db:
            db.execute("DELETE FROM conversations WHERE collection = ?", (collection,))
