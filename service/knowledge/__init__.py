"""The coach's articles as knowledge: parsing, chunking, the Chroma store and the lexical index."""
