"""Build a tiny BERT in sentence-transformers layout, as neuml/pubmedbert-base-embeddings is laid out."""

from __future__ import annotations

import json
from pathlib import Path

WORDS = ("heparin thrombosis venous deep trauma patients prevents aspirin blood malaria mosquitoes insulin "
         "diabetes what is the a of in by for and treats spread thins").split()


def build(folder: Path, seed: int = 0) -> Path:
    """Write config, weights, tokenizer and sentence-transformers files (mean pooling, 512 tokens) to ``folder``."""
    import torch
    from transformers import BertConfig, BertModel, BertTokenizerFast

    folder.mkdir(parents=True, exist_ok=True)
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *WORDS, *"abcdefghijklmnopqrstuvwxyz0123456789.,?"]
    (folder / "vocab.txt").write_text("\n".join(vocab) + "\n")
    BertTokenizerFast(vocab_file=str(folder / "vocab.txt"), do_lower_case=True).save_pretrained(folder)
    torch.manual_seed(seed)
    config = BertConfig(vocab_size=len(vocab), hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                        intermediate_size=64, max_position_embeddings=512)
    BertModel(config).save_pretrained(folder)
    (folder / "modules.json").write_text(json.dumps([
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
    ]))
    (folder / "sentence_bert_config.json").write_text(json.dumps({"max_seq_length": 512, "do_lower_case": False}))
    (folder / "1_Pooling").mkdir(exist_ok=True)
    (folder / "1_Pooling" / "config.json").write_text(json.dumps({
        "word_embedding_dimension": 32, "pooling_mode_cls_token": False, "pooling_mode_mean_tokens": True,
        "pooling_mode_max_tokens": False, "pooling_mode_mean_sqrt_len_tokens": False,
    }))
    return folder


def build_hub_cache(cache: Path, repo: str = "neuml/pubmedbert-base-embeddings") -> Path:
    """Lay the tiny model out as the Hugging Face cache holds a downloaded model; returns the snapshot folder."""
    base = cache / ("models--" + repo.replace("/", "--"))
    revision = "0" * 40
    (base / "refs").mkdir(parents=True, exist_ok=True)
    (base / "refs" / "main").write_text(revision)
    return build(base / "snapshots" / revision)
