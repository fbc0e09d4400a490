"""Question -> ranked passages: Chroma ANN candidates, BM25, and a sentence-level rerank."""
