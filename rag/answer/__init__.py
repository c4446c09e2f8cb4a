"""Hits to answers: prompts, the local LLM, generation with citations, and presenting answers to people."""
