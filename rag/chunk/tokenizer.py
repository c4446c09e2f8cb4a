"""The embedding model's own tokenizer, used to measure chunks in the tokens the model will see.

Loads only the tokenizer files of a local model folder (fast, no weights, no network).
"""

from __future__ import annotations

from pathlib import Path


class ModelTokenizer:
    """Token counts and token character spans from a Hugging Face tokenizer in a local folder."""

    def __init__(self, path: Path):
        from transformers import AutoTokenizer

        self.tokenizer = AutoTokenizer.from_pretrained(str(path), local_files_only=True)
        # Long texts are measured, not fed to the model: silence the length warning
        self.tokenizer.model_max_length = 10**9

    def count(self, texts: list[str]) -> list[int]:
        """Number of tokens of each text, special tokens excluded."""
        if not texts:
            return []
        return [len(ids) for ids in self.tokenizer(texts, add_special_tokens=False)["input_ids"]]

    def spans(self, text: str) -> list[tuple[int, int]]:
        """Character span of every token of ``text``."""
        return list(self.tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)["offset_mapping"])
