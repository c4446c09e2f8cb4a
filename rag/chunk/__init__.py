"""Documents to passages: token-measured, sentence-aligned chunks, and the embedding model's tokenizer."""

from .chunker import ChunkSettings, Tokenizer, chunk_document
from .tokenizer import ModelTokenizer

__all__ = ["ChunkSettings", "ModelTokenizer", "Tokenizer", "chunk_document"]
