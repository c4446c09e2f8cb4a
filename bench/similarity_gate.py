"""Evidence for RAG_MIN_SIMILARITY: the closest passage's cosine for on-topic, unrelated and off-topic questions.

On-topic: questions about the shared PDFs, and PubMedQA dev questions against their 500 abstracts.
Usage: .venv/bin/python bench/similarity_gate.py  ->  bench/results/similarity_gate.json
"""

import tempfile
from pathlib import Path

from common import SHARED, write

from rag.chunk import ChunkSettings
from rag.engine import Engine
from rag.eval.retrieval import build_index, load_pubmedqa
from rag.settings import Settings

QUESTIONS = {
    "about_the_pdfs": [
        "What are the complications of DVT prophylaxis in trauma patients?",
        "What barriers to quality improvement were found at Kamuzu Central Hospital?",
        "How do patients experience structured heart failure programmes?",
        "Why are N-domain selective ACE inhibitors of interest?", "What does the VESPA software automate?",
        "Which prophylactic modalities are common in trauma?", "What is the role of ACE in blood pressure?",
        "How many patients took part in the heart failure study?",
        "What software does VESPA use for selective pressure analysis?",
        "What resources were lacking in Malawi hospitals?"],
    "biomedical_unrelated": [
        "What is the first-line treatment for malaria?", "Does metformin reduce cancer risk?",
        "What causes Alzheimer's disease?", "How effective is the influenza vaccine?", "What are symptoms of sepsis?"],
    "off_topic": [
        "What is the capital of France?", "Who won the 2018 football World Cup?", "How do I bake sourdough bread?",
        "What is the speed of light?", "Write a poem about the sea.", "What time is it?", "hello",
        "Explain quantum computing."],
}


def main() -> None:
    result = {}
    with tempfile.TemporaryDirectory() as folder:
        engine = Engine(Settings.from_env(data_dir=Path(folder)))
        engine.ingest("pdfs", [(p.name, p) for p in sorted((SHARED / "pdfs").glob("*.pdf"))])
        collection = engine.collection("pdfs")
        for group, questions in QUESTIONS.items():
            result[group] = {q: round(collection.search(q, 1, "dense", 1.0)[0].score, 3) for q in questions}
        docs, queries, _ = load_pubmedqa(SHARED / "pubmedqa" / "dev.json")
        model = engine.models.embeddings
        index, _ = build_index(docs, model, ChunkSettings(model.maxlength - 2, 32))
        top = [index.search(q, 1, "dense", 1.0)[0].score for q in queries.values()]
        result["pubmedqa_dev_below"] = {str(t): sum(s < t for s in top) for t in (0.2, 0.25, 0.3, 0.35, 0.4)}
        result["pubmedqa_dev_questions"] = len(top)
        result["model"] = engine.models.embeddings.name
    write("similarity_gate.json", result)


if __name__ == "__main__":
    main()
