"""Answering a reader: the pipeline's stages, the reply schema, situations, disagreements, the conversation."""
